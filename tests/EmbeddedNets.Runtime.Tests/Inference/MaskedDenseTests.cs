using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Inference;

public sealed class MaskedDenseTests
{
    public static TheoryData<KernelPath> Paths => new(KernelAgreement.AllPaths);

    [Theory]
    [MemberData(nameof(Paths))]
    public void DenseMasked_EveryPath_MatchesDenseColumns_UpToTheSignOfZero(KernelPath path)
    {
        if (!KernelPaths.IsMaskedSupported(path))
        {
            var masked = MaskedDense.FromLayer(Layer(new Random(1), 20, 140, 0.3));
            Assert.Throws<PlatformNotSupportedException>(() => SparseKernels.DenseMasked(new float[20], masked, new float[140], path));
            return; // this machine lacks the path; KernelPathTests narrows the others in child processes
        }

        foreach ((int inputs, int outputs, double keep) in KernelAgreement.MaskedShapes)
        {
            KernelAgreement.DenseMasked(path, inputs, outputs, keep);
        }
    }

    [Fact]
    public void DenseMasked_WrongLengths_ThrowArgumentException()
    {
        // Every process has a path for it (the scalar one at least), so the length checks always run.
        MaskedDense masked = MaskedDense.FromLayer(Layer(new Random(1), 20, 140, 0.3));
        var ex = Assert.Throws<ArgumentException>(() => SparseKernels.DenseMasked(new float[19], masked, new float[140]));
        Assert.Equal("x", ex.ParamName);
        Assert.Contains("must hold 20 values, but it holds 19", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => SparseKernels.DenseMasked(new float[20], masked, new float[128]));
        Assert.Equal("y", ex.ParamName);
        Assert.Contains("must hold 140 values, but it holds 128", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromLayer_MasksAndValuesDescribeEveryKeptWeight()
    {
        var rng = new Random(5);
        DenseLayer layer = Layer(rng, 37, 300, 0.2);
        MaskedDense masked = MaskedDense.FromLayer(layer);
        Assert.Equal(3, masked.Chunks);
        Assert.Equal(384, masked.Bias.Length);
        Assert.Equal(layer.Bias, masked.Bias.Take(300));
        Assert.All(masked.Bias.Skip(300), b => Assert.Equal(0f, b));

        // Rebuild the dense matrix from masks + values and compare with the layer's own weights.
        var rebuilt = new float[300 * 37];
        for (int c = 0; c < masked.Chunks; c++)
        {
            for (int i = 0; i < 37; i++)
            {
                int p = masked.Starts[(c * 37) + i];
                for (int b = 0; b < MaskedDense.BlocksPerChunk; b++)
                {
                    uint word = masked.Masks[(((c * 37) + i) * MaskedDense.BlocksPerChunk) + b];
                    Assert.Equal(p - masked.Starts[(c * 37) + i], (int)(word >> 16)); // kept values of the blocks before
                    uint m = word & 0xFFFF;
                    for (int j = 0; j < 16; j++)
                    {
                        if ((m & (1u << j)) != 0)
                        {
                            int row = (c * MaskedDense.ChunkRows) + (16 * b) + j;
                            Assert.True(row < 300, "a mask bit points into the padding");
                            rebuilt[(row * 37) + i] = masked.Values[p++];
                        }
                    }
                }
            }
        }

        var expected = new float[300 * 37];
        SparseWeights w = layer.Weights;
        for (int k = 0; k < w.Count; k++)
        {
            expected[w.Positions[k]] = w.Values[k];
        }

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), rebuilt.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ListNonzero_EveryPath_MatchesAScalarScan(KernelPath path)
    {
        if (!KernelPaths.IsSupported(path))
        {
            Assert.Throws<PlatformNotSupportedException>(() => SparseKernels.ListNonzero(new float[4], new int[4 + SparseKernels.NonzeroSlack], path));
            return;
        }

        KernelAgreement.ListNonzero(path);
        Assert.Throws<ArgumentException>(() => SparseKernels.ListNonzero(new float[10], new int[10 + SparseKernels.NonzeroSlack - 1], path));
    }

    /// <summary>A dense layer keeping each weight with probability <paramref name="keep"/>, 64 shared values.</summary>
    internal static DenseLayer Layer(Random rng, int inputs, int outputs, double keep) =>
        new("ip" + inputs + "x" + outputs, inputs, outputs, Weights(rng, inputs * outputs, keep), DczTestModels.RandomFloats(rng, outputs));

    /// <summary>Sparse weights keeping each position with probability <paramref name="keep"/>, 64 shared values.</summary>
    internal static SparseWeights Weights(Random rng, int length, double keep)
    {
        var positions = new List<int>();
        for (int p = 0; p < length; p++)
        {
            if (rng.NextDouble() < keep)
            {
                positions.Add(p);
            }
        }

        var codes = new byte[positions.Count];
        for (int k = 0; k < codes.Length; k++)
        {
            codes[k] = (byte)rng.Next(64);
        }

        return new SparseWeights(length, DczTestModels.RandomFloats(rng, 64), 6, 8, positions.ToArray(), codes);
    }
}
