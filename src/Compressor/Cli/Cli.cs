using System.CommandLine;
using System.CommandLine.Parsing;
using EmbeddedNets.Compressor.Commands;
using EmbeddedNets.Compressor.Pipeline;

namespace EmbeddedNets.Compressor;

/// <summary>
/// Command-line entry point of the dcz tool, on System.CommandLine: builds the command tree from
/// <see cref="CreateCommands"/>, turns parse errors into one line with a suggestion for a
/// mistyped name, runs the command, and maps its exceptions to one-line messages and exit codes.
/// </summary>
public static class Cli
{
    /// <summary>Exit code of a successful command.</summary>
    public const int Success = 0;

    /// <summary>Exit code when the command was understood but failed (bad data, I/O, training diverged).</summary>
    public const int Failure = 1;

    /// <summary>Exit code when the command line itself is wrong.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when Ctrl-C or SIGTERM stopped the command (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    private const string Description =
        "dcz — Deep Compression (pruning, trained quantization, Huffman coding) to .dcz files.\n" +
        "Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted.";

    /// <summary>Runs one command as the process does: console streams, live progress on a terminal; returns the exit code.</summary>
    /// <remarks>
    /// Ctrl-C and SIGTERM stop an interruptible command (<see cref="DczCommand.Interruptible"/>) at
    /// its next safe point with exit code <see cref="Interrupted"/>; a second signal ends the process.
    /// </remarks>
    public static int Run(string[] args)
    {
        using var interrupts = new InterruptHandler(Console.Error);
        return Run(args, Console.Out, Console.Error, live: ProgressReporter.TerminalIsInteractive, interrupts.Token, armed => interrupts.Armed = armed);
    }

    /// <summary>Runs one command writing plain output to the given streams; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdout, stderr, live: false, CancellationToken.None);

    /// <summary>
    /// The commands of dcz, in the order help lists them. A new command is a
    /// <see cref="DczCommand"/> subclass added to this list; nothing else changes.
    /// </summary>
    internal static IReadOnlyList<DczCommand> CreateCommands() =>
    [
        new CompressCommand(),
        new SensitivityCommand(),
        new FrontierCommand(),
        new ConvertCommand(),
        new InspectCommand(),
        new EvalCommand(),
        new DownloadMnistCommand(),
        new SliceCommand(),
    ];

