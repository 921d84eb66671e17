using System.Text.Json;
using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// Gives the row-major sample another shape of the same element count. Attribute: <c>shape</c>
/// (1–3 dimensions, each ≥ 1, without the batch). Format layer <see cref="ReshapeLayer"/>.
/// </summary>
public sealed class ReshapeNode : StatelessNode
{
    private readonly int[] _shape;

    /// <summary>Creates the node.</summary>
    public ReshapeNode(string name, int[] shape, IReadOnlyList<string>? inputs = null)
        : base(name, inputs) => _shape = (int[])(shape ?? throw new ArgumentNullException(nameof(shape))).Clone();

    /// <inheritdoc/>
    public override string Op => "Reshape";

    /// <summary>The output shape of one sample.</summary>
    public IReadOnlyList<int> Shape => _shape;

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new ReshapeNode(name, a.Ints("shape", 1, 3, 1), inputs);

    internal override void WriteAttributes(Utf8JsonWriter writer) => ArchitectureFile.WriteInts(writer, "shape", _shape);

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs) => inputs[0].reshape(_shape.Select(d => (long)d).Prepend(inputs[0].shape[0]).ToArray());

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) => new ReshapeLayer(Name, (int[])_shape.Clone(), inputLayers);
}
