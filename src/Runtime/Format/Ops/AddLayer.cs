namespace EmbeddedNets.Format;

/// <summary>
/// Element-wise sum of two inputs of the same shape, <c>y = a + b</c> (format version 2): the
/// join of a residual block. Empty body; the record names both inputs.
/// </summary>
public sealed class AddLayer : DczLayer
{
    /// <inheritdoc/>
    public override bool CanRunInPlace => true;

    /// <summary>Creates the layer reading <paramref name="inputLayers"/> (two references).</summary>
    public AddLayer(string name, IReadOnlyList<int> inputLayers)
        : base(name, inputLayers ?? throw new ArgumentNullException(nameof(inputLayers)))
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Add;

    /// <inheritdoc/>
    public override int InputCount => 2;

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts) => new AddLayer(header.Name, header.Inputs);

    internal override void WriteBody(ByteSink body, string label)
    {
    }

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = inputs[0];
        return inputs[0].SequenceEqual(inputs[1])
            ? null
            : FormattableString.Invariant($"adds {ShapeRules.Describe(inputs[0])} and {ShapeRules.Describe(inputs[1])}: the shapes must be equal (no broadcasting)");
    }
}
