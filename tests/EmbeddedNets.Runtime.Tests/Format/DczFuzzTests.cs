using System.Diagnostics;
using System.Text.RegularExpressions;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using Xunit.Abstractions;

namespace EmbeddedNets.Runtime.Tests.Format;

public sealed class DczFuzzTests
{
    private const int MutationsPerFilePerMode = 6000;

    private readonly ITestOutputHelper _output;

    public DczFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>Small valid files of different shapes: the spec example, edge cases, random MLPs and CNNs.</summary>
    private static List<(string Name, byte[] Bytes)> Seeds()
    {
        var seeds = new List<(string, byte[])>();
        foreach ((string name, DczModel model) in DczTestModels.EdgeCases())
        {
            byte[] bytes = DczFile.Write(model);
            if (bytes.Length <= 2048)
            {
                seeds.Add((name, bytes));
            }
        }

        for (int seed = 0; seeds.Count < 16; seed++)
        {
            byte[] bytes = DczFile.Write(DczTestModels.Random(1000 + seed));
            if (bytes.Length <= 2048)
            {
                seeds.Add(("random " + seed, bytes));
            }
        }

        return seeds;
    }

    [Fact]
    public void Read_MutatedAndTruncatedFiles_ThrowOnlyFormatExceptions()
    {
        var stopwatch = Stopwatch.StartNew();
        var outcomes = new Dictionary<string, int>();
        int variants = 0, checksumStops = 0, rewrittenChecksumStops = 0;
        List<(string Name, byte[] Bytes)> seeds = Seeds();
        for (int f = 0; f < seeds.Count; f++)
        {
            (string name, byte[] file) = seeds[f];
            foreach (byte[] prefix in DczMutations.Truncations(file))
            {
                Check(name, "truncated to " + prefix.Length, prefix, rewritten: false);
                byte[] fixedPrefix = (byte[])prefix.Clone();
                DczFile.RewriteChecksum(fixedPrefix);
                Check(name, "truncated to " + prefix.Length + " (checksum rewritten)", fixedPrefix, rewritten: true);
            }

            foreach (bool rewrite in new[] { false, true })
            {
                foreach (DczMutation mutation in DczMutations.Corpus(file, MutationsPerFilePerMode, seed: (f * 2) + (rewrite ? 1 : 0), rewrite))
                {
                    Check(name, mutation.ToString(), mutation.Bytes, rewrite);
                }
            }
        }

        stopwatch.Stop();
        _output.WriteLine($"{variants} variants of {seeds.Count} files in {stopwatch.Elapsed.TotalSeconds:F2} s");
        foreach (KeyValuePair<string, int> outcome in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            _output.WriteLine($"  {outcome.Key}: {outcome.Value}");
        }

        Assert.True(variants >= 100_000, $"only {variants} variants");

        // With the checksum recomputed, damage must reach the body parser rather than stop at the CRC.
        Assert.Equal(0, rewrittenChecksumStops);
        Assert.True(checksumStops > 10_000, $"only {checksumStops} variants stopped at the checksum");
        Assert.True(outcomes.GetValueOrDefault("parsed") > 100, "almost nothing parsed: the corpus is not exercising valid paths");

        void Check(string seedName, string what, byte[] bytes, bool rewritten)
        {
            variants++;
            string outcome;
            try
            {
                DczModel model = DczFile.Read(bytes);

                // Whatever parses is a valid model: it writes and reads back to itself.
                DczModel again = DczFile.Read(DczFile.Write(model));
                string? difference = DczTestModels.FirstDifference(model, again);
                Assert.True(difference is null, $"{seedName}, {what}: parsed but does not round-trip: {difference}");
                outcome = "parsed";
            }
            catch (InvalidDataException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                if (e.Message.Contains("checksum mismatch", StringComparison.Ordinal))
                {
                    checksumStops++;
                    rewrittenChecksumStops += rewritten ? 1 : 0;
                }

                outcome = "InvalidDataException: " + Category(e.Message);
            }
            catch (NotSupportedException e)
            {
                outcome = "NotSupportedException: " + Category(e.Message);
            }
            catch (Exception e)
            {
                Assert.Fail($"{seedName}, {what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                throw;
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
    }

    /// <summary>A coarse bucket for the report: the message with layer names, numbers and offsets removed.</summary>
    private static string Category(string message)
    {
        string text = Regex.Replace(message, @"layer \d+ \([^)]*\)", "layer");
        text = Regex.Replace(text, @" \(at byte \d+\)", "");
        text = Regex.Replace(text, @"0x[0-9A-F]+|\d+(\.\d+)?", "#");
        text = Regex.Replace(text, @"\([^)]*\)", "(…)");
        return text.Length > 110 ? text[..110] : text;
    }
}
