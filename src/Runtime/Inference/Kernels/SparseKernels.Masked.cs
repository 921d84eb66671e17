using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EmbeddedNets.Inference;

public static partial class SparseKernels
{
    /// <summary>
    /// The same layer as <see cref="DenseColumns"/> from its <see cref="MaskedDense"/> form, on the
    /// widest path this process supports (<see cref="KernelPaths.ActiveMasked"/>): the outputs are
    /// held in vector accumulators that start at the bias and stay in registers while, for each
    /// nonzero input in ascending order, the column's kept values of each 16-row block are expanded
    /// into place by the block's mask (pruned rows get 0) and <c>acc += x[i] * expanded</c> is
    /// added. Each output therefore sums the same products in the same order as
    /// <see cref="DenseColumns"/>, plus exact zeros for pruned weights: for finite inputs the
    /// results are identical, except that an output that would be −0 can come out +0.
    /// </summary>
    /// <remarks>
    /// Costs a fixed few vector steps per (nonzero input, 16-row block) instead of one scattered
    /// scalar update per kept weight, and no output is loaded or stored inside the loop; it wins
    /// while an input's column keeps enough of each block's rows (<see cref="DenseRunner"/> decides).
    /// The expand is AVX-512 <c>vexpandps</c> (eight 16-lane accumulators: 128 rows per pass), AVX2
    /// <c>vpermps</c> from a table indexed by each 8-row half's mask (eight 8-lane accumulators:
    /// 64 rows per pass), or a byte shuffle (SSSE3 <c>pshufb</c>, ARM64 <c>tbl</c>) from a table
    /// indexed by each 4-row quarter's mask (eight 4-lane accumulators: 32 rows per pass).
    /// </remarks>
    /// <exception cref="ArgumentException">A length does not match the layer.</exception>
    internal static void DenseMasked(ReadOnlySpan<float> x, MaskedDense layer, Span<float> y) =>
        DenseMasked(x, layer, y, KernelPaths.ActiveMasked);

    /// <summary><see cref="DenseMasked(ReadOnlySpan{float}, MaskedDense, Span{float})"/> on a chosen path; <see cref="KernelPath.Scalar"/> is the plain reference (bit-identical to <see cref="DenseColumns"/>).</summary>
    /// <exception cref="ArgumentException">A length does not match the layer.</exception>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/> (<see cref="KernelPaths.IsMaskedSupported"/>).</exception>
    [SkipLocalsInit]
    internal static void DenseMasked(ReadOnlySpan<float> x, MaskedDense layer, Span<float> y, KernelPath path)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (x.Length != layer.Inputs)
        {
            ThrowLength(nameof(x), layer.Inputs, x.Length);
        }

        if (y.Length != layer.Outputs)
        {
            ThrowLength(nameof(y), layer.Outputs, y.Length);
        }

        KernelPaths.ThrowIfMaskedUnsupported(path);
        int[]? rented = null;
        Span<int> nonzero = x.Length <= StackallocInputs
            ? stackalloc int[x.Length + NonzeroSlack]
            : (rented = ArrayPool<int>.Shared.Rent(x.Length + NonzeroSlack));
        int count = ListNonzero(x, nonzero, path == KernelPath.Scalar ? KernelPath.Scalar : KernelPaths.Active);
        DenseMasked(x, nonzero.Slice(0, count), layer, y, path);
        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>The masked kernel over the already listed nonzero inputs (ascending indices below <c>x.Length</c>).</summary>
    internal static void DenseMasked(ReadOnlySpan<float> x, ReadOnlySpan<int> nonzero, MaskedDense layer, Span<float> y, KernelPath path)
    {
        if (x.Length != layer.Inputs)
        {
            ThrowLength(nameof(x), layer.Inputs, x.Length);
        }

        if (y.Length != layer.Outputs)
        {
            ThrowLength(nameof(y), layer.Outputs, y.Length);
        }

        switch (path)
        {
            case KernelPath.Vector512:
                MaskedPasses512(x, nonzero, layer, y);
                break;
            case KernelPath.Vector256:
                MaskedPasses256(x, nonzero, layer, y);
                break;
            case KernelPath.Vector128:
                MaskedPasses128(x, nonzero, layer, y);
                break;
            default:
                MaskedScalar(x, nonzero, layer, y);
                break;
        }
    }

