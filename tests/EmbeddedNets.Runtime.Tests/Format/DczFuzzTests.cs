using System.Diagnostics;
using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using Xunit.Abstractions;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>
/// Fuzzing of the reader and the Runtime behind it (issue 15): byte-level damage of valid files,
/// and structure-aware mutations that keep the checksum valid. Every variant goes through
/// <see cref="FuzzChecks"/>: rejected with one line by the reader and by <c>CompactModel.Load</c>,
/// or accepted, loaded and run within the format's bounds.
/// </summary>
public sealed class DczFuzzTests
{
    private const int MutationsPerFilePerMode = 2000;

    private readonly ITestOutputHelper _output;

    public DczFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>The environment variable that sets the structure-aware case count (scripts/fuzz.sh).</summary>
    public const string CasesVariable = "EMBEDDEDNETS_FUZZ_CASES";

    /// <summary>The environment variable that sets the structure-aware corpus seed (scripts/fuzz.sh).</summary>
    public const string SeedVariable = "EMBEDDEDNETS_FUZZ_SEED";

    /// <summary>
    /// Small valid files of different shapes: the spec examples of both versions, the edge cases,
    /// random models and graphs (version 2), and random chains re-encoded as version 1.
    /// </summary>
    internal static List<(string Name, byte[] Bytes)> Seeds()
    {
        var seeds = new List<(string, byte[])>
        {
            ("spec example", DczFile.Write(DczTestModels.SpecExample())),
            ("spec example, version 1", DczTestModels.SpecExampleV1Bytes()),
        };
        foreach ((string name, DczModel model) in DczTestModels.EdgeCases())
        {
            byte[] bytes = DczFile.Write(model);
            if (bytes.Length <= 2048)
            {
                seeds.Add((name, bytes));
            }
        }

        int graphs = 0, chains = 0;
        for (int seed = 0; graphs < 10 || chains < 6; seed++)
        {
            var rng = new Random(1000 + seed);
            DczModel model = seed % 2 == 0 ? DczTestModels.RandomGraph(rng, seed) : DczTestModels.Random(1000 + seed);
            byte[] bytes = DczFile.Write(model);
            if (bytes.Length > 2048)
            {
                continue;
            }

            if (graphs < 10 && model.Layers.Any(l => l.Kind > LayerKind.Softmax || l.InputLayers.Count > 0))
            {
                seeds.Add(("random graph " + seed.ToString(CultureInfo.InvariantCulture), bytes));
                graphs++;
            }
            else if (chains < 6 && DczDocument.Parse(bytes).ToVersion1() is { } v1)
            {
                seeds.Add(("random chain " + seed.ToString(CultureInfo.InvariantCulture) + ", version 1", v1.Encode()));
                chains++;
            }
        }

        return seeds;
    }

    [Fact]
    public void Read_MutatedAndTruncatedFiles_ThrowOnlyFormatExceptionsOrLoadAndRun()
    {
        var stopwatch = Stopwatch.StartNew();
        var checks = new FuzzChecks();
        int rewrittenChecksumStops = 0;
        List<(string Name, byte[] Bytes)> seeds = Seeds();
        for (int f = 0; f < seeds.Count; f++)
        {
            (string name, byte[] file) = seeds[f];
            foreach (byte[] prefix in DczMutations.Truncations(file))
            {
                checks.Check(prefix, $"{name}, truncated to {prefix.Length}");
                byte[] fixedPrefix = (byte[])prefix.Clone();
                DczFile.RewriteChecksum(fixedPrefix);
                int stops = checks.ChecksumStops;
                checks.Check(fixedPrefix, $"{name}, truncated to {prefix.Length} (checksum rewritten)");
                rewrittenChecksumStops += checks.ChecksumStops - stops;
            }

            foreach (bool rewrite in new[] { false, true })
            {
                foreach (DczMutation mutation in DczMutations.Corpus(file, MutationsPerFilePerMode, seed: (f * 2) + (rewrite ? 1 : 0), rewrite))
                {
                    int stops = checks.ChecksumStops;
                    checks.Check(mutation.Bytes, $"{name}, {mutation}");
                    rewrittenChecksumStops += rewrite ? checks.ChecksumStops - stops : 0;
                }
            }
        }

        stopwatch.Stop();
        _output.WriteLine($"{seeds.Count} seed files in {stopwatch.Elapsed.TotalSeconds:F2} s");
        checks.Report(_output.WriteLine);

        Assert.True(checks.Cases >= 100_000, $"only {checks.Cases} variants");

        // With the checksum recomputed, damage must reach the body parser rather than stop at the CRC.
        Assert.Equal(0, rewrittenChecksumStops);
        Assert.True(checks.ChecksumStops > 10_000, $"only {checks.ChecksumStops} variants stopped at the checksum");
        Assert.True(checks.Accepted > 100, "almost nothing parsed: the corpus is not exercising valid paths");
    }

    [Fact]
    public void Read_StructureAwareMutations_ThrowOnlyFormatExceptionsOrLoadAndRun()
    {
        // scripts/fuzz.sh runs this with more cases and another seed; the suite runs 100,000.
        int cases = int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 100_000;
        int corpusSeed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : 1;
        var stopwatch = Stopwatch.StartNew();
        var checks = new FuzzChecks();
        List<(string Name, byte[] Bytes)> seeds = Seeds();
        for (int f = 0; f < seeds.Count; f++)
        {
            (string name, byte[] file) = seeds[f];
            int count = (cases / seeds.Count) + (f < cases % seeds.Count ? 1 : 0);
            foreach (DczMutation mutation in DczMutations.Structured(file, count, seed: (corpusSeed * 7919) + f))
            {
                checks.Check(mutation.Bytes, $"{name}: {mutation}");
            }
        }

        stopwatch.Stop();
        _output.WriteLine($"{seeds.Count} seed files, corpus seed {corpusSeed}, in {stopwatch.Elapsed.TotalSeconds:F2} s");
        checks.Report(_output.WriteLine);

        Assert.Equal(cases, checks.Cases);

        // The checksum is always recomputed, so every variant reaches the parser; a healthy share
        // is accepted (limits not yet past), so the load-and-run checks are exercised too.
        Assert.Equal(0, checks.ChecksumStops);
        Assert.True(checks.Accepted >= cases / 50, $"only {checks.Accepted} of {cases} accepted");
    }
}
