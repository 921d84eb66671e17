extern alias RuntimeAsm;

using System.Reflection;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using CompactModel = RuntimeAsm::EmbeddedNets.Inference.CompactModel;
using ReferenceInference = RuntimeAsm::EmbeddedNets.Inference.ReferenceInference;
using RuntimeDczFile = RuntimeAsm::EmbeddedNets.Format.DczFile;
using RuntimeDczModel = RuntimeAsm::EmbeddedNets.Format.DczModel;

namespace EmbeddedNets.Generator.Tests;

/// <summary>
/// The generated classes, compiled and loaded, give bit-identical scores to the Runtime's
/// CompactModel (the inference that records a file's accuracy) in both emission modes, and agree
/// with the independent double-precision reference (ReferenceInference on the decoded file):
/// in Compact mode the generated class runs CompactModel itself, so only the second comparison
/// can catch a wrong payload, wrong lengths or preprocessing, or a CompactModel bug.
/// </summary>
public sealed class EquivalenceTests
{
    private const int InputsPerModel = 40;

    public static TheoryData<string> Modes => new() { "Compact", "Unrolled" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Predict_RandomDenseModels_BitIdenticalToCompactModel(string mode)
    {
        var models = Enumerable.Range(0, 12).Select(seed => DczTestModels.RandomMlp(new Random(seed), seed)).ToArray();
        AssertEquivalent(models, mode);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Predict_RandomConvModels_BitIdenticalToCompactModel(string mode)
    {
        var models = Enumerable.Range(100, 12).Select(seed => DczTestModels.RandomCnn(new Random(seed), seed)).ToArray();
        AssertEquivalent(models, mode);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Predict_LeNetShapedModels_BitIdenticalToCompactModel(string mode)
    {
        // Large enough that unrolled layers split into many methods (columns, statements and taps per method).
        // ip1 at 2 %: ~4,700 weight statements over 784 columns (5+ methods); conv2 at 30 %: ~720 taps (3 methods).
        AssertEquivalent([TestModels.LeNet300100(1, keep: 0.02), TestModels.LeNet5(2)], mode);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Predict_RandomGraphsOfEveryOp_BitIdenticalToCompactModel(string mode)
    {
        var models = Enumerable.Range(200, 40).Select(seed => DczTestModels.RandomGraph(new Random(seed), seed)).ToArray();

        // The test is only as good as its coverage: every op of the format, shared and unshared
        // weights, grouped and padded convolutions, padded pooling, per-channel preprocessing.
        var layers = models.SelectMany(m => m.Layers).ToArray();
        Assert.Equal(OpRegistry.All.Select(o => o.Kind).Order(), layers.Select(l => l.Kind).Distinct().Order());
        Assert.Contains(layers, l => l.WeightTensor is { IsShared: false });
        Assert.Contains(layers, l => l is Conv2dLayer { Groups: > 1 } c && c.PadTop != c.PadBottom);
        Assert.Contains(layers, l => l is MaxPool2dLayer { Window.IsPadded: true });
        Assert.Contains(layers, l => l is AddLayer && l.InputLayers.Contains(DczLayer.ModelInput));
        Assert.Contains(models, m => !m.Info.Preprocessing.IsUniform);
        AssertEquivalent(models, mode);
    }

    private static void AssertEquivalent(IReadOnlyList<DczModel> models, string mode)
    {
        var files = models.Select((m, i) => new ModelFile("/src/m" + i + ".dcz", DczFile.Write(m), EmissionMode: mode)).ToArray();
        var (result, output) = GeneratorHarness.Run(files);
        Assert.Empty(result.Diagnostics);
        Assembly assembly = GeneratorHarness.Load(output);
        int classesCompared = 0;
        for (int i = 0; i < files.Length; i++)
        {
            var generated = GeneratedModel.From(assembly, GeneratorHarness.RootNamespace + ".M" + i);
            Assert.Equal(mode, generated.Constant<string>("EmissionMode"));
            CompactModel reference = CompactModel.Load(files[i].Bytes);
            AssertSameOnRandomInputs(generated, reference, seed: i, context: "model " + i + " (" + mode + ")");
            classesCompared += AssertAgreesWithReference(generated, RuntimeDczFile.Read(files[i].Bytes), seed: 1000 + i, context: "model " + i + " (" + mode + ")");
        }

        // Counted over all models: a random graph may end in a saturated sigmoid, where no input
        // has a clear winner, but most inputs of most models must.
        Assert.True(classesCompared >= files.Length * InputsPerModel, $"only {classesCompared} of {2 * InputsPerModel * files.Length} inputs had a clear winner");
    }

    /// <summary>
    /// Scores within 1e-4 of the largest reference output (float32 against float64 accumulation,
    /// the bar CompactModel itself is held to), the same class wherever the reference's margin
    /// exceeds that, and raw pixels preprocessed as the file says, computed here. Returns how many
    /// of its 2 × <see cref="InputsPerModel"/> inputs had a clear winner (so the class was compared).
    /// </summary>
    internal static int AssertAgreesWithReference(GeneratedModel generated, RuntimeDczModel model, int seed, string context)
    {
        var rng = new Random(seed);
        var actual = new float[generated.OutputLength];
        var preprocessed = new float[generated.InputLength];
        int classesCompared = 0;
        for (int n = 0; n < InputsPerModel; n++)
        {
            float[] x = RandomInput(rng, generated.InputLength, n);
            generated.Scores(x, actual);
            double[] expected = ReferenceInference.Run(model, x);
            Assert.Equal(expected.Length, actual.Length);
            double tolerance = 1e-4 * Math.Max(expected.Max(Math.Abs), 1e-3);
            for (int j = 0; j < expected.Length; j++)
            {
                Assert.True(Math.Abs(actual[j] - expected[j]) <= tolerance, $"{context}, input {n}, output {j}: generated {actual[j]:R}, reference {expected[j]:R}");
            }

            if (ClearWinner(expected, tolerance) is int best)
            {
                Assert.Equal(best, generated.Classify(x));
                classesCompared++;
            }

            byte[] pixels = Enumerable.Range(0, generated.InputLength).Select(_ => (byte)(rng.Next(3) == 0 ? rng.Next(256) : 0)).ToArray();
            var p = model.Info.Preprocessing;
            int perChannel = pixels.Length / p.Mean.Count; // one mean/std, or one per channel (the first dimension)
            float[] input = pixels.Select((b, e) => ((b * p.Scale) - p.Mean[e / perChannel]) / p.Std[e / perChannel]).ToArray();
            generated.Preprocess(pixels, preprocessed);
            Assert.Equal(input, preprocessed);
            double[] fromPixels = ReferenceInference.Run(model, input);
            if (ClearWinner(fromPixels, 1e-4 * Math.Max(fromPixels.Max(Math.Abs), 1e-3)) is int pixelBest)
            {
                Assert.Equal(pixelBest, generated.Pixels(pixels));
                classesCompared++;
            }
        }

        return classesCompared;
    }

    private static int? ClearWinner(double[] scores, double margin)
    {
        int best = 0;
        for (int j = 1; j < scores.Length; j++)
        {
            best = scores[j] > scores[best] ? j : best;
        }

        bool clear = scores.Where((_, j) => j != best).All(s => scores[best] - s > margin);
        return clear ? best : null;
    }

    internal static void AssertSameOnRandomInputs(GeneratedModel generated, CompactModel reference, int seed, string context)
    {
        Assert.Equal(reference.InputLength, generated.InputLength);
        Assert.Equal(reference.OutputLength, generated.OutputLength);
        var rng = new Random(seed);
        var expected = new float[reference.OutputLength];
        var actual = new float[reference.OutputLength];
        var batch = new float[InputsPerModel * reference.InputLength];
        var expectedClasses = new int[InputsPerModel];
        for (int n = 0; n < InputsPerModel; n++)
        {
            float[] x = RandomInput(rng, reference.InputLength, n);
            x.CopyTo(batch, n * x.Length);
            reference.Run(x, expected);
            generated.Scores(x, actual);
            for (int j = 0; j < expected.Length; j++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[j]) == BitConverter.SingleToInt32Bits(actual[j]),
                    $"{context}, input {n}, output {j}: CompactModel {expected[j]:R}, generated {actual[j]:R}");
            }

            expectedClasses[n] = reference.Predict(x);
            Assert.Equal(expectedClasses[n], generated.Classify(x));

            byte[] pixels = Enumerable.Range(0, reference.InputLength).Select(_ => (byte)(rng.Next(3) == 0 ? rng.Next(256) : 0)).ToArray();
            Assert.Equal(reference.Predict(pixels), generated.Pixels(pixels));
            var expectedInput = new float[reference.InputLength];
            var actualInput = new float[reference.InputLength];
            reference.Preprocess(pixels, expectedInput);
            generated.Preprocess(pixels, actualInput);
            Assert.Equal(expectedInput.Select(BitConverter.SingleToInt32Bits), actualInput.Select(BitConverter.SingleToInt32Bits));
        }

        var spanPredictions = new int[InputsPerModel];
        generated.BatchSpan(batch, spanPredictions);
        Assert.Equal(expectedClasses, spanPredictions);
        var arrayPredictions = new int[InputsPerModel];
        generated.BatchArray(batch, arrayPredictions);
        Assert.Equal(expectedClasses, arrayPredictions);
    }

    /// <summary>Mixed inputs: many exact zeros (the kernels skip them), some −0, mixed magnitudes.</summary>
    internal static float[] RandomInput(Random rng, int length, int variant)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
        {
            int r = rng.Next(10);
            x[i] = r switch
            {
                < 4 => 0f,
                4 when variant % 3 == 0 => -0f,
                _ => (float)((rng.NextDouble() * 2) - 1) * (float)Math.Pow(10, rng.Next(-2, 2)),
            };
        }

        return x;
    }
}
