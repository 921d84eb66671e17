extern alias RuntimeAsm;

using System.Globalization;
using System.Reflection;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Generator.Tests;

public sealed class CultureAndAllocationTests
{
    [Fact]
    public void Emit_UnderCultureWithUnicodeMinusAndComma_SameSource()
    {
        var files = new[] { new ModelFile("/src/a.dcz", DczFile.Write(DczTestModels.RandomCnn(new Random(4), 4)), EmissionMode: "Unrolled") };
        string Generate() => string.Join("\n", GeneratorHarness.Run(files).Result.Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()));
        string invariant = Generate();

        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            var odd = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            odd.NumberFormat.NegativeSign = "\u2212";
            odd.NumberFormat.NumberDecimalSeparator = ",";
            odd.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = odd;
            Assert.Equal("\u22121,5", (-1.5f).ToString(CultureInfo.CurrentCulture));
            Assert.Equal(invariant, Generate());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        // Negative weights are written with the ASCII minus C# needs.
        Assert.Matches(@"[(, ]-\d", invariant);
    }

    [Theory]
    [InlineData("Compact")]
    [InlineData("Unrolled")]
    public void Predict_AfterFirstCall_AllocatesNothing(string mode)
    {
        var files = new[] { new ModelFile("/src/lenet-300-100.dcz", DczFile.Write(TestModels.LeNet300100(9, keep: 0.02)), EmissionMode: mode), new ModelFile("/src/lenet-5.dcz", DczFile.Write(TestModels.LeNet5(10)), EmissionMode: mode) };
        var (result, output) = GeneratorHarness.Run(files);
        Assert.Empty(result.Diagnostics);
        Assembly assembly = GeneratorHarness.Load(output);
        foreach (string name in new[] { "Lenet300100", "Lenet5" })
        {
            var model = GeneratedModel.From(assembly, GeneratorHarness.RootNamespace + "." + name);
            float[] x = EquivalenceTests.RandomInput(new Random(1), model.InputLength, 1);
            var scores = new float[model.OutputLength];
            var pixels = new byte[model.InputLength];
            var batch = new float[4 * model.InputLength];
            var predictions = new int[4];

            // First calls: per-thread workspace, lazy decode, JIT.
            model.Classify(x);
            model.Scores(x, scores);
            model.Pixels(pixels);
            model.BatchSpan(batch, predictions);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                model.Classify(x);
                model.Scores(x, scores);
                model.Pixels(pixels);
                model.BatchSpan(batch, predictions);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void Predict_WrongLengths_ArgumentExceptionNamingExpectedAndActual()
    {
        var files = new[] { new ModelFile("/src/tiny.dcz", DczFile.Write(DczTestModels.SpecExample())) };
        var (_, output) = GeneratorHarness.Run(files);
        var model = GeneratedModel.From(GeneratorHarness.Load(output), GeneratorHarness.RootNamespace + ".Tiny");

        var input = Assert.Throws<ArgumentException>(() => model.Classify(new float[5]));
        Assert.Equal("input", input.ParamName);
        Assert.Contains("4 values, but it holds 5", input.Message);
        var scores = Assert.Throws<ArgumentException>(() => model.Scores(new float[4], new float[3]));
        Assert.Equal("scores", scores.ParamName);
        Assert.Contains("2 values, but it holds 3", scores.Message);
        var batch = Assert.Throws<ArgumentException>(() => model.BatchArray(new float[7], new int[2]));
        Assert.Contains("need 8 values, but inputs holds 7", batch.Message);
        Assert.Throws<ArgumentNullException>(() => model.BatchArray(null!, new int[2]));
    }

    [Fact]
    public void Facts_MatchTheFile()
    {
        byte[] bytes = DczFile.Write(TestModels.LeNet300100(3, keep: 0.02));
        DczInspection inspection = DczFile.Inspect(bytes);
        var (_, output) = GeneratorHarness.Run([new ModelFile("/src/lenet-300-100.dcz", bytes, ClassName: "LeNet300100")]);
        var model = GeneratedModel.From(GeneratorHarness.Load(output), GeneratorHarness.RootNamespace + ".LeNet300100");
        Assert.Equal(bytes.Length, model.Constant<long>("PayloadBytes"));
        Assert.Equal(inspection.DenseFloat32Bytes, model.Constant<long>("DenseBytes"));
        Assert.Equal(inspection.KeptWeightCount, model.Constant<long>("KeptWeightCount"));
        Assert.Equal((double)inspection.DenseFloat32Bytes / bytes.Length, model.Constant<double>("CompressionRatio"));
        Assert.Equal(9812.0 / 10000, model.Constant<double>("RecordedAccuracy"));
        Assert.Equal(10000, model.Constant<int>("RecordedTestCount"));
        Assert.Equal(9812, model.Constant<int>("RecordedCorrect"));
        Assert.Equal("Compact", model.Constant<string>("EmissionMode")); // Auto, over the threshold
        Assert.Equal(1f / 255, model.Constant<float>("PreprocessScale"));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()), model.Property<IReadOnlyList<string>>("ClassLabels"));
        var layers = model.Property<IReadOnlyList<string>>("Layers");
        Assert.Equal(6, layers.Count);
        Assert.StartsWith("ip1: Dense 784→300, ", layers[0]);
    }

    [Fact]
    public void AutoMode_ConvModel_IsCompact_DenseModelOverThreshold_IsCompact()
    {
        var conv = new ModelFile("/src/c.dcz", DczFile.Write(TestModels.LeNet5(4)));
        var big = new ModelFile("/src/d.dcz", DczFile.Write(TestModels.LeNet300100(5, keep: 0.3)));
        Assert.True(DczFile.Inspect(big.Bytes).KeptWeightCount > DczGenerator.AutoUnrollMaxKeptWeights);
        var (result, _) = GeneratorHarness.Run([conv, big]);
        Assert.All(result.Results.Single().GeneratedSources, s => Assert.Contains("public const string EmissionMode = \"Compact\";", s.SourceText.ToString()));
        Assert.Equal(2, result.Results.Single().GeneratedSources.Length);
    }

    [Fact]
    public void CompactEmbedding_AddsAtMost105PercentOfThePayload()
    {
        // The class's code and facts cost a fixed amount; what grows with the model must be the
        // payload, once (a const string would also land in the Constant table: 2x).
        static (long Dll, int Payload) Measure(byte[] bytes)
        {
            var (_, compilation) = GeneratorHarness.Run([new ModelFile("/src/m.dcz", bytes, EmissionMode: "Compact")]);
            using var stream = new MemoryStream();
            Assert.True(compilation.Emit(stream).Success);
            return (stream.Length, bytes.Length);
        }

        var small = Measure(DczFile.Write(DczTestModels.SpecExample()));
        var large = Measure(DczFile.Write(TestModels.LeNet300100(6, keep: 0.1)));
        Assert.True(large.Payload > 20_000, large.Payload.ToString());
        long added = large.Dll - small.Dll;
        Assert.True(added <= (1.05 * (large.Payload - small.Payload)) + 1024, $"{added} DLL bytes for {large.Payload - small.Payload} more payload bytes");
    }

    [Theory]
    [InlineData("lenet-300-100.dcz", "Lenet300100")]
    [InlineData("my_net v2.dcz", "MyNetV2")]
    [InlineData("5x.dcz", "_5x")]
    [InlineData("tiny-mlp.DCZ", "TinyMlp")]
    public void ClassNameFromFileName_PascalCaseRule(string fileName, string expected) =>
        Assert.Equal(expected, DczGenerator.ClassNameFromFileName(fileName));

    [Theory]
    [InlineData(0)]
    [InlineData(unchecked((int)0x80000000))]
    [InlineData(0x3DCCCCCD)]
    [InlineData(0x00000001)]
    [InlineData(0x7F7FFFFF)]
    [InlineData(unchecked((int)0xB8D1B717))]
    public void FloatLiteral_RoundTripsBits(int bits)
    {
        string literal = CodeText.Float(bits);
        Assert.EndsWith("f", literal);
        float parsed = float.Parse(literal.TrimEnd('f'), NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.Equal(bits, BitConverter.SingleToInt32Bits(parsed));
    }
}
