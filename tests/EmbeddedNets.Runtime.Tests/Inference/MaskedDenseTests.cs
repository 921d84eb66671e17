using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Inference;

public sealed class MaskedDenseTests
{
    [Theory]
    [InlineData(784, 300, 0.07)] // LeNet-300-100 ip1's shape and density: three chunks, the last part padding
    [InlineData(300, 100, 0.12)]
    [InlineData(100, 10, 0.35)] // fewer outputs than one 16-lane block
    [InlineData(65, 128, 0.5)] // exactly one chunk
    [InlineData(33, 129, 1.0)] // one row into a second chunk; every weight kept
    [InlineData(40, 257, 0.0)] // nothing kept: outputs are the bias
    [InlineData(3000, 70, 0.05)] // more inputs than the kernel keeps on the stack
    public void DenseMasked_MatchesDenseColumns_UpToTheSignOfZero(int inputs, int outputs, double keep)
    {
        var rng = new Random((inputs * 31) + outputs);
        DenseLayer layer = Layer(rng, inputs, outputs, keep);
        CompactDense columns = CompactDense.FromLayer(layer);
        MaskedDense masked = MaskedDense.FromLayer(layer);
        Assert.Equal(layer.Weights.Count + 16, masked.Values.Length);
        for (int trial = 0; trial < 20; trial++)
        {
            float[] x = CompactModelTests.RandomInput(rng, inputs);
            if (trial == 0)
            {
                Array.Clear(x); // an all-zero input: every output is its bias
            }

            var expected = new float[outputs];
            SparseKernels.DenseColumns(x, columns.ColumnStarts, columns.Rows, columns.Values, layer.Bias, expected);
            var actual = new float[outputs];
            if (!MaskedDense.IsSupported)
            {
                Assert.Throws<PlatformNotSupportedException>(() => SparseKernels.DenseMasked(x, masked, actual));
                return;
            }

            SparseKernels.DenseMasked(x, masked, actual);
            Assert.Equal(expected.Select(ZeroBlindBits), actual.Select(ZeroBlindBits));
        }
    }

    [SkippableFact]
    public void DenseMasked_WrongLengths_ThrowArgumentException()
    {
        // Without AVX-512 the platform check comes first (the test above covers that); here a
        // skip, not a silent pass, says the length checks were not exercised.
        Skip.IfNot(MaskedDense.IsSupported, "DenseMasked needs AVX-512, which this CPU lacks");
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
                    uint m = masked.Masks[(((c * 37) + i) * MaskedDense.BlocksPerChunk) + b];
                    Assert.True(m <= 0xFFFF, "a mask uses more than its block's 16 bits");
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
            expected[w.Positions[k]] = w.Codebook[w.Codes[k]];
        }

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), rebuilt.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void ListNonzero_MatchesAScalarScan()
    {
        var rng = new Random(11);
        for (int length = 0; length < 100; length++)
        {
            var x = new float[length];
            for (int i = 0; i < length; i++)
            {
                x[i] = rng.Next(5) switch
                {
                    0 => 0f,
                    1 => -0f, // equal to zero: skipped
                    2 => float.NaN, // not equal to zero: listed
                    _ => (float)rng.NextDouble() - 0.5f,
                };
            }

            var indices = new int[length + SparseKernels.NonzeroSlack];
            int count = SparseKernels.ListNonzero(x, indices);
            int[] expected = Enumerable.Range(0, length).Where(i => x[i] != 0f).ToArray();
            Assert.Equal(expected, indices.Take(count));
        }

        Assert.Throws<ArgumentException>(() => SparseKernels.ListNonzero(new float[10], new int[10 + SparseKernels.NonzeroSlack - 1]));
    }

    private static DenseLayer Layer(Random rng, int inputs, int outputs, double keep)
    {
        var positions = new List<int>();
        for (int p = 0; p < inputs * outputs; p++)
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

        var weights = new SparseWeights(inputs * outputs, DczTestModels.RandomFloats(rng, 64), 6, 8, positions.ToArray(), codes);
        return new DenseLayer("ip", inputs, outputs, weights, DczTestModels.RandomFloats(rng, outputs));
    }

    // Bits, with −0 read as +0: the masked kernel adds exact zeros for pruned weights, which can
    // turn a −0 sum into +0 (documented on SparseKernels.DenseMasked); nothing else may differ.
    private static int ZeroBlindBits(float v) => v == 0f ? 0 : BitConverter.SingleToInt32Bits(v);
}
