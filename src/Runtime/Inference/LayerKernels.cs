using System.Numerics;

namespace EmbeddedNets.Inference;

/// <summary>
/// Kernels of the ops beyond dense and convolution layers: pooling with padding, average
/// pooling, element-wise ops and per-channel scale and shift. Each validates its lengths, then
/// computes; each element-wise kernel accepts <c>y</c> overlapping <c>x</c> exactly (in place).
/// Results do not depend on the CPU: vector paths do the same single float32 operation per
/// element as the scalar loops (no fused multiply-add). Exp and tanh come from <see cref="MathF"/>,
/// which .NET takes from the platform's C library, so Sigmoid and Tanh may differ in the last bit
/// across operating systems (never between the Runtime and generated code on one machine).
/// </summary>
public static class LayerKernels
{
    /// <summary>
    /// 2-D max pooling with padding, floor mode: each output is the largest input element its
    /// window covers (padded positions never count); the first met when equal, row-major order.
    /// Unpadded windows give exactly what <see cref="SparseKernels.MaxPool2d"/> gives.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match the shapes.</exception>
    public static void MaxPool2d(
        ReadOnlySpan<float> input, int channels, int inH, int inW, int kh, int kw, int sh, int sw, int padTop, int padLeft,
        int outH, int outW, Span<float> output)
    {
        CheckPool(input.Length, output.Length, channels, inH, inW, kh, kw, sh, sw, padTop, padLeft, outH, outW);
        int o = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * inH * inW, inH * inW);
            for (int oy = 0; oy < outH; oy++)
            {
                int y0 = (oy * sh) - padTop, yStart = Math.Max(y0, 0), yEnd = Math.Min(y0 + kh, inH);
                for (int ox = 0; ox < outW; ox++)
                {
                    int x0 = (ox * sw) - padLeft, xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + kw, inW);
                    float best = plane[(yStart * inW) + xStart];
                    for (int y = yStart; y < yEnd; y++)
                    {
                        for (int x = xStart; x < xEnd; x++)
                        {
                            float v = plane[(y * inW) + x];
                            if (v > best)
                            {
                                best = v;
                            }
                        }
                    }

                    output[o++] = best;
                }
            }
        }
    }

    /// <summary>
    /// 2-D average pooling with padding, floor mode: the float32 sum of the input elements a
    /// window covers, in row-major order, divided by kh × kw (<paramref name="countIncludePad"/>)
    /// or by the number of elements covered.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match the shapes.</exception>
    public static void AvgPool2d(
        ReadOnlySpan<float> input, int channels, int inH, int inW, int kh, int kw, int sh, int sw, int padTop, int padLeft,
        int outH, int outW, bool countIncludePad, Span<float> output)
    {
        CheckPool(input.Length, output.Length, channels, inH, inW, kh, kw, sh, sw, padTop, padLeft, outH, outW);
        if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && padTop == 0 && padLeft == 0 && outH == inH / 2 && outW == inW / 2)
        {
            // Every window inside the input: the same four adds and divide, on vectors.
            SparseKernels.AvgPool2x2(input, channels, inH, inW, output, KernelPaths.Active);
            return;
        }

        int o = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * inH * inW, inH * inW);
            for (int oy = 0; oy < outH; oy++)
            {
                int y0 = (oy * sh) - padTop, yStart = Math.Max(y0, 0), yEnd = Math.Min(y0 + kh, inH);
                for (int ox = 0; ox < outW; ox++)
                {
                    int x0 = (ox * sw) - padLeft, xStart = Math.Max(x0, 0), xEnd = Math.Min(x0 + kw, inW);
                    float sum = 0f;
                    for (int y = yStart; y < yEnd; y++)
                    {
                        for (int x = xStart; x < xEnd; x++)
                        {
                            sum += plane[(y * inW) + x];
                        }
                    }

                    int divisor = countIncludePad ? kh * kw : (yEnd - yStart) * (xEnd - xStart);
                    output[o++] = sum / divisor;
                }
            }
        }
    }

    /// <summary>Each channel's mean: the float32 sum of its plane in order, divided by the plane's size.</summary>
    /// <exception cref="ArgumentException">A length does not match.</exception>
    public static void GlobalAvgPool(ReadOnlySpan<float> input, int channels, int planeLength, Span<float> output)
    {
        if (channels < 0 || planeLength < 1 || input.Length != (long)channels * planeLength)
        {
            SparseKernels.ThrowLength(nameof(input), (long)channels * planeLength, input.Length);
        }

        if (output.Length != channels)
        {
            SparseKernels.ThrowLength(nameof(output), channels, output.Length);
        }

        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * planeLength, planeLength);
            float sum = 0f;
            for (int i = 0; i < plane.Length; i++)
            {
                sum += plane[i];
            }

            output[c] = sum / planeLength;
        }
    }

    /// <summary><c>y = a + b</c>, element-wise.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        CheckSame(a.Length, b.Length, nameof(b));
        CheckSame(a.Length, y.Length, nameof(y));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(a.Slice(i)) + new Vector<float>(b.Slice(i))).CopyTo(y.Slice(i));
            }
        }

        for (; i < a.Length; i++)
        {
            y[i] = a[i] + b[i];
        }
    }

    /// <summary><c>y = x &gt; 0 ? x : 0</c> (NaN and −0 become +0).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckSame(x.Length, y.Length, nameof(y));
        if (!x.Overlaps(y))
        {
            x.CopyTo(y);
        }

        SparseKernels.Relu(y);
    }

    /// <summary><c>y = x &gt; min ? (x &lt; max ? x : max) : min</c> (NaN becomes <paramref name="min"/>).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Clip(ReadOnlySpan<float> x, float min, float max, Span<float> y)
    {
        CheckSame(x.Length, y.Length, nameof(y));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var lo = new Vector<float>(min);
            var hi = new Vector<float>(max);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                Vector<float> upper = Vector.ConditionalSelect(Vector.LessThan(v, hi), v, hi);
                Vector.ConditionalSelect(Vector.GreaterThan(v, lo), upper, lo).CopyTo(y.Slice(i));
            }
        }

        for (; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v > min ? (v < max ? v : max) : min;
        }
    }

    /// <summary><c>y = 1 / (1 + exp(−x))</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckSame(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = 1f / (1f + MathF.Exp(-x[i]));
        }
    }

    /// <summary><c>y = tanh(x)</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckSame(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = MathF.Tanh(x[i]);
        }
    }

    /// <summary>Softmax of <paramref name="x"/> into <paramref name="y"/>, as <see cref="SparseKernels.Softmax"/>.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckSame(x.Length, y.Length, nameof(y));
        if (!x.Overlaps(y))
        {
            x.CopyTo(y);
        }

        SparseKernels.Softmax(y);
    }

    /// <summary>
    /// Per channel: <c>y = x × scale[c] + shift[c]</c> (a multiply, then an add), where channel
    /// <c>c</c> covers <paramref name="planeLength"/> consecutive elements.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match.</exception>
    public static void ScaleShift(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, int planeLength, Span<float> y)
    {
        CheckSame(scale.Length, shift.Length, nameof(shift));
        if (planeLength < 1 || x.Length != (long)scale.Length * planeLength)
        {
            SparseKernels.ThrowLength(nameof(x), (long)scale.Length * planeLength, x.Length);
        }

        CheckSame(x.Length, y.Length, nameof(y));
        for (int c = 0; c < scale.Length; c++)
        {
            ReadOnlySpan<float> xs = x.Slice(c * planeLength, planeLength);
            Span<float> ys = y.Slice(c * planeLength, planeLength);
            float s = scale[c], t = shift[c];
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vs = new Vector<float>(s);
                var vt = new Vector<float>(t);
                for (; i <= xs.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    ((new Vector<float>(xs.Slice(i)) * vs) + vt).CopyTo(ys.Slice(i));
                }
            }

            for (; i < xs.Length; i++)
            {
                ys[i] = (xs[i] * s) + t;
            }
        }
    }

    /// <summary>Copies <paramref name="x"/> to <paramref name="y"/> unless they are the same memory (reshapes move no data).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Copy(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckSame(x.Length, y.Length, nameof(y));
        if (!x.Overlaps(y))
        {
            x.CopyTo(y);
        }
    }

    /// <summary>Per-channel preprocessing: <c>(raw × scale − mean[c]) / std[c]</c>, channel <c>c</c> covering <paramref name="planeLength"/> consecutive elements.</summary>
    /// <exception cref="ArgumentException">A length does not match.</exception>
    public static void Preprocess(ReadOnlySpan<byte> raw, float scale, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, int planeLength, Span<float> output)
    {
        CheckSame(mean.Length, std.Length, nameof(std));
        CheckSame(raw.Length, output.Length, nameof(output));
        if (mean.Length == 1)
        {
            SparseKernels.Preprocess(raw, scale, mean[0], std[0], output);
            return;
        }

        if (planeLength < 1 || raw.Length != (long)mean.Length * planeLength)
        {
            SparseKernels.ThrowLength(nameof(raw), (long)mean.Length * planeLength, raw.Length);
        }

        for (int i = 0; i < raw.Length; i++)
        {
            int c = i / planeLength;
            output[i] = ((raw[i] * scale) - mean[c]) / std[c];
        }
    }

    private static void CheckPool(int inputLength, int outputLength, int channels, int inH, int inW, int kh, int kw, int sh, int sw, int padTop, int padLeft, int outH, int outW)
    {
        // Every window must cover at least one input element: padding smaller than the window,
        // and the last window starting inside the input.
        if (channels < 0 || inH < 1 || inW < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || outH < 1 || outW < 1
            || padTop < 0 || padLeft < 0 || padTop >= kh || padLeft >= kw
            || ((long)(outH - 1) * sh) - padTop >= inH || ((long)(outW - 1) * sw) - padLeft >= inW)
        {
            throw new ArgumentException($"pool window {kh}×{kw} stride {sh}×{sw} over {channels}×{inH}×{inW} → {outH}×{outW} is not a valid shape.");
        }

        if (inputLength != (long)channels * inH * inW)
        {
            SparseKernels.ThrowLength("input", (long)channels * inH * inW, inputLength);
        }

        if (outputLength != (long)channels * outH * outW)
        {
            SparseKernels.ThrowLength("output", (long)channels * outH * outW, outputLength);
        }
    }

    private static void CheckSame(int expected, int actual, string name)
    {
        if (expected != actual)
        {
            SparseKernels.ThrowLength(name, expected, actual);
        }
    }
}
