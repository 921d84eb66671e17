namespace EmbeddedNets.Format;

/// <summary>
/// Fully connected layer with pruned, weight-shared weights. Body (both versions): varuint
/// inputs, varuint outputs, weights over outputs × inputs positions (spec §6), f32 bias × outputs.
/// Input: any shape of <see cref="Inputs"/> elements (an implicit flatten). Output: <c>[outputs]</c>.
/// </summary>
public sealed class DenseLayer : DczLayer
{
    /// <summary>Creates a dense layer; <paramref name="weights"/> covers outputs × inputs positions.</summary>
    public DenseLayer(string name, int inputs, int outputs, SparseWeights weights, float[] bias, IReadOnlyList<int>? inputLayers = null)
        : base(name, inputLayers)
    {
        Inputs = inputs;
        Outputs = outputs;
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        Bias = bias ?? throw new ArgumentNullException(nameof(bias));
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Dense;

    /// <summary>Input features.</summary>
    public int Inputs { get; }

    /// <summary>Output features.</summary>
    public int Outputs { get; }

    /// <summary>Weights, row-major [outputs, inputs]: position = output * Inputs + input.</summary>
    public SparseWeights Weights { get; }

    /// <summary>One bias per output.</summary>
    public float[] Bias { get; }

    /// <inheritdoc/>
    public override SparseWeights? WeightTensor => Weights;

    /// <inheritdoc/>
    public override IReadOnlyList<int>? WeightShape => new[] { Outputs, Inputs };

    /// <inheritdoc/>
    public override IReadOnlyList<float>? BiasValues => Bias;

    /// <inheritdoc/>
    public override string Attributes => FormattableString.Invariant($"{Inputs}→{Outputs}");

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts)
    {
        int inputs = body.ReadVarInt("inputs", 1, DczConstants.MaxActivationLength);
        int outputs = body.ReadVarInt("outputs", 1, DczConstants.MaxActivationLength);
        int length = WeightsCodec.TensorLength(ref body, (long)inputs * outputs);
        SparseWeights weights = WeightsCodec.Read(ref body, length, header.Version, header.EntryBudget, ref parts);
        float[] bias = WeightsCodec.ReadBias(ref body, outputs, ref parts);
        return new DenseLayer(header.Name, inputs, outputs, weights, bias, header.Inputs);
    }

    internal override void WriteBody(ByteSink body, string label)
    {
        body.WriteVarUInt(Inputs);
        body.WriteVarUInt(Outputs);
        WeightsCodec.Write(body, Weights, checked(Inputs * Outputs), label);
        WeightsCodec.WriteBias(body, Bias, Outputs, label);
    }

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = Array.Empty<int>();
        if (Inputs < 1 || Outputs < 1)
        {
            return FormattableString.Invariant($"inputs {Inputs} and outputs {Outputs} must both be ≥ 1");
        }

        if ((long)Inputs * Outputs > DczConstants.MaxTensorLength)
        {
            return FormattableString.Invariant($"{Outputs}×{Inputs} weights exceed the 2^31 − 1 tensor cap");
        }

        long inputLength = ShapeRules.Length(inputs[0]);
        if (inputLength != Inputs)
        {
            return FormattableString.Invariant($"expects {Inputs} inputs but receives {ShapeRules.Describe(inputs[0])} ({inputLength} values)");
        }

        return ShapeRules.Make(new long[] { Outputs }, out output);
    }

    /// <summary>Multiply-adds of the dense matrix: inputs × outputs (pruning only lowers the real count).</summary>
    internal override long Operations(IReadOnlyList<int[]> inputs, int[] output) => ShapeRules.CappedProduct(Inputs, Outputs);

    /// <summary>Any input whose element count splits into the channels: channel c is inputs c·n … (c + 1)·n − 1, n = inputs / channels (a flattened [c, h, w] is channel-major).</summary>
    internal override bool ReadsChannels(int[] input, int channels) => channels >= 1 && Inputs % channels == 0;

    internal override bool ReadsChannel(int[] input, int channels, int channel) => Blocks(channels).ChannelIsRead(channel);

    /// <summary>Every output reads every input once, so a constant input is a constant term of each output's sum: exact in the bias.</summary>
    internal override bool CanFoldChannel(int[] input, int channels, int channel, float value) => FloatBits.IsFinite(value);

    internal override DczLayer DropChannels(int[] input, bool[] keep, float[] constants)
    {
        (SparseWeights weights, float[] bias) = Blocks(keep.Length).Cut(Bias, null, keep, constants);
        return new DenseLayer(Name, weights.Length / Outputs, Outputs, weights, bias, InputLayers);
    }

    internal override int RemovableUnits => Outputs;

    internal override float? ConstantUnit(int unit) => Blocks(1).RowIsRead(unit) ? null : Bias[unit];

    internal override DczLayer KeepUnits(bool[] keep)
    {
        (SparseWeights weights, float[] bias) = Blocks(1).Cut(Bias, keep, null, null);
        return new DenseLayer(Name, Inputs, bias.Length, weights, bias, InputLayers);
    }

    private WeightBlocks Blocks(int channels) => new(Weights, Outputs, channels, Inputs / channels);
}
