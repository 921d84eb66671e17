namespace EmbeddedNets.Format;

/// <summary>
/// Element-wise clamp, <c>y = min(max(x, Min), Max)</c> (format version 2); ReLU6 is Clip(0, 6).
/// Body: f32 min, f32 max, both finite, min ≤ max.
/// </summary>
public sealed class ClipLayer : DczLayer
{
    /// <inheritdoc/>
    public override bool CanRunInPlace => true;

    /// <summary>Creates the layer.</summary>
    public ClipLayer(string name, float min, float max, IReadOnlyList<int>? inputLayers = null)
        : base(name, inputLayers)
    {
        Min = min;
        Max = max;
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Clip;

    /// <summary>Lower bound.</summary>
    public float Min { get; }

    /// <summary>Upper bound.</summary>
    public float Max { get; }

    /// <inheritdoc/>
    public override string Attributes => FormattableString.Invariant($"[{Min.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, {Max.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}]");

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts)
    {
        float min = body.ReadFiniteSingle("min");
        float max = body.ReadFiniteSingle("max");
        return new ClipLayer(header.Name, min, max, header.Inputs);
    }

    internal override void WriteBody(ByteSink body, string label)
    {
        body.WriteSingle(Min);
        body.WriteSingle(Max);
    }

    internal override bool PassesChannels(int[] input, int channels) => true;

    internal override float? PassConstant(int[] input, int channel, float value) => value < Min ? Min : value > Max ? Max : value;

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = inputs[0];
        if (!FloatBits.IsFinite(Min) || !FloatBits.IsFinite(Max) || !(Min <= Max))
        {
            return "min and max must be finite with min ≤ max";
        }

        return null;
    }
}
