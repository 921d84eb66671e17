using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EmbeddedNets.Compressor.Checkpoints;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Export;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pruning;
using EmbeddedNets.Compressor.Quantization;
using EmbeddedNets.Compressor.Reporting;
using EmbeddedNets.Compressor.Training;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Compressor.Pipeline;

/// <summary>What a compression run needs besides the configuration (a record, so a variant is a <c>with</c> expression).</summary>
public sealed record CompressionOptions
{
    /// <summary>The network to train and compress.</summary>
    public required ArchitectureSpec Architecture { get; init; }

    /// <summary>The effective settings (defaults merged with any config file).</summary>
    public required CompressionConfig Config { get; init; }

    /// <summary>
    /// Starting values for the network's tensors (e.g. an imported model's weights), by
    /// <c>node.key</c> as <see cref="ArchitectureSpec.ParameterShapes"/> lists them; null starts
    /// from the seeded default initialisation. Part of every checkpoint key.
    /// </summary>
    public InitialWeights? InitialWeights { get; init; }

    /// <summary>
    /// Folder with the four MNIST IDX files; read when <see cref="Data"/> is null. Either this or
    /// <see cref="Data"/> must be given.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// The training and test samples (from <see cref="DatasetLoader"/>: MNIST, CSV, NumPy or an
    /// image folder). Null reads MNIST from <see cref="DataDirectory"/>.
    /// </summary>
    public Dataset? Data { get; init; }

    /// <summary>The .dcz file to write.</summary>
    public required string OutputPath { get; init; }

    /// <summary>Report folder; null means <c>OUT.report</c> next to the output.</summary>
    public string? ReportDirectory { get; init; }

    /// <summary>Checkpoint folder; null means <c>OUT.work</c> next to the output.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Seed of weight initialisation, shuffles and random centroid init.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>TorchSharp CPU threads (results are reproducible for a given count).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Continue from a matching checkpoint in the work folder (the default).</summary>
    public bool Resume { get; init; } = true;

    /// <summary>
    /// How raw samples become the network's input, used in training and recorded in the .dcz;
    /// null takes the architecture's own.
    /// </summary>
    public InputPreprocessing? Preprocessing { get; init; }

    /// <summary>Name recorded with the accuracy in the file; null takes <see cref="Dataset.TestName"/>.</summary>
    public string? TestSetName { get; init; }

    /// <summary>The command line, for the report.</summary>
    public string? CommandLine { get; init; }

    /// <summary>Where progress lines go when <see cref="Progress"/> is null.</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;

    /// <summary>Progress lines and live updates; null writes plain lines to <see cref="Log"/>.</summary>
    public ProgressReporter? Progress { get; init; }

    /// <summary>
    /// Stops the run at the next step boundary or training batch with
    /// <see cref="OperationCanceledException"/>; the checkpoint of the last completed step stays.
    /// </summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Stop after this many completed steps (epochs, prune and k-means actions) of the plan,
    /// leaving the checkpoint behind; used to test resuming. Null runs to the end.
    /// </summary>
    public int? StopAfterSteps { get; init; }
}

/// <summary>The outcome of a compression run.</summary>
/// <param name="OutputPath">The .dcz written (null when the run was stopped early).</param>
/// <param name="ReportDirectory">The report folder (null when stopped early).</param>
/// <param name="FileBytes">Size of the .dcz.</param>
/// <param name="DenseBytes">Weights and biases as dense float32.</param>
/// <param name="Metrics">The accuracy recorded in the file (Runtime inference on the written file).</param>
/// <param name="BaselineAccuracy">Test accuracy of the dense network (TorchSharp), 0–1.</param>
/// <param name="WallSeconds">Wall time of this invocation.</param>
/// <param name="TrainSeconds">Training time summed over this and any resumed earlier invocations.</param>
/// <param name="ResumedFrom">Which checkpoint the run continued from, or null for a fresh start.</param>
/// <param name="QuantizedAccuracy">Accuracy (TorchSharp) right after k-means, before centroid fine-tuning, 0–1, on the validation split (on the test set when the split is off).</param>
/// <param name="ValidationCount">Images in the validation split (0 when it is off).</param>
/// <param name="BaselineValidationAccuracy">Validation accuracy of the dense network (TorchSharp), 0–1; null when the split is off.</param>
/// <param name="ValidationAccuracy">Validation accuracy of the written file (Runtime inference), 0–1; null when the split is off or the run stopped early.</param>
public sealed record CompressionResult(
    string? OutputPath,
    string? ReportDirectory,
    int FileBytes,
    long DenseBytes,
    RecordedMetrics? Metrics,
    double BaselineAccuracy,
    double WallSeconds,
    double TrainSeconds,
    string? ResumedFrom,
    double? QuantizedAccuracy = null,
    int ValidationCount = 0,
    double? BaselineValidationAccuracy = null,
    double? ValidationAccuracy = null);

