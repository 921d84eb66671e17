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

        var content = new ByteSink(4096);
        WriteMetadata(content, info);

        content.WriteVarUInt(model.Layers.Count);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            WriteLayer(content, i, model.Layers[i]);
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
        if (!FloatBits.IsFinite(pre.Scale) || !FloatBits.IsFinite(pre.Mean))
        {
            throw DczErrors.InvalidModel("preprocessing: scale and mean must be finite");
        }

        if (!FloatBits.IsFinite(pre.Std) || pre.Std == 0f)
        {
            throw DczErrors.InvalidModel("preprocessing: std must be finite and nonzero");
        }

        sink.WriteSingle(pre.Scale);
        sink.WriteSingle(pre.Mean);
        sink.WriteSingle(pre.Std);

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
    }

    private static void WriteLayer(ByteSink sink, int index, DczLayer layer)
    {
        string label = DczErrors.LayerLabel(index, layer.Name, layer.Kind);
        var body = new ByteSink();
        switch (layer)
        {
            case DenseLayer dense:
                body.WriteVarUInt(dense.Inputs);
                body.WriteVarUInt(dense.Outputs);
                WriteWeights(body, dense.Weights, dense.Inputs * dense.Outputs, label);
                WriteBias(body, dense.Bias, dense.Outputs, label);
                break;

            case Conv2dLayer conv:
                body.WriteVarUInt(conv.InChannels);
                body.WriteVarUInt(conv.OutChannels);
                body.WriteVarUInt(conv.KernelHeight);
                body.WriteVarUInt(conv.KernelWidth);
                body.WriteVarUInt(conv.StrideHeight);
                body.WriteVarUInt(conv.StrideWidth);
                body.WriteVarUInt(conv.PaddingHeight);
                body.WriteVarUInt(conv.PaddingWidth);
                WriteWeights(body, conv.Weights, conv.OutChannels * conv.InChannels * conv.KernelHeight * conv.KernelWidth, label);
                WriteBias(body, conv.Bias, conv.OutChannels, label);
                break;

            case MaxPool2dLayer pool:
                body.WriteVarUInt(pool.KernelHeight);
                body.WriteVarUInt(pool.KernelWidth);
                body.WriteVarUInt(pool.StrideHeight);
                body.WriteVarUInt(pool.StrideWidth);
                break;

            case ReLULayer:
            case FlattenLayer:
            case SoftmaxLayer:
                break;

            default:
                throw DczErrors.InvalidModel(label + ": is not an op of format version 1");
        }

        // Layer record (spec §"Layer record"): op tag, name, body length, body.
        sink.WriteByte((byte)layer.Kind);
        sink.WriteString(Utf8(layer.Name, label + " name"));
        sink.WriteVarUInt(body.Length);
        sink.WriteBytes(body.WrittenSpan);
    }

    private static void WriteBias(ByteSink body, float[] bias, int expected, string label)
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
    private static void WriteWeights(ByteSink body, SparseWeights weights, int expectedLength, string label)
    {
        Validate(weights, expectedLength, label);

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

            weightFreq[codes[i]]++;
            gapFreq[zeros]++;
            entries++;
            previous = positions[i];
        }

        byte[] weightLengths = CanonicalHuffman.BuildLengths(weightFreq, DczConstants.MaxCodeLength);
        byte[] gapLengths = CanonicalHuffman.BuildLengths(gapFreq, DczConstants.MaxCodeLength);
        uint[] weightCodes = CanonicalHuffman.AssignCodes(weightLengths);
        uint[] gapCodes = CanonicalHuffman.AssignCodes(gapLengths);
        long weightBitCount = StreamBits(weightFreq, weightLengths, label);
        long gapBitCount = StreamBits(gapFreq, gapLengths, label);

        // Pass 2: both streams, entry by entry.
        var weightStream = new BitWriter(weightBitCount);
        var gapStream = new BitWriter(gapBitCount);
        previous = -1;
        for (int i = 0; i < positions.Length; i++)
        {
            long zeros = positions[i] - previous - 1;
            while (zeros > maxGap)
            {
                weightStream.Write(weightCodes[filler], weightLengths[filler]);
                gapStream.Write(gapCodes[maxGap], gapLengths[maxGap]);
                zeros -= maxGap + 1;
            }

            weightStream.Write(weightCodes[codes[i]], weightLengths[codes[i]]);
            gapStream.Write(gapCodes[zeros], gapLengths[zeros]);
            previous = positions[i];
        }

        body.WriteByte((byte)weights.WeightBits);
        body.WriteByte((byte)weights.GapBits);
        body.WriteVarUInt(k);
        foreach (float value in weights.Codebook)
        {
            body.WriteSingle(value);
        }

        body.WriteVarUInt((ulong)entries);
        CanonicalHuffman.WriteTable(body, weightLengths);
        body.WriteVarUInt((ulong)weightBitCount);
        body.WriteBytes(weightStream.ToArray());
        CanonicalHuffman.WriteTable(body, gapLengths);
        body.WriteVarUInt((ulong)gapBitCount);
        body.WriteBytes(gapStream.ToArray());
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

        if (weights.WeightBits < DczConstants.MinWeightBits || weights.WeightBits > DczConstants.MaxWeightBits)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: WeightBits {weights.WeightBits} is outside {DczConstants.MinWeightBits}–{DczConstants.MaxWeightBits}"));
        }

        if (weights.GapBits < DczConstants.MinGapBits || weights.GapBits > DczConstants.MaxGapBits)
        {
            throw DczErrors.InvalidModel(FormattableString.Invariant(
                $"{label}: GapBits {weights.GapBits} is outside {DczConstants.MinGapBits}–{DczConstants.MaxGapBits}"));
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

        int previous = -1;
        for (int i = 0; i < weights.Positions.Length; i++)
        {
            int position = weights.Positions[i];
            if (position <= previous || position >= weights.Length)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant(
                    $"{label}: position {position} at kept index {i} is not strictly increasing within [0, {weights.Length})"));
            }

            if (weights.Codes[i] >= k)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant(
                    $"{label}: code {weights.Codes[i]} at kept index {i} is outside the {k}-entry codebook"));
            }

            previous = position;
        }
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
