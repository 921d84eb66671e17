using System.CommandLine;

namespace EmbeddedNets.Compressor;

/// <summary>
/// One <c>dcz</c> subcommand. A subclass declares its arguments and options in its constructor
/// (as fields, read back in <see cref="Run"/>), and does its work in <see cref="Run"/>; it is
/// registered once, in <see cref="Cli.CreateCommands"/>. Parsing, help, typo suggestions, error
/// messages, exit codes and interrupts are handled for every command by <see cref="Cli"/>.
/// </summary>
internal abstract class DczCommand : Command
{
    protected DczCommand(string name, string description)
        : base(name, description)
    {
    }

    /// <summary>
    /// True when <see cref="Run"/> watches <see cref="CliContext.Cancellation"/> and leaves things
    /// in order when it fires: then Ctrl-C or SIGTERM ends the command cleanly with exit code 130.
    /// Otherwise the signal ends the process at once, as it would without a handler.
    /// </summary>
    public virtual bool Interruptible => false;

    /// <summary>Runs the command on a command line that parsed without errors; returns the exit code.</summary>
    /// <exception cref="UsageException">An argument is wrong in a way the parser cannot see (the message names it).</exception>
    public abstract int Run(ParseResult parse, CliContext context);
}
