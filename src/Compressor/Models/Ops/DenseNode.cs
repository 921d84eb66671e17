using System.Text.Json;
using EmbeddedNets.Format;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// Fully connected layer, <c>y = W x + b</c>, over the flattened input (any shape). Attribute:
/// <c>outputs</c>. Weights [outputs, inputs]; format layer <see cref="DenseLayer"/>.
/// </summary>
public sealed class DenseNode : WeightedNode
{
    /// <summary>Creates the node.</summary>
    public DenseNode(string name, int outputs, IReadOnlyList<string>? inputs = null)
        : base(name, inputs) => Outputs = outputs;

    /// <inheritdoc/>
    public override string Op => "Dense";

    /// <summary>Output features.</summary>
    public int Outputs { get; }

    /// <inheritdoc/>
    public override int OutputChannels => Outputs;

    internal override int DefaultQuantizeBits => 5;

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) =>
        new DenseNode(name, a.Int("outputs", 1), inputs);

    internal override void WriteAttributes(Utf8JsonWriter writer) => writer.WriteNumber("outputs", Outputs);

    internal override long[] WeightShape(IReadOnlyList<int[]> inputShapes) => new long[] { Outputs, InputLength(inputShapes) };

    internal override nn.Module CreateInitializedModule(IReadOnlyList<int[]> inputShapes, out Parameter weight, out Parameter bias)
    {
        Linear linear = nn.Linear(InputLength(inputShapes), Outputs);
        weight = linear.weight!;
        bias = linear.bias!;
        return linear;
    }

    internal override Tensor Forward(Tensor x, Tensor weight, Tensor bias) =>
        nn.functional.linear(x.dim() == 2 ? x : x.flatten(1), weight, bias);

    internal override DczLayer CreateLayer(IReadOnlyList<int[]> inputShapes, SparseWeights weights, float[] bias, IReadOnlyList<int>? inputLayers) =>
        new DenseLayer(Name, InputLength(inputShapes), Outputs, weights, bias, inputLayers);

    private static int InputLength(IReadOnlyList<int[]> inputShapes) => inputShapes[0].Aggregate(1, (a, b) => checked(a * b));
}
