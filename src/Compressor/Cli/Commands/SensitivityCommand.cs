using System.CommandLine;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Search;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz sensitivity</c>: per-layer accuracy vs pruning quality and vs bits, on the validation split.</summary>
internal sealed class SensitivityCommand : DczCommand
{
    private readonly Option<string> _model = ModelSettings.ModelOption("the network to analyse");
    private readonly Option<string> _data = CliOptions.AnyData("training data (MNIST: dcz download-mnist fetches it)");
    private readonly CliOptions.DataSelection _selection = new();
    private readonly CliOptions.PreprocessingSelection _preprocessing = new();
    private readonly Option<string> _out = new("--out")
    {
        Description = "folder for sensitivity.md, sensitivity.json and the plots (created if needed)",
        HelpName = "DIR",
        Required = true,
    };

    private readonly Option<ulong> _seed = CliOptions.Seed();
    private readonly Option<string?> _config = CliOptions.Config();
    private readonly Option<string?> _work = new("--work")
    {
        Description = "checkpoint folder (default DIR/work); give a compress run's FILE.dcz.work to reuse its trained network when the settings match",
        HelpName = "DIR",
    };

    private readonly Option<string> _stage = new("--stage")
    {
        Description = "which network: baseline (the trained dense network) or pruned (after pruning and retraining)",
        HelpName = "STAGE",
        DefaultValueFactory = _ => "baseline",
    };

    private readonly Option<int> _threads = CliOptions.Int32("--threads", "N", 1, 256, 1, "TorchSharp CPU threads (results are reproducible for a given count)");
    private readonly Option<bool> _noResume = new("--no-resume") { Description = "train from scratch even if the work folder holds a matching checkpoint" };

    public SensitivityCommand()
        : base("sensitivity", "Per weighted layer, the validation accuracy after pruning only that layer at qualities 0–4 (threshold = quality × std of its dense weights) and after weight sharing only that layer at 1–8 bits, without retraining; writes a Markdown table, JSON and two plots. Trains (or resumes) the network first, with the same settings and checkpoints as compress.")
    {
        _stage.AcceptOnlyFromAmong("baseline", "pruned");
        Add(_model);
        Add(_data);
        _selection.AddTo(this);
        _preprocessing.AddTo(this);
        Add(_out);
        Add(_seed);
        Add(_config);
        Add(_work);
        Add(_stage);
        Add(_threads);
        Add(_noResume);
    }

    public override bool Interruptible => true;

    public override int Run(ParseResult parse, CliContext context)
    {
        ArchitectureSpec architecture = ModelSettings.Architecture(parse.GetRequiredValue(_model));
        string data = parse.GetRequiredValue(_data);
        string output = parse.GetRequiredValue(_out);
        string? work = parse.GetValue(_work);
        OutputChecks.Folder(output, "--out");
        OutputChecks.Folder(work, "--work");
        CompressionConfig config = ModelSettings.Load(architecture, parse.GetValue(_config));
        DataOptions dataOptions = _selection.Read(parse, data, parse.GetValue(_seed));
        InputPreprocessing? preprocessing = _preprocessing.Read(parse);
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

        foreach (string folder in new[] { output, work ?? Path.Combine(output, "work") })
        {
            foreach (string stale in AtomicFile.RemoveStaleTemporaryFiles(folder))
            {
                context.Out.WriteLine($"removed {stale}, left by an interrupted run");
            }
        }

        Dataset dataset = DatasetLoader.Load(dataOptions, architecture.InputShape);
        context.WithProgress(progress => Sensitivity.Run(new SensitivityOptions
        {
            Architecture = architecture,
            Config = config,
            Data = dataset,
            Preprocessing = preprocessing,
            OutputDirectory = output,
            WorkDirectory = work,
            Seed = parse.GetValue(_seed),
            Threads = parse.GetValue(_threads),
            Resume = !parse.GetValue(_noResume),
            Stage = parse.GetValue(_stage) == "pruned" ? SensitivityStage.Pruned : SensitivityStage.Baseline,
            CommandLine = context.CommandLine,
            Progress = progress,
            Cancellation = context.Cancellation,
        }));
        return Cli.Success;
    }
}
