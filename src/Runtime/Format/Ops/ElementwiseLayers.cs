namespace EmbeddedNets.Format;

/// <summary>
/// The ops without attributes that keep their input's shape (ReLU, Sigmoid, Tanh, Softmax) or
/// flatten it (Flatten): empty bodies. Each is its own sealed class so that every part of the
/// system can tell them apart by type and kind.
/// </summary>
public abstract class ParameterlessLayer : DczLayer
{
    /// <inheritdoc/>
    public override bool CanRunInPlace => true;

    /// <summary>Creates the layer.</summary>
    protected ParameterlessLayer(string name, IReadOnlyList<int>? inputLayers)
        : base(name, inputLayers)
    {
    }

    /// <summary>Element-wise ops and Flatten leave every element where it was, so each channel's block stays its own.</summary>
    internal override bool PassesChannels(int[] input, int channels) => true;

    internal override void WriteBody(ByteSink body, string label)
    {
    }

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = inputs[0];
        return null;
    }
}

/// <summary>Element-wise <c>max(x, 0)</c>.</summary>
public sealed class ReLULayer : ParameterlessLayer
{
    /// <summary>Creates the layer.</summary>
    public ReLULayer(string name = "", IReadOnlyList<int>? inputLayers = null) : base(name, inputLayers)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.ReLU;

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts) => new ReLULayer(header.Name, header.Inputs);

    internal override float? PassConstant(int[] input, int channel, float value) => value > 0 ? value : 0f;
}

/// <summary>Element-wise <c>1 / (1 + exp(−x))</c> (format version 2).</summary>
public sealed class SigmoidLayer : ParameterlessLayer
{
    /// <summary>Creates the layer.</summary>
    public SigmoidLayer(string name = "", IReadOnlyList<int>? inputLayers = null) : base(name, inputLayers)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Sigmoid;

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts) => new SigmoidLayer(header.Name, header.Inputs);

    internal override float? PassConstant(int[] input, int channel, float value) => (float)(1.0 / (1.0 + Math.Exp(-value)));
}

/// <summary>Element-wise hyperbolic tangent (format version 2).</summary>
public sealed class TanhLayer : ParameterlessLayer
{
    /// <summary>Creates the layer.</summary>
    public TanhLayer(string name = "", IReadOnlyList<int>? inputLayers = null) : base(name, inputLayers)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Tanh;

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts) => new TanhLayer(header.Name, header.Inputs);

    internal override float? PassConstant(int[] input, int channel, float value) => (float)Math.Tanh(value);
}

/// <summary>Softmax over the whole (flat) vector: <c>exp(x − max) / Σ</c>.</summary>
public sealed class SoftmaxLayer : ParameterlessLayer
{
    /// <summary>Creates the layer.</summary>
    public SoftmaxLayer(string name = "", IReadOnlyList<int>? inputLayers = null) : base(name, inputLayers)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Softmax;

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts) => new SoftmaxLayer(header.Name, header.Inputs);

    /// <summary>Every output depends on every input.</summary>
    internal override bool PassesChannels(int[] input, int channels) => false;
}

/// <summary>Any shape → <c>[element count]</c>; a no-op on row-major data.</summary>
public sealed class FlattenLayer : ParameterlessLayer
{
    /// <summary>Creates the layer.</summary>
    public FlattenLayer(string name = "", IReadOnlyList<int>? inputLayers = null) : base(name, inputLayers)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Flatten;

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts) => new FlattenLayer(header.Name, header.Inputs);

    internal override float? PassConstant(int[] input, int channel, float value) => value;

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = new[] { ShapeRules.Length(inputs[0]) };
        return null;
    }
}
