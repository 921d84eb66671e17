using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EmbeddedNets.Inference;

/// <summary>
/// The kernels that generated code and <see cref="CompactModel"/> call. Every kernel validates
/// its lengths first, then computes. Each multiply-accumulate is a multiply followed by an add
/// (never a fused multiply-add), in an order fixed by the documentation of each method, so the
/// vectorised and scalar paths give bit-identical results on every CPU.
/// </summary>
public static partial class SparseKernels
{
    internal const int StackallocInputs = 2048;

    /// <summary>
    /// A dense (fully connected) layer whose kept weights are stored column by column:
    /// <c>y = bias</c>, then for each input <c>i</c> in ascending order with <c>x[i] != 0</c>,
    /// for <c>p</c> in <c>columnStarts[i] .. columnStarts[i + 1] - 1</c>:
    /// <c>y[rows[p]] += x[i] * values[p]</c>.
    /// </summary>
    /// <remarks>
    /// Input-stationary order skips every zero input, and after ReLU or on MNIST-like images most
    /// inputs are zero (the activation sparsity EIE exploits); the weight sparsity is skipped by
    /// construction. Listing the nonzero inputs runs on the widest vectors this process has; the
    /// scatter in the inner loop cannot be vectorised without scatter instructions, so it is scalar
    /// on every CPU.
    /// </remarks>
    /// <exception cref="ArgumentException">A length does not match.</exception>
    [SkipLocalsInit]
    public static void DenseColumns(
        ReadOnlySpan<float> x,
        ReadOnlySpan<int> columnStarts,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> values,
        ReadOnlySpan<float> bias,
        Span<float> y)
    {
        if (columnStarts.Length != x.Length + 1)
        {
            ThrowLength(nameof(columnStarts), x.Length + 1, columnStarts.Length);
        }

        if (y.Length != bias.Length)
        {
            ThrowLength(nameof(y), bias.Length, y.Length);
        }

        if (rows.Length != values.Length)
        {
            ThrowLength(nameof(rows), values.Length, rows.Length);
        }

        if (columnStarts[0] != 0 || columnStarts[x.Length] != values.Length)
        {
            throw new ArgumentException($"columnStarts must run from 0 to {values.Length} (the number of values); it runs from {columnStarts[0]} to {columnStarts[x.Length]}.", nameof(columnStarts));
        }

        bias.CopyTo(y);

        // First list the nonzero inputs without branching, so the main loop does not mispredict on
        // the zero/nonzero pattern of the input (it is irregular: image strokes, ReLU outputs).
        int[]? rented = null;
        Span<int> nonzero = x.Length <= StackallocInputs
            ? stackalloc int[x.Length + NonzeroSlack]
            : (rented = ArrayPool<int>.Shared.Rent(x.Length + NonzeroSlack));
        int count = ListNonzero(x, nonzero);

        int outputs = y.Length;
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref int rowRef = ref MemoryMarshal.GetReference(rows);
        ref float valueRef = ref MemoryMarshal.GetReference(values);
        for (int k = 0; k < count; k++)
        {
            int i = nonzero[k];
            int start = columnStarts[i], end = columnStarts[i + 1];
            if ((uint)start > (uint)end || (uint)end > (uint)values.Length)
            {
                ThrowBadColumn(i);
            }

            float xi = x[i];
            int p = start;
            for (; p + 4 <= end; p += 4)
            {
                int r0 = Unsafe.Add(ref rowRef, p), r1 = Unsafe.Add(ref rowRef, p + 1);
                int r2 = Unsafe.Add(ref rowRef, p + 2), r3 = Unsafe.Add(ref rowRef, p + 3);
                if ((uint)r0 >= (uint)outputs || (uint)r1 >= (uint)outputs || (uint)r2 >= (uint)outputs || (uint)r3 >= (uint)outputs)
                {
                    ThrowFirstBadRow(rows.Slice(p, 4), p, outputs);
                }

                // Four statements, each a separate read-modify-write in order: the same result as
                // the one-at-a-time loop below even if a column listed a row twice.
                Unsafe.Add(ref yRef, r0) += xi * Unsafe.Add(ref valueRef, p);
                Unsafe.Add(ref yRef, r1) += xi * Unsafe.Add(ref valueRef, p + 1);
                Unsafe.Add(ref yRef, r2) += xi * Unsafe.Add(ref valueRef, p + 2);
                Unsafe.Add(ref yRef, r3) += xi * Unsafe.Add(ref valueRef, p + 3);
            }

            for (; p < end; p++)
            {
                int row = Unsafe.Add(ref rowRef, p);
                if ((uint)row >= (uint)outputs)
                {
                    ThrowBadRow(p, row, outputs);
                }

                Unsafe.Add(ref yRef, row) += xi * Unsafe.Add(ref valueRef, p);
            }
        }

        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Fills each of the <c>output.Length / planeLength</c> planes with its bias:
    /// <c>output[c * planeLength + j] = bias[c]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The output is not <c>bias.Length × planeLength</c> long.</exception>
    public static void FillPlanes(Span<float> output, ReadOnlySpan<float> bias, int planeLength)
    {
        if (planeLength < 0 || output.Length != (long)bias.Length * planeLength)
        {
            ThrowLength(nameof(output), (long)bias.Length * planeLength, output.Length);
        }

        for (int c = 0; c < bias.Length; c++)
        {
            output.Slice(c * planeLength, planeLength).Fill(bias[c]);
        }
    }

    /// <summary>
    /// 2-D max pooling without padding, floor mode: each output is the largest of its
    /// <paramref name="kh"/> × <paramref name="kw"/> window (the first one met when equal, so NaN handling is stable).
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match the shapes.</exception>
    public static void MaxPool2d(ReadOnlySpan<float> input, int channels, int inH, int inW, int kh, int kw, int sh, int sw, Span<float> output) =>
        MaxPool2dOnPath(input, channels, inH, inW, kh, kw, sh, sw, output, KernelPaths.Active);

    /// <summary><see cref="MaxPool2d"/> on a chosen path (the 2×2, stride 2 case has a 128-bit vector loop).</summary>
    /// <exception cref="ArgumentException">A length does not match the shapes.</exception>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/>.</exception>
    internal static void MaxPool2dOnPath(ReadOnlySpan<float> input, int channels, int inH, int inW, int kh, int kw, int sh, int sw, Span<float> output, KernelPath path)
    {
        KernelPaths.ThrowIfUnsupported(path);
        if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || inH < kh || inW < kw)
        {
            throw new ArgumentException($"pool window {kh}×{kw} stride {sh}×{sw} does not fit a {inH}×{inW} plane.");
        }

        int outH = ((inH - kh) / sh) + 1;
        int outW = ((inW - kw) / sw) + 1;
        if (input.Length != (long)channels * inH * inW)
        {
            ThrowLength(nameof(input), (long)channels * inH * inW, input.Length);
        }

        if (output.Length != (long)channels * outH * outW)
        {
            ThrowLength(nameof(output), (long)channels * outH * outW, output.Length);
        }

        if (kh == 2 && kw == 2 && sh == 2 && sw == 2)
        {
            MaxPool2x2(input, channels, inH, inW, output, path);
        }
        else
        {
            MaxPool2dGeneral(input, channels, inH, inW, kh, kw, sh, sw, outH, outW, output);
        }
    }