/// <summary>One epoch of training, as logged and kept in the checkpoint for the report.</summary>
/// <param name="Stage">baseline, prune or quantize.</param>
/// <param name="Round">Pruning round (1-based), 0 outside pruning.</param>
/// <param name="Epoch">Epoch within the stage (1-based).</param>
/// <param name="Epochs">Epochs of the stage.</param>
/// <param name="LearningRate">The epoch's learning rate.</param>
/// <param name="Loss">Mean training loss.</param>
/// <param name="TestAccuracy">Test accuracy after the epoch, 0–1: set only when the run has no validation split (as runs before it existed did).</param>
/// <param name="Seconds">Wall time of the epoch.</param>
/// <param name="ValidationAccuracy">Validation accuracy after the epoch, 0–1; null when the run has no validation split.</param>
public sealed record EpochRecord(string Stage, int Round, int Epoch, int Epochs, double LearningRate, double Loss, double? TestAccuracy, double Seconds, double? ValidationAccuracy = null)
{
    /// <summary>The accuracy measured after the epoch, on whichever split the run evaluates.</summary>
    public double Accuracy => ValidationAccuracy ?? TestAccuracy ?? double.NaN;
}

/// <summary>
/// The Deep Compression pipeline (Han, Mao &amp; Dally 2016) on TorchSharp: dense training,
/// iterative magnitude pruning with retraining, per-layer k-means weight sharing with centroid
/// fine-tuning, then the .dcz encoding (relative indices with fillers, Huffman) through the
/// shared format code. The accuracy written into the file is measured by reading the written
/// file back and running the Runtime's own inference on the whole test set. Everything measured
/// along the way is measured on a validation split held out of the training set
/// (<see cref="ValidationConfig"/>), so no choice depends on the test set.
/// </summary>
public static class CompressionPipeline
{
    /// <summary>The checkpoint of the latest completed step.</summary>
    internal const string StateFile = "state.ckpt";

    /// <summary>The checkpoint of the trained dense network.</summary>
    internal const string BaselineFile = "baseline.ckpt";

    /// <summary>The checkpoint at the end of pruning and retraining.</summary>
    internal const string PrunedFile = "pruned.ckpt";

    private static readonly JsonSerializerOptions s_headerJson = new() { WriteIndented = false };

    private enum StepKind
    {
        BaselineEpoch,
        Prune,
        PruneEpoch,
        Quantize,
        QuantizeEpoch,
    }

    /// <summary>Runs the whole pipeline and writes the .dcz and its report.</summary>
    /// <exception cref="FileNotFoundException">A data file is missing.</exception>
    /// <exception cref="InvalidDataException">A data file is corrupt, or the data does not fit the architecture.</exception>
    public static CompressionResult Run(CompressionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using PipelineSession session = PipelineSession.Open(options);
        ProgressReporter progress = session.Progress;
        PipelineRun run = session.Run;
        bool finished;
        try
        {
            finished = session.ExecuteThrough(PipelineStage.Complete);
            options.Cancellation.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException) when (options.Cancellation.IsCancellationRequested)
        {
            progress.Line(string.Create(CultureInfo.InvariantCulture,
                $"interrupted: {run.Header.Completed} of {run.StepCount} steps done and checkpointed in {session.WorkDirectory}; the same command resumes from there"));
            throw;
        }

        if (!finished)
        {
            progress.Line($"stopped after step {options.StopAfterSteps}; checkpoint in {session.WorkDirectory}");
            return new CompressionResult(null, null, 0, session.Architecture.DenseFloat32Bytes, null, run.Header.BaselineAccuracy ?? 0, progress.Elapsed, run.Header.TrainSeconds, run.ResumedFrom,
                ValidationCount: session.Split.Validation?.Count ?? 0, BaselineValidationAccuracy: run.Header.BaselineValidationAccuracy);
        }

        return WriteFile(session);
    }

