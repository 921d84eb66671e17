using EmbeddedNets.Benchmarks.Engines;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Benchmarks.Tests;

/// <summary>Every engine the benchmarks time, against the double-precision reference, on random models.</summary>
public class EngineAgreementTests
{
    private const int Samples = 3;

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 1; seed <= 24; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void DenseNetwork_RandomModel_MatchesReference(int seed)
    {
        (DczModel model, float[] inputs, int inLength, int outLength) = Setup(seed);
        var dense = new DenseNetwork(model);
        var output = new float[outLength];
        for (int s = 0; s < Samples; s++)
        {
            ReadOnlySpan<float> input = inputs.AsSpan(s * inLength, inLength);
            dense.Run(input, output);
            AssertClose(output, ReferenceInference.Run(model, input), seed, s);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void OnnxEngine_RandomModel_MatchesReferenceAtBatch1AndBatchN(int seed)
    {
        (DczModel model, float[] inputs, int inLength, int outLength) = Setup(seed);
        var single = new float[outLength];
        var batch = new float[Samples * outLength];
        using var onnx = new OnnxEngine(model, inputs, Samples, single, batch);
        onnx.RunAll();
        for (int s = 0; s < Samples; s++)
        {
            double[] expected = ReferenceInference.Run(model, inputs.AsSpan(s * inLength, inLength));
            onnx.RunOne(s);
            AssertClose(single, expected, seed, s);
            AssertClose(batch.AsSpan(s * outLength, outLength), expected, seed, s);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void TorchEngine_RandomModelIm2Col_MatchesReferenceAtBatch1AndBatchN(int seed)
    {
        (DczModel model, float[] inputs, int inLength, int outLength) = Setup(seed);
        var single = new float[outLength];
        var batch = new float[Samples * outLength];
        using var torch = new TorchEngine(model, inputs, Samples, single, batch, convolutionAsIm2Col: true);
        torch.RunAll();
        for (int s = 0; s < Samples; s++)
        {
            double[] expected = ReferenceInference.Run(model, inputs.AsSpan(s * inLength, inLength));
            torch.RunOne(s);
            AssertClose(single, expected, seed, s);
            AssertClose(batch.AsSpan(s * outLength, outLength), expected, seed, s);
        }
    }

    [Fact]
    public void TorchEngine_Mlp_MatchesReference()
    {
        // No convolution: TorchSharp's own ops only (linear, relu, softmax).
        var rng = new Random(77);
        DczModel model = DczTestModels.RandomMlp(rng, 77);
        (float[] inputs, int inLength, int outLength) = Inputs(model, 77);
        var single = new float[outLength];
        using var torch = new TorchEngine(model, inputs, Samples, single, new float[Samples * outLength]);
        torch.RunOne(1);
        AssertClose(single, ReferenceInference.Run(model, inputs.AsSpan(inLength, inLength)), 77, 1);
    }

    [Fact]
    public void OnnxModelWriter_LeNet5Shape_StartsWithIrVersionAndHasEveryOp()
    {
        BenchCase c = StandIn("lenet-5");
        byte[] onnx = Onnx.OnnxModelWriter.Write(c.Model);
        Assert.Equal(new byte[] { 0x08, 0x08 }, onnx[..2]); // ir_version = 8
        string text = System.Text.Encoding.ASCII.GetString(onnx);
        foreach (string op in new[] { "Conv", "MaxPool", "Flatten", "Gemm", "Relu" })
        {
            Assert.Contains(op, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EngineSet_StandInModels_AllEnginesAgreeWithReference()
    {
        foreach (string name in BenchCase.Names)
        {
            using var engines = new EngineSet(StandIn(name));
            engines.VerifyAll([]);
        }
    }

    [Fact]
    public void Agreement_NaNOutput_IsInfinitelyFar()
    {
        Assert.Equal(double.PositiveInfinity, Agreement.RelativeError([float.NaN], [1.0]));
        Assert.Throws<InvalidOperationException>(() => Agreement.Require("x", "m", 0, [float.NaN], [1.0]));
    }

    [Fact]
    public void Agreement_Error_IsRelativeToLargestMagnitude()
    {
        Assert.Equal(0.001, Agreement.RelativeError([100.1f, 0f], [100.0, 0.0]), 4);
        Assert.Equal(0.1, Agreement.RelativeError([0.1f], [0.0]), 6);
    }

    [Fact]
    public void BenchCase_FromModel_PreprocessesImagesWithTheFilesScale()
    {
        BenchCase c = StandIn("lenet-300-100");
        Assert.Equal(BenchCase.ImageCount * 784, c.Inputs.Length);
        Assert.Equal(1f, c.Input(0)[0] * 255f, 3); // pixel 0 of image 0 is 1 in the synthetic set
        Assert.True(c.Nonzeros > 0 && c.Nonzeros < c.DenseWeights);
    }

    private static BenchCase StandIn(string name)
    {
        DczModel model = name == "lenet-5" ? StandIns.LeNetStandIns.LeNet5(5) : StandIns.LeNetStandIns.LeNet300100(300100);
        return BenchCase.FromModel(name, DczFile.Write(model), model, SyntheticDigits());
    }

    /// <summary>64 fake 28×28 "digits": sparse strokes, with pixel 0 of image 0 set to 1.</summary>
    private static Data.MnistSet SyntheticDigits()
    {
        var rng = new Random(3);
        var pixels = new byte[BenchCase.ImageCount * 784];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = rng.Next(5) == 0 ? (byte)rng.Next(256) : (byte)0;
        }

        pixels[0] = 1;
        return new Data.MnistSet(pixels, new byte[BenchCase.ImageCount], 28, 28);
    }

    private static (DczModel Model, float[] Inputs, int InLength, int OutLength) Setup(int seed)
    {
        // The engines implement the ops of the benchmarked LeNets (the first six of the format),
        // so the models are the random MLPs and CNN chains of those ops, not the graphs of every op.
        var rng = new Random(seed);
        DczModel model = rng.Next(2) == 0 ? DczTestModels.RandomMlp(rng, seed) : DczTestModels.RandomCnn(rng, seed);
        (float[] inputs, int inLength, int outLength) = Inputs(model, seed);
        return (model, inputs, inLength, outLength);
    }

    private static (float[] Inputs, int InLength, int OutLength) Inputs(DczModel model, int seed)
    {
        ModelShapes shapes = ModelShapes.Compute(model);
        var rng = new Random(seed * 31);
        var inputs = new float[Samples * shapes.InputLength];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.Next(3) == 0 ? 0f : (float)((rng.NextDouble() * 2) - 1);
        }

        return (inputs, shapes.InputLength, shapes.OutputLength);
    }

    private static void AssertClose(ReadOnlySpan<float> actual, double[] expected, int seed, int sample)
    {
        double error = Agreement.RelativeError(actual, expected);
        Assert.True(error <= Agreement.Tolerance, $"seed {seed}, sample {sample}: relative error {error:G3}");
    }
}
