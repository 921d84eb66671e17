namespace EmbeddedNets.Format;

/// <summary>
/// The weight block of weighted ops (spec §6) and their bias, read and written: bit widths,
/// codebook (shared) or float32 values (unshared), gaps with fillers, both streams Huffman-coded.
/// </summary>
internal static class WeightsCodec
{
    public static int TensorLength(ref SpanReader body, long product)
    {
        if (product > DczConstants.MaxTensorLength)
        {
            throw body.Error("the weight tensor exceeds the 2^31 − 1 element cap");
        }

        return (int)product;
    }

    public static float[] ReadBias(ref SpanReader body, int count, ref WeightParts parts)
    {
        if ((long)count * 4 > body.Remaining)
        {
            throw body.Error(FormattableString.Invariant($"bias: needs {(long)count * 4} bytes for {count} values but only {body.Remaining} remain"));
        }

        var bias = new float[count];
        for (int i = 0; i < count; i++)
        {
            bias[i] = body.ReadFiniteSingle(FieldName.Element("bias", i));
        }

        parts.BiasBytes = count * 4;
        return bias;
    }

    /// <summary>Spec §6: the weight block of a tensor of <paramref name="length"/> positions.</summary>
    /// <param name="body">The layer body, positioned at the weight block.</param>
    /// <param name="length">Positions of the dense tensor (N).</param>
    /// <param name="version">The file's format version (WeightBits 0 exists from version 2).</param>
    /// <param name="entryBudget">Entries the model may still hold under <see cref="DczConstants.MaxWeightEntries"/>.</param>
    /// <param name="parts">Receives the byte and symbol counts.</param>
    public static SparseWeights Read(ref SpanReader body, int length, int version, long entryBudget, ref WeightParts parts)
    {
        // WeightBits 0 (unshared float32 values) exists from format version 2 on.
        int minWeightBits = version >= 2 ? SparseWeights.UnsharedWeightBits : DczConstants.MinWeightBits;
        int weightBits = body.ReadByte("WeightBits");
        if (weightBits < minWeightBits || weightBits > DczConstants.MaxWeightBits)
        {
            throw body.Error(FormattableString.Invariant($"WeightBits is {weightBits}, must be in [{minWeightBits}, {DczConstants.MaxWeightBits}]"));
        }

        int gapBits = body.ReadByte("GapBits");
        if (gapBits < DczConstants.MinGapBits || gapBits > DczConstants.MaxGapBits)
        {
            throw body.Error(FormattableString.Invariant($"GapBits is {gapBits}, must be in [{DczConstants.MinGapBits}, {DczConstants.MaxGapBits}]"));
        }

        bool shared = weightBits != SparseWeights.UnsharedWeightBits;
        int k = 0;
        float[] codebook = Array.Empty<float>();
        int codebookStart = body.Position;
        if (shared)
        {
            // The accounting charges k to the parameters and 4 × k bytes to the codebook.
            k = body.ReadVarInt("codebook size", 1, 1 << weightBits);
            codebookStart = body.Position;
            codebook = new float[k];
            for (int i = 0; i < k; i++)
            {
                codebook[i] = body.ReadFiniteSingle(FieldName.Element("codebook", i));
            }
        }

        parts.CodebookBytes = body.Position - codebookStart;
        int entries = body.ReadVarInt("entry count", 0, length);

        // Before anything is allocated per entry: the model's entries stay under their cap, and
        // each entry needs at least 2 bits of the layer (a code in each stream; 32 + 1 unshared).
        if (entries > entryBudget)
        {
            throw body.Error(FormattableString.Invariant(
                $"entry count {entries} takes the model past the cap of {DczConstants.MaxWeightEntries} weight entries (kept weights plus fillers) in all layers"));
        }

        long minimumBits = (long)entries * (shared ? 2 : 33);
        if (minimumBits > 8L * body.Remaining)
        {
            throw body.Error(FormattableString.Invariant(
                $"{entries} entries need at least {minimumBits} bits but only {body.Remaining} bytes remain in the layer"));
        }

        // One symbol per entry. Shared: symbols 0..k-1 are codebook indices and symbol k is the
        // filler zero. Unshared: every entry is a float32; the bit pattern 0 (+0.0) is a filler.
        int filler = shared ? k : 1;
        var symbols = new ushort[entries];
        float[] raw = Array.Empty<float>();
        int fillers = 0;
        long weightBitCount;
        int weightStreamBytes;
        byte[] weightLengths = Array.Empty<byte>();
        if (shared)
        {
            int tableStart = body.Position;
            weightLengths = CanonicalHuffman.ReadTable(ref body, k + 1, "weight stream");
            parts.WeightTableBytes = body.Position - tableStart;
            ReadOnlySpan<byte> weightBytes = ReadStreamBytes(ref body, "weight stream", entries, out weightBitCount);
            weightStreamBytes = weightBytes.Length;
            var decoder = new HuffmanDecoder(weightLengths);
            int streamOffset = body.FileOffset - weightBytes.Length;
            var bits = new BitReader(weightBytes);
            for (int i = 0; i < entries; i++)
            {
                int symbol = DecodeSymbol(decoder, ref bits, weightBitCount, body.Where, "weight stream", streamOffset, i, entries);
                symbols[i] = (ushort)symbol;
                if (symbol == filler)
                {
                    fillers++;
                }
            }

            EndStream(ref bits, weightBitCount, body.Where, "weight stream", streamOffset, entries);
        }
        else
        {
            if ((long)entries * 4 > body.Remaining)
            {
                throw body.Error(FormattableString.Invariant($"values: {entries} float32 values need {(long)entries * 4} bytes but only {body.Remaining} remain"));
            }

            raw = new float[entries];
            for (int i = 0; i < entries; i++)
            {
                float value = body.ReadFiniteSingle(FieldName.Element("value", i));
                raw[i] = value;
                if (FloatBits.ToBits(value) == 0)
                {
                    symbols[i] = (ushort)filler;
                    fillers++;
                }
            }

            weightStreamBytes = entries * 4;
            weightBitCount = weightStreamBytes * 8L;
        }

        // Gap stream: symbol g = g zero positions skipped before this entry.
        int gapTableStart = body.Position;
        byte[] gapLengths = CanonicalHuffman.ReadTable(ref body, 1 << gapBits, "gap stream");
        parts.GapTableBytes = body.Position - gapTableStart;
        ReadOnlySpan<byte> gapBytes = ReadStreamBytes(ref body, "gap stream", entries, out long gapBitCount);
        int kept = entries - fillers;
        var positions = new int[kept];
        var codes = new byte[shared ? kept : 0];
        var values = shared ? Array.Empty<float>() : new float[kept];
        int maxGap = (1 << gapBits) - 1;
        var gapDecoder = new HuffmanDecoder(gapLengths);
        int gapOffset = body.FileOffset - gapBytes.Length;
        var gapReader = new BitReader(gapBytes);
        long position = -1;
        for (int i = 0, j = 0; i < entries; i++)
        {
            long bit = gapReader.Consumed;
            int gap = DecodeSymbol(gapDecoder, ref gapReader, gapBitCount, body.Where, "gap stream", gapOffset, i, entries);
            position += gap + 1;
            if (position >= length)
            {
                throw StreamError(body.Where, "gap stream", gapOffset, bit, FormattableString.Invariant(
                    $": gap {gap} runs past the end of the tensor at entry {i} (position {position}, tensor length {length})"));
            }

            if (symbols[i] == filler)
            {
                if (gap != maxGap)
                {
                    throw StreamError(body.Where, "gap stream", gapOffset, bit, FormattableString.Invariant(
                        $": filler entry {i} has gap {gap}; a filler's gap must be 2^GapBits − 1 = {maxGap}"));
                }

                if (i == entries - 1)
                {
                    throw body.Error(FormattableString.Invariant($"weight stream: the last entry ({i}) is a filler; fillers only precede kept weights"));
                }
            }
            else
            {
                positions[j] = (int)position;
                if (shared)
                {
                    codes[j] = (byte)symbols[i];
                }
                else
                {
                    values[j] = raw[i];
                }

                j++;
            }
        }

        EndStream(ref gapReader, gapBitCount, body.Where, "gap stream", gapOffset, entries);

        parts.WeightStreamBits = weightBitCount;
        parts.WeightStreamBytes = weightStreamBytes;
        parts.WeightCodeLengths = weightLengths;
        parts.GapCodeLengths = gapLengths;
        parts.GapStreamBits = gapBitCount;
        parts.GapStreamBytes = gapBytes.Length;
        parts.DenseWeightCount = length;
        parts.KeptCount = kept;
        parts.FillerCount = fillers;
        parts.CodebookSize = k;
        parts.WeightBits = weightBits;
        parts.GapBits = gapBits;
        parts.EntryCount = entries;
        return shared
            ? new SparseWeights(length, codebook, weightBits, gapBits, positions, codes)
            : SparseWeights.Unshared(length, gapBits, positions, values);
    }

