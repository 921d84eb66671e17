using EmbeddedNets.Compressor.Pipeline;

namespace EmbeddedNets.Compressor;

/// <summary>What a running <see cref="DczCommand"/> may use: output streams, progress, the interrupt token.</summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool live, CancellationToken cancellation, string commandLine)
    {
        Out = output;
        Error = error;
        Live = live;
        Cancellation = cancellation;
        CommandLine = commandLine;
    }

    /// <summary>Standard output: results and progress lines.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error: warnings (errors are written by <see cref="Cli"/>).</summary>
    public TextWriter Error { get; }

    /// <summary>Output is an interactive terminal: live progress may be drawn.</summary>
    public bool Live { get; }

    /// <summary>Fires on the first Ctrl-C or SIGTERM (only for <see cref="DczCommand.Interruptible"/> commands).</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>The command line as typed (quoted for a POSIX shell), for reports.</summary>
    public string CommandLine { get; }

    /// <summary>
    /// Runs <paramref name="work"/> with a progress reporter: a live Spectre.Console bar with lines
    /// above it on a terminal, plain lines on <see cref="Out"/> otherwise (logs, CI, tests).
    /// </summary>
    public T WithProgress<T>(Func<ProgressReporter, T> work) =>
        Live ? ProgressReporter.RunLive(work) : work(ProgressReporter.Plain(Out));
}
