using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// Element-wise sum of two inputs of the same shape: the join of a residual block. No
/// attributes; <c>inputs</c> names both. Format layer <see cref="AddLayer"/>.
/// </summary>
public sealed class AddNode : StatelessNode
{
    /// <summary>Creates the node reading <paramref name="inputs"/> (two names).</summary>
    public AddNode(string name, IReadOnlyList<string> inputs)
        : base(name, inputs ?? throw new ArgumentNullException(nameof(inputs)))
    {
    }

    /// <inheritdoc/>
    public override string Op => "Add";

    /// <inheritdoc/>
    public override int InputCount => 2;

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new AddNode(name, inputs ?? Array.Empty<string>());

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs) => inputs[0] + inputs[1];

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) =>
        new AddLayer(Name, inputLayers ?? throw new InvalidOperationException($"Add node '{Name}' needs its two inputs named"));
}
