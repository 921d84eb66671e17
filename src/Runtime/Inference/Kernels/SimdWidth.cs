using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EmbeddedNets.Inference;

/// <summary>
/// The few float operations the width-generic kernels need, implemented once per vector width
/// (and once for plain floats), in the manner of TensorPrimitives' operator structs. Kernels are
/// generic over a struct implementing this, so the JIT and Native AOT compile one specialised copy
/// per width with every call inlined.
/// </summary>
/// <typeparam name="TVector">The register type: <see cref="Vector128{T}"/>, <see cref="Vector256{T}"/>, <see cref="Vector512{T}"/> of float, or float itself.</typeparam>
internal interface ISimdWidth<TVector>
    where TVector : struct
{
    /// <summary>Floats per register.</summary>
    static abstract int Count { get; }

    /// <summary>Which path this width is.</summary>
    static abstract KernelPath Path { get; }

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    /// <summary><see cref="Count"/> floats from <c>source + offset</c>.</summary>
    static abstract TVector Load(ref float source, nuint offset);

    /// <summary>Stores <see cref="Count"/> floats at <c>destination + offset</c>.</summary>
    static abstract void Store(TVector value, ref float destination, nuint offset);

    /// <summary><c>acc + (w * x)</c>: a rounded multiply, then a rounded add (never fused).</summary>
    static abstract TVector MultiplyAdd(TVector acc, TVector w, TVector x);

    /// <summary>Per lane <c>v &gt; best ? v : best</c>: the max-pool step (NaN in <paramref name="v"/> never replaces).</summary>
    static abstract TVector KeepGreater(TVector best, TVector v);
}

/// <summary>Plain floats: the scalar reference of the width-generic kernels.</summary>
internal readonly struct ScalarWidth : ISimdWidth<float>
{
    public static int Count => 1;

    public static KernelPath Path => KernelPath.Scalar;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source, nuint offset) => Unsafe.Add(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination, nuint offset) => Unsafe.Add(ref destination, offset) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float acc, float w, float x) => acc + (w * x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float KeepGreater(float best, float v) => v > best ? v : best;
}

/// <summary>128-bit registers (SSE, AdvSimd).</summary>
internal readonly struct Width128 : ISimdWidth<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static KernelPath Path => KernelPath.Vector128;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> acc, Vector128<float> w, Vector128<float> x) => acc + (w * x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepGreater(Vector128<float> best, Vector128<float> v) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(v, best), v, best);
}

/// <summary>256-bit registers (AVX2).</summary>
internal readonly struct Width256 : ISimdWidth<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static KernelPath Path => KernelPath.Vector256;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> acc, Vector256<float> w, Vector256<float> x) => acc + (w * x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepGreater(Vector256<float> best, Vector256<float> v) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);
}

/// <summary>512-bit registers (AVX-512).</summary>
internal readonly struct Width512 : ISimdWidth<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static KernelPath Path => KernelPath.Vector512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> acc, Vector512<float> w, Vector512<float> x) => acc + (w * x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepGreater(Vector512<float> best, Vector512<float> v) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(v, best), v, best);
}

/// <summary>Deinterleaving pairs of 128-bit registers, for the 2×2 max-pool.</summary>
internal static class Vector128Pairs
{
    /// <summary>Whether <see cref="Unzip"/> is a native shuffle here (x64 SSE, ARM64 AdvSimd).</summary>
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated && (Sse.IsSupported || AdvSimd.Arm64.IsSupported);

    /// <summary>From <c>a = [a0 a1 a2 a3]</c>, <c>b = [b0 b1 b2 b3]</c>: <c>even = [a0 a2 b0 b2]</c>, <c>odd = [a1 a3 b1 b3]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unzip(Vector128<float> a, Vector128<float> b, out Vector128<float> even, out Vector128<float> odd)
    {
        if (Sse.IsSupported)
        {
            even = Sse.Shuffle(a, b, 0b10_00_10_00);
            odd = Sse.Shuffle(a, b, 0b11_01_11_01);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            even = AdvSimd.Arm64.UnzipEven(a, b);
            odd = AdvSimd.Arm64.UnzipOdd(a, b);
        }
        else
        {
            even = Vector128.Create(a.GetElement(0), a.GetElement(2), b.GetElement(0), b.GetElement(2));
            odd = Vector128.Create(a.GetElement(1), a.GetElement(3), b.GetElement(1), b.GetElement(3));
        }
    }
}
