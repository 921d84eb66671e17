using System.Text.Json;
using EmbeddedNets.Format;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// 2-D convolution (cross-correlation, as PyTorch) over <c>[channels, height, width]</c> with
/// kernel h×w, stride, zero padding per side and channel groups (groups = channels is depthwise;
/// a 1×1 kernel is pointwise). Attributes: <c>outChannels</c>, <c>kernel</c>, <c>stride</c> (1),
/// <c>padding</c> (0), <c>groups</c> (1). Weights [out, in / groups, kh, kw]; format layer
/// <see cref="Conv2dLayer"/>.
/// </summary>
public sealed class Conv2dNode : WeightedNode
{
    /// <summary>Creates the node.</summary>
    public Conv2dNode(string name, int outChannels, (int Height, int Width) kernel, (int Height, int Width) stride, Padding padding, int groups = 1, IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        Groups = groups;
    }

    /// <summary>A square kernel with the same stride and padding on every side, ungrouped.</summary>
    public Conv2dNode(string name, int outChannels, int kernel, int stride = 1, int padding = 0, int groups = 1, IReadOnlyList<string>? inputs = null)
        : this(name, outChannels, (kernel, kernel), (stride, stride), Padding.All(padding), groups, inputs)
    {
    }

    /// <inheritdoc/>
    public override string Op => "Conv2d";

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public (int Height, int Width) Kernel { get; }

    /// <summary>Vertical and horizontal stride.</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Zero padding per side.</summary>
    public Padding Padding { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <inheritdoc/>
    public override int OutputChannels => OutChannels;

    internal override int DefaultQuantizeBits => 8;

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new Conv2dNode(
        name,
        a.Int("outChannels", 1),
        a.Pair("kernel", 1),
        a.Pair("stride", 1, (1, 1)),
        a.Padding("padding"),
        a.Int("groups", 1, 1),
        inputs);

    internal override void WriteAttributes(Utf8JsonWriter writer)
    {
        writer.WriteNumber("outChannels", OutChannels);
        Window.WritePair(writer, "kernel", Kernel);
        Window.WritePair(writer, "stride", Stride);
        Window.WritePadding(writer, Padding);
        writer.WriteNumber("groups", Groups);
    }

    internal override long[] WeightShape(IReadOnlyList<int[]> inputShapes) =>
        new long[] { OutChannels, InChannels(inputShapes) / Groups, Kernel.Height, Kernel.Width };

    internal override nn.Module CreateInitializedModule(IReadOnlyList<int[]> inputShapes, out Parameter weight, out Parameter bias)
    {
        Conv2d conv = nn.Conv2d(InChannels(inputShapes), OutChannels, (Kernel.Height, Kernel.Width), groups: Groups);
        weight = conv.weight!;
        bias = conv.bias!;
        return conv;
    }

    /// <summary>
    /// The convolution with the given parameters (so autograd, pruning masks and weight sharing
    /// apply unchanged). Uneven padding pads the input with zeros first. It relies on
    /// <see cref="Training.NativeSettings"/>: libtorch's oneDNN computes wrong float32 convolutions
    /// for 20 input channels (LeNet-5's conv2) on this project's AVX-512 machines unless capped at
    /// SSE4.1; ConvolutionTests checks both.
    /// </summary>
    internal override Tensor Forward(Tensor x, Tensor weight, Tensor bias)
    {
        long[] strides = { Stride.Height, Stride.Width };
        if (Padding.IsSymmetric)
        {
            return nn.functional.conv2d(x, weight, bias, strides: strides, padding: new long[] { Padding.Top, Padding.Left }, groups: Groups);
        }

        using Tensor padded = Window.Pad(x, Padding, 0);
        return nn.functional.conv2d(padded, weight, bias, strides: strides, groups: Groups);
    }

    internal override DczLayer CreateLayer(IReadOnlyList<int[]> inputShapes, SparseWeights weights, float[] bias, IReadOnlyList<int>? inputLayers) => new Conv2dLayer(
        Name,
        InChannels(inputShapes),
        OutChannels,
        Groups,
        Kernel.Height,
        Kernel.Width,
        Stride.Height,
        Stride.Width,
        Padding.Top,
        Padding.Left,
        Padding.Bottom,
        Padding.Right,
        weights,
        bias,
        inputLayers);

    /// <summary>
    /// Input channels for the layer: the input's first dimension when it is an image; otherwise
    /// the group count, so that the format's shape rule reports the input's rank rather than a
    /// channel mismatch.
    /// </summary>
    private int InChannels(IReadOnlyList<int[]> inputShapes) => inputShapes[0].Length == 3 ? inputShapes[0][0] : Math.Max(1, Groups);
}
