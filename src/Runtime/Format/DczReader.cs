using System.Buffers.Binary;

namespace EmbeddedNets.Format;

/// <summary>
/// Parses and validates a whole file (spec §"Reading"): header first (magic → version → flags →
/// length → checksum), then metadata, then the layer chain, attributing every byte.
/// </summary>
internal static class DczReader
{
    public static DczInspection Parse(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> content = VerifyHeader(data);
        var reader = new SpanReader(content, DczConstants.HeaderSize, "metadata");

        ModelInfo info = ReadMetadata(ref reader);
        int metadataBytes = reader.Position;

        reader.Where = "layer table";
        int layerCount = reader.ReadVarInt("layer count", 1, DczConstants.MaxLayers);
        int layerCountBytes = reader.Position - metadataBytes;

        var layers = new DczLayer[layerCount];
        var inspections = new DczLayerInspection[layerCount];
        var shapes = new LayerShape[layerCount];
        int[] current = info.InputShape;
        for (int i = 0; i < layerCount; i++)
        {
            inspections[i] = ReadLayer(ref reader, i, current);
            layers[i] = inspections[i].Layer;
            shapes[i] = inspections[i].Shape;
            current = (int[])shapes[i].OutputShape;
        }

        if (reader.Remaining != 0)
        {
            throw reader.Error(FormattableString.Invariant($"{reader.Remaining} bytes follow the last layer"));
        }

        ModelShapes modelShapes = ModelShapes.FromValidated(info.InputShape, shapes);
        string? labelError = ShapeRules.CheckLabels(info.ClassLabels.Length, modelShapes.OutputLength);
        if (labelError is not null)
        {
            throw DczErrors.Corrupt("metadata", labelError);
        }

        var model = new DczModel(info, layers);
        return new DczInspection(model, modelShapes, data.Length, metadataBytes, layerCountBytes, inspections);
    }

    /// <summary>Spec §"Header". Returns the content after all header checks pass.</summary>
    public static ReadOnlySpan<byte> VerifyHeader(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> magic = DczConstants.Magic;
        if (data.Length < magic.Length || !data.Slice(0, magic.Length).SequenceEqual(magic))
        {
            throw DczErrors.Corrupt(FormattableString.Invariant(
                $"header: not a .dcz file (the first bytes are not 89 44 43 5A; the data is {data.Length} bytes long)"));
        }

        if (data.Length < DczConstants.HeaderSize)
        {
            throw DczErrors.Corrupt(FormattableString.Invariant(
                $"header: the file is {data.Length} bytes, shorter than the {DczConstants.HeaderSize}-byte header"));
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(DczConstants.VersionOffset));
        if (version != DczConstants.Version)
        {
            throw DczErrors.Unsupported(FormattableString.Invariant(
                $".dcz format version {version} is not supported; this reader knows version {DczConstants.Version}"));
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(DczConstants.FlagsOffset));
        if ((flags & ~DczConstants.KnownFlags) != 0)
        {
            throw DczErrors.Unsupported(FormattableString.Invariant(
                $".dcz flags 0x{flags:X4} are not supported; format version 1 defines no flags"));
        }

        uint contentLength = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(DczConstants.ContentLengthOffset));
        if (contentLength > DczConstants.MaxFileSize - DczConstants.HeaderSize)
        {
            throw DczErrors.Corrupt(FormattableString.Invariant(
                $"header: content length {contentLength} exceeds the {DczConstants.MaxFileSize}-byte file cap"));
        }

        long actual = data.Length - DczConstants.HeaderSize;
        if (contentLength != actual)
        {
            throw DczErrors.Corrupt(FormattableString.Invariant(
                $"header: content length is {contentLength} bytes but {actual} follow the header ({(contentLength > actual ? "truncated" : "trailing data")})"));
        }

