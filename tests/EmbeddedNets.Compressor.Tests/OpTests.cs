using EmbeddedNets.Compressor.Export;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Tests;

/// <summary>
/// Each op's TorchSharp forward computes what the Runtime computes for the layer it exports to:
/// a small network around the op runs in TorchSharp and, exported dense (unpruned, unshared
/// float32 weights), through the Runtime's <see cref="ReferenceInference"/>.
/// </summary>
[Collection("torch")]
public sealed class OpTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string> OpCases => new(s_cases.Keys);

    private static readonly Dictionary<string, (int[] Input, Func<ArchitectureNode[]> Nodes)> s_cases = new()
    {
        ["Dense over an image (implicit flatten)"] = (new[] { 2, 3, 4 }, () => new ArchitectureNode[] { new DenseNode("fc", 7) }),
        ["Conv2d 2x3 kernel, stride 2x1, uneven padding"] = (new[] { 3, 7, 6 }, () => new ArchitectureNode[] { new Conv2dNode("c", 4, (2, 3), (2, 1), new Padding(1, 0, 2, 1)) }),
        ["Conv2d symmetric padding 1"] = (new[] { 2, 5, 5 }, () => new ArchitectureNode[] { new Conv2dNode("c", 3, 3, padding: 1) }),
        ["Conv2d depthwise 3x3 stride 2"] = (new[] { 4, 7, 7 }, () => new ArchitectureNode[] { new Conv2dNode("dw", 4, 3, stride: 2, padding: 1, groups: 4) }),
        ["Conv2d pointwise 1x1 in 2 groups"] = (new[] { 4, 3, 5 }, () => new ArchitectureNode[] { new Conv2dNode("pw", 6, 1, groups: 2) }),
        ["MaxPool2d 2x2"] = (new[] { 2, 6, 6 }, () => new ArchitectureNode[] { new MaxPool2dNode(2, 2) }),
        ["MaxPool2d 3x2 stride 2x1 padded"] = (new[] { 2, 7, 5 }, () => new ArchitectureNode[] { new MaxPool2dNode("p", (3, 2), (2, 1), new Padding(1, 0, 2, 1)) }),
        ["AvgPool2d 2x2"] = (new[] { 2, 6, 5 }, () => new ArchitectureNode[] { new AvgPool2dNode("p", (2, 2), (2, 2)) }),
        ["AvgPool2d 3x3 padded, pads counted"] = (new[] { 2, 5, 6 }, () => new ArchitectureNode[] { new AvgPool2dNode("p", (3, 3), (2, 2), new Padding(1, 1, 2, 0), countIncludePad: true) }),
        ["AvgPool2d 3x3 padded, pads not counted"] = (new[] { 2, 5, 6 }, () => new ArchitectureNode[] { new AvgPool2dNode("p", (3, 3), (2, 2), new Padding(1, 1, 2, 0), countIncludePad: false) }),
        ["GlobalAvgPool"] = (new[] { 3, 4, 5 }, () => new ArchitectureNode[] { new GlobalAvgPoolNode() }),
        ["BatchNorm folded into Conv2d"] = (new[] { 2, 5, 5 }, () => new ArchitectureNode[] { new Conv2dNode("c", 3, 3), new BatchNormNode("bn") }),
        ["BatchNorm folded into Dense"] = (new[] { 10 }, () => new ArchitectureNode[] { new DenseNode("fc", 6), new BatchNormNode("bn") }),
        ["BatchNorm on the input (ScaleShift)"] = (new[] { 3, 4, 4 }, () => new ArchitectureNode[] { new BatchNormNode("bn") }),
        ["BatchNorm after a node read twice (ScaleShift)"] = (new[] { 2, 4, 4 }, () => new ArchitectureNode[]
        {
            new Conv2dNode("c", 2, 3, padding: 1), new BatchNormNode("bn"), new AddNode("sum", new[] { "c", "bn" }),
        }),
        ["Add (residual)"] = (new[] { 2, 5, 5 }, () => new ArchitectureNode[]
        {
            new Conv2dNode("c1", 3, 3, padding: 1), new ReLUNode("r"), new Conv2dNode("c2", 3, 1), new AddNode("sum", new[] { "r", "c2" }),
        }),
        ["Add of the model input"] = (new[] { 2, 4, 4 }, () => new ArchitectureNode[] { new Conv2dNode("c", 2, 3, padding: 1), new AddNode("sum", new[] { "input", "c" }) }),
        ["ReLU"] = (new[] { 12 }, () => new ArchitectureNode[] { new ReLUNode() }),
        ["ReLU6"] = (new[] { 12 }, () => new ArchitectureNode[] { new ReLU6Node() }),
        ["Clip"] = (new[] { 12 }, () => new ArchitectureNode[] { new ClipNode("clip", -0.5f, 0.75f) }),
        ["Sigmoid"] = (new[] { 12 }, () => new ArchitectureNode[] { new SigmoidNode() }),
        ["Tanh"] = (new[] { 12 }, () => new ArchitectureNode[] { new TanhNode() }),
        ["Softmax over an image"] = (new[] { 2, 3, 2 }, () => new ArchitectureNode[] { new SoftmaxNode() }),
        ["Flatten"] = (new[] { 2, 3, 4 }, () => new ArchitectureNode[] { new FlattenNode() }),
        ["Reshape"] = (new[] { 24 }, () => new ArchitectureNode[] { new ReshapeNode("r", new[] { 2, 3, 4 }), new Conv2dNode("c", 2, (2, 2), (1, 1), default) }),
    };

    [Theory]
    [MemberData(nameof(OpCases))]
    public void Forward_MatchesTheRuntimeReference_OnTheExportedDenseModel(string name)
    {
        (int[] input, Func<ArchitectureNode[]> nodes) = s_cases[name];
        random.manual_seed(11);
        ArchitectureSpec spec = Spec(input, nodes());
        using var network = new SpecNetwork(spec);
        RandomizeBatchNorms(network, 12);
        network.eval();
        network.EndDenseTraining(null);

        Compare(network, spec, 13);
    }

    [Fact]
    public void EveryOpOfTheCatalog_HasACase()
    {
        var covered = s_cases.Values.SelectMany(c => c.Nodes()).Select(n => n.Op).ToHashSet();

        Assert.All(OpCatalog.Names, op => Assert.Contains(op, covered));
    }

    [Fact]
    public void BatchNormFold_GivesTheNetworkWithBatchNormInEvalMode()
    {
        random.manual_seed(21);
        using var network = new SpecNetwork(Architectures.DsCnn);
        RandomizeBatchNorms(network, 22);
        network.eval();
        using Tensor x = randn(8, 1, 28, 28);
        using Tensor before = network.forward(x).detach().clone();

        IReadOnlyList<string> lines = network.EndDenseTraining(null);
        using Tensor after = network.forward(x).detach();

        Assert.Equal(Architectures.DsCnn.Nodes.Count(n => n is BatchNormNode), lines.Count(l => l.Contains("folded into", StringComparison.Ordinal)));
        double difference = (after - before).abs().max().item<float>();
        Assert.True(difference <= 1e-4, $"folded network differs by {difference}");
        DczModel model = new DczExporter(network, null, 1).Build();
        Assert.DoesNotContain(model.Layers, l => l.Kind == LayerKind.ScaleShift);
        Compare(network, Architectures.DsCnn, 23);
    }

    [Fact]
    public void BatchNormFold_ScalesTheWeightsPerOutputChannel()
    {
        random.manual_seed(31);
        ArchitectureSpec spec = Spec(new[] { 3 }, new ArchitectureNode[] { new DenseNode("fc", 2), new BatchNormNode("bn", epsilon: 0.25f) });
        using var network = new SpecNetwork(spec);
        var fc = (WeightedModule)network.Modules[0];
        var bn = (BatchNormModule)network.Modules[1];
        using (no_grad())
        {
            fc.Weight.copy_(tensor(new float[] { 1, 2, 3, 4, 5, 6 }).reshape(2, 3));
            fc.Bias.copy_(tensor(new float[] { 0.5f, -1 }));
            bn.Gamma.copy_(tensor(new float[] { 2, 3 }));
            bn.Beta.copy_(tensor(new float[] { 0.25f, -0.5f }));
            bn.RunningMean.copy_(tensor(new float[] { 1, -2 }));
            bn.RunningVar.copy_(tensor(new float[] { 0.75f, 3.75f }));
        }

        network.EndDenseTraining(null);

        // scale = γ / √(σ² + ε) = 2 / 1 and 3 / 2; bias' = (b − μ) · scale + β.
        Assert.Equal(new float[] { 2, 4, 6, 6, 7.5f, 9 }, fc.Weight.detach().data<float>().ToArray());
        Assert.Equal(new float[] { ((0.5f - 1) * 2) + 0.25f, ((-1 + 2) * 1.5f) - 0.5f }, fc.Bias.detach().data<float>().ToArray());
    }

    [Fact]
    public void BatchNormFold_ChannelWithConstantInput_GetsZeroWeightsAndTheSameOutput()
    {
        // Input 2 is always 0 (a dead ReLU channel before the layer), and channel 1 of the dense
        // layer only weighs that input, so it outputs its bias 0.7 and its batch norm saw
        // variance 0. Folded as usual its weight 5 would become 5 · γ / √ε ≈ 4,700; it becomes 0
        // and the channel still outputs β.
        ArchitectureSpec spec = Spec(new[] { 3 }, new ArchitectureNode[] { new DenseNode("fc", 2), new BatchNormNode("bn") });
        using var network = new SpecNetwork(spec);
        var fc = (WeightedModule)network.Modules[0];
        var bn = (BatchNormModule)network.Modules[1];
        using (no_grad())
        {
            fc.Weight.copy_(tensor(new float[] { 1, 2, 3, 0, 0, 5 }).reshape(2, 3));
            fc.Bias.copy_(tensor(new float[] { 0.5f, 0.7f }));
            bn.Gamma.copy_(tensor(new float[] { 2, 3 }));
            bn.Beta.copy_(tensor(new float[] { 0.25f, -0.5f }));
            bn.RunningMean.copy_(tensor(new float[] { 1, 0.7f }));
            bn.RunningVar.copy_(tensor(new float[] { 0.5f, 0 }));
        }

        network.eval();
        random.manual_seed(41);
        using Tensor x = randn(16, 3) * tensor(new float[] { 1, 1, 0 });
        using Tensor before = network.forward(x).detach().clone();
        network.EndDenseTraining(null);
        using Tensor after = network.forward(x).detach();

        float[] weight = fc.Weight.detach().data<float>().ToArray();
        Assert.Equal(new float[] { 0, 0, 0 }, weight[3..]);
        Assert.NotEqual(0, weight[0]);
        double difference = (after - before).abs().max().item<float>();
        Assert.True(difference <= 1e-4, $"folded network differs by {difference}");
    }

    [Fact]
    public void InitialWeights_LoadIntoTheNetwork_AndAMissingTensorIsNamed()
    {
        var spec = new ArchitectureSpec("init", new[] { 3 }, new ArchitectureNode[] { new DenseNode("fc", 2), new BatchNormNode("bn") }, new[] { "a", "b" }, Preprocessing.Identity);
        var tensors = new Dictionary<string, float[]>
        {
            ["fc.weight"] = new float[] { 1, 0, 0, 0, 1, 0 },
            ["fc.bias"] = new float[] { 0, 0 },
            ["bn.gamma"] = new float[] { 1, 1 },
            ["bn.beta"] = new float[] { 0, 10 },
            ["bn.running_mean"] = new float[] { 0, 0 },
            ["bn.running_var"] = new float[] { 1, 1 },
        };
        Assert.Equal(tensors.Keys.Order(), spec.ParameterShapes.Select(p => p.Name).Order());
        using var network = new SpecNetwork(spec);
        new InitialWeights(tensors).LoadInto(network);
        network.eval();

        using Tensor y = network.forward(tensor(new float[] { 3, 4, 5 }).reshape(1, 3));
        float[] values = y.detach().data<float>().ToArray();
        Assert.Equal(3, values[0], 3);
        Assert.Equal(14, values[1], 3);

        tensors.Remove("bn.running_var");
        using var other = new SpecNetwork(spec);
        var e = Assert.Throws<ArchitectureException>(() => new InitialWeights(tensors).LoadInto(other));
        Assert.Contains("node 'bn' (BatchNorm) needs 'bn.running_var'", e.Message);
    }

    /// <summary>The nodes, then a flatten and a dense head of 5 (so every case ends in class scores).</summary>
    private static ArchitectureSpec Spec(int[] input, ArchitectureNode[] nodes) => new(
        "op-test",
        input,
        nodes.Append(new FlattenNode("head_flatten")).Append(new DenseNode("head", 5)).ToArray(),
        new[] { "a", "b", "c", "d", "e" },
        Preprocessing.Identity);

    /// <summary>Gives every batch norm statistics and parameters far from the identity.</summary>
    private static void RandomizeBatchNorms(SpecNetwork network, long seed)
    {
        random.manual_seed(seed);
        using (no_grad())
        {
            foreach (BatchNormModule bn in network.Modules.OfType<BatchNormModule>())
            {
                long c = bn.Gamma.shape[0];
                bn.Gamma.copy_(rand(c) + 0.5);
                bn.Beta.copy_(randn(c) * 0.5);
                bn.RunningMean.copy_(randn(c) * 0.3);
                bn.RunningVar.copy_(rand(c) * 1.5 + 0.5);
            }
        }
    }

    /// <summary>TorchSharp's output against the Runtime reference on the dense export, for a few random inputs.</summary>
    private static void Compare(SpecNetwork network, ArchitectureSpec spec, long seed)
    {
        random.manual_seed(seed);
        int length = spec.InputShape.Aggregate(1, (a, b) => a * b);
        using Tensor x = randn(new long[] { 4 }.Concat(spec.InputShape.Select(d => (long)d)).ToArray());
        float[] torchOut;
        using (no_grad())
        {
            network.eval();
            torchOut = network.forward(x).contiguous().data<float>().ToArray();
        }

        DczModel model = DczFile.Read(DczFile.Write(new DczExporter(network, null, 1).Build()));
        float[] inputs = x.contiguous().data<float>().ToArray();
        int outputs = torchOut.Length / 4;
        for (int n = 0; n < 4; n++)
        {
            double[] reference = ReferenceInference.Run(model, inputs.AsSpan(n * length, length));
            Assert.Equal(outputs, reference.Length);
            for (int i = 0; i < outputs; i++)
            {
                double difference = Math.Abs(reference[i] - torchOut[(n * outputs) + i]);
                Assert.True(difference <= Tolerance * Math.Max(1, Math.Abs(reference[i])), $"sample {n} output {i}: TorchSharp {torchOut[(n * outputs) + i]}, Runtime {reference[i]}");
            }
        }
    }
}
