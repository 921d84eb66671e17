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
}