    /// <summary>The reference: every kept weight of every nonzero input, one scalar update each, in the mask's order.</summary>
    private static void MaskedScalar(ReadOnlySpan<float> x, ReadOnlySpan<int> nonzero, MaskedDense layer, Span<float> y)
    {
        layer.Bias.AsSpan(0, y.Length).CopyTo(y);
        int inputs = layer.Inputs;
        for (int c = 0; c < layer.Chunks; c++)
        {
            foreach (int i in nonzero)
            {
                int slot = (c * inputs) + i, start = layer.Starts[slot];
                float xi = x[i];
                for (int b = 0; b < MaskedDense.BlocksPerChunk; b++)
                {
                    uint word = layer.Masks[(slot * MaskedDense.BlocksPerChunk) + b];
                    int p = start + (int)(word >> 16);
                    for (uint bits = word & 0xFFFF; bits != 0; bits &= bits - 1)
                    {
                        y[(c * MaskedDense.ChunkRows) + (16 * b) + BitOperations.TrailingZeroCount(bits)] += xi * layer.Values[p++];
                    }
                }
            }
        }
    }

    /// <summary>Stores the accumulators of rows <c>first .. first + rows − 1</c> (padding rows of the last chunk go to a scratch buffer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<float> PassTarget(Span<float> y, int first, int rows, Span<float> scratch) =>
        first + rows <= y.Length ? y.Slice(first, rows) : scratch.Slice(0, rows);

    private static void FinishPass(Span<float> y, int first, int rows, Span<float> target)
    {
        if (first + rows > y.Length)
        {
            target.Slice(0, y.Length - first).CopyTo(y.Slice(first));
        }
    }

    [SkipLocalsInit]
    private static void MaskedPasses512(ReadOnlySpan<float> x, ReadOnlySpan<int> nonzero, MaskedDense layer, Span<float> y)
    {
        if (!KernelPaths.Vector512Ok)
        {
            return;
        }

        int inputs = layer.Inputs, count = nonzero.Length;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref int nonzeroRef = ref MemoryMarshal.GetReference(nonzero);
        ref int maskRef = ref Unsafe.As<uint, int>(ref MemoryMarshal.GetArrayDataReference(layer.Masks));
        ref int startRef = ref MemoryMarshal.GetArrayDataReference(layer.Starts);
        ref float valueRef = ref MemoryMarshal.GetArrayDataReference(layer.Values);
        ref float biasRef = ref MemoryMarshal.GetArrayDataReference(layer.Bias);
        Vector512<int> lanes = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
        Span<float> scratch = stackalloc float[MaskedDense.ChunkRows];
        for (int c = 0; c < layer.Chunks; c++)
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
                ref float v = ref Unsafe.Add(ref valueRef, Unsafe.Add(ref startRef, chunkBase + i));
                a0 = Block512(a0, xi, m, ref v, lanes);
                if (blocks > 1)
                {
                    a1 = Block512(a1, xi, Unsafe.Add(ref m, 1), ref v, lanes);
                }

                if (blocks > 2)
                {
                    a2 = Block512(a2, xi, Unsafe.Add(ref m, 2), ref v, lanes);
                }

                if (blocks > 3)
                {
                    a3 = Block512(a3, xi, Unsafe.Add(ref m, 3), ref v, lanes);
                }

                if (blocks > 4)
                {
                    a4 = Block512(a4, xi, Unsafe.Add(ref m, 4), ref v, lanes);
                }

                if (blocks > 5)
                {
                    a5 = Block512(a5, xi, Unsafe.Add(ref m, 5), ref v, lanes);
                }

                if (blocks > 6)
                {
                    a6 = Block512(a6, xi, Unsafe.Add(ref m, 6), ref v, lanes);
                }

                if (blocks > 7)
                {
                    a7 = Block512(a7, xi, Unsafe.Add(ref m, 7), ref v, lanes);
                }
            }