    /// <summary>varuint bit length, then ⌈bits / 8⌉ bytes; every entry needs at least one bit.</summary>
    private static ReadOnlySpan<byte> ReadStreamBytes(ref SpanReader body, string stream, int entries, out long bitCount)
    {
        ulong bits = body.ReadVarUInt64(stream + " bit length");
        if (bits > 8UL * (ulong)body.Remaining)
        {
            throw body.Error(FormattableString.Invariant(
                $"{stream}: declares {bits} bits but only {body.Remaining} bytes remain in the layer"));
        }

        if ((ulong)entries > bits)
        {
            throw body.Error(FormattableString.Invariant(
                $"{stream}: {entries} entries cannot fit in {bits} bits (every code is at least 1 bit)"));
        }

        bitCount = (long)bits;
        ReadOnlySpan<byte> bytes = body.ReadBytes((int)((bits + 7) / 8), stream);
        int padding = (int)(bytes.Length * 8L - bitCount);
        if (padding > 0 && (bytes[bytes.Length - 1] & ((1 << padding) - 1)) != 0)
        {
            throw body.Error(FormattableString.Invariant($"{stream}: the {padding} padding bits of the last byte are not zero"));
        }

        return bytes;
    }

    private static int DecodeSymbol(
        HuffmanDecoder decoder, ref BitReader bits, long bitCount, string where, string stream, int streamOffset, int entry, int entries)
    {
        if (decoder.SymbolCount == 0)
        {
            throw StreamError(where, stream, streamOffset, 0, FormattableString.Invariant($": has {entries} entries but an empty code table"));
        }

        long before = bits.Consumed;
        int symbol = decoder.Decode(ref bits);
        if (symbol < 0)
        {
            throw StreamError(where, stream, streamOffset, before, FormattableString.Invariant(
                $": no code matches the bits at bit {before} (entry {entry} of {entries})"));
        }

        if (bits.Consumed > bitCount)
        {
            throw StreamError(where, stream, streamOffset, before, FormattableString.Invariant(
                $" ends {bits.Consumed - bitCount} bits early: entry {entry} of {entries} needs {bits.Consumed - before} bits, {bitCount - before} remain"));
        }

        return symbol;
    }