    /// <summary>
    /// Encodes the finished network of <paramref name="session"/>, measures the written bytes with
    /// the Runtime's inference (test set for the recorded accuracy, validation split beside it),
    /// writes the .dcz and its report.
    /// </summary>
    internal static CompressionResult WriteFile(PipelineSession session)
    {
        CompressionOptions options = session.Options;
        ProgressReporter progress = session.Progress;
        PipelineRun run = session.Run;
        ArchitectureSpec arch = session.Architecture;
        CompressionConfig config = session.Config;
        IReadOnlyList<LayerState> states = session.States;
        Dataset data = session.Data;
        ValidationSplit split = session.Split;
        string output = Path.GetFullPath(options.OutputPath);
        string work = session.WorkDirectory;
        string report = Path.GetFullPath(options.ReportDirectory ?? output + ".report");

        // Encode, measure on the written bytes, write the final file. An interrupt is honoured
        // up to the write of the .dcz; after it the run finishes its report.
        var exporter = new DczExporter(session.Network, states, options.Seed);
        DczModel model = WithPreprocessing(ChooseGapBits(exporter, config, out IReadOnlyList<UnitCount> units), session.Preprocessing.ToFormat());

        if (config.Prune.RemoveDeadUnits)
        {
            progress.Line("dead units removed: " + string.Join(", ", units.Select(u => string.Create(CultureInfo.InvariantCulture,
                $"{u.Layer} {u.Before - u.After} of {u.Before} ({u.After} kept)"))));
        }

        options.Cancellation.ThrowIfCancellationRequested();
        byte[] draftBytes = DczFile.Write(model);
        DczModel readBack = DczFile.Read(draftBytes);
        progress.Line($"measuring the written file with the Runtime's inference on {data.Test.Count} test samples...");
        int correct = RuntimeAccuracy.CountCorrect(CompactModel.Create(readBack), data.Test);
        var metrics = new RecordedMetrics(options.TestSetName ?? data.TestName, data.Test.Count, correct);
        byte[] finalBytes = DczFile.Write(DczExporter.WithMetrics(readBack, metrics));
        if (!DczFile.Write(DczExporter.WithMetrics(DczFile.Read(finalBytes), metrics)).AsSpan().SequenceEqual(finalBytes))
        {
            throw new InvalidOperationException("the final file does not read back to the model that was measured");
        }

        options.Cancellation.ThrowIfCancellationRequested();

        string? outDir = Path.GetDirectoryName(output);
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
        }

        AtomicFile.WriteAllBytes(output, finalBytes);
        DczInspection inspection = DczFile.Inspect(finalBytes);

