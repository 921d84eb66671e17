using EmbeddedNets.Inference;

namespace EmbeddedNets.Runtime.Tests.Inference;

public sealed class SparseKernelsTests
{
    [Fact]
    public void ConvAccumulate_VectorPath_IsBitIdenticalToScalar()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 500; trial++)
        {
            int inH = rng.Next(1, 30), inW = rng.Next(1, 40);
            int k = rng.Next(1, Math.Min(inH, inW) + 1), pad = rng.Next(0, 3), strideH = rng.Next(1, 3);
            int outH = ((inH + (2 * pad) - k) / strideH) + 1, outW = inW + (2 * pad) - k + 1;
            float[] input = CompactModelTests.RandomInput(rng, inH * inW);
            float[] start = CompactModelTests.RandomInput(rng, outH * outW);
            float[] vector = (float[])start.Clone(), scalar = (float[])start.Clone();
            int ky = rng.Next(k), kx = rng.Next(k);
            float w = (float)rng.NextDouble() - 0.5f;
            SparseKernels.ConvAccumulate(input, inH, inW, vector, outH, outW, ky, kx, strideH, 1, pad, pad, w);
            SparseKernels.ConvAccumulateScalar(input, inH, inW, scalar, outH, outW, ky, kx, strideH, 1, pad, pad, w);
            Assert.True(vector.AsSpan().SequenceEqual(scalar), $"trial {trial}: {inH}×{inW}, k {k}, pad {pad}");
        }
    }

    [Theory]
    [InlineData(1, 28, 28, 5, 20, 0.66)] // LeNet-5 conv1: 24×24 output, nine tiles per channel
    [InlineData(20, 12, 12, 5, 50, 0.12)] // LeNet-5 conv2: 8×8 output, one tile
    [InlineData(3, 10, 19, 3, 4, 0.5)] // 8×17 output: not a multiple of the vector width → refused
    public void TryConvValidTiled_IsBitIdenticalToFillPlanesThenConvAccumulatePerTap(int cin, int inH, int inW, int k, int cout, double keep)
    {
        var rng = new Random(cin * 1000 + inW);
        int outH = inH - k + 1, outW = inW - k + 1;
        var taps = new List<(int Oc, int Ic, int Ky, int Kx, float W)>();
        for (int oc = 0; oc < cout; oc++)
        {
            for (int ic = 0; ic < cin; ic++)
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++)
                    {
                        if (rng.NextDouble() < keep)
                        {
                            taps.Add((oc, ic, ky, kx, (float)rng.NextDouble() - 0.5f));
                        }
                    }
                }
            }
        }

        float[] input = CompactModelTests.RandomInput(rng, cin * inH * inW);
        float[] bias = CompactModelTests.RandomInput(rng, cout);
        var expected = new float[cout * outH * outW];
        SparseKernels.FillPlanes(expected, bias, outH * outW);
        foreach ((int oc, int ic, int ky, int kx, float w) in taps)
        {
            SparseKernels.ConvAccumulate(input.AsSpan(ic * inH * inW, inH * inW), inH, inW, expected.AsSpan(oc * outH * outW, outH * outW), outH, outW, ky, kx, 1, 1, 0, 0, w);
        }

        int[] starts = new int[cout + 1];
        foreach (var t in taps)
        {
            starts[t.Oc + 1]++;
        }

        for (int c = 0; c < cout; c++)
        {
            starts[c + 1] += starts[c];
        }

        int[] offsets = taps.Select(t => (((t.Ic * inH) + t.Ky) * inW) + t.Kx).ToArray();
        var tiled = new float[expected.Length];
        bool done = SparseKernels.TryConvValidTiled(input, cin, inH, inW, k, k, starts, offsets, taps.Select(t => t.W).ToArray(), bias, tiled);
        if (outW % System.Numerics.Vector<float>.Count != 0)
        {
            Assert.False(done);
            return;
        }

        Assert.True(done);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), tiled.Select(BitConverter.SingleToInt32Bits));
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
    [InlineData(20, 24, 24)]
    [InlineData(3, 7, 5)] // odd sizes: the last row and column are dropped (floor mode)
    public void MaxPool2d_TwoByTwoFastPath_IsBitIdenticalToGeneralLoop(int channels, int inH, int inW)
    {
        var rng = new Random(channels);
        float[] input = CompactModelTests.RandomInput(rng, channels * inH * inW);
        input[0] = float.NaN;
        input[^1] = -0f;
        int outH = inH / 2, outW = inW / 2;
        var fast = new float[channels * outH * outW];
        var general = new float[fast.Length];
        SparseKernels.MaxPool2d(input, channels, inH, inW, 2, 2, 2, 2, fast);
        SparseKernels.MaxPool2dGeneral(input, channels, inH, inW, 2, 2, 2, 2, outH, outW, general);
        Assert.Equal(general.Select(BitConverter.SingleToInt32Bits), fast.Select(BitConverter.SingleToInt32Bits));
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
