using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace EmbeddedNets.Compressor.Pipeline;

/// <summary>
/// Progress of a long command: whole lines (stage, epoch, loss, accuracy, times) and a live
/// indicator for the work in between. <see cref="Plain"/> writes only whole lines, for logs and
/// redirected output; <see cref="RunLive{T}"/> draws a live progress bar on the terminal with
/// Spectre.Console and prints the same lines above it.
/// </summary>
public abstract class ProgressReporter
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>
    /// Live display is wanted when stdout is a terminal and the <c>CI</c> environment variable is
    /// not set, so logs hold only whole lines.
    /// </summary>
    public static bool TerminalIsInteractive =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Seconds since this reporter was created.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    /// <summary>A reporter that writes whole lines to <paramref name="output"/> and ignores live updates.</summary>
    public static ProgressReporter Plain(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return new PlainProgress(output);
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a reporter that draws a live progress bar on the console
    /// (Spectre.Console) and prints lines above it; the bar is removed when the work ends.
    /// </summary>
    public static T RunLive<T>(Func<ProgressReporter, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context => result = work(new LiveProgress(context)));
        return result;
    }

    /// <summary>A whole line of progress.</summary>
    public abstract void Line(string message);

    /// <summary>The current piece of work (<paramref name="label"/>) is <paramref name="fraction"/> done, about <paramref name="secondsLeft"/> seconds remain overall.</summary>
    public abstract void Live(string label, double fraction, double secondsLeft);

    /// <summary>Formats seconds as <c>42 s</c>, <c>3 min 05 s</c> or <c>1 h 02 min</c>.</summary>
    public static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            return "?";
        }

        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours} h {t.Minutes:D2} min")
            : t.TotalMinutes >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{t.Minutes} min {t.Seconds:D2} s")
                : string.Create(CultureInfo.InvariantCulture, $"{t.Seconds} s");
    }

    private sealed class PlainProgress : ProgressReporter
    {
        private readonly TextWriter _out;

        public PlainProgress(TextWriter output) => _out = output;

        public override void Line(string message)
        {
            _out.WriteLine(message);
            _out.Flush();
        }

        public override void Live(string label, double fraction, double secondsLeft)
        {
        }
    }

    /// <summary>One Spectre progress task per label; lines go through the console so they print above the bar.</summary>
    private sealed class LiveProgress : ProgressReporter
    {
        private readonly ProgressContext _context;
        private ProgressTask? _task;
        private string? _label;

        public LiveProgress(ProgressContext context) => _context = context;

        public override void Line(string message)
        {
            if (_task is not null)
            {
                _task.StopTask();
                _task = null;
                _label = null;
            }

            AnsiConsole.WriteLine(message);
        }

        public override void Live(string label, double fraction, double secondsLeft)
        {
            if (_task is null || !string.Equals(_label, label, StringComparison.Ordinal))
            {
                _task?.StopTask();
                _task = _context.AddTask(Markup.Escape(label), autoStart: true, maxValue: 1);
                _label = label;
            }

            _task.Description = Markup.Escape($"{label}  (all left ~{Duration(secondsLeft)})");
            _task.Value = Math.Clamp(fraction, 0, 1);
        }
    }
}
