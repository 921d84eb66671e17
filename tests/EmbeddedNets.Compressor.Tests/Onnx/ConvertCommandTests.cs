using EmbeddedNets.Compressor.Tests.Datasets;
using EmbeddedNets.Data;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using static EmbeddedNets.Compressor.Tests.Onnx.OnnxModels;

namespace EmbeddedNets.Compressor.Tests.Onnx;

/// <summary>dcz convert, and dcz compress/eval on ONNX models and other data (compress trains: the torch collection).</summary>
[Collection("torch")]
public sealed class ConvertCommandTests : IDisposable
{
    private static readonly string s_slice = Path.Combine(AppContext.BaseDirectory, "mnist-slice");

    private readonly TempFolder _dir = new("dcz-convert");

    public void Dispose() => _dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Out(string name) => Path.Combine(_dir.FullPath, name);

    [Fact]
    public void Convert_PyTorchMlp_WritesADenseModelAndSaysWhatItDid()
    {
        string output = Out("mlp.dcz");

        (int code, string stdout, string err) = Run("convert", Fixture("mlp-bn.onnx"), "--out", output);

        Assert.True(code == 0, err);
        Assert.Contains("ai.onnx opset 13, from pytorch 1.13.0; input [784], output [10]; 4 nodes: Gemm ×2, BatchNormalization, Relu", stdout);
        Assert.Contains("3 layers: Dense ×2, ReLU; 38,112 of 38,112 weights kept, stored as float32 (unshared)", stdout);
        DczModel model = DczFile.Read(File.ReadAllBytes(output));
        Assert.Equal("mlp-bn", model.Info.Name);
        Assert.Null(model.Info.Metrics);
    }

    [Fact]
    public void Convert_WithMnistAndItsPreprocessing_RecordsTheAccuracyOfTheWrittenFile()
    {
        string output = Out("cnn.dcz");

        (int code, string stdout, string err) = Run("convert", Fixture("cnn-residual.onnx"), "--out", output, "--name", "digits",
            "--scale", "1/255", "--mean", "0.1307", "--std", "0.3081", "--data", s_slice);

        Assert.True(code == 0, err);
        RecordedMetrics metrics = DczFile.Read(File.ReadAllBytes(output)).Info.Metrics!;
        Assert.Equal(1000, metrics.Count);
        Assert.Equal("mnist-test", metrics.TestSetName);

        // PyTorch measured 94.99 % on all 10,000 test images; the first 1,000 are a little easier.
        Assert.True(metrics.Accuracy > 0.93, $"accuracy {metrics.Accuracy}");
        Assert.Contains($"test accuracy {metrics.Accuracy * 100:F2} % ({metrics.Correct}/1000 of mnist-test, Runtime inference on the written file)", stdout);

        (int evalCode, string evalOut, string evalErr) = Run("eval", output, "--data", s_slice);
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains($"{metrics.Correct}/1000 correct", evalOut);
    }

    [Fact]
    public void Convert_WithAnImageFolder_TakesItsClassNamesAsLabels()
    {
        // A 3-class head on the fixture images: labels come from the folder names when the counts match.
        string onnx = Out("three.onnx");
        var graph = Graph([null, 1, 28, 28], "y",
            Node("Flatten", "flat", ["input"], ["f"]),
            Node("Gemm", "fc", ["f", "W"], ["y"], Int("transB", 1)));
        graph.Initializer.Add(Floats("W", [3, 784], Range(3 * 784)));
        File.WriteAllBytes(onnx, Model(graph).Bytes());

        (int code, _, string err) = Run("convert", onnx, "--out", Out("three.dcz"), "--data", Path.Combine(AppContext.BaseDirectory, "images", "train"), "--seed", "3");

        Assert.True(code == 0, err);
        ModelInfo info = DczFile.Read(File.ReadAllBytes(Out("three.dcz"))).Info;
        Assert.Equal(["one", "seven", "two"], info.ClassLabels);
        Assert.Equal("train held-out 20 % (seed 3)", info.Metrics!.TestSetName);
    }

    [Fact]
    public void Convert_PostTraining_SaysHowMuchIsKeptAndShared()
    {
        (int code, string stdout, string err) = Run("convert", Fixture("mlp-bn.onnx"), "--out", Out("small.dcz"), "--prune-quality", "0.5", "--bits", "5");

        Assert.True(code == 0, err);
        Assert.Matches(@"× smaller than dense float32 \(152,680 bytes\); 3 layers: Dense ×2, ReLU; [\d,]+ of 38,112 weights kept \(\d+\.\d %\), shared: at most 32 values per layer", stdout);
    }