        // Against the network as trained: a file that lost whole units records that size.
        long denseBytes = inspection.DenseFloat32Bytes;
        double? validationAccuracy = null;
        if (split.Validation is LabelledSet held)
        {
            validationAccuracy = (double)RuntimeAccuracy.CountCorrect(CompactModel.Create(readBack), held) / held.Count;
        }

        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"wrote {output}: {finalBytes.Length:N0} bytes, {(double)denseBytes / finalBytes.Length:F1}× smaller than dense float32 ({denseBytes:N0} bytes), test accuracy {metrics.Accuracy * 100:F2} % ({correct}/{data.Test.Count}, Runtime inference){(validationAccuracy is double va ? $", validation accuracy {va * 100:F2} %" : string.Empty)}"));

        var result = new CompressionResult(output, report, finalBytes.Length, denseBytes, metrics, run.Header.BaselineAccuracy ?? 0, progress.Elapsed, run.Header.TrainSeconds, run.ResumedFrom, run.Header.QuantizedAccuracy,
            split.Validation?.Count ?? 0, run.Header.BaselineValidationAccuracy, validationAccuracy);
        ReportWriter.Write(report, new ReportInput(options, config, inspection, result, run.Header.History, run.Header.PruneLog, LoadWeights(work, BaselineFile, states), LoadWeights(work, PrunedFile, states), CurrentWeights(states), states.Select(s => (s.Name, Centroids(s))).ToList(), config.Prune.RemoveDeadUnits ? units : null));
        progress.Line($"report: {Path.Combine(report, "report.md")}");
        return result;
    }

    /// <summary>
    /// For every layer without a fixed gap width, encodes the model with each width 1–12 and keeps
    /// the one that makes the file smallest (ties go to the narrower width), layer by layer. With
    /// <see cref="PruneConfig.RemoveDeadUnits"/> every encoding is of the model after dead-unit
    /// removal (its units in <paramref name="units"/>), so the widths fit the smaller layers.
    /// </summary>
    internal static DczModel ChooseGapBits(DczExporter exporter, CompressionConfig config, out IReadOnlyList<UnitCount> units)
    {
        IReadOnlyList<UnitCount> counts = Array.Empty<UnitCount>();
        DczModel Build(IReadOnlyDictionary<string, int> gapBits) => config.Prune.RemoveDeadUnits
            ? DeadUnitRemoval.Apply(exporter.Build(gapBits), out counts)
            : exporter.Build(gapBits);

        var widths = exporter.WeightedNames.ToDictionary(
            name => name,
            name => config.Encode.GapBits.TryGetValue(name, out int fixedBits) && fixedBits > 0 ? fixedBits : DczExporter.DefaultGapBits,
            StringComparer.Ordinal);
        foreach (string name in exporter.WeightedNames)
        {
            if (config.Encode.GapBits.TryGetValue(name, out int f) && f > 0)
            {
                continue;
            }

            int best = widths[name];
            int bestLength = int.MaxValue;
            for (int bits = 1; bits <= 12; bits++)
            {
                widths[name] = bits;
                int length = DczFile.Write(Build(widths)).Length;
                if (length < bestLength)
                {
                    best = bits;
                    bestLength = length;
                }
            }

            widths[name] = best;
        }

        DczModel model = Build(widths);
        units = counts;
        return model;
    }

    /// <summary>
    /// The run's validation split: <see cref="ValidationConfig"/> of the training set, picked by
    /// the seed. A training set too small for the fraction to hold out one sample gets none (the
    /// run then logs test-set figures, and the sensitivity analysis and the search refuse it).
    /// </summary>
    internal static ValidationSplit Split(LabelledSet train, ValidationConfig validation, ulong seed) =>
        ValidationSplit.Create(train, validation.CountFor(train.Count), seed);

    internal static string DataHash(Dataset data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (LabelledSet set in new[] { data.Train, data.Test })
        {
            sha.AppendData(BitConverter.GetBytes(set.Count));
            foreach (int d in set.SampleShape)
            {
                sha.AppendData(BitConverter.GetBytes(d));
            }

            sha.AppendData(MemoryMarshal.AsBytes(set.Values.AsSpan()));
            sha.AppendData(MemoryMarshal.AsBytes(set.Labels.AsSpan()));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    internal static DczModel WithPreprocessing(DczModel model, Preprocessing preprocessing)
        => new(model.Info.WithPreprocessing(preprocessing), model.Layers);

    internal static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))));

    private static Dictionary<string, float[]>? LoadWeights(string work, string file, IReadOnlyList<LayerState> states)
    {
        string path = Path.Combine(work, file);
        if (!File.Exists(path))
        {
            return null;
        }

        TensorArchive archive = TensorArchive.Load(path);
        return states.ToDictionary(s => s.Name, s => archive.GetFloats(s.Name + ".weight", out _), StringComparer.Ordinal);
    }

    private static Dictionary<string, float[]> CurrentWeights(IReadOnlyList<LayerState> states) =>
        states.ToDictionary(s => s.Name, s => s.Layer.Weight.detach().contiguous().data<float>().ToArray(), StringComparer.Ordinal);

    private static float[] Centroids(LayerState s) => s.Centroids is null ? Array.Empty<float>() : s.Centroids.data<float>().ToArray();

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>What a checkpoint header records beside the tensors.</summary>
    internal sealed class CheckpointHeader
    {
        public int Format { get; set; } = 1;

        public string Key { get; set; } = string.Empty;

        public int Completed { get; set; }

        public Dictionary<string, double> BaselineStd { get; set; } = new(StringComparer.Ordinal);

        /// <summary>Test accuracy of the dense network (reported beside the paper's baselines; nothing is chosen by it).</summary>
        public double? BaselineAccuracy { get; set; }

        /// <summary>Validation accuracy of the dense network; null without a validation split.</summary>
        public double? BaselineValidationAccuracy { get; set; }

        /// <summary>Accuracy right after k-means on the evaluation split (validation, or test without a split).</summary>
        public double? QuantizedAccuracy { get; set; }

        /// <summary>True once dense training has ended: batch norms are folded or frozen in the saved tensors.</summary>
        public bool DenseTrainingEnded { get; set; }

        public int Retries { get; set; }

        public double TrainSeconds { get; set; }

        public List<EpochRecord> History { get; set; } = new();

        public List<string> PruneLog { get; set; } = new();
    }

    private readonly record struct Step(StepKind Kind, string Stage, int Round, int Epoch, int Epochs);

    /// <summary>The state of one invocation: the plan of steps, the checkpoints, the training loop.</summary>
    internal sealed class PipelineRun
    {
        private readonly CompressionOptions _options;
        private readonly CompressionConfig _config;
        private readonly SpecNetwork _network;
        private readonly IReadOnlyList<LayerState> _states;
        private readonly TensorSet _train;
        private readonly TensorSet? _validation;
        private readonly TensorSet _test;
        private readonly ProgressReporter _progress;
        private readonly Trainer _trainer;
        private readonly string _work;
        private readonly List<Step> _plan = new();
        private readonly int _baselineEnd;
        private readonly int _pruneEnd;
        private readonly string _baselineKey;
        private readonly string _pruneKey;
        private readonly string _fullKey;

        public PipelineRun(CompressionOptions options, CompressionConfig config, SpecNetwork network, IReadOnlyList<LayerState> states, TensorSet train, TensorSet? validation, TensorSet test, ProgressReporter progress, string work, string dataHash, string preprocessing)
        {
            _options = options;
            _config = config;
            _network = network;
            _states = states;
            _train = train;
            _validation = validation;
            _test = test;
            _progress = progress;
            _work = work;
            _trainer = new Trainer(network, states);

            for (int e = 0; e < config.Baseline.Epochs; e++)
            {
                _plan.Add(new Step(StepKind.BaselineEpoch, "baseline", 0, e, config.Baseline.Epochs));
            }

            _baselineEnd = _plan.Count;
            for (int r = 1; r <= config.Prune.Iterations; r++)
            {
                _plan.Add(new Step(StepKind.Prune, "prune", r, 0, 0));
                for (int e = 0; e < config.Prune.Epochs; e++)
                {
                    _plan.Add(new Step(StepKind.PruneEpoch, "prune", r, e, config.Prune.Epochs));
                }
            }

            _pruneEnd = _plan.Count;
            _plan.Add(new Step(StepKind.Quantize, "quantize", 0, 0, 0));
            for (int e = 0; e < config.Quantize.Epochs; e++)
            {
                _plan.Add(new Step(StepKind.QuantizeEpoch, "quantize", 0, e, config.Quantize.Epochs));
            }

            // Each stage's key covers everything its result depends on, so a checkpoint is reused
            // exactly when it is the state this configuration would reach (e.g. a run with other
            // quantization settings starts from the same pruned network). The architecture counts
            // whole (its fingerprint hashes every node, attribute and input), not by its name.
            // The validation split enters only when it is on, so runs without one keep the keys
            // (and checkpoints) they had before it existed.
            string Json(object o) => JsonSerializer.Serialize(o, o.GetType());

            // Dead-unit removal acts on the finished network when the file is written: the pruned
            // network does not depend on it, so runs with and without it share checkpoints.
            string PruneKeyJson(PruneConfig prune)
            {
                var node = JsonSerializer.SerializeToNode(prune)!.AsObject();
                node.Remove(nameof(PruneConfig.RemoveDeadUnits));
                return node.ToJsonString();
            }
            var baselineParts = new List<string>
            {
                "dcz-v2",
                options.Architecture.Fingerprint,
                options.InitialWeights?.Fingerprint ?? "default-initialisation",
                options.Seed.ToString(CultureInfo.InvariantCulture),
                dataHash,
                preprocessing,
                config.BatchSize.ToString(CultureInfo.InvariantCulture),
                Json(config.Baseline),
            };
            if (validation is not null)
            {
                baselineParts.Add("validation " + validation.Count.ToString(CultureInfo.InvariantCulture));
            }

            _baselineKey = Hash(baselineParts.ToArray());
            _pruneKey = Hash(_baselineKey, PruneKeyJson(config.Prune));
            _fullKey = Hash(_pruneKey, Json(config.Quantize));
        }

        public CheckpointHeader Header { get; private set; } = new();

        /// <summary>Identifies the dense network this run trains (architecture, seed, data, validation split, baseline settings).</summary>
        public string BaselineKey => _baselineKey;

        /// <summary>Steps of the plan up to the end of dense training.</summary>
        public int BaselineEnd => _baselineEnd;

        /// <summary>Steps of the plan up to the end of pruning and retraining.</summary>
        public int PruneEnd => _pruneEnd;

        /// <summary>Steps of the plan (epochs, prune and quantize actions).</summary>
        public int StepCount => _plan.Count;

        /// <summary>The training loop over this run's network.</summary>
        public Trainer Trainer => _trainer;

        /// <summary>The split every choice and log line is measured on: validation, or test when the split is off.</summary>
        private TensorSet Evaluation => _validation ?? _test;

        /// <summary>How log lines name <see cref="Evaluation"/>.</summary>
        private string EvaluationName => _validation is null ? "test" : "validation";

        public string? ResumedFrom { get; private set; }

        /// <summary>
        /// Runs the plan from wherever a checkpoint leaves it up to step <paramref name="end"/>
        /// (exclusive; the whole plan by default); false when <see cref="CompressionOptions.StopAfterSteps"/> stopped it first.
        /// A checkpoint past <paramref name="end"/> is not resumed from.
        /// </summary>
        public bool Execute(int? end = null)
        {
            int last = end ?? _plan.Count;
            if (_options.Resume)
            {
                TryResume(last);
            }
            else
            {
                Header = new CheckpointHeader { Key = _fullKey };
            }

            Directory.CreateDirectory(_work);
            int total = _plan.Count;
            if (Header.Completed > last)
            {
                throw new InvalidOperationException($"the run is at step {Header.Completed}, past step {last}");
            }
            double stepSeconds = 0;
            int timedSteps = 0;
            if (Header.Completed == 0 && _baselineEnd == 0)
            {
                FinishBaseline();
            }

            for (int i = Header.Completed; i < last; i++)
            {
                if (_options.StopAfterSteps is int stop && i >= stop)
                {
                    return false;
                }

                _options.Cancellation.ThrowIfCancellationRequested();

                Step step = _plan[i];
                double start = _progress.Elapsed;
                switch (step.Kind)
                {
                    case StepKind.BaselineEpoch:
                        EpochWithRetry(step, _config.Baseline, i, total, stepSeconds / Math.Max(1, timedSteps));
                        break;
                    case StepKind.PruneEpoch:
                        EpochWithRetry(step, _config.Prune, i, total, stepSeconds / Math.Max(1, timedSteps));
                        break;
                    case StepKind.QuantizeEpoch:
                        EpochWithRetry(step, _config.Quantize, i, total, stepSeconds / Math.Max(1, timedSteps));
                        break;
                    case StepKind.Prune:
                        Prune(step.Round);
                        break;
                    case StepKind.Quantize:
                        Quantize();
                        break;
                }

                double seconds = _progress.Elapsed - start;
                Header.TrainSeconds += seconds;
                if (step.Kind is StepKind.BaselineEpoch or StepKind.PruneEpoch or StepKind.QuantizeEpoch)
                {
                    stepSeconds += seconds;
                    timedSteps++;
                }

                Header.Completed = i + 1;
                if (i + 1 == _baselineEnd)
                {
                    FinishBaseline();
                }

                Header.Key = _fullKey;
                Save(StateFile, Header);
                if (i + 1 == _pruneEnd)
                {
                    Save(PrunedFile, WithKey(_pruneKey));
                }
            }

            return true;
        }

        private void FinishBaseline()
        {
            if (!Header.DenseTrainingEnded)
            {
                // Batch norms fold into the layer before them (or freeze) now, before the first
                // pruning round: the weights that are pruned, shared and shipped are the folded ones.
                foreach (string line in _network.EndDenseTraining(_states))
                {
                    _progress.Line(line);
                    Header.PruneLog.Add(line);
                }

                Header.DenseTrainingEnded = true;
            }

            if (Header.BaselineAccuracy is null)
            {
                int correct = _trainer.CountCorrect(_test);
                Header.BaselineAccuracy = (double)correct / _test.Count;
            }

            if (_validation is not null && Header.BaselineValidationAccuracy is null)
            {
                Header.BaselineValidationAccuracy = (double)_trainer.CountCorrect(_validation) / _validation.Count;
            }

            foreach (LayerState s in _states)
            {
                Header.BaselineStd[s.Name] = Pruner.StandardDeviation(s.Layer.Weight);
            }

            _progress.Line(string.Create(CultureInfo.InvariantCulture,
                $"dense baseline: test accuracy {Header.BaselineAccuracy * 100:F2} % (error {(1 - Header.BaselineAccuracy) * 100:F2} %){(Header.BaselineValidationAccuracy is double v ? $", validation accuracy {v * 100:F2} %" : string.Empty)}"));
            Save(BaselineFile, WithKey(_baselineKey));
        }

        private CheckpointHeader WithKey(string key)
        {
            string json = JsonSerializer.Serialize(Header, s_headerJson);
            CheckpointHeader copy = JsonSerializer.Deserialize<CheckpointHeader>(json, s_headerJson)!;
            copy.Key = key;
            return copy;
        }

        private void Save(string file, CheckpointHeader header)
        {
            TensorArchive archive = NetworkCheckpoint.Capture(_network, _states, JsonSerializer.Serialize(header, s_headerJson));
            archive.Save(Path.Combine(_work, file));
        }

        private void TryResume(int last)
        {
            foreach ((string file, string key, int completed) in new[] { (StateFile, _fullKey, -1), (PrunedFile, _pruneKey, _pruneEnd), (BaselineFile, _baselineKey, _baselineEnd) })
            {
                if (completed > last)
                {
                    continue;
                }

                string path = Path.Combine(_work, file);
                if (!File.Exists(path))
                {
                    continue;
                }

                TensorArchive archive;
                CheckpointHeader? header;
                try
                {
                    archive = TensorArchive.Load(path);
                    header = JsonSerializer.Deserialize<CheckpointHeader>(archive.Header, s_headerJson);
                }
                catch (Exception e) when (e is InvalidDataException or JsonException or IOException)
                {
                    _progress.Line($"ignoring checkpoint {path}: {e.Message}");
                    continue;
                }

                if (header is null || header.Key != key || header.Format != 1 || (completed < 0 && header.Completed > last))
                {
                    continue;
                }

                NetworkCheckpoint.Restore(_network, _states, archive);
                Header = header;
                if (header.DenseTrainingEnded)
                {
                    _network.EndDenseTraining(_states, apply: false);
                }

                if (completed >= 0)
                {
                    Header.Completed = completed;
                }

                ResumedFrom = path;
                _progress.Line(string.Create(CultureInfo.InvariantCulture, $"resuming from {path} after step {Header.Completed} of {_plan.Count}"));
                return;
            }

            Header = new CheckpointHeader { Key = _fullKey };
        }

        /// <summary>
        /// Runs an epoch; if it diverges, restores the state saved before it and runs it once more.
        /// A guard against nondeterministic native faults: before oneDNN was capped at SSE4.1
        /// (<see cref="Training.NativeSettings"/>), LeNet-5 epochs here turned conv1 to NaN at a
        /// random batch while the same epoch rerun from the same state completed; with the cap no
        /// such divergence has been seen. A second divergence is reported as an error. When the
        /// retry is used the log says so, and the result is no longer guaranteed to match another
        /// run bit for bit.
        /// </summary>
        private void EpochWithRetry(Step step, TrainingStageConfig stage, int index, int total, double meanStepSeconds)
        {
            try
            {
                Epoch(step, stage, index, total, meanStepSeconds);
                return;
            }
            catch (TrainingDivergedException e)
            {
                string path = Path.Combine(_work, StateFile);
                TensorArchive? archive = File.Exists(path) ? TensorArchive.Load(path) : null;
                CheckpointHeader? saved = archive is null ? null : JsonSerializer.Deserialize<CheckpointHeader>(archive.Header, s_headerJson);
                if (archive is null || saved is null || saved.Completed != index)
                {
                    throw new InvalidOperationException($"{Label(step)}: training diverged: {e.Message}; lower {step.Stage}.learningRate or set {step.Stage}.maxGradientNorm");
                }

                _progress.Line($"warning: {Label(step)} diverged ({e.Message}); restoring the state before it and running it again");
                NetworkCheckpoint.Restore(_network, _states, archive);
                Header = saved;
                if (saved.DenseTrainingEnded)
                {
                    _network.EndDenseTraining(_states, apply: false);
                }

                Header.Retries++;
                Header.PruneLog.Add($"warning: {Label(step)} diverged once ({e.Message}) and was rerun from the state before it");
            }

            try
            {
                Epoch(step, stage, index, total, meanStepSeconds);
            }
            catch (TrainingDivergedException e)
            {
                throw new InvalidOperationException($"{Label(step)}: training diverged twice: {e.Message}; lower {step.Stage}.learningRate or set {step.Stage}.maxGradientNorm");
            }
        }

        private string Label(Step step) => step.Round > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{step.Stage} {step.Round}/{_config.Prune.Iterations} epoch {step.Epoch + 1}/{step.Epochs}")
            : string.Create(CultureInfo.InvariantCulture, $"{step.Stage} epoch {step.Epoch + 1}/{step.Epochs}");

        private void Epoch(Step step, TrainingStageConfig stage, int index, int total, double meanStepSeconds)
        {
            double lr = Trainer.LearningRate(stage, step.Epoch);
            ulong shuffle = SplitMix64.Combine(_options.Seed, (ulong)step.Kind, (ulong)step.Round, (ulong)step.Epoch);
            string label = Label(step);
            int remainingEpochs = _plan.Skip(index).Count(s => s.Kind is StepKind.BaselineEpoch or StepKind.PruneEpoch or StepKind.QuantizeEpoch);
            double start = _progress.Elapsed;
            double loss = _trainer.TrainEpoch(_train, _config.BatchSize, stage, lr, shuffle, fraction =>
            {
                _options.Cancellation.ThrowIfCancellationRequested();
                double spent = _progress.Elapsed - start;
                double perEpoch = fraction > 0.05 ? spent / fraction : meanStepSeconds;
                _progress.Live(label, fraction, (perEpoch * (1 - fraction)) + (perEpoch * (remainingEpochs - 1)));
            });
            int correct = _trainer.CountCorrect(Evaluation);
            double seconds = _progress.Elapsed - start;
            double accuracy = (double)correct / Evaluation.Count;
            Header.History.Add(_validation is null
                ? new EpochRecord(step.Stage, step.Round, step.Epoch + 1, step.Epochs, lr, loss, accuracy, seconds)
                : new EpochRecord(step.Stage, step.Round, step.Epoch + 1, step.Epochs, lr, loss, null, seconds, accuracy));
            double left = seconds * (remainingEpochs - 1);
            _progress.Line(string.Create(CultureInfo.InvariantCulture,
                $"{label,-28} lr {lr:F5}  loss {loss:F4}  {(_validation is null ? "test" : "val")} {accuracy * 100:F2} %  {seconds:F1} s  elapsed {ProgressReporter.Duration(_progress.Elapsed)}  left ~{ProgressReporter.Duration(left)}"));
        }

        private void Prune(int round)
        {
            var parts = new List<string>();
            foreach (LayerState s in _states)
            {
                if (!_config.Prune.Quality.TryGetValue(s.Name, out double quality) || quality <= 0)
                {
                    continue;
                }

                double q = quality * round / _config.Prune.Iterations;
                double threshold = Pruner.Threshold(q, Header.BaselineStd[s.Name]);
                long kept = Pruner.Prune(s, threshold);
                long all = s.Layer.Weight.numel();
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{s.Name} {kept * 100.0 / all:F1} % kept (q {q:F3}, |w| ≥ {threshold:G4})"));
            }

            int correct = _trainer.CountCorrect(Evaluation);
            string line = string.Create(CultureInfo.InvariantCulture,
                $"prune {round}/{_config.Prune.Iterations}: {string.Join(", ", parts)}; {EvaluationName} {correct * 100.0 / Evaluation.Count:F2} % before retraining");
            Header.PruneLog.Add(line);
            _progress.Line(line);
        }

        private void Quantize()
        {
            var parts = new List<string>();
            foreach (LayerState s in _states)
            {
                int bits = _config.Quantize.Bits[s.Name];
                ulong seed = SplitMix64.Combine(_options.Seed, 0xC0DEB00CUL, (ulong)s.Layer.Node.Index);
                KMeansResult r = Quantizer.Quantize(s, bits, _config.Quantize.Init, seed, _config.Quantize.KMeansIterations);
                parts.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Name} {r.Centroids.Length} centroids ({bits} bits, {r.Iterations} iterations{(r.Converged ? string.Empty : ", capped")})"));
            }

            int correct = _trainer.CountCorrect(Evaluation);
            Header.QuantizedAccuracy = (double)correct / Evaluation.Count;
            string line = string.Create(CultureInfo.InvariantCulture,
                $"quantize ({_config.Quantize.Init} init): {string.Join(", ", parts)}; {EvaluationName} {correct * 100.0 / Evaluation.Count:F2} % before fine-tuning");
            Header.PruneLog.Add(line);
            _progress.Line(line);
        }
    }
}
