using System.CommandLine;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Onnx;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Search;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz compress</c>: train, prune, quantize, Huffman-code, write the .dcz and its report.</summary>
internal sealed class CompressCommand : DczCommand
{
    /// <summary>
    /// One thread: results depend on the thread count, so the default is fixed rather than the core
    /// count, and on a busy machine one thread is several times faster than two spinning OpenMP
    /// workers (17 s vs 75 s for the same short run here).
    /// </summary>
    private const int DefaultThreads = 1;

    private readonly Option<string> _model = new("--model")
    {
        Description = "the network to train: " + string.Join(", ", Architectures.All.Select(m => m.Name)) + ", an architecture file FILE.json (docs/architecture-files.md), or an ONNX model FILE.onnx whose weights are the dense baseline (docs/bring-your-own-model.md)",
        HelpName = "NAME|FILE.json",
        Required = true,
    };

    private readonly Option<string> _data = CliOptions.AnyData("training data (MNIST: dcz download-mnist fetches it)");
    private readonly CliOptions.DataSelection _selection = new();
    private readonly CliOptions.PreprocessingSelection _preprocessing = new();
    private readonly Option<string> _out = new("--out")
    {
        Description = "the .dcz file to write (its folder must exist)",
        HelpName = "FILE.dcz",
        Required = true,
    };

    private readonly Option<ulong> _seed = CliOptions.Seed();
    private readonly Option<string?> _config = CliOptions.Config();
    private readonly Option<string?> _report = new("--report")
    {
        Description = "report folder (default FILE.dcz.report)",
        HelpName = "DIR",
    };

    private readonly Option<string?> _work = new("--work")
    {
        Description = "checkpoint folder (default FILE.dcz.work); a matching checkpoint there is resumed",
        HelpName = "DIR",
    };

    private readonly Option<int> _threads = CliOptions.Int32("--threads", "N", 1, 256, DefaultThreads, "TorchSharp CPU threads (results are reproducible for a given count)");
    private readonly Option<bool> _noResume = new("--no-resume") { Description = "start from scratch even if the work folder holds a matching checkpoint" };
    private readonly Option<double?> _targetError = CliOptions.OptionalDouble("--target-error", "PERCENT", 0, 100, "search per-layer pruning and bits for the smallest file whose validation error is at most PERCENT (e.g. 1.6)");
    private readonly Option<double?> _targetRatio = CliOptions.OptionalDouble("--target-ratio", "R", 1, 1e9, "search for a file at least R times smaller than dense float32 (with --target-error: both must hold; alone: the most accurate such file)");
    private readonly Option<int> _maxCandidates = CliOptions.Int32("--max-candidates", "N", 1, 50, 6, "with a target: most settings the search tries (each a full prune, retrain and quantize run)");
    private readonly Option<int?> _stopAfter = CliOptions.OptionalInt32("--stop-after-steps", "N", 0, int.MaxValue, "stop after N steps of the plan, keeping the checkpoint (for tests)");

    public CompressCommand()
        : base("compress", "Train a model on the data, prune it, quantize it, Huffman-code it and write FILE.dcz with the accuracy of the written file (Runtime inference) and a report folder. Checkpoints go to the work folder; a matching one is resumed, and Ctrl-C stops at the next batch keeping the last completed step.")
    {
        _model.CompletionSources.Add(Architectures.All.Select(m => m.Name).ToArray());
        _stopAfter.Hidden = true;
        Add(_model);
        Add(_data);
        _selection.AddTo(this);
        _preprocessing.AddTo(this);
        Add(_out);
        Add(_seed);
        Add(_config);
        Add(_report);
        Add(_work);
        Add(_threads);
        Add(_noResume);
        Add(_targetError);
        Add(_targetRatio);
        Add(_maxCandidates);
        Add(_stopAfter);
    }

    public override bool Interruptible => true;

    /// <summary>A built-in model by name, or an architecture file (a path ending in .json).</summary>
    private static ArchitectureSpec LoadArchitecture(string model)
    {
        if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return File.Exists(model)
                ? ArchitectureFile.Load(model)
                : throw new UsageException($"architecture file '{model}' does not exist");
        }

