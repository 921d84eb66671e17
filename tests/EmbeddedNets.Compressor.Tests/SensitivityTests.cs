using System.Text.Json;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Search;

namespace EmbeddedNets.Compressor.Tests;

[Collection("torch")]
public sealed class SensitivityTests : IDisposable
{
    private const string OneEpoch = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1, "learningRate": 0.05 }, "prune": { "iterations": 1, "epochs": 1, "quality": { "ip1": 1.0, "ip2": 1.0, "ip3": 0.5 } }, "quantize": { "epochs": 0 } }""";

    private static readonly string s_slice = Path.Combine(AppContext.BaseDirectory, "mnist-slice");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dcz-sens-" + Guid.NewGuid().ToString("N"));

    public SensitivityTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LayerSensitivity Curve(params (double Quality, double Accuracy)[] points) =>
        new("fc", 100, 100, 0.1, points.Select(p => new PruningPoint(p.Quality, p.Quality * 0.1, 1 - (p.Quality / 4), p.Accuracy)).ToList(),
            new[] { new BitsPoint(1, 2, 0.50, 1), new BitsPoint(2, 4, 0.88, 2), new BitsPoint(3, 8, 0.895, 3), new BitsPoint(4, 16, 0.90, 4) });

    [Fact]
    public void QualityForDrop_InterpolatesBetweenMeasuredQualities()
    {
        LayerSensitivity l = Curve((0, 0.90), (1, 0.90), (2, 0.86), (3, 0.50));

        Assert.Equal(1.0, l.QualityForDrop(0.90, 0.0), 9);
        Assert.Equal(1.5, l.QualityForDrop(0.90, 0.02), 9);
        Assert.Equal(2.0, l.QualityForDrop(0.90, 0.04), 9);
        Assert.Equal(3.0, l.QualityForDrop(0.90, 0.5), 9);
        Assert.Equal(0.02, l.DropAt(0.90, 1.5), 9);
    }

    [Fact]
    public void BitsForDrop_IsTheFewestBitsWithinTheAllowance()
    {
        LayerSensitivity l = Curve((0, 0.90));

        Assert.Equal(2, l.BitsForDrop(0.90, 0.02));
        Assert.Equal(3, l.BitsForDrop(0.90, 0.005));
        Assert.Equal(1, l.BitsForDrop(0.90, 0.5));
        Assert.Equal(4, l.BitsForDrop(0.95, 0.001));
    }

    [Fact]
    public void Entropy_OfUniformAndSingleValueAssignments()
    {
        Assert.Equal(2.0, SensitivityAnalysis.Entropy(new[] { 0, 1, 2, 3, 0, 1, 2, 3 }, 4), 12);
        Assert.Equal(0.0, SensitivityAnalysis.Entropy(new[] { 2, 2, 2 }, 4), 12);
    }

    [Fact]
    public void Measure_LeavesTheNetworkAsItWas_AndStartsAtTheReference()
    {
        var options = new CompressionOptions
        {
            Architecture = Architectures.LeNet300100,
            Config = ConfigLoader.Load(Architectures.LeNet300100, OneEpoch),
            DataDirectory = s_slice,
            OutputPath = Path.Combine(_dir, "m.dcz"),
            Seed = 3,
        };
        using PipelineSession session = PipelineSession.Open(options);
        session.ExecuteThrough(PipelineStage.Baseline);
        float[][] before = session.States.Select(s => s.Layer.Weight.detach().clone().data<float>().ToArray()).ToArray();

        SensitivityResult result = Sensitivity.Measure(session, SensitivityStage.Baseline, new[] { 0.0, 1.0, 2.0, 3.0 }, new[] { 1, 8 });

        float[][] after = session.States.Select(s => s.Layer.Weight.detach().clone().data<float>().ToArray()).ToArray();
        Assert.Equal(before, after);
        Assert.Equal(400, result.Images);
        Assert.Equal(new[] { "ip1", "ip2", "ip3" }, result.Layers.Select(l => l.Name));
        Assert.All(result.Layers, l =>
        {
            Assert.Equal(result.ReferenceAccuracy, l.Pruning[0].Accuracy);
            Assert.Equal(1.0, l.Pruning[0].KeptFraction);
            Assert.True(l.Pruning.Zip(l.Pruning.Skip(1)).All(p => p.Second.KeptFraction <= p.First.KeptFraction));
            Assert.True(l.Pruning[^1].KeptFraction < 0.05, $"{l.Name}: q 3 keeps {l.Pruning[^1].KeptFraction:P1}");
            Assert.True(Math.Abs(l.Bits[^1].Accuracy - result.ReferenceAccuracy) <= 0.01, $"{l.Name}: 8 bits {l.Bits[^1].Accuracy} vs {result.ReferenceAccuracy}");
            Assert.Equal(2, l.Bits[0].Centroids);
        });
    }

    [Fact]
    public void Measure_ConvolutionalNetwork_CoversEveryWeightedLayer()
    {
        string data = Path.Combine(_dir, "small");
        Data.MnistSlice.Write(s_slice, data, 600, 10);
        var options = new CompressionOptions
        {
            Architecture = Architectures.LeNet5,
            Config = ConfigLoader.Load(Architectures.LeNet5, """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1 } }"""),
            DataDirectory = data,
            OutputPath = Path.Combine(_dir, "c.dcz"),
        };
        using PipelineSession session = PipelineSession.Open(options);
        session.ExecuteThrough(PipelineStage.Baseline);
        float[] conv1 = session.States[0].Layer.Weight.detach().clone().data<float>().ToArray();

        SensitivityResult result = Sensitivity.Measure(session, SensitivityStage.Baseline, new[] { 0.0, 4.0 }, new[] { 1 });

        Assert.Equal(new[] { "conv1", "conv2", "ip1", "ip2" }, result.Layers.Select(l => l.Name));
        Assert.All(result.Layers, l => Assert.Equal(result.ReferenceAccuracy, l.Pruning[0].Accuracy));
        Assert.Equal(conv1, session.States[0].Layer.Weight.detach().clone().data<float>().ToArray());
    }

    [Fact]
    public void Run_OnThePrunedNetwork_WritesTableJsonAndPlots()
    {
        SensitivityResult result = Sensitivity.Run(new SensitivityOptions
        {
            Architecture = Architectures.LeNet300100,
            Config = ConfigLoader.Load(Architectures.LeNet300100, OneEpoch),
            DataDirectory = s_slice,
            OutputDirectory = _dir,
            Stage = SensitivityStage.Pruned,
            Qualities = new[] { 0.0, 2.0 },
            Bits = new[] { 2, 4 },
        });

        Assert.Equal("pruned", result.Stage);
        Assert.All(result.Layers, l => Assert.True(l.Kept < l.Weights, $"{l.Name} is not pruned"));
        Assert.True(File.Exists(Path.Combine(_dir, "work", "pruned.ckpt")));
        foreach (string file in new[] { "sensitivity.md", "sensitivity-pruning.png", "sensitivity-bits.png" })
        {
            Assert.True(new FileInfo(Path.Combine(_dir, file)).Length > 100, file);
        }

        string markdown = File.ReadAllText(Path.Combine(_dir, "sensitivity.md"));
        Assert.Contains("| Quality | ip1 | ip2 | ip3 |", markdown);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "sensitivity.json")));
        Assert.Equal(3, json.RootElement.GetProperty("layers").GetArrayLength());
    }

    [Fact]
    public void Run_WithoutAValidationSplit_Refuses()
    {
        var e = Assert.Throws<ConfigException>(() => Sensitivity.Run(new SensitivityOptions
        {
            Architecture = Architectures.LeNet300100,
            Config = ConfigLoader.Load(Architectures.LeNet300100, """{ "validation": { "fraction": 0 } }"""),
            DataDirectory = s_slice,
            OutputDirectory = _dir,
        }));

        Assert.Contains("validation.fraction is 0", e.Message);
    }

    [Fact]
    public void Cli_Sensitivity_WritesTheReport_AndRejectsAnUnknownStage()
    {
        string config = Path.Combine(_dir, "one-epoch.json");
        File.WriteAllText(config, OneEpoch);
        string output = Path.Combine(_dir, "cli");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = Cli.Run(["sensitivity", "--model", "lenet-300-100", "--data", s_slice, "--out", output, "--config", config], stdout, stderr);
        int bad = Cli.Run(["sensitivity", "--model", "lenet-300-100", "--data", s_slice, "--out", output, "--stage", "dense"], new StringWriter(), stderr);

        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("| Quality | ip1 | ip2 | ip3 |", File.ReadAllText(Path.Combine(output, "sensitivity.md")));
        Assert.Equal(2, bad);
        Assert.Contains("dense", stderr.ToString());
    }
}
