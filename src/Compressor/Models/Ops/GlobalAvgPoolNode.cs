using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>The mean of each channel's plane: <c>[c, h, w]</c> → <c>[c, 1, 1]</c>. No attributes. Format layer <see cref="GlobalAvgPoolLayer"/>.</summary>
public sealed class GlobalAvgPoolNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public GlobalAvgPoolNode(string name = "", IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
    }

    /// <inheritdoc/>
    public override string Op => "GlobalAvgPool";

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new GlobalAvgPoolNode(name, inputs);

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs) => inputs[0].mean(new long[] { 2, 3 }, keepdim: true);

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) => new GlobalAvgPoolLayer(Name, inputLayers);
}
