using System.Globalization;
using System.Text.Json;
using EmbeddedNets.Compressor.Export;
using EmbeddedNets.Compressor.Training;
using EmbeddedNets.Format;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// Batch normalization over the input's first dimension (channels of <c>[c, h, w]</c>, features
/// of <c>[n]</c>), <c>y = (x − μ) / √(σ² + ε) · γ + β</c>. Attributes: <c>epsilon</c> (1e-5),
/// <c>momentum</c> (0.1, of the running statistics). Trained with batch statistics during dense
/// training; at its end (<see cref="SpecNetwork.EndDenseTraining"/>) it is folded into the Conv2d or
/// Dense before it when that node feeds only this one, and otherwise frozen into a per-channel
/// scale and shift (format layer <see cref="ScaleShiftLayer"/>). The Runtime never runs a batch norm.
/// </summary>
public sealed class BatchNormNode : ArchitectureNode
{
    /// <summary>Creates the node.</summary>
    public BatchNormNode(string name, float epsilon = 1e-5f, float momentum = 0.1f, IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
        Epsilon = epsilon;
        Momentum = momentum;
    }

    /// <inheritdoc/>
    public override string Op => "BatchNorm";

    /// <inheritdoc/>
    public override bool HasParameters => true;

    /// <summary>ε added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>Weight of each batch's statistics in the running ones.</summary>
    public float Momentum { get; }

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a)
    {
        float epsilon = a.PositiveFloat("epsilon", 1e-5f);
        float momentum = a.PositiveFloat("momentum", 0.1f);
        return momentum <= 1 ? new BatchNormNode(name, epsilon, momentum, inputs) : throw a.Error("momentum", "must be in (0, 1]");
    }

    internal override void WriteAttributes(Utf8JsonWriter writer)
    {
        writer.WriteNumber("epsilon", Epsilon);
        writer.WriteNumber("momentum", Momentum);
    }

    internal override DczLayer ShapeProbe(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int> inputLayers)
    {
        if (!(Epsilon > 0 && float.IsFinite(Epsilon)) || !(Momentum > 0 && Momentum <= 1))
        {
            throw new ArchitectureException(
                string.Create(CultureInfo.InvariantCulture, $"node '{Name}' (BatchNorm): epsilon {Epsilon} must be finite and > 0, momentum {Momentum} in (0, 1]"), Name, "epsilon");
        }

        int channels = inputShapes[0][0];
        return new ScaleShiftLayer(Name, Enumerable.Repeat(1f, channels).ToArray(), new float[channels], inputLayers);
    }

    internal override IEnumerable<(string Name, long[] Shape)> ParameterShapes(ResolvedNode node)
    {
        long[] channels = { node.InputShape[0] };
        return new[] { ("gamma", channels), ("beta", channels), ("running_mean", channels), ("running_var", channels) };
    }

    internal override NodeModule CreateModule(ResolvedNode node) => new BatchNormModule(this, node.InputShape[0]);

    internal override DczLayer? Export(NodeExport context)
    {
        var module = (BatchNormModule)context.Module;
        if (module.Mode == BatchNormMode.FoldedAway)
        {
            return null;
        }

        (double[] scale, double[] shift) = module.ScaleAndShift();
        return new ScaleShiftLayer(Name, scale.Select(s => (float)s).ToArray(), shift.Select(s => (float)s).ToArray(), context.InputLayers);
    }
}

/// <summary>What a batch norm computes.</summary>
internal enum BatchNormMode
{
    /// <summary>Dense training: batch statistics while training (updating the running ones), running statistics in evaluation.</summary>
    Live,

    /// <summary>After dense training, with no layer to fold into: always the running statistics; γ and β still train.</summary>
    Frozen,

    /// <summary>Folded into the weighted node before it: the identity.</summary>
    FoldedAway,
}

/// <summary>The module of a <see cref="BatchNormNode"/>: γ, β, the running statistics and the mode.</summary>
internal sealed class BatchNormModule : NodeModule
{
    private readonly BatchNormNode _node;
    private readonly PlainParameter[] _plain;

    public BatchNormModule(BatchNormNode node, int channels)
        : base(node.Op)
    {
        _node = node;
        Gamma = new Parameter(ones(channels));
        Beta = new Parameter(zeros(channels));
        RunningMean = zeros(channels);
        RunningVar = ones(channels);
        register_parameter("gamma", Gamma);
        register_parameter("beta", Beta);
        register_buffer("running_mean", RunningMean);
        register_buffer("running_var", RunningVar);
        _plain = new[] { new PlainParameter("gamma", Gamma), new PlainParameter("beta", Beta) };
    }

    public Parameter Gamma { get; }

    public Parameter Beta { get; }

    public Tensor RunningMean { get; }

    public Tensor RunningVar { get; }

    public BatchNormMode Mode { get; private set; } = BatchNormMode.Live;

