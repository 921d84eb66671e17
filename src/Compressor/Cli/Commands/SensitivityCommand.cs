using System.CommandLine;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Search;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz sensitivity</c>: per-layer accuracy vs pruning quality and vs bits, on the validation split.</summary>
internal sealed class SensitivityCommand : DczCommand
{
    private readonly TrainingInputs _inputs = new("the network to analyse", "checkpoint folder (default DIR/work); give a compress run's FILE.dcz.work to reuse its trained network when the settings match");
    private readonly Option<string> _out = new("--out")
    {
        Description = "folder for sensitivity.md, sensitivity.json and the plots (created if needed)",
        HelpName = "DIR",
        Required = true,
    };

    private readonly Option<string> _stage = new("--stage")
    {
        Description = "which network: baseline (the trained dense network) or pruned (after pruning and retraining)",
        HelpName = "STAGE",
        DefaultValueFactory = _ => "baseline",
    };

    public SensitivityCommand()
        : base("sensitivity", "Per weighted layer, the validation accuracy after pruning only that layer at qualities 0–4 (threshold = quality × std of its dense weights) and after weight sharing only that layer at 1–8 bits, without retraining; writes a Markdown table, JSON and two plots. Trains (or resumes) the network first, with the same settings and checkpoints as compress.")
    {
        _stage.AcceptOnlyFromAmong("baseline", "pruned");
        _inputs.AddTo(this, _out);
        Add(_stage);
    }

    public override bool Interruptible => true;

    public override int Run(ParseResult parse, CliContext context)
    {
        string output = parse.GetRequiredValue(_out);
        string? work = _inputs.WorkDirectory(parse);
        OutputChecks.Folder(output, "--out");
        OutputChecks.Folder(work, "--work");
        foreach (string folder in new[] { output, work ?? Path.Combine(output, "work") })
        {
            foreach (string stale in AtomicFile.RemoveStaleTemporaryFiles(folder))
            {
                context.Out.WriteLine($"removed {stale}, left by an interrupted run");
            }
        }

        CompressionOptions run = _inputs.Read(parse, context, Path.Combine(output, "model.dcz"), workDirectory: work ?? Path.Combine(output, "work"));
        context.WithProgress(progress => Sensitivity.Run(new SensitivityOptions
        {
            Architecture = run.Architecture,
            Config = run.Config,
            Data = run.Data,
            Preprocessing = run.Preprocessing,
            InitialWeights = run.InitialWeights,
            OutputDirectory = output,
            WorkDirectory = run.WorkDirectory,
            Seed = run.Seed,
            Threads = run.Threads,
            Resume = run.Resume,
            Stage = parse.GetValue(_stage) == "pruned" ? SensitivityStage.Pruned : SensitivityStage.Baseline,
            CommandLine = context.CommandLine,
            Progress = progress,
            Cancellation = context.Cancellation,
        }));
        return Cli.Success;
    }
}
