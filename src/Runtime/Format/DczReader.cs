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
        ReadOnlySpan<byte> content = VerifyHeader(data, out int version);
        var reader = new SpanReader(content, DczConstants.HeaderSize, "metadata");

        ModelInfo info = ReadMetadata(ref reader, version);
        int metadataBytes = reader.Position;

        reader.Where = "layer table";
        int layerCount = reader.ReadVarInt("layer count", 1, DczConstants.MaxLayers);
        int layerCountBytes = reader.Position - metadataBytes;

        var layers = new DczLayer[layerCount];
        var inspections = new DczLayerInspection[layerCount];
        var shapes = new ShapeBuilder(info.InputShape);
        long entries = 0;
        for (int i = 0; i < layerCount; i++)
        {
            inspections[i] = ReadLayer(ref reader, i, version, shapes, DczConstants.MaxWeightEntries - entries);
            layers[i] = inspections[i].Layer;
            entries += inspections[i].EntryCount;
        }

        if (reader.Remaining != 0)
        {
            throw reader.Error(FormattableString.Invariant($"{reader.Remaining} bytes follow the last layer"));
        }

        string? graphError = shapes.Finish(info.ClassLabels.Length, out ModelShapes? modelShapes);
        if (graphError is not null)
        {
            throw DczErrors.Corrupt("layer graph", graphError);
        }

        long own = 0;
        foreach (DczLayerInspection layer in inspections)
        {
            own += layer.DenseFloat32Bytes;
        }

        if (info.TrainedDenseFloat32Bytes != 0 && info.TrainedDenseFloat32Bytes < own)
        {
            throw DczErrors.Corrupt("metadata", FormattableString.Invariant(
                $"trained dense bytes {info.TrainedDenseFloat32Bytes} is less than the {own} bytes the file's own layers take as dense float32 (removing units only shrinks a network)"));
        }

        var model = new DczModel(info, layers);
        return new DczInspection(model, modelShapes!, version, data.Length, metadataBytes, layerCountBytes, inspections);
    }

    /// <summary>Spec §"Header". Returns the content after all header checks pass.</summary>
    public static ReadOnlySpan<byte> VerifyHeader(ReadOnlySpan<byte> data, out int version)
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

        version = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(DczConstants.VersionOffset));
        if (version < DczConstants.MinReadVersion || version > DczConstants.Version)
        {
            throw DczErrors.Unsupported(FormattableString.Invariant(
                $".dcz format version {version} is not supported; this reader knows versions {DczConstants.MinReadVersion} to {DczConstants.Version}"));
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(DczConstants.FlagsOffset));
        if ((flags & ~DczConstants.KnownFlags) != 0)
        {
            throw DczErrors.Unsupported(FormattableString.Invariant(
                $".dcz flags 0x{flags:X4} are not supported; format version {version} defines no flags"));
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

    private static ModelInfo ReadMetadata(ref SpanReader r, int version)
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
            inputShape[i] = r.ReadVarInt(FieldName.Numbered("input dimension", i), 1, DczConstants.MaxActivationLength);
            elements *= inputShape[i];
            if (elements > DczConstants.MaxActivationLength)
            {
                throw r.Error(FormattableString.Invariant($"input shape {ShapeRules.Describe(inputShape)} exceeds the cap of {DczConstants.MaxActivationLength} elements per activation"));
            }
        }

        // Version 1: one mean and one std. Version 2: a count (1, or the input's first
        // dimension for per-channel values), then the means, then the stds.
        float scale = r.ReadFiniteSingle("preprocessing scale");
        int channels = version >= 2 ? r.ReadVarInt("preprocessing channel count", 1, inputShape[0]) : 1;
        if (channels != 1 && channels != inputShape[0])
        {
            throw r.Error(FormattableString.Invariant($"preprocessing channel count is {channels}, must be 1 or the input's first dimension ({inputShape[0]})"));
        }

        if ((long)channels * 8 > r.Remaining)
        {
            throw r.Error(FormattableString.Invariant($"preprocessing: {channels} means and stds need {(long)channels * 8} bytes but only {r.Remaining} remain"));
        }

        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            mean[c] = r.ReadFiniteSingle(channels == 1 ? "preprocessing mean" : FieldName.Element("preprocessing mean", c));
        }

        for (int c = 0; c < channels; c++)
        {
            std[c] = r.ReadFiniteSingle(channels == 1 ? "preprocessing std" : FieldName.Element("preprocessing std", c));
            if (std[c] == 0f)
            {
                throw r.Error(channels == 1 ? "preprocessing std is zero" : FormattableString.Invariant($"preprocessing std[{c}] is zero"));
            }
        }

        // Each label takes at least one byte, so the count is capped by the bytes left before allocating.
        int labelCount = r.ReadVarInt("class label count", 1, Math.Min(DczConstants.MaxLabels, r.Remaining));
        var labels = new string[labelCount];
        for (int i = 0; i < labelCount; i++)
        {
            labels[i] = r.ReadString(FieldName.Numbered("class label", i));
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
        long trained = 0;
        if (version >= 3)
        {
            ulong value = r.ReadVarUInt64("trained dense bytes");
            if (value > DczConstants.MaxTrainedDenseBytes)
            {
                throw r.Error(FormattableString.Invariant($"trained dense bytes is {value}, must be at most {DczConstants.MaxTrainedDenseBytes}"));
            }

            trained = (long)value;
        }

        return new ModelInfo(name, inputShape, new Preprocessing(scale, mean, std), labels, metrics, producer, seed, trained);
    }

    /// <summary>
    /// Spec §5: op tag, name, (version 2) input references, body length, body — the body parsed
    /// by the op's own reader — then the op's shape rule against the layers before it.
    /// </summary>
    private static DczLayerInspection ReadLayer(ref SpanReader r, int index, int version, ShapeBuilder shapes, long entryBudget)
    {
        int start = r.Position;
        int startOffset = r.FileOffset;
        r.Where = DczErrors.LayerLabel(index, null, null);
        byte tag = r.ReadByte("op tag");
        string name = r.ReadString("layer name");
        var kind = (LayerKind)tag;
        string label = DczErrors.LayerLabel(index, name, kind);
        r.Where = label;
        OpEntry? op = OpRegistry.Find(tag);
        if (op is null || op.SinceVersion > version)
        {
            throw DczErrors.Unsupported(FormattableString.Invariant(
                $"{label}: op tag 0x{tag:X2} is not defined in format version {version}"));
        }

        int[] inputs;
        if (version >= 2)
        {
            // Each reference is 0 for the model input or j + 1 for the output of layer j < index.
            int count = r.ReadVarInt("input count", 1, 2);
            inputs = new int[count];
            for (int k = 0; k < count; k++)
            {
                inputs[k] = r.ReadVarInt(FieldName.Numbered("input", k), 0, index) - 1;
            }
        }
        else
        {
            inputs = Array.Empty<int>();
        }

        int bodyLength = r.ReadVarInt("body length", 0, r.Remaining);
        int recordHeaderBytes = r.Position - start;
        int bodyOffset = r.FileOffset;
        var body = new SpanReader(r.ReadBytes(bodyLength, "body"), bodyOffset, label);
        var parts = new WeightParts();
        DczLayer layer = op.Read(ref body, new LayerHeader(name, inputs, version, label, entryBudget), ref parts);
        if (body.Remaining != 0)
        {
            throw body.Error(FormattableString.Invariant($"the body has {body.Remaining} unparsed bytes at its end"));
        }

        IReadOnlyList<int> resolved = inputs.Length > 0 ? inputs : new[] { index - 1 };
        string? shapeError = shapes.Add(layer, resolved);
        if (shapeError is not null)
        {
            throw DczErrors.Corrupt(label, shapeError);
        }

        var inspection = new DczLayerInspection(layer, shapes.Layers[index], startOffset)
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
            WeightCodeLengths = parts.WeightCodeLengths ?? Array.Empty<byte>(),
            GapCodeLengths = parts.GapCodeLengths ?? Array.Empty<byte>(),
        };
        inspection.ParameterBytes = inspection.TotalBytes - inspection.RecordHeaderBytes - parts.CodebookBytes
            - parts.WeightTableBytes - parts.WeightStreamBytes - parts.GapTableBytes - parts.GapStreamBytes - parts.BiasBytes;
        return inspection;
    }
}
