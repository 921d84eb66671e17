using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbeddedNets.Inference;

public static partial class SparseKernels
{
    /// <summary>Extra room <see cref="ListNonzero(ReadOnlySpan{float}, Span{int})"/> needs beyond one slot per input.</summary>
    internal const int NonzeroSlack = 16;

    /// <summary>
    /// Writes the indices <c>i</c> with <c>x[i] != 0</c> (NaN counts as nonzero), ascending, to the
    /// start of <paramref name="indices"/> and returns how many there are. Branch-free on every
    /// path: a vector of inputs is compared with zero, and the lanes' indices are packed into place
    /// (AVX-512 <c>vpcompressd</c>; on narrower vectors a table, indexed by the comparison's bit
    /// mask, holds the packed lane numbers); the slots past the returned count are scratch.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="indices"/> is shorter than <c>x.Length + NonzeroSlack</c>.</exception>
    internal static int ListNonzero(ReadOnlySpan<float> x, Span<int> indices) => ListNonzero(x, indices, KernelPaths.Active);

    /// <summary><see cref="ListNonzero(ReadOnlySpan{float}, Span{int})"/> with a chosen path (tests run each one).</summary>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/>.</exception>
    [SkipLocalsInit]
    internal static int ListNonzero(ReadOnlySpan<float> x, Span<int> indices, KernelPath path)
    {
        if (indices.Length < x.Length + NonzeroSlack)
        {
            ThrowLength(nameof(indices), x.Length + NonzeroSlack, indices.Length);
        }

        KernelPaths.ThrowIfUnsupported(path);
        int count = 0, i = 0;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref int outRef = ref MemoryMarshal.GetReference(indices);
        if (path == KernelPath.Vector512 && KernelPaths.Vector512Ok)
        {
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
        else if (path == KernelPath.Vector256 && KernelPaths.Vector256Ok)
        {
            ref int table = ref MemoryMarshal.GetArrayDataReference(NonzeroTables.Lanes8);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                uint mask = (~Vector256.Equals(Vector256.LoadUnsafe(ref xRef, (nuint)i), Vector256<float>.Zero)).ExtractMostSignificantBits();
                (Vector256.LoadUnsafe(ref table, mask * 8) + Vector256.Create(i)).StoreUnsafe(ref outRef, (nuint)count);
                count += BitOperations.PopCount(mask);
            }
        }
        else if (path == KernelPath.Vector128 && KernelPaths.Vector128Ok)
        {
            ref int table = ref MemoryMarshal.GetArrayDataReference(NonzeroTables.Lanes4);
            for (; i <= x.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                uint mask = (~Vector128.Equals(Vector128.LoadUnsafe(ref xRef, (nuint)i), Vector128<float>.Zero)).ExtractMostSignificantBits();
                (Vector128.LoadUnsafe(ref table, mask * 4) + Vector128.Create(i)).StoreUnsafe(ref outRef, (nuint)count);
                count += NonzeroTables.Count4[(int)mask];
            }
        }

        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref outRef, count) = i;
            count += Unsafe.Add(ref xRef, i) != 0f ? 1 : 0;
        }

        return count;
    }

    /// <summary>Lookup tables of <see cref="ListNonzero(ReadOnlySpan{float}, Span{int}, KernelPath)"/>.</summary>
    private static class NonzeroTables
    {
        /// <summary>For each 4-bit mask, its set bits' positions packed to the front (4 ints per mask).</summary>
        public static readonly int[] Lanes4 = Build(4);

        /// <summary>For each 8-bit mask, its set bits' positions packed to the front (8 ints per mask).</summary>
        public static readonly int[] Lanes8 = Build(8);

        /// <summary>Set bits of each 4-bit mask (a table: ARM64 has no scalar population count).</summary>
        public static readonly byte[] Count4 = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

        private static int[] Build(int lanes)
        {
            var table = new int[(1 << lanes) * lanes];
            for (int mask = 0; mask < 1 << lanes; mask++)
            {
                int k = 0;
                for (int lane = 0; lane < lanes; lane++)
                {
                    if ((mask & (1 << lane)) != 0)
                    {
                        table[(mask * lanes) + k++] = lane;
                    }
                }
            }

            return table;
        }
    }
}
