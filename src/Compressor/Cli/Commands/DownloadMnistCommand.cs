using System.CommandLine;
using EmbeddedNets.Compressor.Data;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz download-mnist</c>: the four MNIST files from the canonical mirrors, verified.</summary>
internal sealed class DownloadMnistCommand : DczCommand
{
    private readonly Argument<string> _directory = new("DIR") { Description = "folder to download into (created if needed)" };

    public DownloadMnistCommand()
        : base("download-mnist", "Download the four MNIST files from the canonical mirrors and verify their SHA-256.")
    {
        Add(_directory);
    }

    public override bool Interruptible => true;

    public override int Run(ParseResult parse, CliContext context)
    {
        string directory = parse.GetRequiredValue(_directory);
        foreach (string stale in AtomicFile.RemoveStaleTemporaryFiles(directory))
        {
            context.Out.WriteLine($"removed {stale}, left by an interrupted run");
        }

        using var downloader = new MnistDownloader(log: context.Out);
        IReadOnlyList<MnistDownloadOutcome> outcomes = downloader.DownloadAsync(directory, cancellationToken: context.Cancellation).GetAwaiter().GetResult();
        context.Out.WriteLine($"{outcomes.Count} verified MNIST files in {Path.GetFullPath(directory)}");
        return Cli.Success;
    }
}
