extern alias RuntimeAsm;

using System.Reflection;
using EmbeddedNets.Format;
using CompactModel = RuntimeAsm::EmbeddedNets.Inference.CompactModel;
using Mnist = EmbeddedNets.Data.Mnist;
using MnistSet = EmbeddedNets.Data.MnistSet;

namespace EmbeddedNets.Generator.Tests;

/// <summary>
/// The acceptance check: the compressor's real files (samples/EmbeddedModel/Models/*.dcz),
/// compiled in each mode, classify the 10,000 MNIST test images (EMBEDDEDNETS_MNIST or
/// ../shared/data/mnist) with exactly the accuracy recorded in the file.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RealModelTests
{
    [Theory]
    [InlineData("Compact")]
    [InlineData("Unrolled")]
    public void RealModels_AllMnistTestImages_ExactlyTheRecordedAccuracy(string mode)
    {
        string root = DiagnosticTests.RepositoryRoot();
        // Files without recorded metrics (stand-ins while a model is being compressed) have nothing to reproduce.
        string[] paths = Directory.GetFiles(Path.Combine(root, "samples", "EmbeddedModel", "Models"), "*.dcz")
            .Where(p => DczFile.Read(File.ReadAllBytes(p)).Info.Metrics is not null)
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Contains(paths, p => Path.GetFileName(p) == "lenet-300-100.dcz");
        // The full test set from EMBEDDEDNETS_MNIST (CI sets it) or ../shared/data/mnist; on a
        // machine with neither, the committed 1,000-image slice: then every prediction must still
        // equal CompactModel's, and the recorded accuracy is checked where the full set exists.
        string? full = new[] { Environment.GetEnvironmentVariable("EMBEDDEDNETS_MNIST"), Path.Combine(root, "..", "shared", "data", "mnist") }
            .FirstOrDefault(d => !string.IsNullOrEmpty(d) && Directory.Exists(d));
        MnistSet test = Mnist.LoadTest(Path.GetFullPath(full ?? Path.Combine(root, "tests", "data", "mnist-slice")));
        Assert.Equal(full is null ? 1_000 : 10_000, test.Count);

        var files = paths.Select(p => new ModelFile(p, File.ReadAllBytes(p), EmissionMode: mode)).ToArray();
        var (result, output) = GeneratorHarness.Run(files);
        Assert.Empty(result.Diagnostics);
        Assembly assembly = GeneratorHarness.Load(output);
        foreach (ModelFile file in files)
        {
            RecordedMetrics metrics = DczFile.Read(file.Bytes).Info.Metrics!;
            Assert.Equal(10_000, metrics.Count);
            var model = GeneratedModel.From(assembly, GeneratorHarness.RootNamespace + "." + DczGenerator.ClassNameFromFileName(Path.GetFileName(file.OriginalPath)));
            CompactModel reference = CompactModel.Load(file.Bytes);
            int correct = 0, agree = 0;
            for (int i = 0; i < test.Count; i++)
            {
                int predicted = model.Pixels(test.GetImage(i));
                correct += predicted == test.Labels[i] ? 1 : 0;
                agree += predicted == reference.Predict(test.GetImage(i)) ? 1 : 0;
            }

            Assert.Equal(test.Count, agree);
            if (full is not null)
            {
                Assert.Equal(metrics.Correct, correct);
            }

            Assert.Equal(metrics.Correct, model.Constant<int>("RecordedCorrect"));
        }
    }
}
