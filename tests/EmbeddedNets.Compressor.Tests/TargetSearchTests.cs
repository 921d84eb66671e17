using System.Text.Json;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Search;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Tests;

[Collection("torch")]
public sealed class TargetSearchTests : IDisposable
{
    private const string Short = """{ "validation": { "fraction": 0.125 }, "baseline": { "epochs": 3, "learningRate": 0.05 }, "prune": { "iterations": 2, "epochs": 1, "quality": { "ip1": 1.8, "ip2": 1.6, "ip3": 1.0 } }, "quantize": { "epochs": 1 } }""";

    private static readonly string s_slice = Path.Combine(AppContext.BaseDirectory, "mnist-slice");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dcz-search-" + Guid.NewGuid().ToString("N"));

    public TargetSearchTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SensitivityResult Curves() => new("m", "baseline", "validation", 1000, 0.95, new[]
    {
        // A robust layer and a sensitive one.
        new LayerSensitivity("big", 1000, 1000, 0.1, new[] { P(0, 0.95, 1), P(1, 0.95, 0.4), P(2, 0.93, 0.1), P(3, 0.60, 0.01), P(4, 0.10, 0) }, Array.Empty<BitsPoint>()),
        new LayerSensitivity("small", 10, 10, 0.1, new[] { P(0, 0.95, 1), P(1, 0.85, 0.5), P(2, 0.50, 0.2), P(3, 0.20, 0.1), P(4, 0.10, 0.001) }, Array.Empty<BitsPoint>()),
    });

    private static PruningPoint P(double q, double accuracy, double kept) => new(q, q * 0.1, kept, accuracy);

    private static SearchCandidate C(int index, int bytes, double error, bool eligible, string? failure = null) =>
        new(index, index + 1, new Dictionary<string, double>(), new Dictionary<string, int>(), bytes, 1000.0 / bytes, 1 - error, eligible, failure);

    [Fact]
    public void Qualities_SpendTheWeightBudgetWhereItSavesMostAccuracy()
    {
        // 1,010 weights. Harshest allowed start: big at quality 3 (10 kept), small at 3 (1 kept; 4
        // would leave 0.1 %). The small layer's segments save 30, 11.7 and 2 points per weight,
        // the big one's 0.37 and 0.007: the small layer is restored first.
        Dictionary<string, double> keep15 = TargetSearch.Qualities(Curves(), 1010.0 / 15);
        Dictionary<string, double> keep20 = TargetSearch.Qualities(Curves(), 1010.0 / 20);
        Dictionary<string, double> keep101 = TargetSearch.Qualities(Curves(), 10);

        Assert.Equal((3.0, 1.0), (keep15["big"], keep15["small"]));
        Assert.Equal((3.0, 0.0), (keep20["big"], keep20["small"]));
        Assert.Equal((2.1, 0.0), (keep101["big"], keep101["small"])); // 81 of the 90 weights between 3 and 2
    }

    // A pruned network measured on 1,000 validation images at 95 %: "big" keeps 1,000 weights, "small" 10.
    private static SensitivityResult BitCurves() => new("m", "pruned", "validation", 1000, 0.95, new[]
    {
        new LayerSensitivity("big", 100_000, 1000, 0.1, Array.Empty<PruningPoint>(), new[] { B(1, 0.80, 1.0), B(2, 0.94, 1.9), B(3, 0.947, 2.8), B(4, 0.95, 3.7) }),
        new LayerSensitivity("small", 100, 10, 0.1, Array.Empty<PruningPoint>(), new[] { B(1, 0.90, 1.0), B(2, 0.945, 1.9), B(3, 0.95, 2.8), B(4, 0.951, 3.7) }),
    });

    private static BitsPoint B(int bits, double accuracy, double entropy) => new(bits, 1 << bits, accuracy, entropy);

