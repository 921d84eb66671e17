using System.Diagnostics;
using System.Globalization;

namespace EmbeddedNets.Compressor.Pipeline;

/// <summary>
/// Progress of a compression run: one plain line per epoch (stage, epoch, loss, test accuracy,
/// elapsed time, estimated time left) and, on an interactive terminal, a live line redrawn with
/// <c>\r</c> while an epoch runs. The live line is off when output is redirected or the <c>CI</c>
/// environment variable is set, so logs hold only whole lines.
/// </summary>
internal sealed class ProgressReporter
{
    private const long LiveIntervalMs = 200;

    private readonly TextWriter _out;
    private readonly bool _live;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastLive = -LiveIntervalMs;
    private int _liveLength;

    public ProgressReporter(TextWriter output, bool live)
    {
        _out = output;
        _live = live;
    }

    /// <summary>Live updates are wanted when stdout is a terminal and <c>CI</c> is not set.</summary>
    public static bool DefaultLive =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Seconds since this reporter was created.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    /// <summary>A plain message line.</summary>
    public void Line(string message)
    {
        ClearLive();
        _out.WriteLine(message);
        _out.Flush();
    }

    /// <summary>Redraws the live line (throttled) for an epoch that is <paramref name="fraction"/> done.</summary>
    public void Live(string label, double fraction, double secondsLeft)
    {
        if (!_live)
        {
            return;
        }

        long now = _clock.ElapsedMilliseconds;
        if (now - _lastLive < LiveIntervalMs && fraction < 1)
        {
            return;
        }

        _lastLive = now;
        string text = string.Create(CultureInfo.InvariantCulture, $"{label} {fraction * 100,5:F1} %  elapsed {Duration(Elapsed)}  left ~{Duration(secondsLeft)}");
        _out.Write('\r' + text.PadRight(_liveLength));
        _liveLength = text.Length;
        _out.Flush();
    }

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

    private void ClearLive()
    {
        if (_live && _liveLength > 0)
        {
            _out.Write('\r' + new string(' ', _liveLength) + '\r');
            _liveLength = 0;
        }
    }
}
