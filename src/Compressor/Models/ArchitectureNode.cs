using System.Text.Json;
using EmbeddedNets.Compressor.Export;
using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// One node of an architecture graph: an op with its attributes and the nodes whose outputs it
/// reads. Each op is one sealed subclass in <c>Models/Ops</c> that owns everything the
/// compressor knows about it: its attributes (read from and written to architecture files), its
/// shape rule (the format's own, through <see cref="ShapeProbe"/>), its TorchSharp module, whether
/// it carries weights, and its export to a <see cref="DczLayer"/>. Nothing outside the op's class
/// switches on its kind.
/// </summary>
public abstract class ArchitectureNode
{
    /// <summary>The name by which a node's <see cref="Inputs"/> refer to the model's input.</summary>
    public const string ModelInput = "input";

    /// <summary>Creates a node; <paramref name="inputs"/> null or empty reads the previous node (the model input for the first).</summary>
    protected ArchitectureNode(string name, IReadOnlyList<string>? inputs)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Inputs = inputs is null ? Array.Empty<string>() : inputs.ToArray();
    }

    /// <summary>The op as architecture files name it, e.g. <c>Conv2d</c>.</summary>
    public abstract string Op { get; }

    /// <summary>
    /// The node's name (e.g. <c>conv1</c>): how other nodes, configuration files and checkpoints
    /// refer to it. Required for nodes with parameters; may be empty for the others.
    /// </summary>
    public string Name { get; }

    /// <summary>
    /// The names of the nodes whose outputs this node reads, in order, or <see cref="ModelInput"/>.
    /// Empty: the previous node (the model input for the first), so a chain names no inputs.
    /// </summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>How many inputs the op takes.</summary>
    public virtual int InputCount => 1;

    /// <summary>True for ops with a weight tensor that is pruned, quantized and Huffman-coded (Dense, Conv2d).</summary>
    public virtual bool IsWeighted => false;

    /// <summary>True for ops with trained parameters (weighted ops, batch norm): they need a name.</summary>
    public virtual bool HasParameters => IsWeighted;

    /// <summary>
    /// True for an op that only turns the scores before it into probabilities (Softmax): when it
    /// is the last node, training takes the cross-entropy of its input (the logits) instead.
    /// </summary>
    internal virtual bool IsOutputNormalization => false;

    /// <summary>
    /// A format layer with this node's attributes for the given input shapes, used only for its
    /// shape rule: weighted ops carry no weights, batch norm is the per-channel scale-and-shift it
    /// may become. The format's rules are the compressor's rules.
    /// </summary>
    internal abstract DczLayer ShapeProbe(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int> inputLayers);

    /// <summary>Writes the attributes (not op, name or inputs) with every default spelled out: the canonical form that is hashed.</summary>
    internal abstract void WriteAttributes(Utf8JsonWriter writer);

    /// <summary>The TorchSharp module that computes the node: parameters registered, forward over its inputs.</summary>
    internal abstract NodeModule CreateModule(ResolvedNode node);

    /// <summary>The node's parameters (beyond <see cref="IsWeighted"/> weights and biases: every trained or tracked tensor) with their shapes.</summary>
    internal virtual IEnumerable<(string Name, long[] Shape)> ParameterShapes(ResolvedNode node) => Array.Empty<(string, long[])>();

    /// <summary>The node as a format layer, or null when it leaves no layer (a batch norm folded into the layer before it).</summary>
    internal abstract DczLayer? Export(NodeExport context);
}

/// <summary>An op without parameters: its module only computes <see cref="Forward"/>, its export is its shape probe.</summary>
public abstract class StatelessNode : ArchitectureNode
{
    /// <summary>Creates the node.</summary>
    protected StatelessNode(string name, IReadOnlyList<string>? inputs)
        : base(name, inputs)
    {
    }

    /// <summary>The op on a batch: each input is shaped [batch, ...sample shape].</summary>
    internal abstract Tensor Forward(IReadOnlyList<Tensor> inputs);

    /// <summary>The format layer reading <paramref name="inputLayers"/> (null: the previous layer).</summary>
    internal abstract DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers);

    internal sealed override DczLayer ShapeProbe(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int> inputLayers) => ToLayer(inputShapes, inputLayers);

    internal sealed override NodeModule CreateModule(ResolvedNode node) => new StatelessModule(this);

    internal sealed override DczLayer? Export(NodeExport context) => ToLayer(context.Node.InputShapes, context.InputLayers);

    internal override void WriteAttributes(Utf8JsonWriter writer)
    {
    }
}
