using System.Diagnostics;
using System.Text.RegularExpressions;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>
/// What every fuzzed file must satisfy, beyond the reader: a rejected file is rejected by
/// <see cref="CompactModel.Load"/> the same way (one line, one of its documented exceptions); an
/// accepted file loads, runs (<c>Predict</c> on zeros) within the format's memory bounds, and
/// round-trips.
/// </summary>
internal sealed partial class FuzzChecks
{
    /// <summary>Every this many rejected files, <see cref="CompactModel.Load"/> is checked to reject it too.</summary>
    private const int RejectedLoadSample = 8;

    private readonly Dictionary<string, int> _outcomes = new();
    private int _rejected;

    public int Cases { get; private set; }

    public int Accepted { get; private set; }

    public int ChecksumStops { get; private set; }

    /// <summary>The largest allocation of one accepted file's Load and Predict, over its bound.</summary>
    public double WorstAllocationRatio { get; private set; }

    /// <summary>The slowest accepted file (Load and Predict), for the report.</summary>
    public (TimeSpan Time, string What) Slowest { get; private set; }

    public IReadOnlyDictionary<string, int> Outcomes => _outcomes;

    /// <summary>
    /// Memory one accepted file may cost to load and run once: fixed costs per layer, a multiple of
    /// the file's bytes (the entries and their compact forms), and a multiple of the activations
    /// (the workspace, per-column and per-channel tables). docs/dcz-format.md §8.
    /// </summary>
    public static long AllocationBound(int fileBytes, int layers, ModelShapes shapes) =>
        (1L << 20) + (64L << 10) * layers + (128L * fileBytes) + (16L * (shapes.TotalActivationLength + shapes.InputLength));

    /// <summary>Time spent in <see cref="Check"/> (reading, loading, running), for the report.</summary>
    public TimeSpan CheckTime => _checkTime.Elapsed;

    private readonly Stopwatch _checkTime = new();

    public void Check(byte[] bytes, string what)
    {
        _checkTime.Start();
        try
        {
            CheckOne(bytes, what);
        }
        finally
        {
            _checkTime.Stop();
        }
    }

    private void CheckOne(byte[] bytes, string what)
    {
        Cases++;
        Exception? readError = null;
        DczModel? model = null;
        try
        {
            model = DczFile.Read(bytes);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            readError = e;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: DczFile.Read threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }

        if (readError is not null)
        {
            Assert.False(string.IsNullOrWhiteSpace(readError.Message), what);
            Assert.False(readError.Message.Contains('\n'), $"{what}: a message of more than one line: {readError.Message}");
            ChecksumStops += readError.Message.Contains("checksum mismatch", StringComparison.Ordinal) ? 1 : 0;

            // CompactModel.Load rejects it with the same exception: its documented ones only. Load
            // reads through DczFile.Read first, so a sample of the rejected files suffices.
            if (_rejected++ % RejectedLoadSample == 0)
            {
                Exception loadError = Assert.ThrowsAny<Exception>(() => CompactModel.Load(bytes));
                Assert.True(loadError.GetType() == readError.GetType() && loadError.Message == readError.Message, $"{what}: Load threw {loadError.GetType().Name}: {loadError.Message}");
            }

            Count(readError.GetType().Name + ": " + Category(readError.Message));
            return;
        }

        Accepted++;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        CompactModel compact;
        try
        {
            compact = CompactModel.Load(bytes);
            var zeros = new float[compact.InputLength];
            int predicted = compact.Predict(zeros);
            Assert.InRange(predicted, 0, compact.OutputLength - 1);
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: the reader accepts the file but loading or running it throws {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            throw;
        }

        stopwatch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long bound = AllocationBound(bytes.Length, model!.Layers.Count, compact.Shapes);
        WorstAllocationRatio = Math.Max(WorstAllocationRatio, allocated / (double)bound);
        Assert.True(allocated <= bound, $"{what}: loading and running allocated {allocated} bytes, over the bound of {bound}");
        Assert.True(compact.WorkspaceLength <= DczConstants.MaxTotalActivationLength + DczConstants.MaxActivationLength, what);
        Assert.True(compact.Shapes.Operations <= DczConstants.MaxOperations, what);
        if (stopwatch.Elapsed > Slowest.Time)
        {
            Slowest = (stopwatch.Elapsed, what);
        }

        // Whatever is accepted is a valid model: it writes and reads back to itself.
        DczModel again = DczFile.Read(DczFile.Write(model));
        string? difference = DczTestModels.FirstDifference(model, again);
        Assert.True(difference is null, $"{what}: accepted but does not round-trip: {difference}");
        Count("accepted, loaded and run");
    }

    public void Report(Action<string> write)
    {
        write(FormattableString.Invariant($"{Cases} files ({CheckTime.TotalSeconds:F2} s checking them), {Accepted} accepted and run; slowest accepted {Slowest.Time.TotalMilliseconds:F1} ms ({Slowest.What}); worst allocation {WorstAllocationRatio:P1} of its bound"));
        foreach (KeyValuePair<string, int> outcome in _outcomes.OrderByDescending(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal))
        {
            write(FormattableString.Invariant($"  {outcome.Value,7}  {outcome.Key}"));
        }
    }

    private void Count(string outcome) => _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;

    /// <summary>A coarse bucket for the report: the message with layer names, numbers and offsets removed.</summary>
    public static string Category(string message)
    {
        string text = LayerLabel().Replace(message, "layer");
        text = Offset().Replace(text, "");
        text = Number().Replace(text, "#");
        text = Parenthesis().Replace(text, "(…)");
        return text.Length > 110 ? text[..110] : text;
    }

    [GeneratedRegex(@"layer \d+ \([^)]*\)")]
    private static partial Regex LayerLabel();

    [GeneratedRegex(@" \(at byte \d+\)")]
    private static partial Regex Offset();

    [GeneratedRegex(@"0x[0-9A-F]+|-?\d+(\.\d+)?(E[+-]?\d+)?")]
    private static partial Regex Number();

    [GeneratedRegex(@"\([^)]*\)")]
    private static partial Regex Parenthesis();
}
