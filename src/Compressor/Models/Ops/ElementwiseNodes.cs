using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>Element-wise <c>max(x, 0)</c>. No attributes. Format layer <see cref="ReLULayer"/>.</summary>
public sealed class ReLUNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public ReLUNode(string name = "", IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
    }

    /// <inheritdoc/>
    public override string Op => "ReLU";

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new ReLUNode(name, inputs);

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs) => nn.functional.relu(inputs[0]);

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) => new ReLULayer(Name, inputLayers);
}

/// <summary>Element-wise logistic sigmoid. No attributes. Format layer <see cref="SigmoidLayer"/>.</summary>
public sealed class SigmoidNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public SigmoidNode(string name = "", IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
    }

    /// <inheritdoc/>
    public override string Op => "Sigmoid";

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new SigmoidNode(name, inputs);

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs) => inputs[0].sigmoid();

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) => new SigmoidLayer(Name, inputLayers);
}

/// <summary>Element-wise hyperbolic tangent. No attributes. Format layer <see cref="TanhLayer"/>.</summary>
public sealed class TanhNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public TanhNode(string name = "", IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
    }

    /// <inheritdoc/>
    public override string Op => "Tanh";

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new TanhNode(name, inputs);

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs) => inputs[0].tanh();

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) => new TanhLayer(Name, inputLayers);
}

/// <summary>
/// Softmax over the whole sample (flattened), keeping its shape. No attributes. As the last node
/// it turns scores into probabilities; training then takes the cross-entropy of its input. Format
/// layer <see cref="SoftmaxLayer"/>.
/// </summary>
public sealed class SoftmaxNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public SoftmaxNode(string name = "", IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
    }

    /// <inheritdoc/>
    public override string Op => "Softmax";

    internal override bool IsOutputNormalization => true;

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new SoftmaxNode(name, inputs);

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs) => inputs[0].flatten(1).softmax(1).reshape(inputs[0].shape);

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) => new SoftmaxLayer(Name, inputLayers);
}
