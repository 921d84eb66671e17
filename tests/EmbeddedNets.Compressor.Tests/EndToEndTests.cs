using System.Text.Json;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Data;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Compressor.Tests;

/// <summary>Short real compressions on the committed MNIST slice (4,000 training / 1,000 test images).</summary>
[Collection("torch")]
public sealed class EndToEndTests : IDisposable
{
    // Few epochs: enough to be far above chance, small enough for a quick suite. The default
    // thresholds are tuned for a fully trained network; a 3-epoch one gets milder ones. Images
    // are shifted as in the defaults, so the pipeline's augmentation path runs too. The slice's
    // 4,000 training images cannot spare the default 5,000 for validation: every run here holds
    // out 400 of them. The bits are set too: the defaults' 2 bits suit only a fully trained network.
    private const string ShortConfig = """
        {
          "validation": { "fraction": 0.1 },
          "baseline": { "epochs": 3, "learningRate": 0.05 },
          "prune": { "iterations": 2, "epochs": 1, "quality": { "ip1": 1.8, "ip2": 1.6, "ip3": 1.0 } },
          "quantize": { "epochs": 1, "bits": { "ip1": 6, "ip2": 6, "ip3": 6 } }
        }
        """;

    private static readonly string s_slice = Path.Combine(AppContext.BaseDirectory, "mnist-slice");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dcz-e2e-" + Guid.NewGuid().ToString("N"));

    public EndToEndTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private CompressionResult Compress(string name, ArchitectureSpec arch, string config = ShortConfig, ulong seed = 5, int? stopAfter = null, string? work = null, bool resume = true, string? data = null) =>
        CompressionPipeline.Run(new CompressionOptions
        {
            Architecture = arch,
            Config = ConfigLoader.Load(arch, config),
            DataDirectory = data ?? s_slice,
            OutputPath = Path.Combine(_dir, name + ".dcz"),
            WorkDirectory = work ?? Path.Combine(_dir, name + ".work"),
            Seed = seed,
            Threads = 1,
            Resume = resume,
            StopAfterSteps = stopAfter,
        });

