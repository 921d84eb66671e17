using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EmbeddedNets.Inference;

public static partial class SparseKernels
{
    /// <summary>
    /// Adds one kernel weight's contribution to one output plane of a 2-D convolution:
    /// <c>outputPlane[oy * outW + ox] += weight * inputPlane[iy * inW + ix]</c> with
    /// <c>iy = oy * strideH - padH + ky</c>, <c>ix = ox * strideW - padW + kx</c>, for every output
    /// position whose input position lies inside the plane (outside is zero padding and is skipped).
    /// </summary>
    /// <remarks>
    /// With stride 1 in width, each row runs on the widest vectors this process has
    /// (<see cref="KernelPaths.Active"/>), then narrower ones for what is left; every element gets
    /// the same multiply and add on every path, so results are bit-identical to the scalar loop.
    /// </remarks>
    /// <exception cref="ArgumentException">A plane's length does not match its height and width.</exception>
    public static void ConvAccumulate(
        ReadOnlySpan<float> inputPlane, int inH, int inW,
        Span<float> outputPlane, int outH, int outW,
        int ky, int kx, int strideH, int strideW, int padH, int padW, float weight) =>
        ConvAccumulateOnPath(inputPlane, inH, inW, outputPlane, outH, outW, ky, kx, strideH, strideW, padH, padW, weight, KernelPaths.Active);

    /// <summary><see cref="ConvAccumulate"/> with vectors no wider than <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">A plane's length does not match its height and width.</exception>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/>.</exception>
    internal static void ConvAccumulateOnPath(
        ReadOnlySpan<float> inputPlane, int inH, int inW,
        Span<float> outputPlane, int outH, int outW,
        int ky, int kx, int strideH, int strideW, int padH, int padW, float weight, KernelPath path)
    {
        ValidatePlanes(inputPlane.Length, inH, inW, outputPlane.Length, outH, outW, strideH, strideW);
        KernelPaths.ThrowIfUnsupported(path);
        if (strideW == 1 && path != KernelPath.Scalar)
        {
            ConvAccumulateUnitStride(inputPlane, inH, inW, outputPlane, outH, outW, ky, kx, strideH, padH, padW, weight, path);
        }
        else
        {
            ConvAccumulateScalar(inputPlane, inH, inW, outputPlane, outH, outW, ky, kx, strideH, strideW, padH, padW, weight);
        }
    }

    /// <summary>The scalar reference path of <see cref="ConvAccumulate"/>.</summary>
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

    private static void ConvAccumulateUnitStride(
        ReadOnlySpan<float> inputPlane, int inH, int inW,
        Span<float> outputPlane, int outH, int outW,
        int ky, int kx, int strideH, int padH, int padW, float weight, KernelPath path)
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

