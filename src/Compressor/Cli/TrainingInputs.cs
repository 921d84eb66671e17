using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Onnx;
using EmbeddedNets.Compressor.Pipeline;

namespace EmbeddedNets.Compressor;

/// <summary>
/// The options of every command that trains a network (<c>compress</c>, <c>sensitivity</c>): the
/// model (built-in name, architecture file or ONNX model), the data and its selection, input
/// preprocessing, seed, settings file, checkpoint folder, threads and resuming — declared once, so
/// the commands take the same inputs the same way.
/// </summary>
internal sealed class TrainingInputs
{
    /// <summary>
    /// One thread: results depend on the thread count, so the default is fixed rather than the core
    /// count, and on a busy machine one thread is several times faster than two spinning OpenMP
    /// workers (17 s vs 75 s for the same short run here).
    /// </summary>
    private const int DefaultThreads = 1;

    private readonly Option<string> _model;
    private readonly Option<string> _data = CliOptions.AnyData("training data (MNIST: dcz download-mnist fetches it)");
    private readonly CliOptions.DataSelection _selection = new();
    private readonly CliOptions.PreprocessingSelection _preprocessing = new();
    private readonly Option<ulong> _seed = CliOptions.Seed();
    private readonly Option<string?> _config = CliOptions.Config();
    private readonly Option<string?> _work;
    private readonly Option<int> _threads = CliOptions.Int32("--threads", "N", 1, 256, DefaultThreads, "TorchSharp CPU threads (results are reproducible for a given count)");
    private readonly Option<bool> _noResume = new("--no-resume") { Description = "start from scratch even if the work folder holds a matching checkpoint" };

    /// <param name="modelDescription">What the command does with the model (the option's help starts with it).</param>
    /// <param name="workDescription">Where checkpoints go by default and what is reused.</param>
    public TrainingInputs(string modelDescription, string workDescription)
    {
        _model = new Option<string>("--model")
        {
            Description = modelDescription + ": " + string.Join(", ", Architectures.All.Select(m => m.Name)) + ", an architecture file FILE.json (docs/architecture-files.md), or an ONNX model FILE.onnx whose weights are the dense baseline (docs/bring-your-own-model.md)",
            HelpName = "NAME|FILE.json|FILE.onnx",
            Required = true,
        };
        _model.CompletionSources.Add(Architectures.All.Select(m => m.Name).ToArray());
        _work = new Option<string?>("--work") { Description = workDescription, HelpName = "DIR" };
    }

    /// <summary>The <c>--work</c> value, or null for the command's default folder.</summary>
    public string? WorkDirectory(ParseResult parse) => parse.GetValue(_work);

    /// <summary>
    /// Adds the options to <paramref name="command"/>, the command's own outputs
    /// (<paramref name="outputs"/>) after the data options, as help lists them.
    /// </summary>
    public void AddTo(Command command, params Option[] outputs)
    {
        command.Add(_model);
        command.Add(_data);
        _selection.AddTo(command);
        _preprocessing.AddTo(command);
        foreach (Option o in outputs)
        {
            command.Add(o);
        }

        command.Add(_seed);
        command.Add(_config);
        command.Add(_work);
        command.Add(_threads);
        command.Add(_noResume);
    }

    /// <summary>
    /// Reads the model, settings and data of a parsed command line and returns the run's options
    /// with <paramref name="outputPath"/> and <paramref name="reportDirectory"/> as its outputs.
    /// </summary>
    /// <exception cref="UsageException">A named file is missing or the preprocessing does not fit the model.</exception>
    /// <exception cref="ConfigException">The settings file is not valid settings.</exception>
    public CompressionOptions Read(ParseResult parse, CliContext context, string outputPath, string? reportDirectory = null, string? workDirectory = null)
    {
        string model = parse.GetRequiredValue(_model);
        InputPreprocessing? preprocessing = _preprocessing.Read(parse);
        InitialWeights? initialWeights = null;
        ArchitectureSpec architecture;
        if (model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            // The ONNX graph is the architecture and its weights the dense baseline.
            if (!File.Exists(model))
            {
                throw new UsageException($"ONNX file '{model}' does not exist");
            }

            (architecture, initialWeights) = OnnxToArchitecture.Convert(OnnxReader.Load(model), new OnnxConversionOptions { Preprocessing = preprocessing });
        }
        else
        {
            architecture = Architecture(model);
        }

        string? configPath = parse.GetValue(_config);
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

        ulong seed = parse.GetValue(_seed);
        DataOptions dataOptions = _selection.Read(parse, parse.GetRequiredValue(_data), seed);
        return new CompressionOptions
        {
            Architecture = architecture,
            Config = config,
            Data = DatasetLoader.Load(dataOptions, architecture.InputShape),
            Preprocessing = preprocessing,
            InitialWeights = initialWeights,
            OutputPath = outputPath,
            ReportDirectory = reportDirectory,
            WorkDirectory = workDirectory ?? parse.GetValue(_work),
            Seed = seed,
            Threads = parse.GetValue(_threads),
            Resume = !parse.GetValue(_noResume),
            CommandLine = context.CommandLine,
            Cancellation = context.Cancellation,
        };
    }

    /// <summary>A built-in model by name, or an architecture file (a path ending in .json).</summary>
    /// <exception cref="UsageException">No built-in architecture has that name, or the file does not exist.</exception>
    public static ArchitectureSpec Architecture(string model)
    {
        if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return File.Exists(model)
                ? ArchitectureFile.Load(model)
                : throw new UsageException($"architecture file '{model}' does not exist");
        }

        return Architectures.Find(model)
            ?? throw new UsageException($"unknown model '{model}' (known: {string.Join(", ", Architectures.All.Select(m => m.Name))}, an architecture file ending in .json, or an ONNX model ending in .onnx)");
    }

    private static bool SetsBaselineEpochs(string? configJson)
    {
        try
        {
            return configJson is not null && JsonNode.Parse(configJson, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })?["baseline"]?["epochs"] is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