    [Fact]
    public void ChooseBits_SpendsTheDropWhereItSavesTheMostBytes()
    {
        // Estimated bytes: big 1,000 × entropy / 8 + 4 per centroid (133, 253.5, 382, 526.5 at
        // 1–4 bits), small 10 × entropy / 8 + codebook (9.25, 18.4, 35.5, 68.6). Drops in images:
        // big 150 / 10 / 3 / 0, small 50 / 5 / 0 / 0 (a gain counts as none).
        SensitivityResult curves = BitCurves();

        // 3 images: only big's 3 bits fits (saves 144.5 bytes); small drops to 3 bits for free.
        Assert.Equal(new Dictionary<string, int> { ["big"] = 3, ["small"] = 3 }, TargetSearch.ChooseBits(curves, 0.003));

        // 10 images: big at 2 bits (10) beats big at 3 plus small at 2 (8 images, 17 bytes saved
        // by small against 128.5 by big's extra bit).
        Assert.Equal(new Dictionary<string, int> { ["big"] = 2, ["small"] = 3 }, TargetSearch.ChooseBits(curves, 0.010));

        // 15 images: both.
        Assert.Equal(new Dictionary<string, int> { ["big"] = 2, ["small"] = 2 }, TargetSearch.ChooseBits(curves, 0.015));

        // Nothing to spend: the fewest bits that lose nothing.
        Assert.Equal(new Dictionary<string, int> { ["big"] = 4, ["small"] = 3 }, TargetSearch.ChooseBits(curves, 0));
    }

    [Fact]
    public void ChooseBits_AFlatAllowanceWouldWasteTheBudgetOnTheSmallLayer()
    {
        // A flat allowance of 5 images per layer (10 in sum) gives big 3 bits and small 2 bits,
        // 400.4 estimated bytes; shared, the same 10 images give big 2 and small 3, 289 bytes.
        SensitivityResult curves = BitCurves();
        Dictionary<string, int> flat = curves.Layers.ToDictionary(l => l.Name, l => l.BitsForDrop(0.95, 0.005));
        Dictionary<string, int> shared = TargetSearch.ChooseBits(curves, 0.010);

        Assert.Equal((3, 2), (flat["big"], flat["small"]));
        Assert.Equal((2, 3), (shared["big"], shared["small"]));
    }

    [Fact]
    public void BitsBudget_IsTheHeadroomTimesTheFineTuningCredit_WithinPerLayerBounds()
    {
        SensitivityResult pruned = BitCurves(); // 5 % error, two layers

        Assert.Equal(0.01, TargetSearch.BitsBudget(new SearchTargets { MaxError = 0.055 }, pruned), 12); // 0.5 points × 2
        Assert.Equal(0.002, TargetSearch.BitsBudget(new SearchTargets { MaxError = 0.05 }, pruned), 12); // no headroom: the 0.1-per-layer floor, not doubled
        Assert.Equal(0.002, TargetSearch.BitsBudget(new SearchTargets { MaxError = 0.04 }, pruned), 12);
        Assert.Equal(0.02, TargetSearch.BitsBudget(new SearchTargets { MaxError = 0.2 }, pruned), 12); // at the 1-per-layer cap
        Assert.Equal(0.002, TargetSearch.BitsBudget(new SearchTargets { MinRatio = 50 }, pruned), 12);
        Assert.Equal(0.006, TargetSearch.BitsBudget(new SearchTargets { MaxError = 0.055, BitsDrop = 0.003 }, pruned), 12); // set per layer
    }

    [Fact]
    public void WithinError_CountsAnErrorExactlyAtTheTargetAsWithin()
    {
        Assert.True(TargetSearch.WithinError(1 - 0.984, 0.016)); // 0.016000000000000014
        Assert.False(TargetSearch.WithinError(1 - 0.9838, 0.016));
    }

    [Fact]
    public void Anchor_KeepsAsManyWeightsAsTheConfiguredQualities()
    {
        CompressionConfig config = new();
        config.Prune.Quality["big"] = 2;
        config.Prune.Quality["small"] = 1;

        Assert.Equal(9.619, TargetSearch.Anchor(config, Curves()), 9); // 1,010 / (100 + 5)
    }

    [Fact]
    public void Choose_ErrorTarget_SmallestEligibleFile_ElseTheMostAccurate()
    {
        var targets = new SearchTargets { MaxError = 0.02 };
        SearchCandidate[] tried = [C(0, 900, 0.015, true), C(1, 700, 0.019, true), C(2, 500, 0.03, false), C(3, 0, 1, false, "no weights left")];

        Assert.Equal(1, TargetSearch.Choose(tried, targets, out bool met).Index);
        Assert.True(met);
        Assert.Equal(0, TargetSearch.Choose([C(0, 900, 0.025, false), C(1, 700, 0.03, false)], targets, out met).Index);
        Assert.False(met);
    }

