namespace EmbeddedNets.Format;

/// <summary>Writes codes most-significant bit first; the last byte is padded with zero bits.</summary>
internal sealed class BitWriter
{
    private readonly byte[] _bytes;
    private ulong _buffer;
    private int _count;
    private int _next;

    /// <param name="bitLength">Exact number of bits that will be written.</param>
    public BitWriter(long bitLength) => _bytes = new byte[checked((int)((bitLength + 7) / 8))];

    public long BitsWritten { get; private set; }

    public void Write(uint code, int length)
    {
        // The buffer holds fewer than 8 pending bits between calls, and length ≤ 15.
        _buffer = (_buffer << length) | code;
        _count += length;
        BitsWritten += length;
        while (_count >= 8)
        {
            _count -= 8;
            _bytes[_next++] = (byte)(_buffer >> _count);
        }
    }

    /// <summary>The bytes, with the final partial byte zero-padded on the right.</summary>
    public byte[] ToArray()
    {
        if (_count > 0)
        {
            _bytes[_next++] = (byte)(_buffer << (8 - _count));
            _count = 0;
        }

        return _bytes;
    }
}

/// <summary>
/// Reads a bit stream most-significant bit first through a 64-bit window. Past the end of the
/// data the window fills with zero bits; callers compare <see cref="Consumed"/> with the
/// stream's recorded bit length to tell a short stream from a valid one.
/// </summary>
internal ref struct BitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _next;
    private ulong _window;
    private int _available;

    public BitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _next = 0;
        _window = 0;
        _available = 0;
        Consumed = 0;
    }

    /// <summary>Bits consumed so far (may exceed the data once the caller reads past its end).</summary>
    public long Consumed { get; private set; }

    /// <summary>The next bits, most significant first; at least 56 of them are valid.</summary>
    public ulong Window
    {
        get
        {
            if (_available < 32)
            {
                Refill();
            }

            return _window;
        }
    }

    public void Skip(int bits)
    {
        _window <<= bits;
        _available -= bits;
        Consumed += bits;
    }

    private void Refill()
    {
        while (_available <= 56)
        {
            ulong b = _next < _data.Length ? _data[_next] : 0UL;
            _next++;
            _window |= b << (56 - _available);
            _available += 8;
        }
    }
}

/// <summary>
/// Table-driven canonical Huffman decoder: one lookup in a primary table indexed by the next
/// <see cref="PrimaryBits"/> bits resolves every code that short; longer codes fall back to the
/// canonical first-code/count walk over lengths PrimaryBits+1 … 15.
/// </summary>
internal sealed class HuffmanDecoder
{
    /// <summary>Width of the primary table index (1024 entries).</summary>
    public const int PrimaryBits = 10;

    private readonly int _primaryBits;
    private readonly int[] _primary;
    private readonly int _maxLength;
    private readonly int[] _firstCode = new int[DczConstants.MaxCodeLength + 1];
    private readonly int[] _count = new int[DczConstants.MaxCodeLength + 1];
    private readonly int[] _firstIndex = new int[DczConstants.MaxCodeLength + 1];
    private readonly int[] _sorted;

    /// <summary>Builds the decoder from lengths already validated by <see cref="CanonicalHuffman.ReadTable"/>.</summary>
    public HuffmanDecoder(ReadOnlySpan<byte> lengths)
    {
        int used = 0;
        for (int s = 0; s < lengths.Length; s++)
        {
            if (lengths[s] != 0)
            {
                _count[lengths[s]]++;
                _maxLength = Math.Max(_maxLength, lengths[s]);
                used++;
            }
        }

        SymbolCount = used;
        _sorted = new int[used];
        int code = 0, index = 0;
        for (int len = 1; len <= DczConstants.MaxCodeLength; len++)
        {
            code <<= 1;
            _firstCode[len] = code;
            _firstIndex[len] = index;
            code += _count[len];
            index += _count[len];
        }

        // Symbols in canonical order: by length, then by symbol value.
        var fill = (int[])_firstIndex.Clone();
        for (int s = 0; s < lengths.Length; s++)
        {
            if (lengths[s] != 0)
            {
                _sorted[fill[lengths[s]]++] = s;
            }
        }

        _primaryBits = Math.Max(1, Math.Min(PrimaryBits, _maxLength));
        _primary = new int[1 << _primaryBits];
        for (int len = 1; len <= _primaryBits; len++)
        {
            for (int i = 0; i < _count[len]; i++)
            {
                int symbol = _sorted[_firstIndex[len] + i];
                int first = (_firstCode[len] + i) << (_primaryBits - len);
                int entry = (symbol << 4) | len;
                for (int j = 0; j < 1 << (_primaryBits - len); j++)
                {
                    _primary[first + j] = entry;
                }
            }
        }
    }

    /// <summary>Number of symbols with a code.</summary>
    public int SymbolCount { get; }

    /// <summary>Longest code length in use (0 for an empty code).</summary>
    public int MaxLength => _maxLength;

    /// <summary>
    /// Decodes one symbol and consumes its code, or returns −1 (consuming nothing) when the next
    /// bits are not a code — possible only for the one-symbol code, whose "1" is unassigned.
    /// </summary>
    public int Decode(ref BitReader reader)
    {
        ulong window = reader.Window;
        int entry = _primary[(int)(window >> (64 - _primaryBits))];
        if (entry != 0)
        {
            reader.Skip(entry & 0xF);
            return entry >> 4;
        }

        for (int len = _primaryBits + 1; len <= _maxLength; len++)
        {
            int code = (int)(window >> (64 - len));
            int offset = code - _firstCode[len];
            if ((uint)offset < (uint)_count[len])
            {
                reader.Skip(len);
                return _sorted[_firstIndex[len] + offset];
            }
        }

        return -1;
    }
}