    private static void EndStream(ref BitReader bits, long bitCount, string where, string stream, int streamOffset, int entries)
    {
        if (bits.Consumed != bitCount)
        {
            throw StreamError(where, stream, streamOffset, bits.Consumed, FormattableString.Invariant(
                $": {bitCount - bits.Consumed} bits are left over after the last of {entries} entries"));
        }
    }

    private static InvalidDataException StreamError(string where, string stream, int streamOffset, long bit, string message) =>
        DczErrors.Corrupt(where, FormattableString.Invariant($"{stream}{message} (at byte {streamOffset + (bit / 8)})"));

    public static void WriteBias(ByteSink body, float[] bias, int expected, string label)
    {
        if (bias.Length != expected)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant($"{label}: bias has {bias.Length} values, must have {expected}"));
        }

        for (int i = 0; i < bias.Length; i++)
        {
            if (!FloatBits.IsFinite(bias[i]))
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant($"{label}: bias[{i}] is not finite"));
            }

            body.WriteSingle(bias[i]);
        }
    }

    /// <summary>Spec §"Weights": bit widths, codebook, entry count, weight stream, gap stream.</summary>
    public static void Write(ByteSink body, SparseWeights weights, int expectedLength, string label)
    {
        Validate(weights, expectedLength, label);

        // Shared: symbols 0..k-1 are codebook indices, symbol k the filler. Unshared: the weight
        // "stream" is one float32 per entry (a filler is +0.0) and only the gaps are Huffman-coded.
        bool shared = weights.IsShared;
        int k = weights.Codebook.Length;
        int filler = k;
        int maxGap = (1 << weights.GapBits) - 1;
        int[] positions = weights.Positions;
        byte[] codes = weights.Codes;

        // Pass 1: the entries (kept weights plus fillers) as frequencies of both alphabets.
        var weightFreq = new long[k + 1];
        var gapFreq = new long[1 << weights.GapBits];
        long entries = 0;
        long previous = -1;
        for (int i = 0; i < positions.Length; i++)
        {
            long zeros = positions[i] - previous - 1;
            long fillers = zeros / (maxGap + 1);
            if (fillers > 0)
            {
                weightFreq[filler] += fillers;
                gapFreq[maxGap] += fillers;
                entries += fillers;
                zeros -= fillers * (maxGap + 1);
            }

            weightFreq[shared ? codes[i] : 0]++;
            gapFreq[zeros]++;
            entries++;
            previous = positions[i];
        }

        if (entries > expectedLength)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant($"{label}: {entries} entries exceed the tensor's {expectedLength} positions"));
        }

        byte[] weightLengths = shared ? CanonicalHuffman.BuildLengths(weightFreq, DczConstants.MaxCodeLength) : Array.Empty<byte>();
        byte[] gapLengths = CanonicalHuffman.BuildLengths(gapFreq, DczConstants.MaxCodeLength);
        uint[] weightCodes = CanonicalHuffman.AssignCodes(weightLengths);
        uint[] gapCodes = CanonicalHuffman.AssignCodes(gapLengths);
        long weightBitCount = shared ? StreamBits(weightFreq, weightLengths, label) : checked(entries * 32);
        long gapBitCount = StreamBits(gapFreq, gapLengths, label);

        // Pass 2: both streams, entry by entry.
        var weightStream = new BitWriter(shared ? weightBitCount : 0);
        var rawValues = new ByteSink(shared ? 16 : (int)Math.Min(int.MaxValue, weightBitCount / 8));
        var gapStream = new BitWriter(gapBitCount);
        previous = -1;
        for (int i = 0; i < positions.Length; i++)
        {
            long zeros = positions[i] - previous - 1;
            while (zeros > maxGap)
            {
                if (shared)
                {
                    weightStream.Write(weightCodes[filler], weightLengths[filler]);
                }
                else
                {
                    rawValues.WriteSingle(0f);
                }

                gapStream.Write(gapCodes[maxGap], gapLengths[maxGap]);
                zeros -= maxGap + 1;
            }

            if (shared)
            {
                weightStream.Write(weightCodes[codes[i]], weightLengths[codes[i]]);
            }
            else
            {
                rawValues.WriteSingle(weights.Values[i]);
            }

            gapStream.Write(gapCodes[zeros], gapLengths[zeros]);
            previous = positions[i];
        }

        body.WriteByte((byte)weights.WeightBits);
        body.WriteByte((byte)weights.GapBits);
        if (shared)
        {
            body.WriteVarUInt(k);
            foreach (float value in weights.Codebook)
            {
                body.WriteSingle(value);
            }
        }

        body.WriteVarUInt((ulong)entries);
        if (shared)
        {
            CanonicalHuffman.WriteTable(body, weightLengths);
            body.WriteVarUInt((ulong)weightBitCount);
            body.WriteBytes(weightStream.ToArray());
        }
        else
        {
            body.WriteBytes(rawValues.WrittenSpan);
        }

        CanonicalHuffman.WriteTable(body, gapLengths);
        body.WriteVarUInt((ulong)gapBitCount);
        body.WriteBytes(gapStream.ToArray());
    }

    /// <summary>Entries the encoding stores for <paramref name="weights"/> (validated): kept weights plus the fillers between them (spec §6.1).</summary>
    public static long EntryCount(SparseWeights weights)
    {
        long entries = weights.Count;
        long previous = -1, span = 1L << weights.GapBits;
        foreach (int position in weights.Positions)
        {
            entries += (position - previous - 1) / span;
            previous = position;
        }

        return entries;
    }

    private static long StreamBits(long[] frequencies, byte[] lengths, string label)
    {
        long bits = 0;
        for (int s = 0; s < frequencies.Length; s++)
        {
            bits += frequencies[s] * lengths[s];
        }

        if (bits > 8L * DczConstants.MaxFileSize)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: a coded stream of {bits} bits exceeds the {DczConstants.MaxFileSize}-byte file cap"));
        }

        return bits;
    }

    private static void Validate(SparseWeights weights, int expectedLength, string label)
    {
        if (weights.Length != expectedLength)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: weights cover {weights.Length} positions, the layer's shape needs {expectedLength}"));
        }

        if (weights.WeightBits < SparseWeights.UnsharedWeightBits || weights.WeightBits > DczConstants.MaxWeightBits)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: WeightBits {weights.WeightBits} is outside {SparseWeights.UnsharedWeightBits}–{DczConstants.MaxWeightBits} (0: unshared float32 values)"));
        }

        if (weights.GapBits < DczConstants.MinGapBits || weights.GapBits > DczConstants.MaxGapBits)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: GapBits {weights.GapBits} is outside {DczConstants.MinGapBits}–{DczConstants.MaxGapBits}"));
        }

        if (!weights.IsShared)
        {
            ValidateUnshared(weights, label);
            return;
        }

        int k = weights.Codebook.Length;
        if (k < 1 || k > 1 << weights.WeightBits)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: the codebook has {k} entries, must have 1 to 2^{weights.WeightBits} = {1 << weights.WeightBits}"));
        }

        for (int i = 0; i < k; i++)
        {
            if (!FloatBits.IsFinite(weights.Codebook[i]))
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant($"{label}: codebook[{i}] is not finite"));
            }
        }

        if (weights.Positions.Length != weights.Codes.Length)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: {weights.Positions.Length} positions but {weights.Codes.Length} codes"));
        }

        ValidatePositions(weights, label);
        for (int i = 0; i < weights.Codes.Length; i++)
        {
            if (weights.Codes[i] >= k)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant(
                    $"{label}: code {weights.Codes[i]} at kept index {i} is outside the {k}-entry codebook"));
            }
        }
    }

    /// <summary>Kept positions strictly increase within the tensor.</summary>
    private static void ValidatePositions(SparseWeights weights, string label)
    {
        int previous = -1;
        for (int i = 0; i < weights.Positions.Length; i++)
        {
            int position = weights.Positions[i];
            if (position <= previous || position >= weights.Length)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant(
                    $"{label}: position {position} at kept index {i} is not strictly increasing within [0, {weights.Length})"));
            }

            previous = position;
        }
    }

    private static void ValidateUnshared(SparseWeights weights, string label)
    {
        if (weights.Positions.Length != weights.Values.Length)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: {weights.Positions.Length} positions but {weights.Values.Length} values"));
        }

        ValidatePositions(weights, label);
        for (int i = 0; i < weights.Positions.Length; i++)
        {
            int position = weights.Positions[i];
            float value = weights.Values[i];
            if (!FloatBits.IsFinite(value))
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant($"{label}: value at kept index {i} is not finite"));
            }

            if (FloatBits.ToBits(value) == 0)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant(
                    $"{label}: kept index {i} (position {position}) is +0.0, which the unshared encoding reserves for fillers: leave zeros out of the kept positions"));
            }
        }
    }
}

/// <summary>Byte and symbol counts of one layer's weight block, for the accounting.</summary>
internal struct WeightParts
{
    public int CodebookBytes;
    public int WeightTableBytes;
    public long WeightStreamBits;
    public int WeightStreamBytes;
    public int GapTableBytes;
    public long GapStreamBits;
    public int GapStreamBytes;
    public int BiasBytes;
    public long DenseWeightCount;
    public int KeptCount;
    public int FillerCount;
    public int EntryCount;
    public int CodebookSize;
    public int WeightBits;
    public int GapBits;
    public byte[]? WeightCodeLengths;
    public byte[]? GapCodeLengths;
}