    [Fact]
    public void Compress_LeNet300100_WritesAFileThatDecodesAndRecordsItsOwnAccuracy()
    {
        CompressionResult result = Compress("a", Architectures.LeNet300100);

        byte[] bytes = File.ReadAllBytes(result.OutputPath!);
        Assert.Equal(bytes.Length, result.FileBytes);
        DczInspection inspection = DczFile.Inspect(bytes);
        RecordedMetrics metrics = inspection.Model.Info.Metrics!;
        Assert.Equal(1000, metrics.Count);
        Assert.True(metrics.Accuracy > 0.85, $"accuracy {metrics.Accuracy} should be far above chance (0.1)");

        // The recorded number is what the Runtime computes on the file.
        MnistSet test = Mnist.LoadTest(s_slice);
        Assert.Equal(metrics.Correct, CompactModel.Load(bytes).CountCorrect(test.Images, test.Labels, test.Count));

        // Pruned and quantized as configured: each layer well below dense, codebooks within 6 bits.
        Assert.All(inspection.Layers.Where(l => l.DenseWeightCount > 0), l =>
        {
            Assert.True(l.KeptFraction < 0.6, $"{l.Name} keeps {l.KeptFraction:P1}");
            Assert.True(l.CodebookSize <= 64);
        });
        Assert.True(inspection.CompressionRatio > 10);

        string report = result.ReportDirectory!;
        Assert.True(File.Exists(Path.Combine(report, "report.md")));
        Assert.True(File.Exists(Path.Combine(report, "weights-ip1.png")));
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "summary.json")));
        Assert.Equal(bytes.Length, summary.RootElement.GetProperty("fileBytes").GetInt32());
        string effective = ConfigLoader.ToJson(ConfigLoader.Load(Architectures.LeNet300100, ShortConfig));
        Assert.Equal(effective, JsonSerializer.Serialize(summary.RootElement.GetProperty("config"), new JsonSerializerOptions { WriteIndented = true }));

        // The validation figure is the written file's accuracy on the 400 held-out training images.
        Data.ValidationSplit split = Data.ValidationSplit.Create(Data.LabelledSet.FromMnist(Mnist.LoadTrain(s_slice), "train"), 400, 5);
        int validationCorrect = RuntimeAccuracy.CountCorrect(CompactModel.Load(bytes), split.Validation!);
        Assert.Equal(400, summary.RootElement.GetProperty("validationCount").GetInt32());
        Assert.Equal(Math.Round(validationCorrect * 100.0 / 400, 4), summary.RootElement.GetProperty("validationAccuracy").GetDouble(), 6);
        Assert.Equal(validationCorrect / 400.0, result.ValidationAccuracy!.Value, 9);
        Assert.Equal("validation", summary.RootElement.GetProperty("quantizedAccuracySplit").GetString());
        Assert.Contains("| Validation accuracy |", File.ReadAllText(Path.Combine(report, "report.md")));
    }

    [Fact]
    public void Compress_ValidationSplitOff_ChecksAgainstTheTestSetAsBefore()
    {
        const string Off = """{ "validation": { "fraction": 0 }, "baseline": { "epochs": 1 }, "prune": { "iterations": 0 }, "quantize": { "epochs": 0 } }""";

        CompressionResult result = Compress("off", Architectures.LeNet300100, Off);

        Assert.Equal(0, result.ValidationCount);
        Assert.Null(result.ValidationAccuracy);
        Assert.Null(result.BaselineValidationAccuracy);
        Assert.Contains("| Test accuracy |", File.ReadAllText(Path.Combine(result.ReportDirectory!, "report.md")));
    }

    [Fact]
    public void Compress_ValidationFractionAboveHalf_FailsNamingTheSetting()
    {
        var e = Assert.Throws<ConfigException>(() => Compress("big", Architectures.LeNet300100, """{ "validation": { "fraction": 0.6 } }"""));

        Assert.Contains("validation.fraction must be in [0, 0.5] (is 0.6)", e.Message);
    }

    [Fact]
    public void Compress_DefaultValidation_HoldsOutATenthAtMost5000()
    {
        Assert.Equal(5000, new ValidationConfig().CountFor(60000));
        Assert.Equal(400, new ValidationConfig().CountFor(4000));
        Assert.Equal(0, new ValidationConfig { Fraction = 0 }.CountFor(60000));
    }

    [Fact]
    public void Compress_SameSeedTwice_GivesTheSameBytes_AndAnotherSeedDoesNot()
    {
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1 }, "prune": { "iterations": 1, "epochs": 1 }, "quantize": { "epochs": 1 } }""";

        CompressionResult a = Compress("a", Architectures.LeNet300100, Quick, seed: 9);
        CompressionResult b = Compress("b", Architectures.LeNet300100, Quick, seed: 9);
        CompressionResult c = Compress("c", Architectures.LeNet300100, Quick, seed: 10);

        byte[] aBytes = File.ReadAllBytes(a.OutputPath!);
        Assert.Equal(aBytes, File.ReadAllBytes(b.OutputPath!));
        Assert.NotEqual(aBytes, File.ReadAllBytes(c.OutputPath!));
    }

    [Fact]
    public void Compress_DeadUnitRemovalOnAndOff_ShareCheckpoints_AndPredictTheSame()
    {
        const string Off = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1 }, "prune": { "iterations": 1, "epochs": 1, "quality": { "ip1": 2.5, "ip2": 1.6, "ip3": 1.0 }, "removeDeadUnits": false }, "quantize": { "epochs": 1 } }""";
        string work = Path.Combine(_dir, "units.work");
        CompressionResult off = Compress("off", Architectures.LeNet300100, Off, work: work);
        CompressionResult on = Compress("on", Architectures.LeNet300100, Off.Replace("\"removeDeadUnits\": false", "\"removeDeadUnits\": true", StringComparison.Ordinal), work: work);
        CompressionResult onAgain = Compress("again", Architectures.LeNet300100, Off.Replace(", \"removeDeadUnits\": false", string.Empty, StringComparison.Ordinal), work: work);

        // The switch acts on the finished network: the second run resumes the first's last checkpoint.
        Assert.EndsWith("state.ckpt", on.ResumedFrom);
        byte[] offBytes = File.ReadAllBytes(off.OutputPath!);
        byte[] onBytes = File.ReadAllBytes(on.OutputPath!);
        Assert.Equal(onBytes, File.ReadAllBytes(onAgain.OutputPath!));
        DczModel offModel = DczFile.Read(offBytes);
        DczModel onModel = DczFile.Read(onBytes);
        Assert.Equal(new[] { 300, 100, 10 }, offModel.Layers.Where(l => l.WeightTensor is not null).Select(l => l.WeightShape![0]));
        int[] units = onModel.Layers.Where(l => l.WeightTensor is not null).Select(l => l.WeightShape![0]).ToArray();
        Assert.True(units[0] < 300, $"ip1 keeps {units[0]} of 300 units at quality 2.5");
        Assert.Equal(10, units[2]);
        Assert.True(onBytes.Length < offBytes.Length, $"{onBytes.Length} bytes with removal, {offBytes.Length} without");

        // Same predictions on every test image, and the ratio still compares with the full network.
        MnistSet test = Mnist.LoadTest(s_slice);
        CompactModel a = CompactModel.Load(offBytes);
        CompactModel b = CompactModel.Load(onBytes);
        for (int i = 0; i < test.Count; i++)
        {
            ReadOnlySpan<byte> image = test.GetImage(i);
            Assert.Equal(a.Predict(image), b.Predict(image));
        }

        Assert.Equal(off.DenseBytes, on.DenseBytes);
    }

    [Fact]
    public void Compress_GroupLasso_GivesTheSameBytesTwice_AndKillsUnitsTheRemovalTakes()
    {
        // The penalty shrinks whole rows during the first round's retraining; the second round's
        // threshold then prunes what is left of them, and the removal takes the units.
        const string Plain = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1 }, "prune": { "iterations": 2, "epochs": 1, "quality": { "ip1": 1.5, "ip2": 1.0, "ip3": 1.0 } }, "quantize": { "epochs": 1 } }""";
        string lasso = Plain.Replace("\"iterations\": 2,", "\"iterations\": 2, \"groupLasso\": 0.05,", StringComparison.Ordinal);
        string work = Path.Combine(_dir, "lasso.work");

        CompressionResult plain = Compress("plain", Architectures.LeNet300100, Plain, work: work);
        CompressionResult a = Compress("lasso-a", Architectures.LeNet300100, lasso, work: work);
        CompressionResult b = Compress("lasso-b", Architectures.LeNet300100, lasso, resume: false);

        byte[] bytes = File.ReadAllBytes(a.OutputPath!);
        Assert.Equal(bytes, File.ReadAllBytes(b.OutputPath!));
        int Units(string path) => DczFile.Read(File.ReadAllBytes(path)).Layers[0].WeightShape![0];
        Assert.True(Units(a.OutputPath!) < Units(plain.OutputPath!), $"ip1 keeps {Units(a.OutputPath!)} units with the penalty, {Units(plain.OutputPath!)} without");
    }

    [Fact]
    public void Compress_InterruptedThenResumed_GivesTheSameBytesAsOneRun()
    {
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 2 }, "prune": { "iterations": 2, "epochs": 1 }, "quantize": { "epochs": 2 } }""";
        CompressionResult whole = Compress("whole", Architectures.LeNet300100, Quick);

        // Stop after baseline + first prune round's retraining epoch (steps: 2 epochs, prune, epoch).
        string work = Path.Combine(_dir, "split.work");
        CompressionResult stopped = Compress("split", Architectures.LeNet300100, Quick, stopAfter: 4, work: work);
        Assert.Null(stopped.OutputPath);
        Assert.True(File.Exists(Path.Combine(work, "state.ckpt")));
        CompressionResult resumed = Compress("split", Architectures.LeNet300100, Quick, work: work);

        Assert.EndsWith("state.ckpt", resumed.ResumedFrom);
        Assert.Equal(File.ReadAllBytes(whole.OutputPath!), File.ReadAllBytes(resumed.OutputPath!));
    }

    [Fact]
    public void Compress_OtherQuantizationSettings_StartFromThePrunedCheckpoint()
    {
        // Milder qualities and more bits than the defaults, which are for a fully trained network.
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1 }, "prune": { "iterations": 1, "epochs": 1, "quality": { "ip1": 1.8, "ip2": 1.6, "ip3": 1.0 } }, "quantize": { "epochs": 1, "bits": { "ip1": 6, "ip2": 6, "ip3": 6 } } }""";
        string work = Path.Combine(_dir, "shared.work");
        Compress("linear", Architectures.LeNet300100, Quick, work: work);

        CompressionResult density = Compress("density", Architectures.LeNet300100,
            """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1 }, "prune": { "iterations": 1, "epochs": 1, "quality": { "ip1": 1.8, "ip2": 1.6, "ip3": 1.0 } }, "quantize": { "epochs": 1, "init": "Density", "bits": { "ip1": 3, "ip2": 6, "ip3": 6 } } }""", work: work);

        Assert.EndsWith("pruned.ckpt", density.ResumedFrom);
        DczInspection inspection = DczFile.Inspect(File.ReadAllBytes(density.OutputPath!));
        Assert.Equal(3, inspection.Layers.First(l => l.Name == "ip1").WeightBits);
        Assert.True(inspection.Model.Info.Metrics!.Accuracy > 0.5);
    }

    [Fact]
    public void Compress_NoResume_IgnoresAMatchingCheckpoint()
    {
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1 }, "prune": { "iterations": 0 }, "quantize": { "epochs": 0 } }""";
        string work = Path.Combine(_dir, "w.work");
        Compress("first", Architectures.LeNet300100, Quick, work: work);

        CompressionResult again = Compress("second", Architectures.LeNet300100, Quick, work: work, resume: false);

        Assert.Null(again.ResumedFrom);
    }

    [Fact]
    public void Compress_LeNet5_WritesConvLayersThatTheRuntimeRuns()
    {
        // LeNet-5 is ~30x the work of LeNet-300-100 per image: train on 1,000 images only (of 1,200, 120 held out).
        // A barely trained ip1 is still near its uniform init, where the default quality (2σ) would
        // remove every weight; 1σ keeps ~40 %. conv1, conv2 and ip2 get milder thresholds than the
        // defaults too, as in ShortConfig.
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 3 }, "prune": { "iterations": 1, "epochs": 1, "quality": { "conv1": 0.5, "conv2": 1.4, "ip1": 1.0, "ip2": 1.2 } }, "quantize": { "epochs": 1 } }""";
        string data = Path.Combine(_dir, "small");
        Data.MnistSlice.Write(s_slice, data, 1200, 300);

        CompressionResult result = Compress("lenet5", Architectures.LeNet5, Quick, data: data);

        DczInspection inspection = DczFile.Inspect(File.ReadAllBytes(result.OutputPath!));
        Assert.Equal(new[] { LayerKind.Conv2d, LayerKind.MaxPool2d, LayerKind.Conv2d, LayerKind.MaxPool2d, LayerKind.Flatten, LayerKind.Dense, LayerKind.ReLU, LayerKind.Dense },
            inspection.Model.Layers.Select(l => l.Kind));
        Assert.Equal(DefaultConfigs.For(Architectures.LeNet5).Quantize.Bits["conv1"], inspection.Layers[0].WeightBits);
        Assert.True(inspection.Model.Info.Metrics!.Accuracy > 0.5, $"accuracy {inspection.Model.Info.Metrics.Accuracy}");
    }

    [Fact]
    public void Compress_DsCnn_SameSeedTwice_GivesTheSameBytes_WithBatchNormsFolded()
    {
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 1 }, "prune": { "iterations": 1, "epochs": 1 }, "quantize": { "epochs": 1 } }""";
        string data = SmallSlice();

        CompressionResult a = Compress("ds-a", Architectures.DsCnn, Quick, seed: 4, data: data);
        CompressionResult b = Compress("ds-b", Architectures.DsCnn, Quick, seed: 4, data: data);

        byte[] bytes = File.ReadAllBytes(a.OutputPath!);
        Assert.Equal(bytes, File.ReadAllBytes(b.OutputPath!));
        DczModel model = DczFile.Read(bytes);
        Assert.DoesNotContain(model.Layers, l => l.Kind == LayerKind.ScaleShift);
        Assert.Equal(Architectures.DsCnn.Nodes.Count(n => n is not BatchNormNode), model.Layers.Count);
        Assert.Contains(model.Layers, l => l is Conv2dLayer { Groups: 64, StrideHeight: 2 });
        Assert.Contains(model.Layers, l => l is AddLayer);
        Assert.All(model.Layers.Where(l => l.WeightTensor is not null), l => Assert.True(l.WeightTensor!.IsShared));
        MnistSet test = Mnist.LoadTest(data);
        Assert.Equal(model.Info.Metrics!.Correct, CompactModel.Create(model).CountCorrect(test.Images, test.Labels, test.Count));
    }

    [Theory]
    [InlineData(1)] // after the first dense epoch: batch norms live, their statistics in the checkpoint
    [InlineData(3)] // after the first pruning: batch norms folded
    public void Compress_DsCnn_InterruptedThenResumed_GivesTheSameBytesAsOneRun(int stopAfter)
    {
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 2 }, "prune": { "iterations": 1, "epochs": 1 }, "quantize": { "epochs": 1 } }""";
        string data = SmallSlice();
        CompressionResult whole = Compress("ds-whole", Architectures.DsCnn, Quick, data: data);

        string work = Path.Combine(_dir, "ds-split.work");
        Assert.Null(Compress("ds-split", Architectures.DsCnn, Quick, stopAfter: stopAfter, work: work, data: data).OutputPath);
        CompressionResult resumed = Compress("ds-split", Architectures.DsCnn, Quick, work: work, data: data);

        Assert.EndsWith("state.ckpt", resumed.ResumedFrom);
        Assert.Equal(File.ReadAllBytes(whole.OutputPath!), File.ReadAllBytes(resumed.OutputPath!));
    }

    [Fact]
    public void Compress_AnotherArchitectureWithTheSameName_DoesNotResumeItsCheckpoint()
    {
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 2 }, "prune": { "iterations": 1, "epochs": 1 }, "quantize": { "epochs": 1 } }""";
        static ArchitectureSpec Mlp(int hidden) => new(
            "mine", new[] { 784 }, new ArchitectureNode[] { new DenseNode("fc1", hidden), new ReLUNode(), new DenseNode("fc2", 10) },
            Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), new Preprocessing(1f / 255f, 0f, 1f));
        string data = SmallSlice();
        string work = Path.Combine(_dir, "mine.work");
        string copy = Path.Combine(_dir, "mine-copy.work");
        Compress("mine16", Mlp(16), Quick, stopAfter: 1, work: work, data: data);
        CopyFolder(work, copy);

        CompressionResult other = Compress("mine20", Mlp(20), Quick, work: work, data: data);
        CompressionResult same = Compress("mine16", Mlp(16), Quick, work: copy, data: data);

        Assert.Null(other.ResumedFrom);
        Assert.EndsWith("state.ckpt", same.ResumedFrom);
    }

    [Fact]
    public void Compress_ArchitectureWithAnUnfoldableBatchNorm_EndingInSoftmax_WritesScaleShiftAndProbabilities()
    {
        const string Quick = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 2 }, "prune": { "iterations": 1, "epochs": 1 }, "quantize": { "epochs": 1 } }""";
        ArchitectureSpec spec = ArchitectureFile.Parse("""
            {
              "name": "softmax-mlp", "inputShape": [784], "classLabels": ["0","1","2","3","4","5","6","7","8","9"],
              "preprocessing": { "scale": 0.00392156862745098 },
              "nodes": [
                { "op": "Dense", "name": "fc1", "outputs": 32 }, { "op": "Tanh", "name": "tanh" },
                { "op": "BatchNorm", "name": "bn" },
                { "op": "Dense", "name": "fc2", "outputs": 10 }, { "op": "Softmax" }
              ]
            }
            """, "softmax-mlp.json");

        CompressionResult result = Compress("softmax", spec, Quick, data: SmallSlice());

        DczModel model = DczFile.Read(File.ReadAllBytes(result.OutputPath!));
        // The batch norm reads a Tanh: nothing to fold into, so it ships as a per-channel scale and shift.
        Assert.Equal(new[] { LayerKind.Dense, LayerKind.Tanh, LayerKind.ScaleShift, LayerKind.Dense, LayerKind.Softmax }, model.Layers.Select(l => l.Kind));
        Assert.True(model.Info.Metrics!.Accuracy > 0.6, $"accuracy {model.Info.Metrics.Accuracy}");
    }

    /// <summary>1,000 training and 300 test images of the slice (made once per test).</summary>
    private string SmallSlice()
    {
        string data = Path.Combine(_dir, "small");
        if (!Directory.Exists(data))
        {
            Data.MnistSlice.Write(s_slice, data, 1000, 300);
        }

        return data;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
