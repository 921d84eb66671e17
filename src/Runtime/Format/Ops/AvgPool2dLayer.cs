namespace EmbeddedNets.Format;

/// <summary>
/// 2-D average pooling over <c>[c, h, w]</c>, floor mode (format version 2). Body: the window
/// (<see cref="Pool2dWindow"/>), then u8 count-include-pad (0 or 1): with 1 every window divides
/// by kh × kw (padding counts as zeros), with 0 by the number of input elements it covers.
/// </summary>
public sealed class AvgPool2dLayer : DczLayer
{
    /// <summary>Creates an average-pooling layer.</summary>
    public AvgPool2dLayer(string name, Pool2dWindow window, bool countIncludePad, IReadOnlyList<int>? inputLayers = null)
        : base(name, inputLayers)
    {
        Window = window;
        CountIncludePad = countIncludePad;
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.AvgPool2d;

    /// <summary>Window, stride and padding.</summary>
    public Pool2dWindow Window { get; }

    /// <summary>Whether padded positions count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc/>
    public override string Attributes => Window + (Window.IsPadded ? (CountIncludePad ? " (pads counted)" : " (pads not counted)") : string.Empty);

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts)
    {
        Pool2dWindow window = Pool2dWindow.Read(ref body, header.Version);
        byte include = body.ReadByte("count-include-pad");
        if (include > 1)
        {
            throw body.Error(FormattableString.Invariant($"count-include-pad is {include}, must be 0 or 1"));
        }

        return new AvgPool2dLayer(header.Name, window, include == 1, header.Inputs);
    }

    internal override void WriteBody(ByteSink body, string label)
    {
        Window.Write(body);
        body.WriteByte(CountIncludePad ? (byte)1 : (byte)0);
    }

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output) => Window.InferShape(inputs[0], out output);

    internal override long Operations(IReadOnlyList<int[]> inputs, int[] output) => Window.Operations(inputs[0], output);

    internal override bool PassesChannels(int[] input, int channels) => input.Length == 3 && input[0] == channels;

    /// <summary>The mean of a constant is that constant, unless counted padding zeros pull a border window towards 0.</summary>
    internal override float? PassConstant(int[] input, int channel, float value) =>
        value == 0 || !Window.IsPadded || !CountIncludePad ? value : null;
}
