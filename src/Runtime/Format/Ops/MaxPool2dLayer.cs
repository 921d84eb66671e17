namespace EmbeddedNets.Format;

/// <summary>
/// 2-D max pooling over <c>[c, h, w]</c>, floor mode; padded positions never win (as PyTorch and
/// ONNX). Body: the window (<see cref="Pool2dWindow"/>; version 1 has no padding fields).
/// </summary>
public sealed class MaxPool2dLayer : DczLayer
{
    /// <summary>Creates an unpadded pooling layer.</summary>
    public MaxPool2dLayer(string name, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth)
        : this(name, new Pool2dWindow(kernelHeight, kernelWidth, strideHeight, strideWidth))
    {
    }

    /// <summary>Creates a pooling layer with any window.</summary>
    public MaxPool2dLayer(string name, Pool2dWindow window, IReadOnlyList<int>? inputLayers = null)
        : base(name, inputLayers) => Window = window;

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.MaxPool2d;

    /// <summary>Window, stride and padding.</summary>
    public Pool2dWindow Window { get; }

    /// <summary>Window height.</summary>
    public int KernelHeight => Window.KernelHeight;

    /// <summary>Window width.</summary>
    public int KernelWidth => Window.KernelWidth;

    /// <summary>Vertical stride.</summary>
    public int StrideHeight => Window.StrideHeight;

    /// <summary>Horizontal stride.</summary>
    public int StrideWidth => Window.StrideWidth;

    /// <inheritdoc/>
    public override string Attributes => Window.ToString();

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts) =>
        new MaxPool2dLayer(header.Name, Pool2dWindow.Read(ref body, header.Version), header.Inputs);

    internal override void WriteBody(ByteSink body, string label) => Window.Write(body);

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output) => Window.InferShape(inputs[0], out output);

    internal override long Operations(IReadOnlyList<int[]> inputs, int[] output) => Window.Operations(inputs[0], output);

    internal override bool PassesChannels(int[] input, int channels) => input.Length == 3 && input[0] == channels;

    /// <summary>Padded positions never win and every window covers an input element, so a constant stays that constant.</summary>
    internal override float? PassConstant(int[] input, int channel, float value) => value;
}
