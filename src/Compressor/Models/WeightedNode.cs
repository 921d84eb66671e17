using EmbeddedNets.Compressor.Export;
using EmbeddedNets.Format;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// An op with a weight tensor (pruned, weight-shared, Huffman-coded) and one bias per output
/// channel; the weight's first dimension is the output channel, so a following batch norm folds
/// into it (<see cref="SpecNetwork.EndDenseTraining"/>).
/// </summary>
public abstract class WeightedNode : ArchitectureNode
{
    /// <summary>Creates the node.</summary>
    protected WeightedNode(string name, IReadOnlyList<string>? inputs)
        : base(name, inputs)
    {
    }

    /// <inheritdoc/>
    public sealed override bool IsWeighted => true;

    /// <summary>Output channels (features): the weight's first dimension and the bias length.</summary>
    public abstract int OutputChannels { get; }

    /// <summary>Bits per shared-weight index when no configuration names the layer.</summary>
    internal abstract int DefaultQuantizeBits { get; }

    /// <summary>The weight tensor's shape for the node's input shapes.</summary>
    internal abstract long[] WeightShape(IReadOnlyList<int[]> inputShapes);

    /// <summary>A TorchSharp module of the op whose default initialisation gives the starting weight and bias (registered, so they are trained).</summary>
    internal abstract nn.Module CreateInitializedModule(IReadOnlyList<int[]> inputShapes, out Parameter weight, out Parameter bias);

    /// <summary>The op on a batch <paramref name="x"/> with the given parameters; reusable wherever the op must run in TorchSharp.</summary>
    internal abstract Tensor Forward(Tensor x, Tensor weight, Tensor bias);

    /// <summary>The format layer with <paramref name="weights"/> (covering <see cref="WeightShape"/>) and <paramref name="bias"/>.</summary>
    internal abstract DczLayer CreateLayer(IReadOnlyList<int[]> inputShapes, SparseWeights weights, float[] bias, IReadOnlyList<int>? inputLayers);

    internal sealed override DczLayer ShapeProbe(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int> inputLayers) =>
        CreateLayer(inputShapes, SparseWeights.Unshared(0, DczConstants.MinGapBits, Array.Empty<int>(), Array.Empty<float>()), Array.Empty<float>(), inputLayers);

    internal sealed override NodeModule CreateModule(ResolvedNode node) => new WeightedModule(this, node);

    internal sealed override IEnumerable<(string Name, long[] Shape)> ParameterShapes(ResolvedNode node) =>
        new[] { ("weight", WeightShape(node.InputShapes)), ("bias", new long[] { OutputChannels }) };

    internal sealed override DczLayer? Export(NodeExport context) =>
        CreateLayer(context.Node.InputShapes, context.Weights(), context.Bias(), context.InputLayers);
}

/// <summary>The module of a <see cref="WeightedNode"/>: its weight and bias, the op's forward.</summary>
internal sealed class WeightedModule : NodeModule
{
    private readonly WeightedNode _node;

    public WeightedModule(WeightedNode node, ResolvedNode resolved)
        : base(node.Op)
    {
        _node = node;
        nn.Module init = node.CreateInitializedModule(resolved.InputShapes, out Parameter weight, out Parameter bias);
        register_module("op", init);
        Weight = weight;
        Bias = bias;
    }

    public Parameter Weight { get; }

    public Parameter Bias { get; }

    public override IEnumerable<(string Key, Tensor Tensor)> InitialTensors => new (string, Tensor)[] { ("weight", Weight), ("bias", Bias) };

    public override Tensor Forward(IReadOnlyList<Tensor> inputs) => _node.Forward(inputs[0], Weight, Bias);
}
