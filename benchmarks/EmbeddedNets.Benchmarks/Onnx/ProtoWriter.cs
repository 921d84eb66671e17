using System.Buffers.Binary;
using System.Text;

namespace EmbeddedNets.Benchmarks.Onnx;

/// <summary>
/// The protobuf wire format, as much of it as an ONNX model needs: varints (wire type 0),
/// 32-bit fixed (wire type 5, floats) and length-delimited fields (wire type 2: strings, bytes,
/// packed repeated scalars and nested messages). A message is written into its own writer and
/// then embedded in its parent with <see cref="WriteMessage"/>.
/// </summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly MemoryStream _buffer = new();

    /// <summary>Bytes written so far.</summary>
    public int Length => (int)_buffer.Length;

    /// <summary>The encoded message.</summary>
    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>An int32/int64/enum field (negative values take ten bytes, as protobuf's int64 does).</summary>
    public ProtoWriter WriteInt64(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A float field.</summary>
    public ProtoWriter WriteFloat(int field, float value)
    {
        WriteTag(field, WireFixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>A string field, UTF-8.</summary>
    public ProtoWriter WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A bytes field.</summary>
    public ProtoWriter WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    /// <summary>A nested message field.</summary>
    public ProtoWriter WriteMessage(int field, ProtoWriter message) => WriteBytes(field, message.ToArray());

    /// <summary>A packed repeated int64 field.</summary>
    public ProtoWriter WritePackedInt64(int field, ReadOnlySpan<long> values)
    {
        var packed = new ProtoWriter();
        foreach (long v in values)
        {
            packed.WriteVarint(unchecked((ulong)v));
        }

        return WriteBytes(field, packed.ToArray());
    }

    private void WriteTag(int field, int wireType)
    {
        if (field is < 1 or > 536_870_911)
        {
            throw new ArgumentOutOfRangeException(nameof(field), field, "Protobuf field numbers run from 1 to 2^29 - 1.");
        }

        WriteVarint(((ulong)field << 3) | (uint)wireType);
    }

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
