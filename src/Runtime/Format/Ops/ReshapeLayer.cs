namespace EmbeddedNets.Format;

/// <summary>
/// Gives the row-major data another shape of the same element count; no data moves (format
/// version 2). Body: u8 rank (1–3), varuint dimension × rank (each ≥ 1).
/// </summary>
public sealed class ReshapeLayer : DczLayer
{
    /// <inheritdoc/>
    public override bool CanRunInPlace => true;

    /// <summary>Creates the layer.</summary>
    public ReshapeLayer(string name, int[] shape, IReadOnlyList<int>? inputLayers = null)
        : base(name, inputLayers) => Shape = shape ?? throw new ArgumentNullException(nameof(shape));

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Reshape;

    /// <summary>The output shape.</summary>
    public int[] Shape { get; }

    /// <inheritdoc/>
    public override string Attributes => "to " + ShapeRules.Describe(Shape);

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts)
    {
        int rank = body.ReadByte("rank");
        if (rank < 1 || rank > 3)
        {
            throw body.Error(FormattableString.Invariant($"rank is {rank}, must be 1, 2 or 3"));
        }

        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            shape[i] = body.ReadVarInt(FieldName.Numbered("dimension", i), 1, DczConstants.MaxActivationLength);
        }

        return new ReshapeLayer(header.Name, shape, header.Inputs);
    }

    internal override void WriteBody(ByteSink body, string label)
    {
        body.WriteByte(checked((byte)Shape.Length));
        foreach (int d in Shape)
        {
            body.WriteVarUInt(d);
        }
    }

    /// <summary>
    /// No element moves, so the channels' blocks survive; the target shape can follow a cut
    /// when it is flat or its first dimension is the channel count.
    /// </summary>
    internal override bool PassesChannels(int[] input, int channels) => Shape.Length == 1 || Shape[0] == channels;

    internal override float? PassConstant(int[] input, int channel, float value) => value;

    internal override DczLayer KeepChannels(int[] input, bool[] keep)
    {
        int kept = keep.Count(k => k);
        int[] shape = (int[])Shape.Clone();
        shape[0] = Shape.Length == 1 ? Shape[0] / keep.Length * kept : kept;
        return new ReshapeLayer(Name, shape, InputLayers);
    }

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = Array.Empty<int>();
        if (Shape.Length < 1 || Shape.Length > 3)
        {
            return FormattableString.Invariant($"target rank {Shape.Length} must be 1, 2 or 3");
        }

        string? error = ShapeRules.Make(Shape.Select(d => (long)d).ToArray(), out int[] shape);
        if (error is not null)
        {
            return "target " + error;
        }

        if (ShapeRules.Length(shape) != ShapeRules.Length(inputs[0]))
        {
            return FormattableString.Invariant($"cannot reshape {ShapeRules.Describe(inputs[0])} to {ShapeRules.Describe(Shape)}: element counts differ");
        }

        output = shape;
        return null;
    }
}
