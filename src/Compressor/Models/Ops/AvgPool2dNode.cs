using System.Text.Json;
using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// 2-D average pooling over <c>[channels, height, width]</c>, floor mode. Attributes:
/// <c>kernel</c>, <c>stride</c> (the kernel), <c>padding</c> (0), <c>countIncludePad</c> (true,
/// as PyTorch: every window divides by kh × kw; false: by the input elements it covers). Format
/// layer <see cref="AvgPool2dLayer"/>.
/// </summary>
public sealed class AvgPool2dNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public AvgPool2dNode(string name, (int Height, int Width) kernel, (int Height, int Width) stride, Padding padding = default, bool countIncludePad = true, IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        CountIncludePad = countIncludePad;
    }

    /// <inheritdoc/>
    public override string Op => "AvgPool2d";

    /// <summary>Window height and width.</summary>
    public (int Height, int Width) Kernel { get; }

    /// <summary>Vertical and horizontal stride.</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Padding per side.</summary>
    public Padding Padding { get; }

    /// <summary>Whether padded positions count in the divisor.</summary>
    public bool CountIncludePad { get; }

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a)
    {
        (int, int) kernel = a.Pair("kernel", 1);
        return new AvgPool2dNode(name, kernel, a.Pair("stride", 1, kernel), a.Padding("padding"), a.Bool("countIncludePad", true), inputs);
    }

    internal override void WriteAttributes(Utf8JsonWriter writer)
    {
        Window.WritePair(writer, "kernel", Kernel);
        Window.WritePair(writer, "stride", Stride);
        Window.WritePadding(writer, Padding);
        writer.WriteBoolean("countIncludePad", CountIncludePad);
    }

    /// <summary>
    /// Pads explicitly (any padding the format allows, not only PyTorch's half-window cap); without
    /// counted padding, each window's sum is divided by the number of real elements it covers,
    /// found by pooling a padded plane of ones.
    /// </summary>
    internal override Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        Tensor x = inputs[0];
        long[] kernel = { Kernel.Height, Kernel.Width };
        long[] stride = { Stride.Height, Stride.Width };
        if (!Padding.IsAny)
        {
            return nn.functional.avg_pool2d(x, kernel, stride);
        }

        using Tensor padded = Window.Pad(x, Padding, 0);
        Tensor sums = nn.functional.avg_pool2d(padded, kernel, stride);
        if (CountIncludePad)
        {
            return sums;
        }

        using Tensor plane = ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype, device: x.device);
        using Tensor paddedOnes = Window.Pad(plane, Padding, 0);
        using Tensor covered = nn.functional.avg_pool2d(paddedOnes, kernel, stride);
        return sums / covered;
    }

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) =>
        new AvgPool2dLayer(Name, Window.Pool(Kernel, Stride, Padding), CountIncludePad, inputLayers);
}