    /// <summary>The reference path of <see cref="MaxPool2d"/> for any window (lengths already validated).</summary>
    internal static void MaxPool2dGeneral(ReadOnlySpan<float> input, int channels, int inH, int inW, int kh, int kw, int sh, int sw, int outH, int outW, Span<float> output)
    {
        int o = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * inH * inW, inH * inW);
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    int top = oy * sh * inW, left = ox * sw;
                    float best = plane[top + left];
                    for (int y = 0; y < kh; y++)
                    {
                        ReadOnlySpan<float> row = plane.Slice(top + (y * inW) + left, kw);
                        for (int x = 0; x < kw; x++)
                        {
                            if (row[x] > best)
                            {
                                best = row[x];
                            }
                        }
                    }

                    output[o++] = best;
                }
            }
        }
    }

    /// <summary>In place: <c>v = v &gt; 0 ? v : 0</c> (so NaN and −0 become +0), vectorised where the CPU allows.</summary>
    public static void Relu(Span<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            for (; i <= values.Length - width; i += width)
            {
                var v = new Vector<float>(values.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, Vector<float>.Zero).CopyTo(values.Slice(i));
            }
        }

        ReluScalar(values.Slice(i));
    }

    /// <summary>The scalar reference path of <see cref="Relu"/>.</summary>
    internal static void ReluScalar(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = values[i] > 0f ? values[i] : 0f;
        }
    }

    /// <summary>In place: <c>exp(v − max) / Σ exp(v − max)</c>, scalar (outputs are few).</summary>
    public static void Softmax(Span<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        float max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            max = Math.Max(max, values[i]);
        }

        float sum = 0f;
        for (int i = 0; i < values.Length; i++)
        {
            float e = MathF.Exp(values[i] - max);
            values[i] = e;
            sum += e;
        }

        float inverse = 1f / sum;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= inverse;
        }
    }

    /// <summary>Index of the largest value; the first when several are equal; −1 for an empty span.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return -1;
        }

        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static void ValidatePlanes(int inLength, int inH, int inW, int outLength, int outH, int outW, int strideH, int strideW)
    {
        if (inH < 0 || inW < 0 || inLength != (long)inH * inW)
        {
            ThrowLength("inputPlane", (long)inH * inW, inLength);
        }

        if (outH < 0 || outW < 0 || outLength != (long)outH * outW)
        {
            ThrowLength("outputPlane", (long)outH * outW, outLength);
        }

        if (strideH < 1 || strideW < 1)
        {
            throw new ArgumentException($"strides must be at least 1 (got {strideH}×{strideW}).");
        }
    }

    internal static void ThrowLength(string name, long expected, int actual) =>
        throw new ArgumentException($"{name} must hold {expected} values, but it holds {actual}.", name);

    private static void ThrowBadColumn(int column) =>
        throw new ArgumentException($"columnStarts is not ascending at column {column}.", "columnStarts");

    private static void ThrowFirstBadRow(ReadOnlySpan<int> rows, int position, int outputs)
    {
        for (int j = 0; j < rows.Length; j++)
        {
            if ((uint)rows[j] >= (uint)outputs)
            {
                ThrowBadRow(position + j, rows[j], outputs);
            }
        }
    }

    private static void ThrowBadRow(int position, int row, int outputs) =>
        throw new ArgumentException($"rows[{position}] = {row} is outside the {outputs} outputs.", "rows");
}