    [Fact]
    public void Choose_RatioTargetOnly_MostAccurateEligibleFile()
    {
        var targets = new SearchTargets { MinRatio = 1.2 };

        Assert.Equal(1, TargetSearch.Choose([C(0, 900, 0.015, false), C(1, 800, 0.019, true), C(2, 500, 0.03, true)], targets, out bool met).Index);
        Assert.True(met);
    }

    [Fact]
    public void Run_WithoutTargetOrSplit_Refuses()
    {
        CompressionOptions Options(string json) => new()
        {
            Architecture = Architectures.LeNet300100,
            Config = ConfigLoader.Load(Architectures.LeNet300100, json),
            DataDirectory = s_slice,
            OutputPath = Path.Combine(_dir, "x.dcz"),
        };

        Assert.Contains("needs --target-error or --target-ratio", Assert.Throws<ConfigException>(() => TargetSearch.Run(Options(Short), new SearchTargets())).Message);
        Assert.Contains("validation.fraction is 0", Assert.Throws<ConfigException>(() => TargetSearch.Run(Options("""{ "validation": { "fraction": 0 } }"""), new SearchTargets { MaxError = 0.1 })).Message);
    }

    [Fact]
    public void Run_ErrorTarget_WritesTheSmallestFileWithinIt_AndResumesWithoutTraining()
    {
        var targets = new SearchTargets { MaxError = 0.16, MaxCandidates = 3 };
        var log = new StringWriter();
        CompressionOptions Options(TextWriter writer) => new()
        {
            Architecture = Architectures.LeNet300100,
            Config = ConfigLoader.Load(Architectures.LeNet300100, Short),
            DataDirectory = s_slice,
            OutputPath = Path.Combine(_dir, "s.dcz"),
            Seed = 2,
            Log = writer,
        };

        SearchResult result = TargetSearch.Run(Options(log), targets);

        Assert.InRange(result.Candidates.Count, 2, 3);
        Assert.True(result.MetTarget, log.ToString());
        SearchCandidate best = result.Candidates.Where(c => c.Eligible).OrderBy(c => c.FileBytes).First();
        Assert.Same(best, result.Chosen);
        Assert.All(result.Candidates.Where(c => c.Failure is null), c => Assert.Equal(c.ValidationError <= 0.16, c.Eligible));
        byte[] bytes = File.ReadAllBytes(Path.Combine(_dir, "s.dcz"));
        Assert.Equal(best.FileBytes, bytes.Length);
        Assert.Equal(best.ValidationAccuracy, result.Compression.ValidationAccuracy!.Value, 9);
        Assert.All(best.Bits, b => Assert.Equal(b.Value, DczFile.Inspect(bytes).Layers.First(l => l.Name == b.Key).WeightBits));
        string report = result.Compression.ReportDirectory!;
        Assert.Contains("(written)", File.ReadAllText(Path.Combine(report, "search.md")));
        Assert.True(File.Exists(Path.Combine(report, "search.png")));
        using (JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "s.dcz.work", "search", "search.json"))))
        {
            Assert.Equal(result.Candidates.Count, json.RootElement.GetProperty("candidates").GetArrayLength());
        }

        // The same command again: every candidate from the log, no epoch trained, the same file.
        var again = new StringWriter();
        SearchResult resumed = TargetSearch.Run(Options(again), targets);

        Assert.DoesNotContain(" epoch ", again.ToString());
        Assert.Contains("pruning sensitivity of the dense network from", again.ToString());
        Assert.Equal(result.Candidates.Select(c => (c.Aggressiveness, c.FileBytes)), resumed.Candidates.Select(c => (c.Aggressiveness, c.FileBytes)));
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_dir, "s.dcz")));
    }

    [Theory]
    [InlineData("--target-error", "0", "--target-error must be a number above 0 up to 100 (got '0')")]
    [InlineData("--target-error", "abc", "--target-error must be a number above 0 up to 100 (got 'abc')")]
    [InlineData("--target-ratio", "0.5", "--target-ratio must be a number from 1 up to")]
    public void Cli_BadTarget_Exits2NamingIt(string option, string value, string expected)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = Cli.Run(["compress", "--model", "lenet-300-100", "--data", s_slice, "--out", Path.Combine(_dir, "o.dcz"), option, value], stdout, stderr);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr.ToString());
    }
}