        ReadOnlySpan<byte> content = data.Slice(DczConstants.HeaderSize);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(DczConstants.ChecksumOffset));
        uint crc = Crc32.Compute(content);
        if (crc != expected)
        {
            throw DczErrors.Corrupt(FormattableString.Invariant(
                $"header: checksum mismatch (header 0x{expected:X8}, content 0x{crc:X8}): the file is corrupt"));
        }

        return content;
    }

    private static ModelInfo ReadMetadata(ref SpanReader r)
    {
        string name = r.ReadString("model name");

        int rank = r.ReadByte("input rank");
        if (rank != 1 && rank != 3)
        {
            throw r.Error(FormattableString.Invariant($"input rank is {rank}, must be 1 or 3"));
        }

        var inputShape = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            inputShape[i] = r.ReadVarInt(FormattableString.Invariant($"input dimension {i}"), 1, DczConstants.MaxTensorLength);
            elements *= inputShape[i];
            if (elements > DczConstants.MaxTensorLength)
            {
                throw r.Error(FormattableString.Invariant($"input shape {ShapeRules.Describe(inputShape)} exceeds the 2^31 − 1 element cap"));
            }
        }

        float scale = r.ReadFiniteSingle("preprocessing scale");
        float mean = r.ReadFiniteSingle("preprocessing mean");
        float std = r.ReadFiniteSingle("preprocessing std");
        if (std == 0f)
        {
            throw r.Error("preprocessing std is zero");
        }

        // Each label takes at least one byte, so the count is capped by the bytes left before allocating.
        int labelCount = r.ReadVarInt("class label count", 1, Math.Min(DczConstants.MaxLabels, r.Remaining));
        var labels = new string[labelCount];
        for (int i = 0; i < labelCount; i++)
        {
            labels[i] = r.ReadString(FormattableString.Invariant($"class label {i}"));
        }

        RecordedMetrics? metrics = null;
        byte present = r.ReadByte("metrics present");
        if (present == DczConstants.MetricsPresent)
        {
            string testSet = r.ReadString("metrics test set name");
            int count = r.ReadVarInt("metrics count", 0, int.MaxValue);
            int correct = r.ReadVarInt("metrics correct", 0, count);
            metrics = new RecordedMetrics(testSet, count, correct);
        }
        else if (present != DczConstants.MetricsAbsent)
        {
            throw r.Error(FormattableString.Invariant($"metrics present byte is {present}, must be 0 or 1"));
        }

        string producer = r.ReadString("producer");
        ulong seed = r.ReadVarUInt64("seed");
        return new ModelInfo(name, inputShape, new Preprocessing(scale, mean, std), labels, metrics, producer, seed);
    }

    /// <summary>Spec §"Layer record".</summary>
    private static DczLayerInspection ReadLayer(ref SpanReader r, int index, int[] input)
    {
        int start = r.Position;
        int startOffset = r.FileOffset;
        r.Where = DczErrors.LayerLabel(index, null, null);
        byte tag = r.ReadByte("op tag");
        string name = r.ReadString("layer name");
        var kind = (LayerKind)tag;
        string label = DczErrors.LayerLabel(index, name, kind);
        r.Where = label;
        int bodyLength = r.ReadVarInt("body length", 0, r.Remaining);
        if (tag < (byte)LayerKind.Dense || tag > (byte)LayerKind.Softmax)
        {
            throw DczErrors.Unsupported(FormattableString.Invariant(
                $"{label}: op tag 0x{tag:X2} is not defined in format version 1"));
        }

        int recordHeaderBytes = r.Position - start;
        int bodyOffset = r.FileOffset;
        var body = new SpanReader(r.ReadBytes(bodyLength, "body"), bodyOffset, label);
        var parts = new WeightParts();
        DczLayer layer;
        switch (kind)
        {
            case LayerKind.Dense:
            {
                int inputs = body.ReadVarInt("inputs", 1, DczConstants.MaxTensorLength);
                int outputs = body.ReadVarInt("outputs", 1, DczConstants.MaxTensorLength);
                int length = TensorLength(ref body, (long)inputs * outputs);
                SparseWeights weights = ReadWeights(ref body, length, ref parts);
                float[] bias = ReadBias(ref body, outputs, ref parts);
                layer = new DenseLayer(name, inputs, outputs, weights, bias);
                break;
            }

            case LayerKind.Conv2d:
            {
                int inChannels = body.ReadVarInt("input channels", 1, DczConstants.MaxTensorLength);
                int outChannels = body.ReadVarInt("output channels", 1, DczConstants.MaxTensorLength);
                int kh = body.ReadVarInt("kernel height", 1, DczConstants.MaxTensorLength);
                int kw = body.ReadVarInt("kernel width", 1, DczConstants.MaxTensorLength);
                int sh = body.ReadVarInt("stride height", 1, int.MaxValue);
                int sw = body.ReadVarInt("stride width", 1, int.MaxValue);
                int ph = body.ReadVarInt("padding height", 0, int.MaxValue);
                int pw = body.ReadVarInt("padding width", 0, int.MaxValue);
                long product = (long)outChannels * inChannels;
                product = product > DczConstants.MaxTensorLength ? product : product * kh;
                product = product > DczConstants.MaxTensorLength ? product : product * kw;
                int length = TensorLength(ref body, product);
                SparseWeights weights = ReadWeights(ref body, length, ref parts);
                float[] bias = ReadBias(ref body, outChannels, ref parts);
                layer = new Conv2dLayer(name, inChannels, outChannels, kh, kw, sh, sw, ph, pw, weights, bias);
                break;
            }

            case LayerKind.MaxPool2d:
            {
                int kh = body.ReadVarInt("window height", 1, int.MaxValue);
                int kw = body.ReadVarInt("window width", 1, int.MaxValue);
                int sh = body.ReadVarInt("stride height", 1, int.MaxValue);
                int sw = body.ReadVarInt("stride width", 1, int.MaxValue);
                layer = new MaxPool2dLayer(name, kh, kw, sh, sw);
                break;
            }

            case LayerKind.ReLU:
                layer = new ReLULayer(name);
                break;

            case LayerKind.Flatten:
                layer = new FlattenLayer(name);
                break;

            default:
                layer = new SoftmaxLayer(name);
                break;
        }

        if (body.Remaining != 0)
        {
            throw body.Error(FormattableString.Invariant($"the body has {body.Remaining} unparsed bytes at its end"));
        }

        string? shapeError = ShapeRules.Apply(layer, input, out int[] output);
        if (shapeError is not null)
        {
            throw DczErrors.Corrupt(label, shapeError);
        }

        var inspection = new DczLayerInspection(layer, new LayerShape(index, kind, name, input, output), startOffset)
        {
            TotalBytes = r.Position - start,
            RecordHeaderBytes = recordHeaderBytes,
            CodebookBytes = parts.CodebookBytes,
            WeightTableBytes = parts.WeightTableBytes,
            WeightStreamBits = parts.WeightStreamBits,
            WeightStreamBytes = parts.WeightStreamBytes,
            GapTableBytes = parts.GapTableBytes,
            GapStreamBits = parts.GapStreamBits,
            GapStreamBytes = parts.GapStreamBytes,
            BiasBytes = parts.BiasBytes,
            DenseWeightCount = parts.DenseWeightCount,
            KeptCount = parts.KeptCount,
            FillerCount = parts.FillerCount,
            CodebookSize = parts.CodebookSize,
            WeightBits = parts.WeightBits,
            GapBits = parts.GapBits,
        };
        inspection.ParameterBytes = inspection.TotalBytes - inspection.RecordHeaderBytes - parts.CodebookBytes
            - parts.WeightTableBytes - parts.WeightStreamBytes - parts.GapTableBytes - parts.GapStreamBytes - parts.BiasBytes;
        return inspection;
    }

    private static int TensorLength(ref SpanReader body, long product)
    {
        if (product > DczConstants.MaxTensorLength)
        {
            throw body.Error("the weight tensor exceeds the 2^31 − 1 element cap");
        }

        return (int)product;
    }

    private static float[] ReadBias(ref SpanReader body, int count, ref WeightParts parts)
    {
        if ((long)count * 4 > body.Remaining)
        {
            throw body.Error(FormattableString.Invariant($"bias: needs {(long)count * 4} bytes for {count} values but only {body.Remaining} remain"));
        }

        var bias = new float[count];
        for (int i = 0; i < count; i++)
        {
            bias[i] = body.ReadFiniteSingle(FormattableString.Invariant($"bias[{i}]"));
        }

        parts.BiasBytes = count * 4;
        return bias;
    }

    /// <summary>Spec §"Weights".</summary>
    private static SparseWeights ReadWeights(ref SpanReader body, int length, ref WeightParts parts)
    {
        int weightBits = body.ReadByte("WeightBits");
        if (weightBits < DczConstants.MinWeightBits || weightBits > DczConstants.MaxWeightBits)
        {
            throw body.Error(FormattableString.Invariant($"WeightBits is {weightBits}, must be in [{DczConstants.MinWeightBits}, {DczConstants.MaxWeightBits}]"));
        }

        int gapBits = body.ReadByte("GapBits");
        if (gapBits < DczConstants.MinGapBits || gapBits > DczConstants.MaxGapBits)
        {
            throw body.Error(FormattableString.Invariant($"GapBits is {gapBits}, must be in [{DczConstants.MinGapBits}, {DczConstants.MaxGapBits}]"));
        }

        int k = body.ReadVarInt("codebook size", 1, 1 << weightBits);
        int codebookStart = body.Position;
        var codebook = new float[k];
        for (int i = 0; i < k; i++)
        {
            codebook[i] = body.ReadFiniteSingle(FormattableString.Invariant($"codebook[{i}]"));
        }

        parts.CodebookBytes = body.Position - codebookStart;
        int entries = body.ReadVarInt("entry count", 0, length);

        // Weight stream: symbols 0..k-1 are codebook indices, symbol k is the filler zero.
        int tableStart = body.Position;
        byte[] weightLengths = CanonicalHuffman.ReadTable(ref body, k + 1, "weight stream");
        parts.WeightTableBytes = body.Position - tableStart;
        ReadOnlySpan<byte> weightBytes = ReadStreamBytes(ref body, "weight stream", entries, out long weightBitCount);
        var symbols = new ushort[entries];
        int fillers = 0;
        var decoder = new HuffmanDecoder(weightLengths);
        int streamOffset = body.FileOffset - weightBytes.Length;
        var bits = new BitReader(weightBytes);
        for (int i = 0; i < entries; i++)
        {
            int symbol = DecodeSymbol(decoder, ref bits, weightBitCount, body.Where, "weight stream", streamOffset, i, entries);
            symbols[i] = (ushort)symbol;
            if (symbol == k)
            {
                fillers++;
            }
        }

        EndStream(ref bits, weightBitCount, body.Where, "weight stream", streamOffset, entries);

        // Gap stream: symbol g = g zero positions skipped before this entry.
        tableStart = body.Position;
        byte[] gapLengths = CanonicalHuffman.ReadTable(ref body, 1 << gapBits, "gap stream");
        parts.GapTableBytes = body.Position - tableStart;
        ReadOnlySpan<byte> gapBytes = ReadStreamBytes(ref body, "gap stream", entries, out long gapBitCount);
        int kept = entries - fillers;
        var positions = new int[kept];
        var codes = new byte[kept];
        int maxGap = (1 << gapBits) - 1;
        decoder = new HuffmanDecoder(gapLengths);
        streamOffset = body.FileOffset - gapBytes.Length;
        bits = new BitReader(gapBytes);
        long position = -1;
        for (int i = 0, j = 0; i < entries; i++)
        {
            long bit = bits.Consumed;
            int gap = DecodeSymbol(decoder, ref bits, gapBitCount, body.Where, "gap stream", streamOffset, i, entries);
            position += gap + 1;
            if (position >= length)
            {
                throw StreamError(body.Where, "gap stream", streamOffset, bit, FormattableString.Invariant(
                    $": gap {gap} runs past the end of the tensor at entry {i} (position {position}, tensor length {length})"));
            }

            if (symbols[i] == k)
            {
                if (gap != maxGap)
                {
                    throw StreamError(body.Where, "gap stream", streamOffset, bit, FormattableString.Invariant(
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
                codes[j] = (byte)symbols[i];
                j++;
            }
        }

        EndStream(ref bits, gapBitCount, body.Where, "gap stream", streamOffset, entries);

        parts.WeightStreamBits = weightBitCount;
        parts.WeightStreamBytes = weightBytes.Length;
        parts.GapStreamBits = gapBitCount;
        parts.GapStreamBytes = gapBytes.Length;
        parts.DenseWeightCount = length;
        parts.KeptCount = kept;
        parts.FillerCount = fillers;
        parts.CodebookSize = k;
        parts.WeightBits = weightBits;
        parts.GapBits = gapBits;
        return new SparseWeights(length, codebook, weightBits, gapBits, positions, codes);
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

    /// <summary>Byte and symbol counts of one layer's weight block, for the accounting.</summary>
    private struct WeightParts
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
        public int CodebookSize;
        public int WeightBits;
        public int GapBits;
    }
}
