#if NETSTANDARD2_0
using System.Runtime.InteropServices;
#endif

namespace EmbeddedNets.Format;

/// <summary>float32 ⇄ bit pattern and finiteness, on every target this folder compiles for.</summary>
internal static class FloatBits
{
    /// <summary>True unless NaN or ±infinity.</summary>
    public static bool IsFinite(float value) => !float.IsNaN(value) && !float.IsInfinity(value);

#if NETSTANDARD2_0
    /// <summary>The IEEE 754 bit pattern of <paramref name="value"/>.</summary>
    public static int ToBits(float value)
    {
        var union = new Union { Single = value };
        return union.Int32;
    }

    /// <summary>The float whose IEEE 754 bit pattern is <paramref name="bits"/>.</summary>
    public static float FromBits(int bits)
    {
        var union = new Union { Int32 = bits };
        return union.Single;
    }

    [StructLayout(LayoutKind.Explicit)]
    private struct Union
    {
        [FieldOffset(0)]
        public int Int32;

        [FieldOffset(0)]
        public float Single;
    }
#else
    /// <summary>The IEEE 754 bit pattern of <paramref name="value"/>.</summary>
    public static int ToBits(float value) => BitConverter.SingleToInt32Bits(value);

    /// <summary>The float whose IEEE 754 bit pattern is <paramref name="bits"/>.</summary>
    public static float FromBits(int bits) => BitConverter.Int32BitsToSingle(bits);
#endif
}