    /// <param name="args">The command line.</param>
    /// <param name="stdout">Results and progress.</param>
    /// <param name="stderr">Errors.</param>
    /// <param name="live">Draw live progress (stdout is a terminal).</param>
    /// <param name="cancellation">Stops an interruptible command.</param>
    /// <param name="arm">Told true while an interruptible command runs, false after.</param>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool live, CancellationToken cancellation, Action<bool>? arm = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var verbose = new Option<bool>("--verbose") { Description = "print stack traces of failures", Recursive = true };
        var context = new CliContext(stdout, stderr, live, cancellation, "dcz " + string.Join(' ', args.Select(Quote)));
        RootCommand root = BuildRoot(verbose, context, arm ?? (_ => { }));
        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };

        ParseResult parse = root.Parse(args);
        if (Problems(parse) is { Count: > 0 } problems)
        {
            string command = parse.CommandResult.Command is DczCommand c ? "dcz " + c.Name : "dcz";
            stderr.WriteLine($"dcz: {string.Join("; ", problems)} (see '{command} --help')");
            return UsageError;
        }

        // The selected command's action, help (--help, -h, help COMMAND), --version or a directive.
        return parse.Invoke(invocation);
    }

    private static RootCommand BuildRoot(Option<bool> verbose, CliContext context, Action<bool> arm)
    {
        var root = new RootCommand(Description);
        root.Add(verbose);
        root.SetAction(parse =>
        {
            parse.InvocationConfiguration.Error.WriteLine("dcz: no command given (see 'dcz --help')");
            return UsageError;
        });
        IReadOnlyList<DczCommand> commands = CreateCommands();
        foreach (DczCommand command in commands)
        {
            root.Add(command);
            command.SetAction(parse => Execute(command, parse, context, parse.GetValue(verbose), arm));
        }
        var help = new Command("help", "Show help for dcz or for one command.");
        var topic = new Argument<string?>("COMMAND") { Description = "the command to explain", Arity = ArgumentArity.ZeroOrOne };
        topic.CompletionSources.Add(commands.Select(c => c.Name).ToArray());
        help.Add(topic);
        help.SetAction(parse =>
        {
            string? name = parse.GetValue(topic);
            if (name is not null && !commands.Any(c => c.Name == name))
            {
                parse.InvocationConfiguration.Error.WriteLine($"dcz: unknown command '{name}'{Suggestion(name, commands.Select(c => c.Name))} (see 'dcz --help')");
                return UsageError;
            }

            return root.Parse(name is null ? ["--help"] : [name, "--help"]).Invoke(parse.InvocationConfiguration);
        });
        root.Add(help);
        return root;
    }

    /// <summary>Parse errors and unmatched tokens, each as one line in the tool's words.</summary>
    private static List<string> Problems(ParseResult parse)
    {
        var problems = new List<string>();
        Command command = parse.CommandResult.Command;
        IEnumerable<string> optionNames = command.Options
            .Concat(parse.RootCommandResult.Command.Options.Where(o => o.Recursive))
            .Where(o => !o.Hidden)
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Distinct(StringComparer.Ordinal);

        // A mistyped option before a positional is taken as the positional's value: name it as
        // what it is, and leave out the confusing consequences.
        foreach (ArgumentResult argument in parse.CommandResult.Children.OfType<ArgumentResult>())
        {
            foreach (Token token in argument.Tokens.Where(t => t.Value.Length > 1 && t.Value.StartsWith('-')))
            {
                problems.Add($"unknown option '{token.Value}'{Suggestion(token.Value, optionNames)}");
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        // After an unknown command, the rest of the line means nothing: name the command alone.
        IEnumerable<string> unmatched = command is RootCommand ? parse.UnmatchedTokens.Take(1) : parse.UnmatchedTokens;
        foreach (string token in unmatched)
        {
            bool isOption = token.Length > 1 && token.StartsWith('-');
            IEnumerable<string> candidates = isOption ? optionNames : command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            string what = isOption ? "unknown option" : command is RootCommand ? "unknown command" : "unexpected argument";
            problems.Add($"{what} '{token}'{Suggestion(token, candidates)}");
        }

        foreach (ParseError error in parse.Errors)
        {
            string message = error.SymbolResult switch
            {
                OptionResult { IdentifierToken: null } o => $"missing {o.Option.Name}",
                OptionResult { Tokens.Count: 0 } o => $"{o.Option.Name} needs a value",
                OptionResult { IdentifierTokenCount: > 1 } o => $"{o.Option.Name} given {o.IdentifierTokenCount} times",
                ArgumentResult { Tokens.Count: 0 } a => $"missing {a.Argument.Name}",
                _ => error.Message.TrimEnd('.'),
            };
            if (!problems.Contains(message, StringComparer.Ordinal) && !IsUnmatchedTokenError(error, parse))
            {
                problems.Add(message);
            }
        }

        return problems;
    }

    /// <summary>The parser's own error for a token already reported above (it is only raised for the root command).</summary>
    private static bool IsUnmatchedTokenError(ParseError error, ParseResult parse) =>
        parse.UnmatchedTokens.Any(t => error.Message == $"Unrecognized command or argument '{t}'.");

    /// <summary><c>; did you mean 'x'?</c> for the closest candidate within a small edit distance, else empty.</summary>
    internal static string Suggestion(string token, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = EditDistance(token, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        int allowed = Math.Max(1, token.TrimStart('-').Length / 3);
        return best is not null && bestDistance <= allowed ? $"; did you mean '{best}'?" : string.Empty;
    }

    private static int EditDistance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    private static int Execute(DczCommand command, ParseResult parse, CliContext context, bool verbose, Action<bool> arm)
    {
        TextWriter stderr = context.Error;
        try
        {
            arm(command.Interruptible);
            return command.Run(parse, context);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"dcz: {e.Message} (see 'dcz {command.Name} --help')");
            return UsageError;
        }
        catch (ConfigException e)
        {
            stderr.WriteLine("dcz: " + OneLine(e));
            return UsageError;
        }
        catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
        {
            stderr.WriteLine("dcz: interrupted");
            return Interrupted;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or InvalidOperationException or HttpRequestException or ArgumentException)
        {
            stderr.WriteLine("dcz: " + OneLine(e));
            if (verbose)
            {
                stderr.WriteLine(e.ToString());
            }

            return Failure;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, not a user error: still one line, with the stack trace on request.
            stderr.WriteLine($"dcz: internal error ({e.GetType().Name}): {OneLine(e)}{(verbose ? string.Empty : "; --verbose prints the stack trace")}");
            if (verbose)
            {
                stderr.WriteLine(e.ToString());
            }

            return Failure;
        }
        finally
        {
            arm(false);
        }
    }

    /// <summary>An exception's message on one line, without .NET's parameter-name suffix.</summary>
    internal static string OneLine(Exception e)
    {
        string message = e is ArgumentException { ParamName: string name } a
            ? a.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal)
            : e.Message;
        return string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:+,".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
