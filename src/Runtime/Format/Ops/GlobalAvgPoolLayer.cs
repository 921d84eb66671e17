namespace EmbeddedNets.Format;

/// <summary>The mean of each channel's plane: <c>[c, h, w]</c> → <c>[c, 1, 1]</c> (format version 2). Empty body.</summary>
public sealed class GlobalAvgPoolLayer : DczLayer
{
    /// <summary>Creates the layer.</summary>
    public GlobalAvgPoolLayer(string name = "", IReadOnlyList<int>? inputLayers = null)
        : base(name, inputLayers)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.GlobalAvgPool;

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts) => new GlobalAvgPoolLayer(header.Name, header.Inputs);

    internal override void WriteBody(ByteSink body, string label)
    {
    }

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = Array.Empty<int>();
        if (inputs[0].Length != 3)
        {
            return FormattableString.Invariant($"needs a [channels, height, width] input but receives {ShapeRules.Describe(inputs[0])}");
        }

        output = new[] { inputs[0][0], 1, 1 };
        return null;
    }

    internal override bool PassesChannels(int[] input, int channels) => input.Length == 3 && input[0] == channels;

    internal override float? PassConstant(int[] input, int channel, float value) => value;

    /// <summary>Every input element is added once.</summary>
    internal override long Operations(IReadOnlyList<int[]> inputs, int[] output) => ShapeRules.Length(inputs[0]);
}
