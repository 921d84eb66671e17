namespace EmbeddedNets.Format;

/// <summary>
/// Length-limited canonical Huffman codes (spec §"Huffman coding"): code lengths from symbol
/// frequencies by package-merge, canonical code assignment, and the compact code-length table.
/// </summary>
internal static class CanonicalHuffman
{
    /// <summary>
    /// Optimal code lengths (≤ <paramref name="limit"/>) for <paramref name="frequencies"/>:
    /// 0 for an unused symbol, exactly 1 when only one symbol is used (never a 0-bit code),
    /// otherwise a complete prefix code (Kraft sum = 1). Deterministic: ties are broken by symbol.
    /// </summary>
    public static byte[] BuildLengths(ReadOnlySpan<long> frequencies, int limit)
    {
        if (limit < 1 || limit > 30)
        {
            throw new ArgumentOutOfRangeException(nameof(limit));
        }

        var lengths = new byte[frequencies.Length];
        int used = 0;
        for (int s = 0; s < frequencies.Length; s++)
        {
            if (frequencies[s] < 0)
            {
                throw new ArgumentException("Frequencies must not be negative.", nameof(frequencies));
            }

            if (frequencies[s] > 0)
            {
                used++;
            }
        }

        if (used == 0)
        {
            return lengths;
        }

        // Leaves sorted by (frequency, symbol): the symbol tie-break makes the result independent
        // of the sort algorithm.
        var freq = frequencies.ToArray();
        var leafSymbols = new int[used];
        for (int s = 0, j = 0; s < freq.Length; s++)
        {
            if (freq[s] > 0)
            {
                leafSymbols[j++] = s;
            }
        }

        Array.Sort(leafSymbols, (a, b) =>
        {
            int byWeight = freq[a].CompareTo(freq[b]);
            return byWeight != 0 ? byWeight : a.CompareTo(b);
        });

        if (used == 1)
        {
            lengths[leafSymbols[0]] = 1;
            return lengths;
        }

        if (used > 1L << limit)
        {
            throw new ArgumentException(
                FormattableString.Invariant($"{used} symbols cannot be coded with codes of at most {limit} bits."),
                nameof(frequencies));
        }

        // Package-merge (Larmore & Hirschberg). Nodes 0..used-1 are the leaves; later nodes are
        // packages of two nodes of the level below. Each level's list is sorted by weight.
        int capacity = used + (used * (limit - 1));
        var weight = new long[capacity];
        var left = new int[capacity];
        var right = new int[capacity];
        for (int i = 0; i < used; i++)
        {
            weight[i] = freq[leafSymbols[i]];
            left[i] = -1;
            right[i] = -1;
        }

        int nodeCount = used;
        var current = new int[used];
        for (int i = 0; i < used; i++)
        {
            current[i] = i;
        }

        int currentLength = used;
        var next = new int[2 * used];
        for (int level = 1; level < limit; level++)
        {
            // Package adjacent pairs of the current list, then merge the packages with the leaves.
            int packages = currentLength / 2;
            int firstPackage = nodeCount;
            for (int p = 0; p < packages; p++)
            {
                int a = current[2 * p];
                int b = current[(2 * p) + 1];
                weight[nodeCount] = weight[a] + weight[b];
                left[nodeCount] = a;
                right[nodeCount] = b;
                nodeCount++;
            }

            int li = 0, pi = 0, n = 0;
            while (li < used || pi < packages)
            {
                // On equal weight the leaf goes first (a fixed rule keeps the output deterministic).
                if (pi >= packages || (li < used && weight[li] <= weight[firstPackage + pi]))
                {
                    next[n++] = li++;
                }
                else
                {
                    next[n++] = firstPackage + pi++;
                }
            }

            (current, next) = (next, current);
            if (next.Length < 2 * used)
            {
                next = new int[2 * used];
            }

            currentLength = n;
        }

        // The 2n-2 lightest items of the last list; a symbol's code length is the number of
        // times its leaf occurs inside them.
        var counts = new int[used];
        var stack = new int[capacity];
        for (int i = 0; i < 2 * used - 2; i++)
        {
            int top = 0;
            stack[top++] = current[i];
            while (top > 0)
            {
                int node = stack[--top];
                if (node < used)
                {
                    counts[node]++;
                }
                else
                {
                    stack[top++] = left[node];
                    stack[top++] = right[node];
                }
            }
        }

        for (int i = 0; i < used; i++)
        {
            lengths[leafSymbols[i]] = (byte)counts[i];
        }

        return lengths;
    }

