using EmbeddedNets.Compressor.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// A TorchSharp network built from an <see cref="ArchitectureSpec"/>: one module per node, made by
/// the node's op (<see cref="ArchitectureNode.CreateModule"/>) and registered in execution order
/// (so weight initialisation draws from the seeded generator in a fixed order); the forward pass
/// walks the graph, feeding each node the outputs it names.
/// </summary>
internal sealed class SpecNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ArchitectureSpec _architecture;
    private readonly NodeModule[] _modules;
    private readonly List<WeightedLayer> _weighted = new();

    public SpecNetwork(ArchitectureSpec architecture)
        : base(architecture.Name)
    {
        _architecture = architecture;
        _modules = new NodeModule[architecture.Resolved.Count];
        foreach (ResolvedNode node in architecture.Resolved)
        {
            NodeModule module = node.Node.CreateModule(node);
            _modules[node.Index] = module;

            // Registered by position: node names are free text (an imported model's may hold dots).
            register_module("node" + node.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
            if (module is WeightedModule weighted)
            {
                _weighted.Add(new WeightedLayer(node, weighted.Weight, weighted.Bias));
            }
        }
    }

    public ArchitectureSpec Architecture => _architecture;

    /// <summary>Each node's module, by node index.</summary>
    public IReadOnlyList<NodeModule> Modules => _modules;

    /// <summary>The weighted layers, in order, with their parameters.</summary>
    public IReadOnlyList<WeightedLayer> Weighted => _weighted;

    /// <summary>Every parameter trained by plain SGD (batch-norm γ and β while they take part), in node order.</summary>
    public IEnumerable<PlainParameter> PlainParameters => _modules.SelectMany(m => m.PlainParameters);

    /// <summary>True once <see cref="EndDenseTraining"/> has run (batch norms folded or frozen).</summary>
    public bool DenseTrainingEnded { get; private set; }

    /// <summary>Runs a batch of preprocessed inputs shaped [batch, ...InputShape]; returns the last node's output [batch, ...].</summary>
    public override Tensor forward(Tensor input) => Run(input, _modules.Length);

    /// <summary>
    /// What training takes the cross-entropy of: the output, or, when the last node only
    /// normalizes scores into probabilities (Softmax), its input.
    /// </summary>
    public Tensor Logits(Tensor input)
    {
        ResolvedNode last = _architecture.Resolved[^1];
        return last.Node.IsOutputNormalization && last.InputIndexes[0] >= 0
            ? Run(input, last.InputIndexes[0] + 1)
            : Run(input, _modules.Length);
    }

    /// <summary>
    /// Ends dense training: each node may change for the rest of the pipeline (a batch norm folds
    /// into the layer before it, or freezes). With <paramref name="apply"/> false only modes change:
    /// the parameters come from a checkpoint taken after this step. Returns the log lines.
    /// </summary>
    public IReadOnlyList<string> EndDenseTraining(IReadOnlyList<LayerState>? states, bool apply = true)
    {
        var lines = new List<string>();
        foreach (ResolvedNode node in _architecture.Resolved)
        {
            string? line = _modules[node.Index].EndDenseTraining(new DenseTrainingEnd(this, node, states, apply));
            if (line is not null)
            {
                lines.Add(line);
            }
        }

        DenseTrainingEnded = true;
        return lines;
    }

    private Tensor Run(Tensor input, int count)
    {
        var outputs = new Tensor[count];
        var arguments = new List<Tensor>(2);
        for (int i = 0; i < count; i++)
        {
            arguments.Clear();
            foreach (int k in _architecture.Resolved[i].InputIndexes)
            {
                arguments.Add(k < 0 ? input : outputs[k]);
            }

            outputs[i] = _modules[i].Forward(arguments);
        }

        return outputs[count - 1];
    }
}

/// <summary>A weighted node's parameters.</summary>
internal sealed class WeightedLayer
{
    public WeightedLayer(ResolvedNode node, Parameter weight, Parameter bias)
    {
        Node = node;
        Weight = weight;
        Bias = bias;
    }

    public ResolvedNode Node { get; }

    public string Name => Node.Name;

    public Parameter Weight { get; }

    public Parameter Bias { get; }
}
