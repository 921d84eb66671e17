using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Onnx;
using EmbeddedNets.Compressor.Onnx.Proto;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;
using TorchSharp;
using static EmbeddedNets.Compressor.Tests.Onnx.OnnxModels;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Tests.Onnx;

/// <summary>The imported network in TorchSharp, and the compress path from an ONNX model.</summary>
[Collection("torch")]
public sealed class OnnxCompressTests : IDisposable
{
    private static readonly string s_slice = Path.Combine(AppContext.BaseDirectory, "mnist-slice");
    private static readonly InputPreprocessing s_mnist = InputPreprocessing.Parse("1/255", "0.1307", "0.3081");

    private readonly TempFolder _dir = new("dcz-onnx-compress");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("mlp-bn")]
    [InlineData("cnn-residual")]
    [InlineData("ops-mix")]
    [InlineData("gemm-identity-dropout")]
    public void Convert_Fixture_TorchSharpNetworkGivesPyTorchsOutputs(string name)
    {
        (ArchitectureSpec arch, InitialWeights weights) = OnnxToArchitecture.Convert(OnnxReader.Load(Fixture(name + ".onnx")));
        NpyArray inputs = NpyReader.Read(Fixture(name + ".inputs.npy"));
        NpyArray expected = NpyReader.Read(Fixture(name + ".outputs.npy"));
        torch.set_num_threads(1);
        using var network = new SpecNetwork(arch);
        weights.LoadInto(network);
        network.eval();

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor x = tensor(inputs.Values.Select(v => (float)v).ToArray(), inputs.Shape.Select(d => (long)d).ToArray());
        float[] output = network.forward(x).contiguous().data<float>().ToArray();

        double worst = output.Zip(expected.Values, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4, $"{name}: max |TorchSharp − PyTorch| = {worst:G3}");
    }

    [Fact]
    public void Convert_BatchNormStaysANode_WithTheOnnxStatistics()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("mlp-bn.onnx"));

        (ArchitectureSpec arch, InitialWeights weights) = OnnxToArchitecture.Convert(graph);

        Assert.Equal(["Dense", "BatchNorm", "ReLU", "Dense"], arch.Resolved.Select(n => n.Node.Op));
        OnnxNode bn = graph.Nodes[1];
        Assert.Equal("bn1_BatchNormalization", arch.Resolved[1].Name); // from PyTorch's '/bn1/BatchNormalization'
        Assert.Equal(graph.Initializers[bn.Inputs[3]].Floats, weights.Tensors["bn1_BatchNormalization.running_mean"]);
        Assert.Equal(0.1f, ((BatchNormNode)arch.Resolved[1].Node).Momentum, 6);
    }

    [Fact]
    public void Convert_ConstantAddThatIsNoBias_SaysWhatCompressImports()
    {
        ModelProto model = SingleNode(Node("Add", "a", ["input", "k"], ["y"]), Floats("k", [1], [0.5f]));

        var e = Assert.Throws<NotSupportedException>(() => OnnxToArchitecture.Convert(OnnxReader.Read(model.Bytes(), "m.onnx")));

        Assert.StartsWith("m.onnx: node 'a' (Add): adds a constant that is not the bias of the MatMul, Gemm or Conv right before it", e.Message);
    }

    [Fact]
    public void Compress_ImportedMlp_StartsFromTheOnnxWeightsAndWritesACompressedFile()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("mlp-bn.onnx"));
        (ArchitectureSpec arch, InitialWeights weights) = OnnxToArchitecture.Convert(graph, new OnnxConversionOptions { Preprocessing = s_mnist });
        const string Config = """{ "baseline": { "epochs": 0 }, "prune": { "iterations": 1, "epochs": 1, "learningRate": 0.005 }, "quantize": { "epochs": 1 } }""";

        CompressionResult result = CompressionPipeline.Run(new CompressionOptions
        {
            Architecture = arch,
            InitialWeights = weights,
            Config = ConfigLoader.Load(arch, Config),
            DataDirectory = s_slice,
            OutputPath = Path.Combine(_dir.FullPath, "mlp.dcz"),
            Seed = 1,
            Threads = 1,
            Resume = false,
        });

        // No baseline training: the dense accuracy is the ONNX model's own (the Runtime's dense
        // conversion of it scores 972 of these 1,000 images).
        Assert.InRange(result.BaselineAccuracy, 0.968, 0.976);
        byte[] bytes = File.ReadAllBytes(result.OutputPath!);
        DczModel model = DczFile.Read(bytes);
        Assert.Equal([LayerKind.Dense, LayerKind.ReLU, LayerKind.Dense], model.Layers.Select(l => l.Kind));
        Assert.All(model.Layers.Where(l => l.WeightTensor is not null), l => Assert.True(l.WeightTensor!.IsShared));
        Assert.True(result.Metrics!.Accuracy > 0.9, $"accuracy {result.Metrics.Accuracy}");
        Assert.True(bytes.Length * 5 < 152_680, $"{bytes.Length} bytes");
        Assert.Equal(result.Metrics.Correct, RuntimeAccuracy.CountCorrect(CompactModel.Create(model), DatasetLoader.LoadMnist(s_slice).Test));
    }
}