    public override IReadOnlyList<PlainParameter> PlainParameters => Mode == BatchNormMode.FoldedAway ? Array.Empty<PlainParameter>() : _plain;

    public override IEnumerable<(string Key, Tensor Tensor)> InitialTensors =>
        new (string, Tensor)[] { ("gamma", Gamma), ("beta", Beta), ("running_mean", RunningMean), ("running_var", RunningVar) };

    public override IEnumerable<(string Key, Tensor Tensor)> CheckpointTensors
    {
        get
        {
            foreach (PlainParameter p in _plain)
            {
                yield return (p.Key, p.Parameter);
                yield return (p.Key + ".velocity", p.Velocity);
            }

            yield return ("running_mean", RunningMean);
            yield return ("running_var", RunningVar);
        }
    }

    public override Tensor Forward(IReadOnlyList<Tensor> inputs) => Mode switch
    {
        BatchNormMode.FoldedAway => inputs[0],
        _ => nn.functional.batch_norm(inputs[0], RunningMean, RunningVar, Gamma, Beta, training && Mode == BatchNormMode.Live, _node.Momentum, _node.Epsilon),
    };

    /// <summary>The map in evaluation mode as <c>y = x · scale + shift</c> per channel, computed in double: scale = γ / √(σ² + ε), shift = β − μ · scale.</summary>
    public (double[] Scale, double[] Shift) ScaleAndShift()
    {
        double[] gamma = Doubles(Gamma), beta = Doubles(Beta), mean = Doubles(RunningMean), variance = Doubles(RunningVar);
        var scale = new double[gamma.Length];
        var shift = new double[gamma.Length];
        for (int c = 0; c < scale.Length; c++)
        {
            scale[c] = gamma[c] / Math.Sqrt(variance[c] + _node.Epsilon);
            shift[c] = beta[c] - (mean[c] * scale[c]);
        }

        return (scale, shift);
    }

    /// <summary>
    /// A channel whose running variance is at most this fraction of ε saw a constant input in
    /// training: its normalised output's standard deviation, √(σ² / (σ² + ε)), is below 1e-4.
    /// </summary>
    public const double ConstantChannelVariance = 1e-8;

    /// <summary>
    /// Ends dense training. When the node before this one is a weighted node (Conv2d, Dense) that
    /// feeds only this one, folds into it — per output channel c, <c>w'[c, …] = w[c, …] · scale[c]</c>
    /// and <c>b'[c] = b[c] · scale[c] + shift[c]</c>, i.e. <c>(b − μ) · γ / √(σ² + ε) + β</c>, computed
    /// in double — and becomes the identity; the momentum of the folded parameters is scaled alike.
    /// A channel that saw a constant input (σ² ≤ <see cref="ConstantChannelVariance"/> · ε, e.g.
    /// behind a ReLU channel that never fires) gets zero weights and keeps the bias formula: on
    /// constant input that is what it computed, while its weights scaled by γ / √ε (hundreds of
    /// times the others) would dominate the layer's standard deviation and so its pruning
    /// threshold. Otherwise the statistics freeze and the node stays a per-channel scale and shift.
    /// </summary>
    public override string? EndDenseTraining(DenseTrainingEnd context)
    {
        ResolvedNode self = context.Self;
        int source = self.InputIndexes[0];
        if (source < 0 || context.Network.Modules[source] is not WeightedModule target || context.Network.Architecture.Resolved[source].Readers.Count != 1)
        {
            Mode = BatchNormMode.Frozen;
            return $"{self.Label} kept as a per-channel scale and shift (no Conv2d or Dense before it that feeds only it)";
        }

        Mode = BatchNormMode.FoldedAway;
        if (context.Apply)
        {
            (double[] scale, double[] shift) = ScaleAndShift();
            double[] variance = Doubles(RunningVar);
            double[] weightScale = scale.Select((v, c) => variance[c] <= ConstantChannelVariance * _node.Epsilon ? 0 : v).ToArray();
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                long[] perChannel = target.Weight.shape.Select((d, i) => i == 0 ? d : 1L).ToArray();
                Tensor s = tensor(weightScale, ScalarType.Float64);
                Tensor w = target.Weight.to_type(ScalarType.Float64).mul(s.reshape(perChannel));
                Tensor b = target.Bias.to_type(ScalarType.Float64).mul(tensor(scale, ScalarType.Float64)).add(tensor(shift, ScalarType.Float64));
                target.Weight.copy_(w.to_type(ScalarType.Float32));
                target.Bias.copy_(b.to_type(ScalarType.Float32));
                if (context.StateOf(source) is LayerState state)
                {
                    Tensor s32 = s.to_type(ScalarType.Float32);
                    state.WeightVelocity.mul_(s32.reshape(perChannel));
                    state.BiasVelocity.mul_(s32);
                }
            }
        }

        return $"{self.Label} folded into {context.Network.Architecture.Resolved[source].Label}";
    }

    private static double[] Doubles(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (PlainParameter p in _plain)
            {
                p.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
