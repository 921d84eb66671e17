using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Inference;

/// <summary>
/// The kernels of the ops beyond dense and conv: vector paths give the bits of the scalar
/// formula the docs state (every length, so both the vector body and the tail run), in place and not.
/// </summary>
public sealed class LayerKernelsTests
{
    private static float[] Values(Random rng, int n)
    {
        float[] x = DczTestModels.RandomFloats(rng, n);
        for (int i = 0; i < n; i++)
        {
            x[i] *= 10; // Beyond the clip bounds and into the flat parts of sigmoid and tanh.
        }

        return x;
    }

    private static void AssertBits(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}, element {i} of {expected.Length}: {actual[i]} instead of {expected[i]}");
        }
    }

    [Fact]
    public void ElementwiseKernels_AnyLength_GiveTheScalarFormulaBitForBit()
    {
        var rng = new Random(5);
        for (int n = 0; n <= 70; n++)
        {
            float[] a = Values(rng, n), b = Values(rng, n);
            var y = new float[n];

            LayerKernels.Add(a, b, y);
            AssertBits(a.Zip(b, (p, q) => p + q).ToArray(), y, "Add");

            LayerKernels.Clip(a, -1.5f, 6f, y);
            AssertBits(a.Select(v => v > -1.5f ? (v < 6f ? v : 6f) : -1.5f).ToArray(), y, "Clip");

            LayerKernels.Sigmoid(a, y);
            AssertBits(a.Select(v => 1f / (1f + MathF.Exp(-v))).ToArray(), y, "Sigmoid");

            LayerKernels.Tanh(a, y);
            AssertBits(a.Select(MathF.Tanh).ToArray(), y, "Tanh");

            LayerKernels.Relu(a, y);
            AssertBits(a.Select(v => v > 0 ? v : 0f).ToArray(), y, "Relu");

            LayerKernels.Copy(a, y);
            AssertBits(a, y, "Copy");

            // In place: y is x.
            float[] inPlace = (float[])a.Clone();
            LayerKernels.Add(inPlace, b, inPlace);
            AssertBits(a.Zip(b, (p, q) => p + q).ToArray(), inPlace, "Add in place");
            inPlace = (float[])a.Clone();
            LayerKernels.Clip(inPlace, 0f, 6f, inPlace);
            AssertBits(a.Select(v => v > 0f ? (v < 6f ? v : 6f) : 0f).ToArray(), inPlace, "Clip in place");
        }
    }

    [Fact]
    public void ScaleShift_PerChannel_IsMultiplyThenAdd()
    {
        var rng = new Random(6);
        foreach ((int channels, int plane) in new[] { (1, 1), (3, 1), (1, 37), (4, 17), (5, 64) })
        {
            float[] x = Values(rng, channels * plane);
            float[] scale = Values(rng, channels), shift = Values(rng, channels);
            var y = new float[x.Length];

            LayerKernels.ScaleShift(x, scale, shift, plane, y);

            AssertBits(x.Select((v, i) => (v * scale[i / plane]) + shift[i / plane]).ToArray(), y, $"{channels}×{plane}");
            LayerKernels.ScaleShift(x, scale, shift, plane, x);
            AssertBits(y, x, $"{channels}×{plane} in place");
        }
    }

    [Fact]
    public void MaxPool2d_Unpadded_MatchesTheUnpaddedKernel()
    {
        var rng = new Random(7);
        foreach ((int c, int h, int w, int k, int s) in new[] { (2, 6, 6, 2, 2), (3, 7, 5, 3, 2), (1, 9, 8, 2, 1), (2, 5, 5, 5, 1) })
        {
            float[] x = Values(rng, c * h * w);
            int oh = ((h - k) / s) + 1, ow = ((w - k) / s) + 1;
            var padded = new float[c * oh * ow];
            var plain = new float[c * oh * ow];

            LayerKernels.MaxPool2d(x, c, h, w, k, k, s, s, 0, 0, oh, ow, padded);
            SparseKernels.MaxPool2d(x, c, h, w, k, k, s, s, plain);

            AssertBits(plain, padded, $"{c}×{h}×{w} window {k} stride {s}");
        }
    }

    [Fact]
    public void AvgPool2d_CountIncludePad_DividesByTheWindowOrByTheElementsCovered()
    {
        // One 3×3 plane of ones, window 2×2 stride 2, padding 1 on top and left: the corner window
        // covers one element, the edge windows two, the last window four.
        float[] x = Enumerable.Repeat(1f, 9).ToArray();
        var counted = new float[4];
        var uncounted = new float[4];

        LayerKernels.AvgPool2d(x, 1, 3, 3, 2, 2, 2, 2, 1, 1, 2, 2, countIncludePad: true, counted);
        LayerKernels.AvgPool2d(x, 1, 3, 3, 2, 2, 2, 2, 1, 1, 2, 2, countIncludePad: false, uncounted);

        Assert.Equal(new[] { 0.25f, 0.5f, 0.5f, 1f }, counted);
        Assert.Equal(new[] { 1f, 1f, 1f, 1f }, uncounted);
    }

    [Fact]
    public void Kernels_WrongLengths_ThrowArgumentException()
    {
        Assert.Throws<ArgumentException>(() => LayerKernels.Add(new float[3], new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => LayerKernels.ScaleShift(new float[6], new float[2], new float[2], 4, new float[6]));
        Assert.Throws<ArgumentException>(() => LayerKernels.GlobalAvgPool(new float[6], 2, 4, new float[2]));

        // Padding as large as the window: some window would cover no input element.
        Assert.Throws<ArgumentException>(() => LayerKernels.MaxPool2d(new float[4], 1, 2, 2, 2, 2, 1, 1, 2, 0, 3, 1, new float[3]));
    }
}
