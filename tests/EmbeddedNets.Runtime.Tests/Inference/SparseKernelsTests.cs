using EmbeddedNets.Inference;

namespace EmbeddedNets.Runtime.Tests.Inference;

public sealed class SparseKernelsTests
{
    public static TheoryData<KernelPath> Paths => new(KernelAgreement.AllPaths);

    [Theory]
    [MemberData(nameof(Paths))]
    public void ConvAccumulate_EveryPath_IsBitIdenticalToScalar(KernelPath path)
    {
        if (!KernelPaths.IsSupported(path))
        {
            Assert.Throws<PlatformNotSupportedException>(() => SparseKernels.ConvAccumulateOnPath(new float[4], 2, 2, new float[4], 2, 2, 0, 0, 1, 1, 0, 0, 1f, path));
            return; // KernelPathTests runs the narrower paths in child processes
        }

        KernelAgreement.ConvAccumulate(path);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void TryConvValidTiled_EveryPath_IsBitIdenticalToFillPlanesThenConvAccumulatePerTap(KernelPath path)
    {
        if (!KernelPaths.IsSupported(path))
        {
            return;
        }

        foreach ((int cin, int inH, int inW, int k, int cout, double keep) in KernelAgreement.TiledShapes)
        {
            KernelAgreement.ConvTiled(path, cin, inH, inW, k, cout, keep);
        }
    }

    [Theory]
    [InlineData(24)] // LeNet-5 conv1
    [InlineData(8)] // LeNet-5 conv2
    [InlineData(17)]
    [InlineData(3)] // narrower than any vector: scalar tiles
    public void TiledPath_PicksTheFewestVectorsPerRow_A512BitOneCountingOneAndAQuarter(int outW)
    {
        int Cost(KernelPath p) => p == KernelPath.Scalar ? int.MaxValue : (outW + ((int)p / 32) - 1) / ((int)p / 32) * (p == KernelPath.Vector512 ? 5 : 4);
        KernelPath path = SparseKernels.TiledPath(outW);
        Assert.True(KernelPaths.IsSupported(path));
        Assert.True(path == KernelPath.Scalar || (int)path / 32 <= outW);
        foreach (KernelPath other in KernelAgreement.AllPaths.Where(p => p != KernelPath.Scalar && KernelPaths.IsSupported(p) && (int)p / 32 <= outW))
        {
            Assert.True(Cost(path) <= Cost(other), $"{path} costs more than {other} on rows of {outW}");
        }

        if (outW < 4)
        {
            Assert.Equal(KernelPath.Scalar, path);
        }
    }

    [Fact]
    public void ConvAccumulate_Padding_SkipsOutsideTaps()
    {
        // 2×2 input, 3×3 kernel tap (0,0), padding 1: output (oy,ox) reads input (oy-1, ox-1).
        float[] input = { 1, 2, 3, 4 };
        var output = new float[4];
        SparseKernels.ConvAccumulate(input, 2, 2, output, 2, 2, 0, 0, 1, 1, 1, 1, 10f);
        Assert.Equal(new float[] { 0, 0, 0, 10 }, output);
    }

    [Fact]
    public void Relu_VectorPath_IsBitIdenticalToScalar()
    {
        var rng = new Random(3);
        float[] values = CompactModelTests.RandomInput(rng, 1003);
        values[5] = -0f;
        values[17] = float.NaN;
        float[] scalar = (float[])values.Clone();
        SparseKernels.Relu(values);
        SparseKernels.ReluScalar(scalar);
        Assert.Equal(scalar.Select(BitConverter.SingleToInt32Bits), values.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(values[5]));
        Assert.Equal(0f, values[17]);
    }

    [Fact]
    public void DenseColumns_SkipsZeroInputsAndMatchesDenseMath()
    {
        // W = [[1, 0, 2], [0, 3, 4]] by column: col0 {r0:1}, col1 {r1:3}, col2 {r0:2, r1:4}.
        int[] starts = { 0, 1, 2, 4 };
        int[] rows = { 0, 1, 0, 1 };
        float[] values = { 1, 3, 2, 4 };
        float[] bias = { 0.5f, -1 };
        var y = new float[2];
        SparseKernels.DenseColumns(new float[] { 1, 0, 2 }, starts, rows, values, bias, y);
        Assert.Equal(new float[] { 0.5f + 1 + 4, -1 + 8 }, y);
    }

    [Theory]
    [InlineData(50, 7)]
    [InlineData(3000, 40)] // more inputs than the kernel keeps on the stack
    public void DenseColumns_RandomLayer_IsBitIdenticalToRowByRowInInputOrder(int inputs, int outputs)
    {
        var rng = new Random(inputs);
        var dense = new float[outputs * inputs];
        for (int k = 0; k < dense.Length; k++)
        {
            dense[k] = rng.Next(4) == 0 ? (float)rng.NextDouble() - 0.5f : 0f;
        }

        var starts = new List<int> { 0 };
        var rows = new List<int>();
        var values = new List<float>();
        for (int i = 0; i < inputs; i++)
        {
            for (int o = 0; o < outputs; o++)
            {
                if (dense[(o * inputs) + i] != 0)
                {
                    rows.Add(o);
                    values.Add(dense[(o * inputs) + i]);
                }
            }

            starts.Add(rows.Count);
        }

        float[] x = CompactModelTests.RandomInput(rng, inputs);
        float[] bias = CompactModelTests.RandomInput(rng, outputs);
        var expected = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            float sum = bias[o];
            for (int i = 0; i < inputs; i++)
            {
                if (x[i] != 0 && dense[(o * inputs) + i] != 0)
                {
                    sum += x[i] * dense[(o * inputs) + i];
                }
            }

            expected[o] = sum;
        }

        var y = new float[outputs];
        SparseKernels.DenseColumns(x, starts.ToArray(), rows.ToArray(), values.ToArray(), bias, y);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void DenseColumns_BadStructure_ThrowsArgumentException()
    {
        var y = new float[2];
        Assert.Throws<ArgumentException>(() => SparseKernels.DenseColumns(new float[] { 1, 1 }, new[] { 0, 1 }, new[] { 0 }, new float[] { 1 }, new float[2], y));
        Assert.Throws<ArgumentException>(() => SparseKernels.DenseColumns(new float[] { 1, 1 }, new[] { 0, 1, 1 }, new[] { 5 }, new float[] { 1 }, new float[2], y));
        Assert.Throws<ArgumentException>(() => SparseKernels.DenseColumns(new float[] { 1, 1 }, new[] { 0, 1, 1 }, new[] { 0 }, new float[] { 1 }, new float[2], new float[3]));
    }

    [Fact]
    public void MaxPool2d_TakesWindowMaxima()
    {
        float[] input = { 1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 0, 0, 9, 0, 0, 7 };
        var output = new float[4];
        SparseKernels.MaxPool2d(input, 1, 4, 4, 2, 2, 2, 2, output);
        Assert.Equal(new float[] { 5, 8, 9, 7 }, output);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ConvRunner_EveryFormOnEveryPath_MatchesThePerTapLoop(KernelPath path)
    {
        if (!KernelPaths.IsSupported(path))
        {
            return;
        }

        KernelAgreement.ConvRunnerLayers(path);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MaxPool2d_TwoByTwo_EveryPath_IsBitIdenticalToGeneralLoop(KernelPath path)
    {
        if (!KernelPaths.IsSupported(path))
        {
            return;
        }

        foreach ((int channels, int inH, int inW) in KernelAgreement.PoolShapes)
        {
            KernelAgreement.MaxPool(path, channels, inH, inW);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Preprocess_EveryPath_IsBitIdenticalToTheScalarFormula(KernelPath path)
    {
        if (!KernelPaths.IsSupported(path))
        {
            return;
        }

        KernelAgreement.Preprocess(path);
    }

    [Fact]
    public void Softmax_SumsToOneAndKeepsOrder()
    {
        float[] v = { 1000, 1001, 999 };
        SparseKernels.Softmax(v);
        Assert.Equal(1f, v.Sum(), 5);
        Assert.Equal(1, SparseKernels.ArgMax(v));
        Assert.True(v[0] > v[2]);
    }

    [Fact]
    public void ArgMax_TieGoesToFirst()
    {
        Assert.Equal(1, SparseKernels.ArgMax(new float[] { 0, 3, 3 }));
        Assert.Equal(-1, SparseKernels.ArgMax(ReadOnlySpan<float>.Empty));
    }
}
