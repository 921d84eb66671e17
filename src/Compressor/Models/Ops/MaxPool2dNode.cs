using System.Text.Json;
using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// 2-D max pooling over <c>[channels, height, width]</c>, floor mode; padded positions never win.
/// Attributes: <c>kernel</c>, <c>stride</c> (the kernel), <c>padding</c> (0; each side smaller
/// than the window). Format layer <see cref="MaxPool2dLayer"/>.
/// </summary>
public sealed class MaxPool2dNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public MaxPool2dNode(string name, (int Height, int Width) kernel, (int Height, int Width) stride, Padding padding = default, IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>A square unpadded window.</summary>
    public MaxPool2dNode(int kernel, int stride)
        : this(string.Empty, (kernel, kernel), (stride, stride))
    {
    }

    /// <inheritdoc/>
    public override string Op => "MaxPool2d";

    /// <summary>Window height and width.</summary>
    public (int Height, int Width) Kernel { get; }

    /// <summary>Vertical and horizontal stride.</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Padding per side.</summary>
    public Padding Padding { get; }

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a)
    {
        (int, int) kernel = a.Pair("kernel", 1);
        return new MaxPool2dNode(name, kernel, a.Pair("stride", 1, kernel), a.Padding("padding"), inputs);
    }

    internal override void WriteAttributes(Utf8JsonWriter writer)
    {
        Window.WritePair(writer, "kernel", Kernel);
        Window.WritePair(writer, "stride", Stride);
        Window.WritePadding(writer, Padding);
    }

    /// <summary>Padding with −∞ keeps padded positions from winning, for any padding the format allows (PyTorch's own caps it at half the window).</summary>
    internal override Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        long[] kernel = { Kernel.Height, Kernel.Width };
        long[] stride = { Stride.Height, Stride.Width };
        if (!Padding.IsAny)
        {
            return nn.functional.max_pool2d(inputs[0], kernel, stride);
        }

        using Tensor padded = Window.Pad(inputs[0], Padding, double.NegativeInfinity);
        return nn.functional.max_pool2d(padded, kernel, stride);
    }

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) =>
        new MaxPool2dLayer(Name, Window.Pool(Kernel, Stride, Padding), inputLayers);
}
