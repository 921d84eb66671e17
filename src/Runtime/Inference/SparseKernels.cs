using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbeddedNets.Inference;

/// <summary>
/// The kernels that generated code and <see cref="CompactModel"/> call. Every kernel validates
/// its lengths first, then computes. Each multiply-accumulate is a multiply followed by an add
/// (never a fused multiply-add), in an order fixed by the documentation of each method, so the
/// vectorised and scalar paths give bit-identical results on every CPU.
/// </summary>
public static class SparseKernels
{
    private const int StackallocInputs = 2048;

    /// <summary>Extra room <see cref="ListNonzero"/> needs beyond one slot per input.</summary>
    internal const int NonzeroSlack = 16;

    /// <summary>
    /// Writes the indices <c>i</c> with <c>x[i] != 0</c> (NaN counts as nonzero), ascending, to the
    /// start of <paramref name="indices"/> and returns how many there are. Branch-free: with
    /// AVX-512, sixteen inputs per step are compared and their indices compressed into place; the
    /// slots past the returned count are scratch.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="indices"/> is shorter than <c>x.Length + NonzeroSlack</c>.</exception>
    [SkipLocalsInit]
    internal static int ListNonzero(ReadOnlySpan<float> x, Span<int> indices)
    {
        if (indices.Length < x.Length + NonzeroSlack)
        {
            ThrowLength(nameof(indices), x.Length + NonzeroSlack, indices.Length);
        }

        int count = 0, i = 0;
        if (Avx512F.IsSupported)
        {
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref int outRef = ref MemoryMarshal.GetReference(indices);
            Vector512<int> index = Vector512<int>.Indices;
            Vector512<int> step = Vector512.Create(Vector512<int>.Count);
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<int> nonzero = ~Vector512.Equals(Vector512.LoadUnsafe(ref xRef, (nuint)i), Vector512<float>.Zero).AsInt32();
                Avx512F.Compress(Vector512<int>.Zero, nonzero, index).StoreUnsafe(ref outRef, (nuint)count);
                count += BitOperations.PopCount(nonzero.ExtractMostSignificantBits());
                index += step;
            }
        }

