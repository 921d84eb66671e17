using System.Buffers.Binary;
using System.Text;

namespace EmbeddedNets.Format;

/// <summary>
/// Forward-only reader over part of a file. Every read is bounds-checked and every failure is an
/// <see cref="InvalidDataException"/> that names <see cref="Where"/>, the field and its file offset.
/// </summary>
internal ref struct SpanReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _fileOffset;
    private int _position;

    /// <param name="data">The bytes to read.</param>
    /// <param name="fileOffset">Offset of <paramref name="data"/>[0] in the file, for messages.</param>
    /// <param name="where">What is being read, e.g. <c>metadata</c>.</param>
    public SpanReader(ReadOnlySpan<byte> data, int fileOffset, string where)
    {
        _data = data;
        _fileOffset = fileOffset;
        _position = 0;
        Where = where;
    }

    /// <summary>Context for messages, e.g. <c>layer 2 (ip1, Dense)</c>.</summary>
    public string Where { get; set; }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    /// <summary>File offset of the next byte.</summary>
    public readonly int FileOffset => _fileOffset + _position;

    public readonly InvalidDataException Error(string message) =>
        DczErrors.Corrupt(Where, message + FormattableString.Invariant($" (at byte {FileOffset})"));

    public byte ReadByte(FieldName field)
    {
        if (_position >= _data.Length)
        {
            throw Error(FormattableString.Invariant($"{field}: the data ends before this 1-byte field"));
        }

        return _data[_position++];
    }

    public ReadOnlySpan<byte> ReadBytes(int count, FieldName field)
    {
        if (count < 0 || count > Remaining)
        {
            throw Error(FormattableString.Invariant($"{field}: needs {count} bytes but only {Remaining} remain"));
        }

        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    /// <summary>
    /// Unsigned LEB128 of at most 10 bytes. Overlong encodings (a final 0x00 group after the
    /// first byte) are rejected, so every value has exactly one encoding.
    /// </summary>
    public ulong ReadVarUInt64(FieldName field)
    {
        int start = FileOffset;
        ulong value = 0;
        for (int i = 0; i < 10; i++)
        {
            if (_position >= _data.Length)
            {
                throw Error(FormattableString.Invariant($"{field}: the data ends inside a varint that starts at byte {start}"));
            }

            byte b = _data[_position++];
            if (i == 9 && b > 1)
            {
                throw Error(FormattableString.Invariant($"{field}: varint does not fit 64 bits"));
            }

            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw Error(FormattableString.Invariant($"{field}: varint is not minimally encoded"));
                }

                return value;
            }
        }

        throw Error(FormattableString.Invariant($"{field}: varint longer than 10 bytes"));
    }

    /// <summary>A varint that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int ReadVarInt(FieldName field, int min, int max)
    {
        ulong value = ReadVarUInt64(field);
        if (value < (ulong)min || value > (ulong)max)
        {
            throw Error(FormattableString.Invariant($"{field} is {value}, must be in [{min}, {max}]"));
        }

        return (int)value;
    }

    public float ReadSingle(FieldName field)
    {
        ReadOnlySpan<byte> bytes = ReadBytes(4, field);
        return FloatBits.FromBits(BinaryPrimitives.ReadInt32LittleEndian(bytes));
    }

    /// <summary>A float32 that must be finite (not NaN, not ±infinity).</summary>
    public float ReadFiniteSingle(FieldName field)
    {
        float value = ReadSingle(field);
        if (!FloatBits.IsFinite(value))
        {
            throw Error(FormattableString.Invariant($"{field} is {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, must be finite"));
        }

        return value;
    }

    /// <summary>varuint byte length (≤ 4096) followed by strict UTF-8.</summary>
    public string ReadString(FieldName field)
    {
        int length = ReadVarInt(field.With(" length"), 0, DczConstants.MaxStringBytes);
        ReadOnlySpan<byte> bytes = ReadBytes(length, field);
        try
        {
#if NETSTANDARD2_0
            return s_strictUtf8.GetString(bytes.ToArray());
#else
            return s_strictUtf8.GetString(bytes);
#endif
        }
        catch (DecoderFallbackException)
        {
            throw Error(FormattableString.Invariant($"{field} is not valid UTF-8"));
        }
    }
}

/// <summary>
/// The name of a field for messages, built only when a message needs it: the reader names every
/// value it reads (<c>bias[299]</c>, <c>class label 3</c>), and formatting each name up front would
/// cost a string per value of a file.
/// </summary>
internal readonly struct FieldName
{
    private readonly string _name;
    private readonly string? _suffix;
    private readonly int _index;
    private readonly bool _brackets;

    private FieldName(string name, int index, bool brackets, string? suffix)
    {
        _name = name;
        _index = index;
        _brackets = brackets;
        _suffix = suffix;
    }

    /// <summary><c>name</c> followed by <paramref name="suffix"/>, e.g. <c>weight stream code-length table</c>.</summary>
    public FieldName(string name, string suffix)
        : this(name, -1, false, suffix)
    {
    }

    public static implicit operator FieldName(string name) => new(name, -1, false, null);

    /// <summary><c>name[index]</c>, e.g. <c>bias[3]</c>.</summary>
    public static FieldName Element(string name, int index) => new(name, index, true, null);

    /// <summary><c>name index</c>, e.g. <c>class label 3</c>.</summary>
    public static FieldName Numbered(string name, int index) => new(name, index, false, null);

    /// <summary>This name followed by <paramref name="suffix"/>, e.g. <c>class label 3 length</c>.</summary>
    public FieldName With(string suffix) => new(_name, _index, _brackets, _suffix + suffix);

    public override string ToString()
    {
        string name = _index < 0
            ? _name
            : _brackets
                ? FormattableString.Invariant($"{_name}[{_index}]")
                : FormattableString.Invariant($"{_name} {_index}");
        return _suffix is null ? name : name + _suffix;
    }
}
