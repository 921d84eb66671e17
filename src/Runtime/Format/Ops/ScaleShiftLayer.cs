namespace EmbeddedNets.Format;

/// <summary>
/// Per-channel affine map, <c>y[c, …] = x[c, …] × Scale[c] + Shift[c]</c> (format version 2):
/// what a batch norm becomes when no convolution or dense layer precedes it to fold into. The
/// channel is the index along the input's first dimension. Body: varuint channels (≥ 1), f32
/// scale × channels, f32 shift × channels, all finite.
/// </summary>
public sealed class ScaleShiftLayer : DczLayer
{
    /// <inheritdoc/>
    public override bool CanRunInPlace => true;

    /// <summary>Creates the layer; <paramref name="scale"/> and <paramref name="shift"/> have one value per channel.</summary>
    public ScaleShiftLayer(string name, float[] scale, float[] shift, IReadOnlyList<int>? inputLayers = null)
        : base(name, inputLayers)
    {
        Scale = scale ?? throw new ArgumentNullException(nameof(scale));
        Shift = shift ?? throw new ArgumentNullException(nameof(shift));
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.ScaleShift;

    /// <summary>Multiplier per channel.</summary>
    public float[] Scale { get; }

    /// <summary>Added per channel after the multiply.</summary>
    public float[] Shift { get; }

    /// <inheritdoc/>
    public override string Attributes => FormattableString.Invariant($"{Scale.Length} channels");

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts)
    {
        int channels = body.ReadVarInt("channels", 1, DczConstants.MaxActivationLength);
        if ((long)channels * 8 > body.Remaining)
        {
            throw body.Error(FormattableString.Invariant($"{channels} scales and shifts need {(long)channels * 8} bytes but only {body.Remaining} remain"));
        }

        var scale = new float[channels];
        var shift = new float[channels];
        for (int i = 0; i < channels; i++)
        {
            scale[i] = body.ReadFiniteSingle(FieldName.Element("scale", i));
        }

        for (int i = 0; i < channels; i++)
        {
            shift[i] = body.ReadFiniteSingle(FieldName.Element("shift", i));
        }

        return new ScaleShiftLayer(header.Name, scale, shift, header.Inputs);
    }

    internal override void WriteBody(ByteSink body, string label)
    {
        body.WriteVarUInt(Scale.Length);
        foreach (float s in Scale)
        {
            body.WriteSingle(s);
        }

        foreach (float s in Shift)
        {
            body.WriteSingle(s);
        }
    }

    internal override bool PassesChannels(int[] input, int channels) => input[0] == channels && Scale.Length == channels;

    internal override float? PassConstant(int[] input, int channel, float value) => (value * Scale[channel]) + Shift[channel];

    internal override DczLayer KeepChannels(int[] input, bool[] keep) =>
        new ScaleShiftLayer(Name, WeightBlocks.Keep(Scale, keep), WeightBlocks.Keep(Shift, keep), InputLayers);

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = inputs[0];
        if (Scale.Length < 1 || Scale.Length != Shift.Length)
        {
            return FormattableString.Invariant($"needs one scale and one shift per channel, has {Scale.Length} and {Shift.Length}");
        }

        if (!Scale.All(FloatBits.IsFinite) || !Shift.All(FloatBits.IsFinite))
        {
            return "scale and shift must be finite";
        }

        return inputs[0][0] == Scale.Length
            ? null
            : FormattableString.Invariant($"has {Scale.Length} channels but receives {ShapeRules.Describe(inputs[0])}");
    }
}