        ref float inBase = ref MemoryMarshal.GetReference(inputPlane);
        ref float outBase = ref MemoryMarshal.GetReference(outputPlane);
        for (int oy = oyStart; oy < oyEnd; oy++)
        {
            int iy = (oy * strideH) - padH + ky;
            MultiplyAddRow(
                ref Unsafe.Add(ref outBase, (oy * outW) + oxStart),
                ref Unsafe.Add(ref inBase, (iy * inW) + oxStart + kx - padW),
                width,
                weight,
                path);
        }
    }

    /// <summary><c>output[j] += weight * input[j]</c> for <c>j &lt; width</c>: widest vectors first, then narrower, then scalars.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddRow(ref float output, ref float input, int width, float weight, KernelPath path)
    {
        int j = 0;
        if (path >= KernelPath.Vector512 && KernelPaths.Vector512Ok)
        {
            j = MultiplyAddRun<Width512, Vector512<float>>(ref output, ref input, j, width, weight);
        }

        if (path >= KernelPath.Vector256 && KernelPaths.Vector256Ok)
        {
            j = MultiplyAddRun<Width256, Vector256<float>>(ref output, ref input, j, width, weight);
        }

        if (path >= KernelPath.Vector128 && KernelPaths.Vector128Ok)
        {
            j = MultiplyAddRun<Width128, Vector128<float>>(ref output, ref input, j, width, weight);
        }

        for (; j < width; j++)
        {
            Unsafe.Add(ref output, j) += weight * Unsafe.Add(ref input, j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MultiplyAddRun<TWidth, TVector>(ref float output, ref float input, int j, int width, float weight)
        where TWidth : struct, ISimdWidth<TVector>
        where TVector : struct
    {
        TVector w = TWidth.Broadcast(weight);
        for (; j <= width - TWidth.Count; j += TWidth.Count)
        {
            TWidth.Store(TWidth.MultiplyAdd(TWidth.Load(ref output, (nuint)j), w, TWidth.Load(ref input, (nuint)j)), ref output, (nuint)j);
        }

        return j;
    }

    /// <summary>
    /// A whole sparse convolution layer with stride 1 and no padding: for each output channel,
    /// tiles of up to eight vectors of the output plane are held in registers while every tap of
    /// that channel is added (<c>acc += weight * input</c>, taps in the given order), then stored
    /// once. Each output element receives exactly the operations of <see cref="FillPlanes"/>
    /// followed by one <see cref="ConvAccumulate"/>
    /// per tap in the same order, so the results are bit-identical on every path.
    /// </summary>
    /// <remarks>
    /// Each output row is covered by vectors starting at <c>0, L, 2L, …</c> and, when the width is
    /// not a multiple of the vector width <c>L</c>, one more ending at the row's end (overlapping
    /// the one before: both compute the same values for the shared elements). Picks the path with
    /// <see cref="TiledPath"/>.
    /// </remarks>
    /// <param name="input">Input planes, <c>inChannels × inH × inW</c>.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="inH">Input height.</param>
    /// <param name="inW">Input width.</param>
    /// <param name="kh">Kernel height.</param>
    /// <param name="kw">Kernel width.</param>
    /// <param name="channelStarts">Taps of output channel <c>c</c> are <c>channelStarts[c] .. channelStarts[c + 1] − 1</c>.</param>
    /// <param name="tapOffsets">Per tap: <c>(ic × inH + ky) × inW + kx</c>, the input offset of the output's top-left element.</param>
    /// <param name="weights">Per tap: its weight.</param>
    /// <param name="bias">One bias per output channel.</param>
    /// <param name="output">Output planes, <c>bias.Length × outH × outW</c> with <c>outH = inH − kh + 1</c>, <c>outW = inW − kw + 1</c>.</param>
    /// <returns>False (and nothing written) when the shapes or taps do not fit this kernel's case.</returns>
    internal static bool TryConvValidTiled(
        ReadOnlySpan<float> input, int inChannels, int inH, int inW, int kh, int kw,
        ReadOnlySpan<int> channelStarts, ReadOnlySpan<int> tapOffsets, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output) =>
        TryConvValidTiled(input, inChannels, inH, inW, kh, kw, channelStarts, tapOffsets, weights, bias, output, TiledPath(inW - kw + 1));

    /// <summary>
    /// The path <see cref="TryConvValidTiled(ReadOnlySpan{float}, int, int, int, int, int, ReadOnlySpan{int}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// takes for rows of <paramref name="outW"/> outputs: the fewest vectors per row, a 512-bit
    /// vector counted as 1.25 (x64 cores issue half as many 512-bit operations per cycle as 256-bit
    /// ones, but each carries twice the lanes; measured on LeNet-5's conv1, 24-wide rows: two 512-bit
    /// vectors, one overlapping, 11.6 µs against three 256-bit ones 14.0 µs), the wider on a tie.
    /// </summary>
    internal static KernelPath TiledPath(int outW)
    {
        KernelPath best = KernelPath.Scalar;
        int bestCost = int.MaxValue;
        foreach (KernelPath path in (ReadOnlySpan<KernelPath>)[KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128])
        {
            int lanes = (int)path / 32;
            if (KernelPaths.IsSupported(path) && lanes <= outW)
            {
                int cost = (outW + lanes - 1) / lanes * (path == KernelPath.Vector512 ? 5 : 4);
                if (cost < bestCost)
                {
                    best = path;
                    bestCost = cost;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// <see cref="TryConvValidTiled(ReadOnlySpan{float}, int, int, int, int, int, ReadOnlySpan{int}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// on a chosen path (<see cref="KernelPath.Scalar"/> runs the same tiles one float at a time).
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/>.</exception>
    internal static bool TryConvValidTiled(
        ReadOnlySpan<float> input, int inChannels, int inH, int inW, int kh, int kw,
        ReadOnlySpan<int> channelStarts, ReadOnlySpan<int> tapOffsets, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, KernelPath path)
    {
        int outH = inH - kh + 1, outW = inW - kw + 1;
        if (input.Length != (long)inChannels * inH * inW)
        {
            return false;
        }

        return TryConvTiled(input, inW, outH, outW, channelStarts, tapOffsets, weights, bias, output, path);
    }

    /// <summary>
    /// The tiled kernel on any input layout in which output row <c>oy</c>, column <c>ox</c> of a tap
    /// reads <c>input[tapOffset + oy × rowStep + ox]</c>: a valid stride-1 convolution
    /// (<c>rowStep</c> = input width), or a staged copy that makes padding and strides look like one
    /// (<see cref="ConvRunner"/>).
    /// </summary>
    /// <returns>False (and nothing written) when the shapes or taps do not fit.</returns>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/>.</exception>
    internal static bool TryConvTiled(
        ReadOnlySpan<float> input, int rowStep, int outH, int outW,
        ReadOnlySpan<int> channelStarts, ReadOnlySpan<int> tapOffsets, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, KernelPath path)
    {
        KernelPaths.ThrowIfUnsupported(path);
        int lanes = path == KernelPath.Scalar ? 1 : (int)path / 32;
        if (outH < 1 || outW < lanes || rowStep < outW
            || output.Length != (long)bias.Length * outH * outW
            || channelStarts.Length != bias.Length + 1 || tapOffsets.Length != weights.Length
            || channelStarts[0] != 0 || channelStarts[bias.Length] != weights.Length)
        {
            return false;
        }

        // Every tap offset must keep the whole output window inside the input, and each channel's
        // taps must be a run inside the list.
        long window = ((long)(outH - 1) * rowStep) + outW;
        if (window > input.Length)
        {
            return false;
        }

        int maxOffset = (int)(input.Length - window);
        foreach (int offset in tapOffsets)
        {
            if ((uint)offset > (uint)maxOffset)
            {
                return false;
            }
        }

        for (int c = 0; c < bias.Length; c++)
        {
            if ((uint)channelStarts[c] > (uint)channelStarts[c + 1])
            {
                return false;
            }
        }

        var shape = new TileShape(rowStep, outH, outW, lanes);
        switch (path)
        {
            case KernelPath.Vector512:
                ConvTiles<Width512, Vector512<float>>(input, channelStarts, tapOffsets, weights, bias, output, shape);
                break;
            case KernelPath.Vector256:
                ConvTiles<Width256, Vector256<float>>(input, channelStarts, tapOffsets, weights, bias, output, shape);
                break;
            case KernelPath.Vector128:
                ConvTiles<Width128, Vector128<float>>(input, channelStarts, tapOffsets, weights, bias, output, shape);
                break;
            default:
                ConvTiles<ScalarWidth, float>(input, channelStarts, tapOffsets, weights, bias, output, shape);
                break;
        }

        return true;
    }

    /// <summary>How vectors of <see cref="Lanes"/> floats cover an output plane.</summary>
    private readonly struct TileShape(int rowStep, int outH, int outW, int lanes)
    {
        /// <summary>Input offset from one output row to the next.</summary>
        public int RowStep { get; } = rowStep;

        public int OutW { get; } = outW;

        public int Lanes { get; } = lanes;

        /// <summary>Vectors per output row (the last may overlap the one before).</summary>
        public int PerRow { get; } = (outW + lanes - 1) / lanes;

        public int PlaneVectors { get; } = outH * ((outW + lanes - 1) / lanes);

        /// <summary>Where vector <paramref name="v"/> starts: its offset in the input window and in the output plane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (int Input, int Output) Start(int v)
        {
            int oy = v / PerRow, ox = Math.Min((v - (oy * PerRow)) * Lanes, OutW - Lanes);
            return ((oy * RowStep) + ox, (oy * OutW) + ox);
        }
    }

    [SkipLocalsInit]
    private static void ConvTiles<TWidth, TVector>(
        ReadOnlySpan<float> input, ReadOnlySpan<int> channelStarts, ReadOnlySpan<int> tapOffsets, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, TileShape shape)
        where TWidth : struct, ISimdWidth<TVector>
        where TVector : struct
    {
        const int Tile = 8;
        int outPlane = output.Length / Math.Max(bias.Length, 1);
        ref float inRef = ref MemoryMarshal.GetReference(input);
        ref int offsetRef = ref MemoryMarshal.GetReference(tapOffsets);
        ref float weightRef = ref MemoryMarshal.GetReference(weights);
        Span<int> outStarts = stackalloc int[Tile];
        for (int c = 0; c < bias.Length; c++)
        {
            int first = channelStarts[c], last = channelStarts[c + 1];
            ref float plane = ref MemoryMarshal.GetReference(output.Slice(c * outPlane, outPlane));
            TVector b = TWidth.Broadcast(bias[c]);
            for (int v0 = 0; v0 < shape.PlaneVectors; v0 += Tile)
            {
                int count = Math.Min(Tile, shape.PlaneVectors - v0);

                // Unused slots repeat the tile's first vector: computed, stored again with the same values.
                (int b0, outStarts[0]) = shape.Start(v0);
                (int b1, outStarts[1]) = shape.Start(v0 + (count > 1 ? 1 : 0));
                (int b2, outStarts[2]) = shape.Start(v0 + (count > 2 ? 2 : 0));
                (int b3, outStarts[3]) = shape.Start(v0 + (count > 3 ? 3 : 0));
                (int b4, outStarts[4]) = shape.Start(v0 + (count > 4 ? 4 : 0));
                (int b5, outStarts[5]) = shape.Start(v0 + (count > 5 ? 5 : 0));
                (int b6, outStarts[6]) = shape.Start(v0 + (count > 6 ? 6 : 0));
                (int b7, outStarts[7]) = shape.Start(v0 + (count > 7 ? 7 : 0));
                TVector a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
                for (int k = first; k < last; k++)
                {
                    TVector w = TWidth.Broadcast(Unsafe.Add(ref weightRef, k));
                    ref float at = ref Unsafe.Add(ref inRef, Unsafe.Add(ref offsetRef, k));
                    a0 = TWidth.MultiplyAdd(a0, w, TWidth.Load(ref at, (nuint)b0));
                    a1 = TWidth.MultiplyAdd(a1, w, TWidth.Load(ref at, (nuint)b1));
                    a2 = TWidth.MultiplyAdd(a2, w, TWidth.Load(ref at, (nuint)b2));
                    a3 = TWidth.MultiplyAdd(a3, w, TWidth.Load(ref at, (nuint)b3));
                    a4 = TWidth.MultiplyAdd(a4, w, TWidth.Load(ref at, (nuint)b4));
                    a5 = TWidth.MultiplyAdd(a5, w, TWidth.Load(ref at, (nuint)b5));
                    a6 = TWidth.MultiplyAdd(a6, w, TWidth.Load(ref at, (nuint)b6));
                    a7 = TWidth.MultiplyAdd(a7, w, TWidth.Load(ref at, (nuint)b7));
                }

                TWidth.Store(a0, ref plane, (nuint)outStarts[0]);
                TWidth.Store(a1, ref plane, (nuint)outStarts[1]);
                TWidth.Store(a2, ref plane, (nuint)outStarts[2]);
                TWidth.Store(a3, ref plane, (nuint)outStarts[3]);
                TWidth.Store(a4, ref plane, (nuint)outStarts[4]);
                TWidth.Store(a5, ref plane, (nuint)outStarts[5]);
                TWidth.Store(a6, ref plane, (nuint)outStarts[6]);
                TWidth.Store(a7, ref plane, (nuint)outStarts[7]);
            }
        }
    }

    /// <summary>
    /// The common 2×2, stride 2 pool with the same comparisons in the same order as the general
    /// loop (top-left, top-right, bottom-left, bottom-right; strictly greater replaces). With
    /// 128-bit vectors, four outputs at a time: the two input rows are split into even and odd
    /// columns in registers, then the four candidates are compared in that order; a row whose
    /// width is not a multiple of four ends with a vector overlapping the one before.
    /// </summary>
    private static void MaxPool2x2(ReadOnlySpan<float> input, int channels, int inH, int inW, Span<float> output, KernelPath path)
    {
        int outH = inH / 2, outW = inW / 2;
        ref float inRef = ref MemoryMarshal.GetReference(input);
        ref float outRef = ref MemoryMarshal.GetReference(output);
        bool vector = path != KernelPath.Scalar && Vector128Pairs.IsAccelerated && outW >= 4;
        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                ref float top = ref Unsafe.Add(ref inRef, (((c * inH) + (2 * oy)) * inW));
                ref float bottom = ref Unsafe.Add(ref top, inW);
                ref float row = ref Unsafe.Add(ref outRef, ((c * outH) + oy) * outW);
                if (vector)
                {
                    for (int ox = 0; ox < outW; ox += 4)
                    {
                        int at = Math.Min(ox, outW - 4);
                        Vector128Pairs.Unzip(Vector128.LoadUnsafe(ref top, (nuint)(2 * at)), Vector128.LoadUnsafe(ref top, (nuint)((2 * at) + 4)), out Vector128<float> best, out Vector128<float> v);
                        best = Width128.KeepGreater(best, v);
                        Vector128Pairs.Unzip(Vector128.LoadUnsafe(ref bottom, (nuint)(2 * at)), Vector128.LoadUnsafe(ref bottom, (nuint)((2 * at) + 4)), out Vector128<float> bl, out Vector128<float> br);
                        best = Width128.KeepGreater(best, bl);
                        best = Width128.KeepGreater(best, br);
                        best.StoreUnsafe(ref row, (nuint)at);
                    }
                }
                else
                {
                    for (int ox = 0; ox < outW; ox++)
                    {
                        float best = Unsafe.Add(ref top, 2 * ox);
                        best = ScalarWidth.KeepGreater(best, Unsafe.Add(ref top, (2 * ox) + 1));
                        best = ScalarWidth.KeepGreater(best, Unsafe.Add(ref bottom, 2 * ox));
                        best = ScalarWidth.KeepGreater(best, Unsafe.Add(ref bottom, (2 * ox) + 1));
                        Unsafe.Add(ref row, ox) = best;
                    }
                }
            }
        }
    }
}
