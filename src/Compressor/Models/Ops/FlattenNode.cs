using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>Any shape → <c>[element count]</c> (row-major, as PyTorch). No attributes. Format layer <see cref="FlattenLayer"/>.</summary>
public sealed class FlattenNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public FlattenNode(string name = "", IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
    }

    /// <inheritdoc/>
    public override string Op => "Flatten";

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new FlattenNode(name, inputs);

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs) => inputs[0].flatten(1);

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) => new FlattenLayer(Name, inputLayers);
}
