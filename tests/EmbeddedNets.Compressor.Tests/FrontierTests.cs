using EmbeddedNets.Compressor.Commands;
using EmbeddedNets.Compressor.Reporting;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Compressor.Tests;

public sealed class FrontierTests : IDisposable
{
    private readonly TempFolder _dir = new("dcz-frontier");

    public void Dispose() => _dir.Dispose();

    private static FrontierPoint Point(string model, string label, double ratio, double error, bool published = true) =>
        new(model, label, ratio, error, published, "test accounting", null, "test", null);

    /// <summary>A valid one-layer model named <paramref name="model"/> that records <paramref name="correct"/> of 1,000 right (or no metrics).</summary>
    private string WriteModel(string name, string model, int? correct, int keepEvery = 7)
    {
        int n = 784 * 10;
        int[] positions = Enumerable.Range(0, n).Where(i => i % keepEvery == 0).ToArray();
        byte[] codes = positions.Select(p => (byte)(p % 4)).ToArray();
        var weights = new SparseWeights(n, [-0.02f, -0.01f, 0.01f, 0.02f], 2, 4, positions, codes);
        var metrics = correct is int c ? new RecordedMetrics("mnist-test", 1000, c) : null;
        var dcz = new DczModel(
            new ModelInfo(model, [784], new Preprocessing(1f / 255, 0, 1), Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), metrics, "tests", 1),
            [new DenseLayer("fc", 784, 10, weights, new float[10])]);
        string path = Path.Combine(_dir.FullPath, name);
        File.WriteAllBytes(path, DczFile.Write(dcz));
        return path;
    }

    [Fact]
    public void ParetoSet_DropsDominatedPoints_PerModel()
    {
        FrontierPoint a = Point("m", "a", 100, 1.0);
        FrontierPoint b = Point("m", "b", 50, 0.8);
        FrontierPoint dominated = Point("m", "c", 60, 1.2);       // a has more ratio at less error
        FrontierPoint tieRatio = Point("m", "d", 100, 1.1);       // a: same ratio, less error
        FrontierPoint other = Point("n", "e", 10, 5.0);           // another model: judged alone
        FrontierPoint twin = Point("m", "a2", 100, 1.0);          // equal to a: neither dominates

        IReadOnlySet<FrontierPoint> set = Frontier.ParetoSet([a, b, dominated, tieRatio, other, twin]);

        Assert.Equal(new[] { "a", "b", "e", "a2" }, new[] { a, b, dominated, tieRatio, other, twin }.Where(set.Contains).Select(p => p.Label));
    }

    [Fact]
    public void FromFile_TakesTheRatioAndTheRecordedTestError()
    {
        string path = WriteModel("small.dcz", "lenet-x", correct: 987);

        FrontierPoint p = Frontier.FromFile(path, File.ReadAllBytes(path));

        Assert.Equal("lenet-x", p.Model);
        Assert.Equal("small", p.Label);
        Assert.Equal(1.3, p.ErrorPercent, 10);
        Assert.Equal(DczFile.Inspect(File.ReadAllBytes(path)).CompressionRatio, p.Ratio);
        Assert.False(p.Published);
    }

    [Fact]
    public void FromFile_WithoutRecordedAccuracy_IsRefusedNamingTheFile()
    {
        string path = WriteModel("bare.dcz", "m", correct: null);

        var e = Assert.Throws<InvalidDataException>(() => Frontier.FromFile(path, File.ReadAllBytes(path)));

        Assert.Contains("bare.dcz", e.Message, StringComparison.Ordinal);
        Assert.Contains("no test accuracy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultLabel_OfASearchCandidate_IsItsFolder()
    {
        Assert.Equal("c03-a34.14", Frontier.DefaultLabel(Path.Combine("work", "search", "c03-a34.14", "model.dcz")));
        Assert.Equal("lenet-5", Frontier.DefaultLabel(Path.Combine("models", "lenet-5.dcz")));
    }

    [Theory]
    [InlineData("""{"points": [{"model": "m", "method": "x", "source": "s", "accounting": "a", "error": 1}]}""", "points[0]: \"ratio\" is missing")]
    [InlineData("""{"points": [{"model": "m", "method": "x", "source": "s", "accounting": "a", "ratio": 0.5, "error": 1}]}""", "points[0]: \"ratio\" must be a finite number of at least 1")]
    [InlineData("""{"points": [{"model": "m", "method": "x", "source": "s", "accounting": "a", "ratio": 5, "error": 101}]}""", "points[0]: \"error\" is a percentage")]
    [InlineData("""{"points": [{"model": "m", "method": "x", "source": "s", "accounting": "a", "ratio": 5, "error": 1}, {"model": "m", "source": "s", "accounting": "a", "ratio": 5, "error": 1}]}""", "points[1]: \"method\" must be a non-empty string")]
    [InlineData("""{"points": [{"model": "m", "method": "x", "source": "s", "accounting": "a", "ratio": 5, "error": 1, "augmentation": "no"}]}""", "points[0]: \"augmentation\" must be true or false")]
    [InlineData("""{"dots": []}""", "must be an object with a \"points\" array")]
    [InlineData("""{"points": [""", "is not valid JSON")]
    public void ReadPublished_BadEntries_NameTheEntryAndField(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Frontier.ReadPublished("pub.json", json));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("pub.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PublishedMnistPoints_Load_WithEveryPaperForBothLeNets()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "published-mnist.json");

        IReadOnlyList<FrontierPoint> points = Frontier.ReadPublished(path, File.ReadAllText(path));

        foreach (string model in new[] { "lenet-300-100", "lenet-5" })
        {
            var labels = points.Where(p => p.Model == model).Select(p => p.Label).ToList();
            foreach (string method in new[] { "Deep Compression", "DNS", "Soft weight-sharing", "Bayesian compression (BC-GHS)" })
            {
                Assert.Contains(method, labels);
            }
        }

        Assert.All(points, p => Assert.True(p.Published));
        Assert.Equal(771, points.Single(p => p.Model == "lenet-5" && p.Label == "Bayesian compression (BC-GHS)").Ratio);
    }

    [Fact]
    public void LogTicks_NarrowRange_GetsSeveralTicks_WideRangeGetsOneTwoFive()
    {
        Assert.Equal(new[] { 40.0, 50, 60, 70, 80 }, Frontier.LogTicks(Math.Log10(40), Math.Log10(70)).ToArray());
        Assert.Equal(new[] { 50.0, 100, 200, 500, 1000 }, Frontier.LogTicks(Math.Log10(39), Math.Log10(800)).ToArray());
    }

    [Fact]
    public void Command_WritesTheTableAndAPlotPerModel_WithOnlyTheFilesModelsPublishedPoints()
    {
        string dense = WriteModel("denser.dcz", "lenet-5", correct: 993, keepEvery: 3);
        string sparse = WriteModel("sparser.dcz", "lenet-5", correct: 990, keepEvery: 11);
        string published = Path.Combine(_dir.FullPath, "pub.json");
        File.WriteAllText(published, """
            {"points": [
              {"model": "lenet-5", "method": "Paper A", "source": "A 2020", "accounting": "weights only", "ratio": 10000, "error": 0.5},
              {"model": "other-net", "method": "Paper B", "source": "B 2021", "accounting": "weights only", "ratio": 3, "error": 9}
            ]}
            """);
        string outDir = Path.Combine(_dir.FullPath, "out");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = Cli.Run(["frontier", dense, sparse, "--published", published, "--out", outDir], stdout, stderr);

        Assert.True(code == 0, stderr.ToString());
        string md = File.ReadAllText(Path.Combine(outDir, "frontier.md"));
        Assert.Contains("### lenet-5", md, StringComparison.Ordinal);
        Assert.Contains("**Paper A**", md, StringComparison.Ordinal);          // dominates both files
        Assert.Contains("| sparser (this repo) |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("Paper B", md, StringComparison.Ordinal);
        Assert.DoesNotContain("other-net", md, StringComparison.Ordinal);
        byte[] png = File.ReadAllBytes(Path.Combine(outDir, FrontierCommand.ImageName("lenet-5")));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Single(Directory.GetFiles(outDir, "*.png"));
        Assert.Contains("![lenet-5: compression ratio vs test error](frontier-lenet-5.png)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_LabelEqualsFile_NamesThePoint()
    {
        string file = WriteModel("c03-a48.28.dcz", "lenet-x", correct: 990);
        string outDir = Path.Combine(_dir.FullPath, "labelled");
        var stderr = new StringWriter();

        int code = Cli.Run(["frontier", "search a=48.3=" + file, "--out", outDir], new StringWriter(), stderr);

        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("| **search a=48.3 (this repo)** |", File.ReadAllText(Path.Combine(outDir, "frontier.md")), StringComparison.Ordinal);
        Assert.Equal(((string?)null, file), FrontierCommand.SplitLabel(file));
        Assert.Equal(("x", "y.dcz"), FrontierCommand.SplitLabel("x=y.dcz"));
    }

    [Fact]
    public void Command_MissingFile_IsAUsageError()
    {
        var stderr = new StringWriter();

        int code = Cli.Run(["frontier", Path.Combine(_dir.FullPath, "nope.dcz"), "--out", _dir.FullPath], new StringWriter(), stderr);

        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("nope.dcz", stderr.ToString(), StringComparison.Ordinal);
    }
}