        return Architectures.Find(model)
            ?? throw new UsageException($"unknown model '{model}' (known: {string.Join(", ", Architectures.All.Select(m => m.Name))}, or an architecture file ending in .json)");
    }

    private static bool SetsBaselineEpochs(string? configJson)
    {
        try
        {
            return configJson is not null && System.Text.Json.Nodes.JsonNode.Parse(configJson, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })?["baseline"]?["epochs"] is not null;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    public override int Run(ParseResult parse, CliContext context)
    {
        string modelName = parse.GetRequiredValue(_model);
        string data = parse.GetRequiredValue(_data);
        string output = parse.GetRequiredValue(_out);
        string? configPath = parse.GetValue(_config);
        string? report = parse.GetValue(_report);
        string? work = parse.GetValue(_work);

        InitialWeights? initialWeights = null;
        InputPreprocessing? preprocessing = _preprocessing.Read(parse);
        ArchitectureSpec architecture;
        if (modelName.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            // The ONNX graph is the architecture and its weights the dense baseline.
            if (!File.Exists(modelName))
            {
                throw new UsageException($"ONNX file '{modelName}' does not exist");
            }

            (architecture, initialWeights) = OnnxToArchitecture.Convert(OnnxReader.Load(modelName), new OnnxConversionOptions { Preprocessing = preprocessing });
        }
        else
        {
            architecture = LoadArchitecture(modelName);
        }

        OutputChecks.File(output, "--out", ".dcz");
        OutputChecks.Folder(report, "--report");
        OutputChecks.Folder(work, "--work");

        string? configJson = null;
        if (configPath is not null)
        {
            if (!File.Exists(configPath))
            {
                throw new UsageException($"config file '{configPath}' does not exist");
            }

            configJson = File.ReadAllText(configPath);
        }

        CompressionConfig config = ConfigLoader.Load(architecture, configJson, configPath ?? "config");
        if (initialWeights is not null && !SetsBaselineEpochs(configJson))
        {
            // An imported model is the dense baseline: no baseline training unless configured.
            config.Baseline.Epochs = 0;
        }

        DataOptions dataOptions = _selection.Read(parse, data, parse.GetValue(_seed));
        if (preprocessing is not null)
        {
            try
            {
                preprocessing.CheckFits(architecture.InputShape);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
        }

        // Temporary files of an earlier run that was killed mid-write (atomic writes leave nothing
        // behind otherwise).
        foreach (string folder in new[] { Path.GetDirectoryName(Path.GetFullPath(output))!, report ?? output + ".report", work ?? output + ".work" })
        {
            foreach (string stale in AtomicFile.RemoveStaleTemporaryFiles(folder))
            {
                context.Out.WriteLine($"removed {stale}, left by an interrupted run");
            }
        }

        Dataset dataset = DatasetLoader.Load(dataOptions, architecture.InputShape);
        double? targetError = parse.GetValue(_targetError);
        double? targetRatio = parse.GetValue(_targetRatio);
        if (targetError is not null || targetRatio is not null)
        {
            if (parse.GetValue(_stopAfter) is not null)
            {
                throw new UsageException("--stop-after-steps does not combine with a target search");
            }

            var targets = new SearchTargets { MaxError = targetError / 100, MinRatio = targetRatio, MaxCandidates = parse.GetValue(_maxCandidates) };
            SearchResult search = context.WithProgress(progress => TargetSearch.Run(new CompressionOptions
            {
                Architecture = architecture,
                Config = config,
                Data = dataset,
                Preprocessing = preprocessing,
                InitialWeights = initialWeights,
                OutputPath = output,
                ReportDirectory = report,
                WorkDirectory = work,
                Seed = parse.GetValue(_seed),
                Threads = parse.GetValue(_threads),
                Resume = !parse.GetValue(_noResume),
                CommandLine = context.CommandLine,
                Progress = progress,
                Cancellation = context.Cancellation,
            }, targets));
            if (!search.MetTarget)
            {
                context.Error.WriteLine($"dcz: no candidate met {targets.Describe()}; wrote the closest (see search.md in the report folder)");
                return Cli.Failure;
            }

            return Cli.Success;
        }

        context.WithProgress(progress => CompressionPipeline.Run(new CompressionOptions
        {
            Architecture = architecture,
            Config = config,
            Data = dataset,
            Preprocessing = preprocessing,
            InitialWeights = initialWeights,
            OutputPath = output,
            ReportDirectory = report,
            WorkDirectory = work,
            Seed = parse.GetValue(_seed),
            Threads = parse.GetValue(_threads),
            Resume = !parse.GetValue(_noResume),
            CommandLine = context.CommandLine,
            Progress = progress,
            Cancellation = context.Cancellation,
            StopAfterSteps = parse.GetValue(_stopAfter),
        }));
        return Cli.Success;
    }
}