    /// <summary>
    /// Canonical codes (as DEFLATE, RFC 1951 §3.2.2): shorter codes first, and within one length
    /// in increasing symbol order, consecutive values. Code bits are sent most significant first.
    /// </summary>
    public static uint[] AssignCodes(ReadOnlySpan<byte> lengths)
    {
        var lengthCounts = new int[DczConstants.MaxCodeLength + 2];
        for (int s = 0; s < lengths.Length; s++)
        {
            lengthCounts[lengths[s]]++;
        }

        lengthCounts[0] = 0;
        var nextCode = new uint[DczConstants.MaxCodeLength + 2];
        uint code = 0;
        for (int len = 1; len <= DczConstants.MaxCodeLength; len++)
        {
            code = (code + (uint)lengthCounts[len - 1]) << 1;
            nextCode[len] = code;
        }

        var codes = new uint[lengths.Length];
        for (int s = 0; s < lengths.Length; s++)
        {
            if (lengths[s] != 0)
            {
                codes[s] = nextCode[lengths[s]]++;
            }
        }

        return codes;
    }

    /// <summary>
    /// The code-length table (spec §"Code-length table"): varuint m = 1 + the highest symbol
    /// with a nonzero length (0 when no symbol is used), then 4-bit tokens, high nibble first:
    /// 1–15 = the next symbol's length; 0 followed by r = r + 1 unused symbols. An odd token
    /// count is padded with a zero nibble.
    /// </summary>
    public static void WriteTable(ByteSink sink, ReadOnlySpan<byte> lengths)
    {
        int m = lengths.Length;
        while (m > 0 && lengths[m - 1] == 0)
        {
            m--;
        }

        sink.WriteVarUInt(m);
        var nibbles = new List<byte>();
        int s = 0;
        while (s < m)
        {
            if (lengths[s] != 0)
            {
                nibbles.Add(lengths[s]);
                s++;
                continue;
            }

            int run = 0;
            while (s + run < m && lengths[s + run] == 0 && run < 16)
            {
                run++;
            }

            nibbles.Add(0);
            nibbles.Add((byte)(run - 1));
            s += run;
        }

        for (int i = 0; i < nibbles.Count; i += 2)
        {
            int high = nibbles[i];
            int low = i + 1 < nibbles.Count ? nibbles[i + 1] : 0;
            sink.WriteByte((byte)((high << 4) | low));
        }
    }

    /// <summary>
    /// Reads and validates a code-length table for an alphabet of <paramref name="alphabetSize"/>
    /// symbols: no run past symbol m − 1, symbol m − 1 used, zero padding nibble, and the lengths
    /// form either a complete prefix code or a single 1-bit code.
    /// </summary>
    public static byte[] ReadTable(ref SpanReader reader, int alphabetSize, string stream)
    {
        int m = reader.ReadVarInt(new FieldName(stream, " code-length table symbol count"), 0, alphabetSize);
        var lengths = new byte[alphabetSize];
        int s = 0;
        bool highNibble = true;
        byte current = 0;
        bool pendingRun = false;
        while (s < m || pendingRun)
        {
            int nibble;
            if (highNibble)
            {
                current = reader.ReadByte(new FieldName(stream, " code-length table"));
                nibble = current >> 4;
            }
            else
            {
                nibble = current & 0xF;
            }

            highNibble = !highNibble;
            if (pendingRun)
            {
                int run = nibble + 1;
                if (s + run > m)
                {
                    throw reader.Error(FormattableString.Invariant(
                        $"{stream} code-length table: a run of {run} unused symbols starting at symbol {s} passes the declared {m} symbols"));
                }

                s += run;
                pendingRun = false;
            }
            else if (nibble == 0)
            {
                pendingRun = true;
            }
            else
            {
                lengths[s++] = (byte)nibble;
            }
        }

        if (!highNibble && (current & 0xF) != 0)
        {
            throw reader.Error(stream + " code-length table: the padding nibble is not zero");
        }

        if (m > 0 && lengths[m - 1] == 0)
        {
            throw reader.Error(FormattableString.Invariant(
                $"{stream} code-length table: declares {m} symbols but symbol {m - 1} is unused"));
        }

        int used = 0;
        long kraft = 0;
        for (int i = 0; i < m; i++)
        {
            if (lengths[i] != 0)
            {
                used++;
                kraft += 1L << (DczConstants.MaxCodeLength - lengths[i]);
            }
        }

        if (used == 1)
        {
            if (lengths[m - 1] != 1)
            {
                throw reader.Error(FormattableString.Invariant(
                    $"{stream} code-length table: a single used symbol must have a 1-bit code, not {lengths[m - 1]} bits"));
            }
        }
        else if (used > 1 && kraft != 1L << DczConstants.MaxCodeLength)
        {
            throw reader.Error(FormattableString.Invariant(
                $"{stream} code-length table: the lengths {(kraft > 1L << DczConstants.MaxCodeLength ? "oversubscribe" : "do not fill")} the code space (not a complete prefix code)"));
        }

        return lengths;
    }
}
