using System.CommandLine;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Search;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz compress</c>: train, prune, quantize, Huffman-code, write the .dcz and its report.</summary>
internal sealed class CompressCommand : DczCommand
{
    private readonly TrainingInputs _inputs = new("the network to train", "checkpoint folder (default FILE.dcz.work); a matching checkpoint there is resumed");
    private readonly Option<string> _out = new("--out")
    {
        Description = "the .dcz file to write (its folder must exist)",
        HelpName = "FILE.dcz",
        Required = true,
    };

    private readonly Option<string?> _report = new("--report")
    {
        Description = "report folder (default FILE.dcz.report)",
        HelpName = "DIR",
    };

    private readonly Option<double?> _targetError = CliOptions.OptionalDouble("--target-error", "PERCENT", 0, 100, "search per-layer pruning and bits for the smallest file whose validation error is at most PERCENT (e.g. 1.6)");
    private readonly Option<double?> _targetRatio = CliOptions.OptionalDouble("--target-ratio", "R", 1, 1e9, "search for a file at least R times smaller than dense float32 (with --target-error: both must hold; alone: the most accurate such file)");
    private readonly Option<int> _maxCandidates = CliOptions.Int32("--max-candidates", "N", 1, 50, 6, "with a target: most settings the search tries (each a full prune, retrain and quantize run)");
    private readonly Option<int?> _stopAfter = CliOptions.OptionalInt32("--stop-after-steps", "N", 0, int.MaxValue, "stop after N steps of the plan, keeping the checkpoint (for tests)");

    public CompressCommand()
        : base("compress", "Train a model on the data, prune it, quantize it, Huffman-code it and write FILE.dcz with the accuracy of the written file (Runtime inference) and a report folder. Checkpoints go to the work folder; a matching one is resumed, and Ctrl-C stops at the next batch keeping the last completed step.")
    {
        _stopAfter.Hidden = true;
        _inputs.AddTo(this, _out);
        Add(_report);
        Add(_targetError);
        Add(_targetRatio);
        Add(_maxCandidates);
        Add(_stopAfter);
    }

    public override bool Interruptible => true;

    public override int Run(ParseResult parse, CliContext context)
    {
        string output = parse.GetRequiredValue(_out);
        string? report = parse.GetValue(_report);
        string? work = _inputs.WorkDirectory(parse);
        OutputChecks.File(output, "--out", ".dcz");
        OutputChecks.Folder(report, "--report");
        OutputChecks.Folder(work, "--work");
        double? targetError = parse.GetValue(_targetError);
        double? targetRatio = parse.GetValue(_targetRatio);
        bool search = targetError is not null || targetRatio is not null;
        int? stopAfter = parse.GetValue(_stopAfter);
        if (search && stopAfter is not null)
        {
            throw new UsageException("--stop-after-steps does not combine with a target search");
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

        CompressionOptions options = _inputs.Read(parse, context, output, report) with { StopAfterSteps = stopAfter };
        if (!search)
        {
            context.WithProgress(progress => CompressionPipeline.Run(options with { Progress = progress }));
            return Cli.Success;
        }

        var targets = new SearchTargets { MaxError = targetError / 100, MinRatio = targetRatio, MaxCandidates = parse.GetValue(_maxCandidates) };
        SearchResult result = context.WithProgress(progress => TargetSearch.Run(options with { Progress = progress }, targets));
        if (!result.MetTarget)
        {
            context.Error.WriteLine($"dcz: no candidate met {targets.Describe()}; wrote the closest (see search.md in the report folder)");
            return Cli.Failure;
        }

        return Cli.Success;
    }
}
