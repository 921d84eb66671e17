using System.Buffers.Binary;
using System.Text;

namespace EmbeddedNets.Format;

/// <summary>Validates a <see cref="DczModel"/> and serialises it (spec §"File layout").</summary>
internal static class DczWriter
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Write(DczModel model)
    {
        if (model is null)
        {
            throw new ArgumentNullException(nameof(model));
        }

        ModelInfo info = model.Info;
        if (model.Layers.Count < 1 || model.Layers.Count > DczConstants.MaxLayers)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"the model has {model.Layers.Count} layers; the format allows 1 to {DczConstants.MaxLayers}"));
        }

        if (info.ClassLabels.Length < 1 || info.ClassLabels.Length > DczConstants.MaxLabels)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"the model has {info.ClassLabels.Length} class labels; the format allows 1 to {DczConstants.MaxLabels}"));
        }

        // Shapes first: the chain rules, including labels = output length.
        ModelShapes.Compute(model);
        if (info.TrainedDenseFloat32Bytes != 0)
        {
            long own = 0;
            foreach (DczLayer layer in model.Layers)
            {
                own += ((long)(layer.WeightTensor?.Length ?? 0) + (layer.BiasValues?.Count ?? 0)) * sizeof(float);
            }

            if (info.TrainedDenseFloat32Bytes < own || info.TrainedDenseFloat32Bytes > DczConstants.MaxTrainedDenseBytes)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant(
                    $"trained dense bytes {info.TrainedDenseFloat32Bytes} must be 0 (not recorded) or between the {own} bytes the model's own layers take as dense float32 and {DczConstants.MaxTrainedDenseBytes}"));
            }
        }

        var content = new ByteSink(4096);
        WriteMetadata(content, info);

        content.WriteVarUInt(model.Layers.Count);
        long entries = 0;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            WriteLayer(content, i, model.Layers[i], model.InputsOf(i));
            if (model.Layers[i].WeightTensor is { } weights)
            {
                entries += WeightsCodec.EntryCount(weights);
                if (entries > DczConstants.MaxWeightEntries)
                {
                    throw DczErrors.InvalidModel(FormattableString.Invariant(
                        $"{DczErrors.LayerLabel(i, model.Layers[i].Name, model.Layers[i].Kind)}: the model stores {entries} weight entries (kept weights plus fillers) up to this layer, over the cap of {DczConstants.MaxWeightEntries}"));
                }
            }

            if (content.Length > DczConstants.MaxFileSize - DczConstants.HeaderSize)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant(
                    $"the file would exceed the {DczConstants.MaxFileSize}-byte cap (at layer {i})"));
            }
        }

        // Header (spec §"Header"): magic, version, flags, content length, CRC-32 of the content.
        ReadOnlySpan<byte> body = content.WrittenSpan;
        var file = new byte[DczConstants.HeaderSize + body.Length];
        DczConstants.Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(DczConstants.VersionOffset), DczConstants.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(DczConstants.FlagsOffset), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(DczConstants.ContentLengthOffset), (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(DczConstants.ChecksumOffset), Crc32.Compute(body));
        body.CopyTo(file.AsSpan(DczConstants.HeaderSize));
        return file;
    }

    private static void WriteMetadata(ByteSink sink, ModelInfo info)
    {
        sink.WriteString(Utf8(info.Name, "model name"));

        sink.WriteByte((byte)info.InputShape.Length);
        foreach (int dim in info.InputShape)
        {
            sink.WriteVarUInt(dim);
        }

        Preprocessing pre = info.Preprocessing;
        int channels = pre.Mean.Count;
        if (channels < 1 || pre.Std.Count != channels || (channels != 1 && channels != info.InputShape[0]))
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"preprocessing: {pre.Mean.Count} means and {pre.Std.Count} stds; both must be 1 or the input's first dimension ({info.InputShape[0]})"));
        }

        if (!FloatBits.IsFinite(pre.Scale) || !pre.Mean.All(FloatBits.IsFinite))
        {
            throw DczErrors.InvalidModel("preprocessing: scale and mean must be finite");
        }

        if (!pre.Std.All(s => FloatBits.IsFinite(s) && s != 0f))
        {
            throw DczErrors.InvalidModel("preprocessing: std must be finite and nonzero");
        }

        sink.WriteSingle(pre.Scale);
        sink.WriteVarUInt(channels);
        foreach (float m in pre.Mean)
        {
            sink.WriteSingle(m);
        }

        foreach (float s in pre.Std)
        {
            sink.WriteSingle(s);
        }

        sink.WriteVarUInt(info.ClassLabels.Length);
        for (int i = 0; i < info.ClassLabels.Length; i++)
        {
            string? label = info.ClassLabels[i];
            if (label is null)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant($"class label {i} is null"));
            }

            sink.WriteString(Utf8(label, FormattableString.Invariant($"class label {i}")));
        }

        if (info.Metrics is { } metrics)
        {
            if (metrics.Count < 0 || metrics.Correct < 0 || metrics.Correct > metrics.Count)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant(
                    $"metrics: correct {metrics.Correct} and count {metrics.Count} must satisfy 0 ≤ correct ≤ count"));
            }

            sink.WriteByte(DczConstants.MetricsPresent);
            sink.WriteString(Utf8(metrics.TestSetName, "metrics test set name"));
            sink.WriteVarUInt(metrics.Count);
            sink.WriteVarUInt(metrics.Correct);
        }
        else
        {
            sink.WriteByte(DczConstants.MetricsAbsent);
        }

        sink.WriteString(Utf8(info.Producer, "producer"));
        sink.WriteVarUInt(info.Seed);
        sink.WriteVarUInt((ulong)info.TrainedDenseFloat32Bytes);
    }

    /// <summary>Spec §5: op tag, name, input references, body length, body (written by the op).</summary>
    private static void WriteLayer(ByteSink sink, int index, DczLayer layer, IReadOnlyList<int> inputs)
    {
        string label = DczErrors.LayerLabel(index, layer.Name, layer.Kind);
        if (OpRegistry.Find((byte)layer.Kind) is null)
        {
            throw DczErrors.InvalidModel(label + ": is not an op of the format");
        }

        var body = new ByteSink();
        layer.WriteBody(body, label);
        sink.WriteByte((byte)layer.Kind);
        sink.WriteString(Utf8(layer.Name, label + " name"));
        sink.WriteVarUInt(inputs.Count);
        foreach (int input in inputs)
        {
            sink.WriteVarUInt(input + 1);
        }

        sink.WriteVarUInt(body.Length);
        sink.WriteBytes(body.WrittenSpan);
    }

    private static byte[] Utf8(string value, string field)
    {
        if (value is null)
        {
            throw DczErrors.InvalidModel(field + " is null");
        }

        byte[] bytes;
        try
        {
            bytes = s_strictUtf8.GetBytes(value);
        }
        catch (EncoderFallbackException)
        {
            throw DczErrors.InvalidModel(field + " is not valid UTF-16 (lone surrogate)");
        }

        if (bytes.Length > DczConstants.MaxStringBytes)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{field} is {bytes.Length} UTF-8 bytes, the cap is {DczConstants.MaxStringBytes}"));
        }

        return bytes;
    }
}
