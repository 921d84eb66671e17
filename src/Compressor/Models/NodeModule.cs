using EmbeddedNets.Compressor.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// The TorchSharp side of one node: a module with the node's parameters registered, computing the
/// node from its inputs. Created by the op (<see cref="ArchitectureNode.CreateModule"/>).
/// </summary>
internal abstract class NodeModule : nn.Module
{
    protected NodeModule(string name)
        : base(name)
    {
    }

    /// <summary>The node on a batch: each input shaped [batch, ...sample shape].</summary>
    public abstract Tensor Forward(IReadOnlyList<Tensor> inputs);

    /// <summary>
    /// Parameters trained by plain SGD with momentum (not pruned or shared): a batch norm's scale
    /// and shift. Weighted ops' weights and biases are trained through their <see cref="LayerState"/>.
    /// </summary>
    public virtual IReadOnlyList<PlainParameter> PlainParameters => Array.Empty<PlainParameter>();

    /// <summary>
    /// Called once when dense training ends, before pruning (a batch norm folds into the layer
    /// before it or freezes). With <see cref="DenseTrainingEnd.Apply"/> false the parameters come
    /// from a checkpoint taken after this step and only the module's mode may change. Returns a
    /// line for the log, or null.
    /// </summary>
    public virtual string? EndDenseTraining(DenseTrainingEnd context) => null;

    /// <summary>The tensors <see cref="InitialWeights"/> may set, by key (the keys of <see cref="ArchitectureNode.ParameterShapes"/>).</summary>
    public virtual IEnumerable<(string Key, Tensor Tensor)> InitialTensors => Array.Empty<(string, Tensor)>();

    /// <summary>Tensors a checkpoint must hold besides the weighted layers' state, by key suffix (e.g. <c>running_mean</c>).</summary>
    public virtual IEnumerable<(string Key, Tensor Tensor)> CheckpointTensors
    {
        get
        {
            foreach (PlainParameter p in PlainParameters)
            {
                yield return (p.Key, p.Parameter);
                yield return (p.Key + ".velocity", p.Velocity);
            }
        }
    }
}

/// <summary>The module of a <see cref="StatelessNode"/>: no parameters, the op's forward.</summary>
internal sealed class StatelessModule : NodeModule
{
    private readonly StatelessNode _node;

    public StatelessModule(StatelessNode node)
        : base(node.Op) => _node = node;

    public override Tensor Forward(IReadOnlyList<Tensor> inputs) => _node.Forward(inputs);
}

/// <summary>A parameter trained by plain SGD with momentum (no pruning, no sharing, no weight decay), with its velocity.</summary>
internal sealed class PlainParameter : IDisposable
{
    public PlainParameter(string key, Parameter parameter)
    {
        Key = key;
        Parameter = parameter;
        Velocity = zeros_like(parameter).DetachFromDisposeScope();
    }

    /// <summary>The key under the node's name in checkpoints and initial weights, e.g. <c>gamma</c>.</summary>
    public string Key { get; }

    public Parameter Parameter { get; }

    public Tensor Velocity { get; }

    public void Dispose() => Velocity.Dispose();
}

/// <summary>What <see cref="NodeModule.EndDenseTraining"/> may use: the node, the whole network and the weighted layers' training state.</summary>
internal sealed class DenseTrainingEnd
{
    private readonly IReadOnlyList<LayerState>? _states;

    public DenseTrainingEnd(SpecNetwork network, ResolvedNode self, IReadOnlyList<LayerState>? states, bool apply)
    {
        Network = network;
        Self = self;
        _states = states;
        Apply = apply;
    }

    public SpecNetwork Network { get; }

    public ResolvedNode Self { get; }

    /// <summary>False when restoring a checkpoint taken after the step: change modes only.</summary>
    public bool Apply { get; }

    /// <summary>The training state of the weighted node at <paramref name="index"/>, when there is one.</summary>
    public LayerState? StateOf(int index) => _states?.FirstOrDefault(s => s.Layer.Node.Index == index);
}
