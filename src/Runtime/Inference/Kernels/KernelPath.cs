using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EmbeddedNets.Inference;

/// <summary>
/// The vector width a kernel runs with. Every width computes the same float32 operations in the
/// same order per output element (multiply, then add; never a fused multiply-add), so all paths
/// give bit-identical results; they differ only in speed.
/// </summary>
public enum KernelPath
{
    /// <summary>One element at a time: the reference every vector path is tested against.</summary>
    Scalar = 0,

    /// <summary>128-bit vectors: SSE on x64 (what Native AOT compiles for by default), AdvSimd on ARM64.</summary>
    Vector128 = 128,

    /// <summary>256-bit vectors: AVX2 on x64.</summary>
    Vector256 = 256,

    /// <summary>512-bit vectors: AVX-512 on x64.</summary>
    Vector512 = 512,
}

/// <summary>
/// Which <see cref="KernelPath"/> this process runs, decided once from what the runtime reports
/// (<c>Vector512/256/128.IsHardwareAccelerated</c> and the instruction sets a path needs). The
/// environment switches of the .NET runtime narrow it: <c>DOTNET_EnableAVX512=0</c> gives
/// <see cref="KernelPath.Vector256"/>, <c>DOTNET_EnableAVX2=0</c> gives
/// <see cref="KernelPath.Vector128"/>, <c>DOTNET_EnableHWIntrinsic=0</c> gives
/// <see cref="KernelPath.Scalar"/>. Native AOT fixes it when the binary is compiled
/// (<c>IlcInstructionSet</c>; docs/aot.md).
/// </summary>
public static class KernelPaths
{
    /// <summary>The widest path every kernel of this process uses.</summary>
    public static KernelPath Active => Vector512Ok ? KernelPath.Vector512 : Vector256Ok ? KernelPath.Vector256 : Vector128Ok ? KernelPath.Vector128 : KernelPath.Scalar;

    /// <summary>
    /// The widest path of the masked dense kernel, which needs a variable in-register permute
    /// besides plain vector arithmetic: AVX-512 <c>vexpandps</c>, AVX2 <c>vpermps</c>, SSSE3
    /// <c>pshufb</c> or ARM64 <c>tbl</c>. On x64 without SSSE3 it has no vector path.
    /// </summary>
    public static KernelPath ActiveMasked => Vector512Ok ? KernelPath.Vector512 : Vector256Ok ? KernelPath.Vector256 : Vector128ShuffleOk ? KernelPath.Vector128 : KernelPath.Scalar;

    /// <summary>A short description for logs: the path and the instruction sets behind it.</summary>
    public static string Describe()
    {
        string isa = Active switch
        {
            KernelPath.Vector512 => "AVX-512",
            KernelPath.Vector256 => "AVX2",
            KernelPath.Vector128 when AdvSimd.Arm64.IsSupported => "AdvSimd",
            KernelPath.Vector128 when Ssse3.IsSupported => "SSSE3",
            KernelPath.Vector128 => "SSE2",
            _ => "no SIMD",
        };
        return Active + " (" + isa + "), masked dense " + ActiveMasked;
    }

    /// <summary>Whether this process can run kernels with <paramref name="path"/> (narrower paths always can).</summary>
    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Vector128 => Vector128Ok,
        KernelPath.Vector256 => Vector256Ok,
        KernelPath.Vector512 => Vector512Ok,
        _ => false,
    };

    /// <summary>Whether the masked dense kernel can run with <paramref name="path"/>.</summary>
    public static bool IsMaskedSupported(KernelPath path) => path switch
    {
        KernelPath.Vector128 => Vector128ShuffleOk,
        _ => IsSupported(path),
    };

    // The JIT and Native AOT fold these to constants, so the dispatch in each kernel costs nothing.
    internal static bool Vector512Ok => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    internal static bool Vector256Ok => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    internal static bool Vector128Ok => Vector128.IsHardwareAccelerated;

    internal static bool Vector128ShuffleOk => Vector128.IsHardwareAccelerated && (Ssse3.IsSupported || AdvSimd.Arm64.IsSupported);

    internal static void ThrowIfUnsupported(KernelPath path)
    {
        if (!IsSupported(path))
        {
            throw new PlatformNotSupportedException($"This process cannot run the {path} kernel path (widest available: {Active}).");
        }
    }

    internal static void ThrowIfMaskedUnsupported(KernelPath path)
    {
        if (!IsMaskedSupported(path))
        {
            throw new PlatformNotSupportedException($"This process cannot run the masked dense kernel with {path} (widest available: {ActiveMasked}).");
        }
    }
}
