namespace EmbeddedNets.Format;

/// <summary>A growable byte buffer with the writer's primitive encodings (little-endian, LEB128).</summary>
internal sealed class ByteSink
{
    private byte[] _buffer;
    private int _length;

    public ByteSink(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => new(_buffer, 0, _length);

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(new Span<byte>(_buffer, _length, bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Unsigned LEB128: 7 bits per byte, low group first, high bit = more follows.</summary>
    public void WriteVarUInt(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        WriteByte((byte)value);
    }

    public void WriteVarUInt(int value)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value));
        }

        WriteVarUInt((ulong)value);
    }

    /// <summary>float32, IEEE 754 bit pattern, little-endian.</summary>
    public void WriteSingle(float value)
    {
        Ensure(4);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(
            new Span<byte>(_buffer, _length, 4), FloatBits.ToBits(value));
        _length += 4;
    }

    /// <summary>Length-prefixed UTF-8 (already validated and encoded by the caller).</summary>
    public void WriteString(byte[] utf8)
    {
        WriteVarUInt(utf8.Length);
        WriteBytes(utf8);
    }

    /// <summary>Bytes a LEB128 encoding of <paramref name="value"/> takes.</summary>
    public static int VarUIntSize(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private void Ensure(int extra)
    {
        long needed = (long)_length + extra;
        if (needed > _buffer.Length)
        {
            long size = Math.Max(needed, (long)_buffer.Length * 2);
            if (size > int.MaxValue)
            {
                size = int.MaxValue;
            }

            Array.Resize(ref _buffer, (int)size);
        }
    }
}
