using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbeddedNets.Inference;

public static partial class SparseKernels
{
    /// <summary>
    /// Turns raw bytes (e.g. pixels) into model inputs: <c>(raw × scale − mean) / std</c>, in float32,
    /// as the compressor trained on. Runs on the widest vectors this process has; a byte converts to
    /// float exactly and a vector multiply, subtract and divide round like the scalar ones, so every
    /// path gives the same bits.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Preprocess(ReadOnlySpan<byte> raw, float scale, float mean, float std, Span<float> output) =>
        PreprocessOnPath(raw, scale, mean, std, output, KernelPaths.Active);

    /// <summary><see cref="Preprocess"/> on a chosen path.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/>.</exception>
    internal static void PreprocessOnPath(ReadOnlySpan<byte> raw, float scale, float mean, float std, Span<float> output, KernelPath path)
    {
        if (output.Length != raw.Length)
        {
            ThrowLength(nameof(output), raw.Length, output.Length);
        }

        KernelPaths.ThrowIfUnsupported(path);
        int i = 0;
        ref byte rawRef = ref MemoryMarshal.GetReference(raw);
        ref float outRef = ref MemoryMarshal.GetReference(output);
        if (path == KernelPath.Vector512 && KernelPaths.Vector512Ok)
        {
            Vector512<float> s = Vector512.Create(scale), m = Vector512.Create(mean), d = Vector512.Create(std);
            for (; i <= raw.Length - 16; i += 16)
            {
                Vector512<float> v = Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref rawRef, (nuint)i)));
                (((v * s) - m) / d).StoreUnsafe(ref outRef, (nuint)i);
            }
        }
        else if (path == KernelPath.Vector256 && KernelPaths.Vector256Ok)
        {
            Vector256<float> s = Vector256.Create(scale), m = Vector256.Create(mean), d = Vector256.Create(std);
            for (; i <= raw.Length - 8; i += 8)
            {
                Vector128<byte> bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref rawRef, i))).AsByte();
                Vector256<float> v = Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(bytes));
                (((v * s) - m) / d).StoreUnsafe(ref outRef, (nuint)i);
            }
        }
        else if (path == KernelPath.Vector128 && KernelPaths.Vector128Ok)
        {
            Vector128<float> s = Vector128.Create(scale), m = Vector128.Create(mean), d = Vector128.Create(std);
            for (; i <= raw.Length - 16; i += 16)
            {
                Vector128<byte> bytes = Vector128.LoadUnsafe(ref rawRef, (nuint)i);
                (Vector128<ushort> low, Vector128<ushort> high) = Vector128.Widen(bytes);
                (Vector128<uint> a, Vector128<uint> b) = Vector128.Widen(low);
                (Vector128<uint> c, Vector128<uint> e) = Vector128.Widen(high);
                (((Vector128.ConvertToSingle(a.AsInt32()) * s) - m) / d).StoreUnsafe(ref outRef, (nuint)i);
                (((Vector128.ConvertToSingle(b.AsInt32()) * s) - m) / d).StoreUnsafe(ref outRef, (nuint)(i + 4));
                (((Vector128.ConvertToSingle(c.AsInt32()) * s) - m) / d).StoreUnsafe(ref outRef, (nuint)(i + 8));
                (((Vector128.ConvertToSingle(e.AsInt32()) * s) - m) / d).StoreUnsafe(ref outRef, (nuint)(i + 12));
            }
        }

        for (; i < raw.Length; i++)
        {
            Unsafe.Add(ref outRef, i) = ((Unsafe.Add(ref rawRef, i) * scale) - mean) / std;
        }
    }
}
