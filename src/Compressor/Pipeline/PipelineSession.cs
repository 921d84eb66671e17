using System.Globalization;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Training;
using TorchSharp;

namespace EmbeddedNets.Compressor.Pipeline;

/// <summary>How far a <see cref="PipelineSession"/> runs its plan.</summary>
internal enum PipelineStage
{
    /// <summary>Through dense training (the state of <c>baseline.ckpt</c>).</summary>
    Baseline,

    /// <summary>Through pruning and retraining (the state of <c>pruned.ckpt</c>).</summary>
    Prune,

    /// <summary>Through centroid fine-tuning: ready to encode.</summary>
    Complete,
}

/// <summary>
/// The live state of one compression run: the data (training, validation and test splits as
/// tensors), the network and its per-layer state, and the resumable plan of steps. The pipeline
/// runs it to the end; the sensitivity analysis and the target search stop it after a stage and
/// work on the network it leaves.
/// </summary>
internal sealed class PipelineSession : IDisposable
{
    private readonly List<LayerState> _states;
    private bool _disposed;

    private PipelineSession(CompressionOptions options, ProgressReporter progress, Dataset data, InputPreprocessing preprocessing, ValidationSplit split, TensorSet train, TensorSet? validation, TensorSet test, SpecNetwork network, List<LayerState> states)
    {
        Options = options;
        Progress = progress;
        Data = data;
        Preprocessing = preprocessing;
        Split = split;
        Train = train;
        Validation = validation;
        Test = test;
        Network = network;
        _states = states;
        WorkDirectory = Path.GetFullPath(options.WorkDirectory ?? Path.GetFullPath(options.OutputPath) + ".work");
        Run = new CompressionPipeline.PipelineRun(options, options.Config, network, states, train, validation, test, progress, WorkDirectory, CompressionPipeline.DataHash(data), preprocessing.ToString());
    }

    public CompressionOptions Options { get; }

    public ArchitectureSpec Architecture => Options.Architecture;

    public CompressionConfig Config => Options.Config;

    public ProgressReporter Progress { get; }

    /// <summary>The training and test samples (before the validation split).</summary>
    public Dataset Data { get; }

    /// <summary>How raw samples become the network's input (recorded in the .dcz).</summary>
    public InputPreprocessing Preprocessing { get; }

    public ValidationSplit Split { get; }

    public TensorSet Train { get; }

    /// <summary>The validation split as tensors; null when the configuration turns it off.</summary>
    public TensorSet? Validation { get; }

    public TensorSet Test { get; }

    public SpecNetwork Network { get; }

    public IReadOnlyList<LayerState> States => _states;

    public string WorkDirectory { get; }

    public CompressionPipeline.PipelineRun Run { get; }

    /// <summary>
    /// Loads the data, carves the validation split, seeds TorchSharp and builds the network for
    /// <paramref name="options"/>; nothing is trained yet. <paramref name="progress"/> (optional)
    /// lets several sessions share one log and clock.
    /// </summary>
    /// <exception cref="FileNotFoundException">A data file is missing.</exception>
    /// <exception cref="InvalidDataException">A data file is corrupt, or the data does not fit the architecture.</exception>
    /// <exception cref="ConfigException">The validation split does not fit the training set.</exception>
    public static PipelineSession Open(CompressionOptions options, ProgressReporter? progress = null, string command = "dcz compress")
    {
        ArgumentNullException.ThrowIfNull(options);
        progress ??= options.Progress ?? ProgressReporter.Plain(options.Log);
        ArchitectureSpec arch = options.Architecture;
        CompressionConfig config = options.Config;
        Dataset data = options.Data
            ?? (options.DataDirectory is string directory
                ? DatasetLoader.LoadMnist(directory)
                : throw new ArgumentException("CompressionOptions needs Data or DataDirectory", nameof(options)));
        ValidationSplit split = CompressionPipeline.Split(data.Train, config.Validation, options.Seed);
        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"{command}: {arch.Name}, {split.Train.Count} training / {split.Validation?.Count ?? 0} validation / {data.Test.Count} test samples, seed {options.Seed}, {options.Threads} thread(s)"));
        if (split.Validation is null && config.Validation.Fraction > 0)
        {
            progress.Line(string.Create(CultureInfo.InvariantCulture,
                $"no validation split: validation.fraction {config.Validation.Fraction} of {data.Train.Count} training samples holds out none; the per-epoch figures are test-set figures"));
        }

        torch.set_num_threads(options.Threads);
        torch.random.manual_seed(unchecked((long)options.Seed));
        TensorSet? train = null, validation = null, test = null;
        SpecNetwork? network = null;
        var states = new List<LayerState>();
        try
        {
            InputPreprocessing preprocessing = options.Preprocessing ?? InputPreprocessing.From(arch.Preprocessing);
            train = new TensorSet(split.Train, arch, preprocessing);
            validation = split.Validation is LabelledSet v ? new TensorSet(v, arch, preprocessing) : null;
            test = new TensorSet(data.Test, arch, preprocessing);
            if (!train.CanShift && new TrainingStageConfig[] { config.Baseline, config.Prune, config.Quantize }.Any(stage => stage.Epochs > 0 && stage.ShiftPixels > 0))
            {
                throw new InvalidDataException($"{data.Train.Name}: the samples are feature vectors of shape {LabelledSet.Shape(data.Train.SampleShape)}, not images, so training cannot shift them; set shiftPixels to 0 in every stage of the config");
            }

            network = new SpecNetwork(arch);
            options.InitialWeights?.LoadInto(network);
            states.AddRange(network.Weighted.Select(w => new LayerState(w)));
            return new PipelineSession(options, progress, data, preprocessing, split, train, validation, test, network, states);
        }
        catch
        {
            foreach (LayerState s in states)
            {
                s.Dispose();
            }

            network?.Dispose();
            train?.Dispose();
            validation?.Dispose();
            test?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs (or resumes) the plan through <paramref name="stage"/>; false when
    /// <see cref="CompressionOptions.StopAfterSteps"/> stopped it first.
    /// </summary>
    public bool ExecuteThrough(PipelineStage stage) => Run.Execute(stage switch
    {
        PipelineStage.Baseline => Run.BaselineEnd,
        PipelineStage.Prune => Run.PruneEnd,
        PipelineStage.Complete => Run.StepCount,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown stage"),
    });

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (LayerState s in _states)
        {
            s.Dispose();
        }

        Network.Dispose();
        Train.Dispose();
        Validation?.Dispose();
        Test.Dispose();
    }
}
