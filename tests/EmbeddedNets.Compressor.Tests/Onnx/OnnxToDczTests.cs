using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Onnx;
using EmbeddedNets.Compressor.Onnx.Proto;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static EmbeddedNets.Compressor.Tests.Onnx.OnnxModels;

namespace EmbeddedNets.Compressor.Tests.Onnx;

public sealed class OnnxToDczTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string> Fixtures => new() { "mlp-bn", "cnn-residual", "ops-mix", "gemm-identity-dropout" };

    /// <summary>Converts a fixture and reads the written bytes back, as an app would load them.</summary>
    private static DczModel ConvertAndReadBack(string name, out byte[] bytes)
    {
        DczModel model = OnnxToDcz.Convert(OnnxReader.Load(Fixture(name + ".onnx")));
        bytes = DczFile.Write(model);
        return DczFile.Read(bytes);
    }

    /// <summary>ONNX Runtime's outputs for every sample of <paramref name="inputs"/>, run as one batch.</summary>
    private static float[][] OnnxRuntimeOutputs(string onnxPath, NpyArray inputs)
    {
        using var session = new InferenceSession(onnxPath);
        string inputName = session.InputMetadata.Keys.Single();
        var tensor = new DenseTensor<float>(inputs.Values.Select(v => (float)v).ToArray(), inputs.Shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)]);
        float[] flat = results.Single().AsEnumerable<float>().ToArray();
        int n = inputs.Shape[0];
        int perSample = flat.Length / n;
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * perSample, perSample).ToArray()).ToArray();
    }

    private static float[] Sample(NpyArray a, int index)
    {
        int length = a.Values.Length / a.Shape[0];
        return a.Values.Skip(index * length).Take(length).Select(v => (float)v).ToArray();
    }

    private static double MaxAbsDiff(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        Assert.Equal(a.Count, b.Count);
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Convert_Fixture_RuntimeGivesOnnxRuntimesOutputs(string name)
    {
        DczModel model = ConvertAndReadBack(name, out _);
        NpyArray inputs = NpyReader.Read(Fixture(name + ".inputs.npy"));
        float[][] expected = OnnxRuntimeOutputs(Fixture(name + ".onnx"), inputs);
        CompactModel runtime = CompactModel.Create(model);

        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            var output = new float[runtime.OutputLength];
            runtime.Run(Sample(inputs, i), output);
            worst = Math.Max(worst, MaxAbsDiff(expected[i], output));
        }

        Assert.True(worst <= Tolerance, $"{name}: max |Runtime − ONNX Runtime| = {worst:G3} over {expected.Length} inputs");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Convert_Fixture_RuntimeGivesPyTorchsOutputs(string name)
    {
        DczModel model = ConvertAndReadBack(name, out _);
        NpyArray inputs = NpyReader.Read(Fixture(name + ".inputs.npy"));
        NpyArray pytorch = NpyReader.Read(Fixture(name + ".outputs.npy"));
        CompactModel runtime = CompactModel.Create(model);

        for (int i = 0; i < inputs.Shape[0]; i++)
        {
            var output = new float[runtime.OutputLength];
            runtime.Run(Sample(inputs, i), output);
            double diff = MaxAbsDiff(Sample(pytorch, i), output);
            Assert.True(diff <= Tolerance, $"{name} input {i}: max |Runtime − PyTorch| = {diff:G3}");
        }
    }

    [Fact]
    public void Convert_TrainedModels_PredictTheLabelsPyTorchPredicts()
    {
        foreach (string name in new[] { "mlp-bn", "cnn-residual" })
        {
            CompactModel runtime = CompactModel.Create(ConvertAndReadBack(name, out _));
            NpyArray inputs = NpyReader.Read(Fixture(name + ".inputs.npy"));
            NpyArray pytorch = NpyReader.Read(Fixture(name + ".outputs.npy"));
            for (int i = 0; i < inputs.Shape[0]; i++)
            {
                float[] expected = Sample(pytorch, i);
                Assert.Equal(Array.IndexOf(expected, expected.Max()), runtime.Predict(Sample(inputs, i)));
            }
        }
    }

    [Fact]
    public void Convert_MlpWithBatchNorm_FoldsItIntoTheGemm()
    {
        DczModel model = ConvertAndReadBack("mlp-bn", out _);

        Assert.Equal([LayerKind.Dense, LayerKind.ReLU, LayerKind.Dense], model.Layers.Select(l => l.Kind));
        Assert.All(model.Layers.OfType<DenseLayer>(), d => Assert.False(d.Weights.IsShared));
        Assert.Equal([784], model.Info.InputShape);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), model.Info.ClassLabels);
        Assert.StartsWith("EmbeddedNets.Compressor", model.Info.Producer);
        Assert.Contains("pytorch", model.Info.Producer);
    }

    [Fact]
    public void Convert_UnfoldedLayer_KeepsTheOnnxWeightsBitForBit()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("mlp-bn.onnx"));
        DczModel model = ConvertAndReadBack("mlp-bn", out _);

        // fc2 (Gemm, transB 1) follows the ReLU: nothing folds into it, so its [10, 48] weights are the file's.
        OnnxNode fc2 = graph.Nodes.Last();
        float[] onnx = graph.Initializers[fc2.Inputs[1]].Floats!;
        var dense = (DenseLayer)model.Layers[^1];
        Assert.Equal(onnx, dense.Weights.ToDense());
        Assert.Equal(graph.Initializers[fc2.Inputs[2]].Floats!, dense.Bias);
    }

    [Fact]
    public void Convert_ResidualCnn_FoldsEveryBatchNormAndKeepsTheSkipConnection()
    {
        DczModel model = ConvertAndReadBack("cnn-residual", out _);

        Assert.Equal(
            [LayerKind.Conv2d, LayerKind.ReLU, LayerKind.Clip, LayerKind.MaxPool2d, LayerKind.Conv2d, LayerKind.ReLU, LayerKind.Clip, LayerKind.Conv2d, LayerKind.Add,
             LayerKind.ReLU, LayerKind.Clip, LayerKind.Conv2d, LayerKind.ReLU, LayerKind.GlobalAvgPool, LayerKind.Flatten, LayerKind.Dense],
            model.Layers.Select(l => l.Kind));
        var depthwise = (Conv2dLayer)model.Layers[4];
        Assert.Equal(8, depthwise.Groups);
        var add = (AddLayer)model.Layers[8];
        Assert.Equal([3, 7], model.InputsOf(8));
        Assert.Equal(add.Name, model.Layers[8].Name);
        var clip = (ClipLayer)model.Layers[2];
        Assert.Equal((0f, 6f), (clip.Min, clip.Max));
    }

    [Fact]
    public void Convert_BatchNormOnTheInput_BecomesScaleShift_AndMatMulAddOneDense()
    {
        DczModel model = ConvertAndReadBack("ops-mix", out _);

        Assert.Equal(
            [LayerKind.ScaleShift, LayerKind.Conv2d, LayerKind.Sigmoid, LayerKind.AvgPool2d, LayerKind.Reshape, LayerKind.Tanh, LayerKind.Dense, LayerKind.Dense, LayerKind.Softmax],
            model.Layers.Select(l => l.Kind));
        var pool = (AvgPool2dLayer)model.Layers[3];
        Assert.False(pool.CountIncludePad);
        Assert.Equal(new Pool2dWindow(3, 3, 2, 2, 1, 1, 1, 1), pool.Window);
        var conv = (Conv2dLayer)model.Layers[1];
        Assert.Equal((1, 2, 1, 2), (conv.PadTop, conv.PadLeft, conv.PadBottom, conv.PadRight));
    }

    [Fact]
    public void Convert_SameModelTwice_GivesTheSameBytes()
    {
        ConvertAndReadBack("cnn-residual", out byte[] a);
        ConvertAndReadBack("cnn-residual", out byte[] b);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Convert_BatchNormAfterAValueReadTwice_BecomesScaleShift()
    {
        // Gemm → (BatchNormalization, Relu) → Add: the Gemm's output is needed unnormalised too.
        GraphProto graph = Graph([null, 4], "y",
            Node("Gemm", "fc", ["input", "W", "B"], ["g"], Int("transB", 1)),
            Node("BatchNormalization", "bn", ["g", "s", "b", "m", "v"], ["n"]),
            Node("Relu", "relu", ["g"], ["r"]),
            Node("Add", "sum", ["n", "r"], ["y"]));
        graph.Initializer.Add(Floats("W", [3, 4], Range(12)));
        graph.Initializer.Add(Floats("B", [3], [0.1f, 0.2f, 0.3f]));
        graph.Initializer.Add(Floats("s", [3], [2f, 0.5f, 1f]));
        graph.Initializer.Add(Floats("b", [3], [0.5f, 0f, -1f]));
        graph.Initializer.Add(Floats("m", [3], [0.1f, 0f, 0.2f]));
        graph.Initializer.Add(Floats("v", [3], [1f, 4f, 0.25f]));
        DczModel model = OnnxToDcz.Convert(OnnxReader.Read(Model(graph).Bytes(), "m.onnx"));

        Assert.Equal([LayerKind.Dense, LayerKind.ScaleShift, LayerKind.ReLU, LayerKind.Add], model.Layers.Select(l => l.Kind));
        float[] input = [1f, -2f, 0.5f, 3f];
        double[] y = ReferenceInference.Run(model, input);
        float[] g = [.. Enumerable.Range(0, 3).Select(o => Enumerable.Range(0, 4).Sum(i => Range(12)[(o * 4) + i] * input[i]) + (0.1f * (o + 1)))];
        float[] s = [2f, 0.5f, 1f], b = [0.5f, 0f, -1f], m = [0.1f, 0f, 0.2f], v = [1f, 4f, 0.25f];
        for (int o = 0; o < 3; o++)
        {
            double expected = ((g[o] - m[o]) / Math.Sqrt(v[o] + 1e-5) * s[o]) + b[o] + Math.Max(0, g[o]);
            Assert.Equal(expected, y[o], 4);
        }
    }

    [Fact]
    public void Convert_AddOfAConstantThatVariesWithinAChannel_SaysWhatIsSupported()
    {
        ModelProto model = SingleNode(Node("Add", "a", ["input", "k"], ["y"]), Floats("k", [1, 6, 6], Range(36)));

        var e = Assert.Throws<NotSupportedException>(() => OnnxToDcz.Convert(OnnxReader.Read(model.Bytes(), "m.onnx")));

        Assert.Equal("m.onnx: node 'a' (Add): adds a constant of shape [1, 6, 6] that varies within a channel of [1, 6, 6]; dcz adds one constant per channel (a bias)", e.Message);
    }

    [Fact]
    public void Convert_PerChannelConstantAdd_BecomesScaleShift()
    {
        ModelProto model = SingleNode(Node("Add", "a", ["k", "input"], ["y"]), Floats("k", [1, 1, 1], [0.75f]));

        DczModel dcz = OnnxToDcz.Convert(OnnxReader.Read(model.Bytes(), "m.onnx"));

        var layer = Assert.IsType<ScaleShiftLayer>(Assert.Single(dcz.Layers));
        Assert.Equal([1f], layer.Scale);
        Assert.Equal([0.75f], layer.Shift);
    }

    [Fact]
    public void Convert_WrongNumberOfLabels_NamesBothCounts()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("gemm-identity-dropout.onnx"));

        var e = Assert.Throws<ArgumentException>(() => OnnxToDcz.Convert(graph, new OnnxConversionOptions { ClassLabels = ["a", "b"] }));

        Assert.StartsWith($"2 class labels given but {graph.Source} outputs 3 values", e.Message);
    }

    [Fact]
    public void Convert_PostTrainingPruneAndShare_KeepsTheLargeWeightsOnACodebook()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("mlp-bn.onnx"));
        DczModel dense = OnnxToDcz.Convert(graph);

        DczModel small = DczFile.Read(DczFile.Write(OnnxToDcz.Convert(graph, new OnnxConversionOptions { PruneQuality = 0.5, WeightBits = 5 })));

        for (int i = 0; i < small.Layers.Count; i++)
        {
            if (small.Layers[i].WeightTensor is not SparseWeights w)
            {
                continue;
            }

            // Kept: exactly the weights of the dense (BN-folded) layer at least 0.5 σ in magnitude.
            float[] folded = dense.Layers[i].WeightTensor!.ToDense();
            double mean = folded.Average(v => (double)v);
            double threshold = 0.5 * Math.Sqrt(folded.Average(v => (v - mean) * (v - mean)));
            Assert.Equal(Enumerable.Range(0, folded.Length).Where(p => Math.Abs(folded[p]) >= threshold), w.Positions);
            Assert.Equal(5, w.WeightBits);
            Assert.InRange(w.Codebook.Length, 2, 32);

            // Each kept weight moved to its nearest shared value only.
            for (int k = 0; k < w.Count; k++)
            {
                float original = folded[w.Positions[k]];
                Assert.Equal(w.Codebook.Min(c => Math.Abs(c - original)), Math.Abs(w.Values[k] - original), 6);
            }
        }

        Assert.True(DczFile.Write(small).Length * 8 < DczFile.Write(dense).Length, "post-training compression should make the file over 8× smaller");
        LabelledSet test = LabelledSet.FromMnist(EmbeddedNets.Data.Mnist.LoadTest(Path.Combine(AppContext.BaseDirectory, "mnist-slice")), "mnist");
        var preprocessed = new LabelledSet("mnist", [784], test.Values.Select(v => ((v * (1f / 255f)) - 0.1307f) / 0.3081f).ToArray(), test.Labels);
        int correct = Pipeline.RuntimeAccuracy.CountCorrect(CompactModel.Create(small), preprocessed);
        Assert.True(correct >= 950, $"{correct}/1000 correct after post-training compression");
    }

    [Fact]
    public void Convert_PruneQualityThatRemovesEverything_SaysToLowerIt()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("gemm-identity-dropout.onnx"));

        var e = Assert.Throws<ArgumentException>(() => OnnxToDcz.Convert(graph, new OnnxConversionOptions { PruneQuality = 100 }));

        Assert.Equal($"{graph.Source}: layer 'fc': prune quality 100 removes every weight; lower it", e.Message);
    }

    [Fact]
    public void Convert_WithPreprocessing_RecordsItPerChannel()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("cnn-residual.onnx"));

        DczModel model = OnnxToDcz.Convert(graph, new OnnxConversionOptions { Name = "digits", Preprocessing = InputPreprocessing.Parse("1/255", "0.1307", "0.3081") });

        Assert.Equal("digits", model.Info.Name);
        Assert.Equal(1f / 255f, model.Info.Preprocessing.Scale);
        Assert.Equal([0.1307f], model.Info.Preprocessing.Mean);
    }
}