    [Fact]
    public void Convert_UnsupportedOp_Exits1WithOneLineNamingTheNode()
    {
        (int code, string stdout, string err) = Run("convert", Fixture("unsupported-lstm.onnx"), "--out", Out("x.dcz"));

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("dcz: ", err);
        Assert.Contains("node 'lstm1' (LSTM): the op LSTM is not supported; dcz imports Add, ", err);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.False(File.Exists(Out("x.dcz")));
    }

    [Theory]
    [InlineData(new[] { "--mean", "0.1,x" }, "--mean: 'x' is not a number")]
    [InlineData(new[] { "--test-fraction", "1.5" }, "--test-fraction must be a number between 0 and 1 (got '1.5')")]
    [InlineData(new[] { "--data", "/no/such/data" }, "--data '/no/such/data' does not exist (give a data folder or file)")]
    [InlineData(new[] { "--bits", "9" }, "--bits must be an integer in 1–8 (got '9')")]
    [InlineData(new[] { "--prune-quality", "-1" }, "--prune-quality must be a number ≥ 0 (got '-1')")]
    public void Convert_BadOption_Exits2NamingIt(string[] extra, string message)
    {
        (int code, _, string err) = Run(["convert", Fixture("mlp-bn.onnx"), "--out", Out("x.dcz"), .. extra]);

        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Convert_MissingOnnxFile_Exits2()
    {
        (int code, _, string err) = Run("convert", Out("none.onnx"), "--out", Out("x.dcz"));

        Assert.Equal(2, code);
        Assert.Contains($"ONNX file '{Out("none.onnx")}' does not exist", err);
    }

    [Fact]
    public void Compress_OnnxModel_TrainsNoBaselineAndWritesACompressedFile()
    {
        string config = Out("short.json");
        File.WriteAllText(config, """{ "prune": { "iterations": 1, "epochs": 1, "learningRate": 0.005 }, "quantize": { "epochs": 1 } }""");
        string output = Out("mlp-compressed.dcz");

        (int code, string stdout, string err) = Run("compress", "--model", Fixture("mlp-bn.onnx"), "--data", s_slice, "--out", output,
            "--scale", "1/255", "--mean", "0.1307", "--std", "0.3081", "--config", config);

        Assert.True(code == 0, err);
        Assert.DoesNotContain("baseline epoch", stdout);
        Assert.Matches(@"dense baseline: test accuracy 97\.\d\d %", stdout);
        DczModel model = DczFile.Read(File.ReadAllBytes(output));
        Assert.Equal("mlp-bn", model.Info.Name);
        Assert.True(model.Info.Metrics!.Accuracy > 0.9);
    }

    [Fact]
    public void Sensitivity_OnnxModel_AnalysesTheImportedWeights_WithoutTraining()
    {
        string output = Out("sens");

        (int code, string stdout, string err) = Run("sensitivity", "--model", Fixture("mlp-bn.onnx"), "--data", s_slice, "--out", output,
            "--scale", "1/255", "--mean", "0.1307", "--std", "0.3081");

        Assert.True(code == 0, err);
        Assert.DoesNotContain("baseline epoch", stdout);
        string table = File.ReadAllText(Path.Combine(output, "sensitivity.md"));
        // The imported network (97 % on the slice's test part) is what is measured, not a fresh
        // initialisation: the unchanged network is far above chance on the validation split.
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(table, @"The network as it was: (\d+\.\d+) %");
        Assert.True(m.Success, table);
        Assert.True(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 90, table);
    }

    [Fact]
    public void Eval_NpzWithItsOwnTestArrays_EvaluatesOnThem()
    {
        string output = Out("mlp.dcz");
        Assert.Equal(0, Run("convert", Fixture("mlp-bn.onnx"), "--out", output, "--scale", "1/255", "--mean", "0.1307", "--std", "0.3081").Code);
        MnistSet test = Mnist.LoadTest(s_slice);
        string npz = Out("digits.npz");
        NpyTestFiles.WriteNpz(npz,
            ("x", NpyTestFiles.UInt8([100, 784], test.Images[..(100 * 784)])),
            ("y", NpyTestFiles.UInt8([100], test.Labels[..100])),
            ("x_test", NpyTestFiles.UInt8([200, 784], test.Images[(100 * 784)..(300 * 784)])),
            ("y_test", NpyTestFiles.UInt8([200], test.Labels[100..300])));

        (int code, string stdout, string err) = Run("eval", output, "--data", npz);

        Assert.True(code == 0, err);
        Assert.Matches(@"/200 correct = 9\d\.\d\d % accuracy .* on digits\.npz:x_test", stdout);
    }
}