            Span<float> target = PassTarget(y, (int)row, MaskedDense.ChunkRows, scratch);
            ref float t = ref MemoryMarshal.GetReference(target);
            a0.StoreUnsafe(ref t, 0);
            a1.StoreUnsafe(ref t, 16);
            a2.StoreUnsafe(ref t, 32);
            a3.StoreUnsafe(ref t, 48);
            a4.StoreUnsafe(ref t, 64);
            a5.StoreUnsafe(ref t, 80);
            a6.StoreUnsafe(ref t, 96);
            a7.StoreUnsafe(ref t, 112);
            FinishPass(y, (int)row, MaskedDense.ChunkRows, target);
        }
    }

    /// <summary>
    /// One block of the AVX-512 pass: <c>acc + x * expand(values[p..], mask)</c> with <c>p</c> from
    /// the word's high half. The lane mask is built right where it is used (broadcast, AND, compare)
    /// so the JIT keeps it in a mask register.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Block512(Vector512<float> acc, Vector512<float> x, int word, ref float values, Vector512<int> lanes)
    {
        Vector512<float> kept = Avx512F.Expand(
            Vector512<float>.Zero,
            Vector512.Equals(Vector512.Create(word) & lanes, lanes).AsSingle(),
            Vector512.LoadUnsafe(ref values, (nuint)((uint)word >> 16)));
        return acc + (x * kept);
    }

    [SkipLocalsInit]
    private static void MaskedPasses256(ReadOnlySpan<float> x, ReadOnlySpan<int> nonzero, MaskedDense layer, Span<float> y)
    {
        if (!KernelPaths.Vector256Ok)
        {
            return;
        }

        const int PassRows = 64, PassBlocks = PassRows / 16;
        int inputs = layer.Inputs, count = nonzero.Length;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref int nonzeroRef = ref MemoryMarshal.GetReference(nonzero);
        ref uint maskRef = ref MemoryMarshal.GetArrayDataReference(layer.Masks);
        ref int startRef = ref MemoryMarshal.GetArrayDataReference(layer.Starts);
        ref float valueRef = ref MemoryMarshal.GetArrayDataReference(layer.Values);
        ref float biasRef = ref MemoryMarshal.GetArrayDataReference(layer.Bias);
        ref int table = ref MemoryMarshal.GetArrayDataReference(ExpandTables.Permute8);
        Span<float> scratch = stackalloc float[PassRows];
        for (int pass = 0; pass * PassRows < y.Length; pass++)
        {
            int c = pass / 2, firstBlock = (pass % 2) * PassBlocks;
            nuint row = (nuint)(pass * PassRows);
            Vector256<float> a0 = Vector256.LoadUnsafe(ref biasRef, row), a1 = Vector256.LoadUnsafe(ref biasRef, row + 8);
            Vector256<float> a2 = Vector256.LoadUnsafe(ref biasRef, row + 16), a3 = Vector256.LoadUnsafe(ref biasRef, row + 24);
            Vector256<float> a4 = Vector256.LoadUnsafe(ref biasRef, row + 32), a5 = Vector256.LoadUnsafe(ref biasRef, row + 40);
            Vector256<float> a6 = Vector256.LoadUnsafe(ref biasRef, row + 48), a7 = Vector256.LoadUnsafe(ref biasRef, row + 56);
            int chunkBase = c * inputs;
            int blocks = Math.Min(PassBlocks, (y.Length - (int)row + 15) / 16);
            for (int k = 0; k < count; k++)
            {
                int i = Unsafe.Add(ref nonzeroRef, k);
                var xi = Vector256.Create(Unsafe.Add(ref xRef, i));
                ref uint m = ref Unsafe.Add(ref maskRef, ((chunkBase + i) * MaskedDense.BlocksPerChunk) + firstBlock);
                ref float v = ref Unsafe.Add(ref valueRef, Unsafe.Add(ref startRef, chunkBase + i));
                Block256(ref a0, ref a1, xi, m, ref v, ref table);
                if (blocks > 1)
                {
                    Block256(ref a2, ref a3, xi, Unsafe.Add(ref m, 1), ref v, ref table);
                }

                if (blocks > 2)
                {
                    Block256(ref a4, ref a5, xi, Unsafe.Add(ref m, 2), ref v, ref table);
                }

                if (blocks > 3)
                {
                    Block256(ref a6, ref a7, xi, Unsafe.Add(ref m, 3), ref v, ref table);
                }
            }

            Span<float> target = PassTarget(y, (int)row, PassRows, scratch);
            ref float t = ref MemoryMarshal.GetReference(target);
            a0.StoreUnsafe(ref t, 0);
            a1.StoreUnsafe(ref t, 8);
            a2.StoreUnsafe(ref t, 16);
            a3.StoreUnsafe(ref t, 24);
            a4.StoreUnsafe(ref t, 32);
            a5.StoreUnsafe(ref t, 40);
            a6.StoreUnsafe(ref t, 48);
            a7.StoreUnsafe(ref t, 56);
            FinishPass(y, (int)row, PassRows, target);
        }
    }

    /// <summary>
    /// One 16-row block on AVX2, as two 8-row halves: the table entry of a half's 8-bit mask holds,
    /// per lane, which of the consecutive kept values goes there (−1 for pruned rows, which the
    /// blend on the sign bit turns into 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block256(ref Vector256<float> low, ref Vector256<float> high, Vector256<float> x, uint word, ref float values, ref int table)
    {
        nuint p = word >> 16;
        uint lowMask = word & 0xFF, highMask = (word >> 8) & 0xFF;
        Vector256<int> lowIndex = Vector256.LoadUnsafe(ref table, lowMask * 8);
        Vector256<float> kept = Avx.BlendVariable(Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref values, p), lowIndex), Vector256<float>.Zero, lowIndex.AsSingle());
        low += x * kept;
        p += (nuint)BitOperations.PopCount(lowMask);
        Vector256<int> highIndex = Vector256.LoadUnsafe(ref table, highMask * 8);
        kept = Avx.BlendVariable(Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref values, p), highIndex), Vector256<float>.Zero, highIndex.AsSingle());
        high += x * kept;
    }

    [SkipLocalsInit]
    private static void MaskedPasses128(ReadOnlySpan<float> x, ReadOnlySpan<int> nonzero, MaskedDense layer, Span<float> y)
    {
        if (!KernelPaths.Vector128ShuffleOk)
        {
            return;
        }

        const int PassRows = 32, PassBlocks = PassRows / 16, PassesPerChunk = MaskedDense.ChunkRows / PassRows;
        int inputs = layer.Inputs, count = nonzero.Length;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref int nonzeroRef = ref MemoryMarshal.GetReference(nonzero);
        ref uint maskRef = ref MemoryMarshal.GetArrayDataReference(layer.Masks);
        ref int startRef = ref MemoryMarshal.GetArrayDataReference(layer.Starts);
        ref float valueRef = ref MemoryMarshal.GetArrayDataReference(layer.Values);
        ref float biasRef = ref MemoryMarshal.GetArrayDataReference(layer.Bias);
        ref byte table = ref MemoryMarshal.GetArrayDataReference(ExpandTables.Shuffle4);
        ref byte pop = ref MemoryMarshal.GetArrayDataReference(ExpandTables.PopCount4);
        Span<float> scratch = stackalloc float[PassRows];
        for (int pass = 0; pass * PassRows < y.Length; pass++)
        {
            int c = pass / PassesPerChunk, firstBlock = (pass % PassesPerChunk) * PassBlocks;
            nuint row = (nuint)(pass * PassRows);
            Vector128<float> a0 = Vector128.LoadUnsafe(ref biasRef, row), a1 = Vector128.LoadUnsafe(ref biasRef, row + 4);
            Vector128<float> a2 = Vector128.LoadUnsafe(ref biasRef, row + 8), a3 = Vector128.LoadUnsafe(ref biasRef, row + 12);
            Vector128<float> a4 = Vector128.LoadUnsafe(ref biasRef, row + 16), a5 = Vector128.LoadUnsafe(ref biasRef, row + 20);
            Vector128<float> a6 = Vector128.LoadUnsafe(ref biasRef, row + 24), a7 = Vector128.LoadUnsafe(ref biasRef, row + 28);
            int chunkBase = c * inputs;
            bool second = y.Length - (int)row > 16;
            for (int k = 0; k < count; k++)
            {
                int i = Unsafe.Add(ref nonzeroRef, k);
                var xi = Vector128.Create(Unsafe.Add(ref xRef, i));
                ref uint m = ref Unsafe.Add(ref maskRef, ((chunkBase + i) * MaskedDense.BlocksPerChunk) + firstBlock);
                ref float v = ref Unsafe.Add(ref valueRef, Unsafe.Add(ref startRef, chunkBase + i));
                Block128(ref a0, ref a1, ref a2, ref a3, xi, m, ref v, ref table, ref pop);
                if (second)
                {
                    Block128(ref a4, ref a5, ref a6, ref a7, xi, Unsafe.Add(ref m, 1), ref v, ref table, ref pop);
                }
            }

            Span<float> target = PassTarget(y, (int)row, PassRows, scratch);
            ref float t = ref MemoryMarshal.GetReference(target);
            a0.StoreUnsafe(ref t, 0);
            a1.StoreUnsafe(ref t, 4);
            a2.StoreUnsafe(ref t, 8);
            a3.StoreUnsafe(ref t, 12);
            a4.StoreUnsafe(ref t, 16);
            a5.StoreUnsafe(ref t, 20);
            a6.StoreUnsafe(ref t, 24);
            a7.StoreUnsafe(ref t, 28);
            FinishPass(y, (int)row, PassRows, target);
        }
    }

    /// <summary>
    /// One 16-row block on 128-bit vectors, as four 4-row quarters: the table entry of a quarter's
    /// 4-bit mask is a byte shuffle that moves each kept value to its lane and has 0x80 (which both
    /// <c>pshufb</c> and <c>tbl</c> turn into a zero byte) for pruned rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block128(ref Vector128<float> a0, ref Vector128<float> a1, ref Vector128<float> a2, ref Vector128<float> a3, Vector128<float> x, uint word, ref float values, ref byte table, ref byte pop)
    {
        nuint p = word >> 16;
        uint m0 = word & 0xF, m1 = (word >> 4) & 0xF, m2 = (word >> 8) & 0xF, m3 = (word >> 12) & 0xF;
        a0 += x * Expand4(Vector128.LoadUnsafe(ref values, p), Vector128.LoadUnsafe(ref table, m0 * 16));
        p += Unsafe.Add(ref pop, m0);
        a1 += x * Expand4(Vector128.LoadUnsafe(ref values, p), Vector128.LoadUnsafe(ref table, m1 * 16));
        p += Unsafe.Add(ref pop, m1);
        a2 += x * Expand4(Vector128.LoadUnsafe(ref values, p), Vector128.LoadUnsafe(ref table, m2 * 16));
        p += Unsafe.Add(ref pop, m2);
        a3 += x * Expand4(Vector128.LoadUnsafe(ref values, p), Vector128.LoadUnsafe(ref table, m3 * 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Expand4(Vector128<float> values, Vector128<byte> shuffle)
    {
        if (Ssse3.IsSupported)
        {
            return Ssse3.Shuffle(values.AsByte(), shuffle).AsSingle();
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.VectorTableLookup(values.AsByte(), shuffle).AsSingle();
        }

        // Not reached: the 128-bit masked path is only offered with one of the two above.
        return Vector128.Shuffle(values.AsByte(), shuffle).AsSingle();
    }

    /// <summary>Lookup tables of the 256- and 128-bit masked passes.</summary>
    private static class ExpandTables
    {
        /// <summary>Per 8-bit mask, 8 ints: for a kept lane, the index of its value among the kept ones; −1 for a pruned lane.</summary>
        public static readonly int[] Permute8 = BuildPermute8();

        /// <summary>Per 4-bit mask, 16 bytes: a byte shuffle placing the kept floats in their lanes, 0x80 (zero) elsewhere.</summary>
        public static readonly byte[] Shuffle4 = BuildShuffle4();

        /// <summary>Set bits of each 4-bit mask.</summary>
        public static readonly byte[] PopCount4 = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

        private static int[] BuildPermute8()
        {
            var table = new int[256 * 8];
            for (int mask = 0; mask < 256; mask++)
            {
                int k = 0;
                for (int lane = 0; lane < 8; lane++)
                {
                    table[(mask * 8) + lane] = (mask & (1 << lane)) != 0 ? k++ : -1;
                }
            }

            return table;
        }

        private static byte[] BuildShuffle4()
        {
            var table = new byte[16 * 16];
            for (int mask = 0; mask < 16; mask++)
            {
                int k = 0;
                for (int lane = 0; lane < 4; lane++)
                {
                    bool kept = (mask & (1 << lane)) != 0;
                    for (int b = 0; b < 4; b++)
                    {
                        table[(mask * 16) + (lane * 4) + b] = kept ? (byte)((k * 4) + b) : (byte)0x80;
                    }

                    k += kept ? 1 : 0;
                }
            }

            return table;
        }
    }
}