        for (; i < x.Length; i++)
        {
            indices[count] = i;
            count += x[i] != 0f ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// A dense (fully connected) layer whose kept weights are stored column by column:
    /// <c>y = bias</c>, then for each input <c>i</c> in ascending order with <c>x[i] != 0</c>,
    /// for <c>p</c> in <c>columnStarts[i] .. columnStarts[i + 1] - 1</c>:
    /// <c>y[rows[p]] += x[i] * values[p]</c>.
    /// </summary>
    /// <remarks>
    /// Input-stationary order skips every zero input, and after ReLU or on MNIST-like images most
    /// inputs are zero (the activation sparsity EIE exploits); the weight sparsity is skipped by
    /// construction. The scatter in the inner loop cannot be vectorised without gather/scatter
    /// hardware, so this kernel is scalar on every CPU.
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
    /// The same layer as <see cref="DenseColumns"/> from its <see cref="MaskedDense"/> form, with
    /// AVX-512: per chunk of 128 outputs, eight 16-lane accumulators start at the bias and stay in
    /// registers while, for each nonzero input in ascending order, the column's kept values of each
    /// block are expanded into place by the block's mask (<c>vexpandps</c>; pruned rows get 0) and
    /// <c>acc += x[i] * expanded</c> is added. Each output therefore sums the same products in the
    /// same order as <see cref="DenseColumns"/>, plus exact zeros for pruned weights: for finite
    /// inputs the results are identical, except that an output that would be −0 can come out +0.
    /// </summary>
    /// <remarks>
    /// Costs a fixed few vector steps per (nonzero input, 16-row block) instead of one scattered
    /// scalar update per kept weight, and no output is loaded or stored inside the loop; it wins
    /// while an input's column keeps more than about one row in sixteen.
    /// </remarks>
    /// <exception cref="ArgumentException">A length does not match the layer.</exception>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AVX-512 (see <see cref="MaskedDense.IsSupported"/>).</exception>
    [SkipLocalsInit]
    internal static void DenseMasked(ReadOnlySpan<float> x, MaskedDense layer, Span<float> y)
    {
        if (!Avx512F.IsSupported)
        {
            throw new PlatformNotSupportedException("DenseMasked needs AVX-512; use DenseColumns on this CPU.");
        }

        if (x.Length != layer.Inputs)
        {
            ThrowLength(nameof(x), layer.Inputs, x.Length);
        }

        if (y.Length != layer.Outputs)
        {
            ThrowLength(nameof(y), layer.Outputs, y.Length);
        }

        int[]? rented = null;
        Span<int> nonzero = x.Length <= StackallocInputs
            ? stackalloc int[x.Length + NonzeroSlack]
            : (rented = ArrayPool<int>.Shared.Rent(x.Length + NonzeroSlack));
        int count = ListNonzero(x, nonzero);

        int inputs = layer.Inputs, chunks = layer.Chunks;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref int nonzeroRef = ref MemoryMarshal.GetReference(nonzero);
        ref int maskRef = ref Unsafe.As<uint, int>(ref MemoryMarshal.GetArrayDataReference(layer.Masks));
        ref int startRef = ref MemoryMarshal.GetArrayDataReference(layer.Starts);
        ref float valueRef = ref MemoryMarshal.GetArrayDataReference(layer.Values);
        ref float biasRef = ref MemoryMarshal.GetArrayDataReference(layer.Bias);
        Vector512<int> lanes = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
        Span<float> tail = stackalloc float[MaskedDense.ChunkRows];
        for (int c = 0; c < chunks; c++)
        {
            nuint row = (nuint)(c * MaskedDense.ChunkRows);
            Vector512<float> a0 = Vector512.LoadUnsafe(ref biasRef, row), a1 = Vector512.LoadUnsafe(ref biasRef, row + 16);
            Vector512<float> a2 = Vector512.LoadUnsafe(ref biasRef, row + 32), a3 = Vector512.LoadUnsafe(ref biasRef, row + 48);
            Vector512<float> a4 = Vector512.LoadUnsafe(ref biasRef, row + 64), a5 = Vector512.LoadUnsafe(ref biasRef, row + 80);
            Vector512<float> a6 = Vector512.LoadUnsafe(ref biasRef, row + 96), a7 = Vector512.LoadUnsafe(ref biasRef, row + 112);
            int chunkBase = c * inputs;

            // A last chunk of fewer rows skips its all-padding blocks (the branches go the same way
            // on every iteration of the chunk).
            int blocks = Math.Min(MaskedDense.BlocksPerChunk, (y.Length - (int)row + 15) / 16);
            for (int k = 0; k < count; k++)
            {
                int i = Unsafe.Add(ref nonzeroRef, k);
                var xi = Vector512.Create(Unsafe.Add(ref xRef, i));
                ref int m = ref Unsafe.Add(ref maskRef, (chunkBase + i) * MaskedDense.BlocksPerChunk);
                nuint p = (nuint)Unsafe.Add(ref startRef, chunkBase + i);

                a0 = MaskedBlock(a0, xi, m, ref valueRef, ref p, lanes);
                if (blocks > 1)
                {
                    a1 = MaskedBlock(a1, xi, Unsafe.Add(ref m, 1), ref valueRef, ref p, lanes);
                }

                if (blocks > 2)
                {
                    a2 = MaskedBlock(a2, xi, Unsafe.Add(ref m, 2), ref valueRef, ref p, lanes);
                }

                if (blocks > 3)
                {
                    a3 = MaskedBlock(a3, xi, Unsafe.Add(ref m, 3), ref valueRef, ref p, lanes);
                }

                if (blocks > 4)
                {
                    a4 = MaskedBlock(a4, xi, Unsafe.Add(ref m, 4), ref valueRef, ref p, lanes);
                }

                if (blocks > 5)
                {
                    a5 = MaskedBlock(a5, xi, Unsafe.Add(ref m, 5), ref valueRef, ref p, lanes);
                }

                if (blocks > 6)
                {
                    a6 = MaskedBlock(a6, xi, Unsafe.Add(ref m, 6), ref valueRef, ref p, lanes);
                }

                if (blocks > 7)
                {
                    a7 = MaskedBlock(a7, xi, Unsafe.Add(ref m, 7), ref valueRef, ref p, lanes);
                }
            }

            int first = (int)row, rows = Math.Min(MaskedDense.ChunkRows, y.Length - first);
            Span<float> target = rows == MaskedDense.ChunkRows ? y.Slice(first, rows) : tail;
            a0.CopyTo(target);
            a1.CopyTo(target.Slice(16));
            a2.CopyTo(target.Slice(32));
            a3.CopyTo(target.Slice(48));
            a4.CopyTo(target.Slice(64));
            a5.CopyTo(target.Slice(80));
            a6.CopyTo(target.Slice(96));
            a7.CopyTo(target.Slice(112));
            if (rows < MaskedDense.ChunkRows)
            {
                tail.Slice(0, rows).CopyTo(y.Slice(first));
            }
        }

        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// One block of <see cref="DenseMasked"/>: <c>acc + x * expand(values[p..], mask)</c>, then
    /// <c>p</c> moves past the block's kept values. The lane mask is built right where it is used
    /// (broadcast, AND, compare) so the JIT keeps it in a mask register.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MaskedBlock(Vector512<float> acc, Vector512<float> x, int mask, ref float values, ref nuint p, Vector512<int> lanes)
    {
        Vector512<float> kept = Avx512F.Expand(Vector512<float>.Zero, Vector512.Equals(Vector512.Create(mask) & lanes, lanes).AsSingle(), Vector512.LoadUnsafe(ref values, p));
        p += (nuint)BitOperations.PopCount((uint)mask);
        return acc + (x * kept);
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
    /// Adds one kernel weight's contribution to one output plane of a 2-D convolution:
    /// <c>outputPlane[oy * outW + ox] += weight * inputPlane[iy * inW + ix]</c> with
    /// <c>iy = oy * strideH - padH + ky</c>, <c>ix = ox * strideW - padW + kx</c>, for every output
    /// position whose input position lies inside the plane (outside is zero padding and is skipped).
    /// </summary>
    /// <remarks>With stride 1 in width, rows are processed with <see cref="Vector{T}"/>; results are bit-identical to the scalar path.</remarks>
    /// <exception cref="ArgumentException">A plane's length does not match its height and width.</exception>
    public static void ConvAccumulate(
        ReadOnlySpan<float> inputPlane, int inH, int inW,
        Span<float> outputPlane, int outH, int outW,
        int ky, int kx, int strideH, int strideW, int padH, int padW, float weight)
    {
        ValidatePlanes(inputPlane.Length, inH, inW, outputPlane.Length, outH, outW, strideH, strideW);
        if (strideW == 1 && Vector.IsHardwareAccelerated)
        {
            ConvAccumulateUnitStrideVector(inputPlane, inH, inW, outputPlane, outH, outW, ky, kx, strideH, padH, padW, weight);
        }
        else
        {
            ConvAccumulateScalar(inputPlane, inH, inW, outputPlane, outH, outW, ky, kx, strideH, strideW, padH, padW, weight);
        }
    }

    /// <summary>
    /// A whole sparse convolution layer with stride 1 and no padding whose output width is a
    /// multiple of <see cref="Vector{T}.Count"/>: for each output channel, tiles of up to eight
    /// vectors of the output plane are held in registers while every tap of that channel is added
    /// (<c>acc += weight * input</c>, taps in the given order), then stored once. Each output
    /// element receives exactly the operations of <see cref="FillPlanes"/> followed by one
    /// <see cref="ConvAccumulate"/> per tap in the same order, so the results are bit-identical.
    /// </summary>
    /// <param name="input">Input planes, <c>inChannels × inH × inW</c>.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="inH">Input height.</param>
    /// <param name="inW">Input width.</param>
    /// <param name="kh">Kernel height.</param>
    /// <param name="kw">Kernel width.</param>
    /// <param name="bias">One bias per output channel.</param>
    /// <param name="output">Output planes, <c>bias.Length × outH × outW</c> with <c>outH = inH − kh + 1</c>, <c>outW = inW − kw + 1</c>.</param>
    /// <param name="channelStarts">Taps of output channel <c>c</c> are <c>channelStarts[c] .. channelStarts[c + 1] − 1</c>.</param>
    /// <param name="tapOffsets">Per tap: <c>(ic × inH + ky) × inW + kx</c>, the input offset of the output's top-left element.</param>
    /// <param name="weights">Per tap: its weight.</param>
    /// <returns>False (and nothing written) when the shapes do not fit this kernel's case.</returns>
    internal static bool TryConvValidTiled(
        ReadOnlySpan<float> input, int inChannels, int inH, int inW, int kh, int kw,
        ReadOnlySpan<int> channelStarts, ReadOnlySpan<int> tapOffsets, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output)
    {
        int lanes = Vector<float>.Count;
        int outH = inH - kh + 1, outW = inW - kw + 1;
        if (!Vector.IsHardwareAccelerated || outH < 1 || outW < 1 || outW % lanes != 0
            || input.Length != (long)inChannels * inH * inW || output.Length != (long)bias.Length * outH * outW
            || channelStarts.Length != bias.Length + 1 || tapOffsets.Length != weights.Length
            || channelStarts[0] != 0 || channelStarts[bias.Length] != weights.Length)
        {
            return false;
        }

        // Every tap offset must keep the whole output window inside the input.
        int maxOffset = input.Length - (((outH - 1) * inW) + outW);
        foreach (int offset in tapOffsets)
        {
            if ((uint)offset > (uint)maxOffset)
            {
                return false;
            }
        }

        int vectorsPerRow = outW / lanes, planeVectors = outH * vectorsPerRow, outPlane = outH * outW;
        ref float inRef = ref MemoryMarshal.GetReference(input);
        Span<int> bases = stackalloc int[8];
        for (int c = 0; c < bias.Length; c++)
        {
            int first = channelStarts[c], last = channelStarts[c + 1];
            if ((uint)first > (uint)last || (uint)last > (uint)weights.Length)
            {
                return false;
            }

            Span<float> plane = output.Slice(c * outPlane, outPlane);
            for (int v0 = 0; v0 < planeVectors; v0 += 8)
            {
                int count = Math.Min(8, planeVectors - v0);
                for (int t = 0; t < 8; t++)
                {
                    // Unused slots repeat the tile's first vector: computed, never stored.
                    int v = v0 + (t < count ? t : 0);
                    bases[t] = ((v / vectorsPerRow) * inW) + ((v % vectorsPerRow) * lanes);
                }

                var b = new Vector<float>(bias[c]);
                Vector<float> a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
                int b0 = bases[0], b1 = bases[1], b2 = bases[2], b3 = bases[3], b4 = bases[4], b5 = bases[5], b6 = bases[6], b7 = bases[7];
                for (int k = first; k < last; k++)
                {
                    var w = new Vector<float>(weights[k]);
                    ref float at = ref Unsafe.Add(ref inRef, tapOffsets[k]);
                    a0 += w * Vector.LoadUnsafe(ref at, (nuint)b0);
                    a1 += w * Vector.LoadUnsafe(ref at, (nuint)b1);
                    a2 += w * Vector.LoadUnsafe(ref at, (nuint)b2);
                    a3 += w * Vector.LoadUnsafe(ref at, (nuint)b3);
                    a4 += w * Vector.LoadUnsafe(ref at, (nuint)b4);
                    a5 += w * Vector.LoadUnsafe(ref at, (nuint)b5);
                    a6 += w * Vector.LoadUnsafe(ref at, (nuint)b6);
                    a7 += w * Vector.LoadUnsafe(ref at, (nuint)b7);
                }

                Span<float> tile = plane.Slice(v0 * lanes, count * lanes);
                a0.CopyTo(tile);
                if (count > 1) a1.CopyTo(tile.Slice(lanes));
                if (count > 2) a2.CopyTo(tile.Slice(2 * lanes));
                if (count > 3) a3.CopyTo(tile.Slice(3 * lanes));
                if (count > 4) a4.CopyTo(tile.Slice(4 * lanes));
                if (count > 5) a5.CopyTo(tile.Slice(5 * lanes));
                if (count > 6) a6.CopyTo(tile.Slice(6 * lanes));
                if (count > 7) a7.CopyTo(tile.Slice(7 * lanes));
            }
        }

        return true;
    }

    /// <summary>The scalar reference path of <see cref="ConvAccumulate"/> (lengths already validated).</summary>
    internal static void ConvAccumulateScalar(
        ReadOnlySpan<float> inputPlane, int inH, int inW,
        Span<float> outputPlane, int outH, int outW,
        int ky, int kx, int strideH, int strideW, int padH, int padW, float weight)
    {
        ValidatePlanes(inputPlane.Length, inH, inW, outputPlane.Length, outH, outW, strideH, strideW);
        for (int oy = 0; oy < outH; oy++)
        {
            int iy = (oy * strideH) - padH + ky;
            if ((uint)iy >= (uint)inH)
            {
                continue;
            }

            for (int ox = 0; ox < outW; ox++)
            {
                int ix = (ox * strideW) - padW + kx;
                if ((uint)ix < (uint)inW)
                {
                    outputPlane[(oy * outW) + ox] += weight * inputPlane[(iy * inW) + ix];
                }
            }
        }
    }

    private static void ConvAccumulateUnitStrideVector(
        ReadOnlySpan<float> inputPlane, int inH, int inW,
        Span<float> outputPlane, int outH, int outW,
        int ky, int kx, int strideH, int padH, int padW, float weight)
    {
        // Valid ox: 0 <= ox - padW + kx < inW; valid oy: 0 <= oy * strideH - padH + ky < inH.
        // Every index below stays inside the planes whose lengths ValidatePlanes checked.
        int oxStart = Math.Max(0, padW - kx);
        int oxEnd = Math.Min(outW, inW + padW - kx);
        int oyStart = Math.Max(0, (padH - ky + strideH - 1) / strideH);
        int oyEnd = Math.Min(outH, ((inH - 1 + padH - ky) / strideH) + 1);
        int width = oxEnd - oxStart;
        if (width <= 0 || oyEnd <= oyStart || inH - 1 + padH - ky < 0)
        {
            return;
        }

        var w = new Vector<float>(weight);
        int lanes = Vector<float>.Count;
        ref float inBase = ref MemoryMarshal.GetReference(inputPlane);
        ref float outBase = ref MemoryMarshal.GetReference(outputPlane);
        for (int oy = oyStart; oy < oyEnd; oy++)
        {
            int iy = (oy * strideH) - padH + ky;
            ref float outRow = ref Unsafe.Add(ref outBase, (oy * outW) + oxStart);
            ref float inRow = ref Unsafe.Add(ref inBase, (iy * inW) + oxStart + kx - padW);
            int j = 0;
            for (; j <= width - lanes; j += lanes)
            {
                Vector<float> product = w * Vector.LoadUnsafe(ref inRow, (nuint)j);
                (Vector.LoadUnsafe(ref outRow, (nuint)j) + product).StoreUnsafe(ref outRow, (nuint)j);
            }

            for (; j < width; j++)
            {
                Unsafe.Add(ref outRow, j) += weight * Unsafe.Add(ref inRow, j);
            }
        }
    }

    /// <summary>
    /// 2-D max pooling without padding, floor mode: each output is the largest of its
    /// <paramref name="kh"/> × <paramref name="kw"/> window (the first one met when equal, so NaN handling is stable).
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match the shapes.</exception>
    public static void MaxPool2d(ReadOnlySpan<float> input, int channels, int inH, int inW, int kh, int kw, int sh, int sw, Span<float> output)
    {
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
            MaxPool2x2(input, channels * outH, inH * inW, inW, outW, output);
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

    /// <summary>
    /// The common 2×2, stride 2 case with the same comparisons in the same order as the general
    /// loop (top-left, top-right, bottom-left, bottom-right; strictly greater replaces).
    /// </summary>
    private static void MaxPool2x2(ReadOnlySpan<float> input, int outRows, int planeLength, int inW, int outW, Span<float> output)
    {
        int outH = outRows / (input.Length / planeLength);
        int o = 0;
        for (int r = 0; r < outRows; r++)
        {
            int c = r / outH, oy = r - (c * outH);
            ReadOnlySpan<float> top = input.Slice((c * planeLength) + (2 * oy * inW), 2 * outW);
            ReadOnlySpan<float> bottom = input.Slice((c * planeLength) + (((2 * oy) + 1) * inW), 2 * outW);
            Span<float> row = output.Slice(o, outW);
            for (int ox = 0; ox < row.Length; ox++)
            {
                float best = top[2 * ox];
                float v = top[(2 * ox) + 1];
                best = v > best ? v : best;
                v = bottom[2 * ox];
                best = v > best ? v : best;
                v = bottom[(2 * ox) + 1];
                row[ox] = v > best ? v : best;
            }

            o += outW;
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

    /// <summary>Turns raw bytes (e.g. pixels) into model inputs: <c>(raw × scale − mean) / std</c>, in float32, as the compressor trained on.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Preprocess(ReadOnlySpan<byte> raw, float scale, float mean, float std, Span<float> output)
    {
        if (output.Length != raw.Length)
        {
            ThrowLength(nameof(output), raw.Length, output.Length);
        }

        for (int i = 0; i < raw.Length; i++)
        {
            output[i] = ((raw[i] * scale) - mean) / std;
        }
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
