using System.Security.Cryptography;
using EmbeddedNets.Data;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>
/// Version-1 files keep loading (docs/dcz-format.md §12): the two LeNets as committed before
/// format version 2 (tests/data/v1), read byte for byte, run exactly like their version-2 rewrite.
/// </summary>
public sealed class DczVersionOneTests
{
    private static readonly Lazy<MnistSet> s_digits = new(() => Mnist.LoadTest(Path.Combine(AppContext.BaseDirectory, "mnist-slice")));

    private static byte[] File(string name) => System.IO.File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "v1", name));

    public static TheoryData<string, string, int> Files() => new()
    {
        // Name, SHA-256 of the committed file (tests/data/v1/README.md), correct of 10,000 as recorded (docs/results.md).
        { "lenet-300-100.dcz", "d15d573d2e784e922ee4778a162bd0296ed926268a216934f6ea97773c6c7942", 9869 },
        { "lenet-5.dcz", "a8d70b0d86f6e237e4f9704177bc1e47d5f7b30217f81d620760124400b50575", 9931 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Read_CommittedVersionOneFile_GivesTheRecordedModel(string name, string sha256, int correct)
    {
        byte[] bytes = File(name);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));

        DczInspection inspection = DczFile.Inspect(bytes);

        Assert.Equal(1, inspection.Version);
        DczModel model = inspection.Model;
        Assert.Equal(name[..^4], model.Info.Name);
        Assert.Equal(DczTestModels.Digits(10), model.Info.ClassLabels);
        Assert.Equal(("mnist-test", 10_000, correct), (model.Info.Metrics!.TestSetName, model.Info.Metrics.Count, model.Info.Metrics.Correct));
        Assert.Equal((1f / 255f, 0f, 1f), (model.Info.Preprocessing.Scale, model.Info.Preprocessing.Mean[0], model.Info.Preprocessing.Std[0]));
        Assert.True(model.Info.Preprocessing.IsUniform);
        Assert.All(model.Layers, layer => Assert.Empty(layer.InputLayers));
        Assert.Equal(bytes.Length, inspection.HeaderBytes + inspection.MetadataBytes + inspection.LayerCountBytes + inspection.Layers.Sum(l => l.TotalBytes));

        string shapes = string.Join(" → ", new[] { Describe(inspection.Shapes.InputShape) }.Concat(inspection.Shapes.Layers.Select(l => $"{l.Kind} {Describe(l.OutputShape)}")));
        string expected = name == "lenet-5.dcz"
            ? "[1, 28, 28] → Conv2d [20, 24, 24] → MaxPool2d [20, 12, 12] → Conv2d [50, 8, 8] → MaxPool2d [50, 4, 4] → Flatten [800] → Dense [500] → ReLU [500] → Dense [10]"
            : "[784] → Dense [300] → ReLU [300] → Dense [100] → ReLU [100] → Dense [10]";
        Assert.Equal(expected, shapes);
    }

    public static TheoryData<string> Names() => new() { "lenet-300-100.dcz", "lenet-5.dcz" };

    [Theory]
    [MemberData(nameof(Names))]
    public void Run_VersionOneFile_MatchesItsCurrentVersionRewriteBitForBit(string name)
    {
        byte[] v1 = File(name);
        byte[] v2 = DczFile.Write(DczFile.Read(v1));
        Assert.Equal(3, v2[4]);
        Assert.Null(DczTestModels.FirstDifference(DczFile.Read(v1), DczFile.Read(v2)));

        CompactModel fromV1 = CompactModel.Load(v1);
        CompactModel fromV2 = CompactModel.Load(v2);

        // The first 1,000 MNIST test digits (tests/data/mnist-slice): same outputs, bit for bit.
        MnistSet digits = s_digits.Value;
        var input = new float[fromV1.InputLength];
        var a = new float[10];
        var b = new float[10];
        int right = 0;
        for (int i = 0; i < digits.Count; i++)
        {
            fromV1.Preprocess(digits.GetImage(i), input);
            fromV1.Run(input, a);
            fromV2.Run(input, b);
            Assert.True(a.AsSpan().SequenceEqual(b), $"{name}, digit {i}: {string.Join(", ", a)} vs {string.Join(", ", b)}");
            right += fromV1.Predict(digits.GetImage(i)) == digits.Labels[i] ? 1 : 0;
        }

        // The recorded accuracy is over all 10,000 test digits; the first 1,000 are of the same
        // kind, so a correctly decoded model errs on a handful (a wrong decoding on hundreds).
        Assert.InRange(right, 970, 1000);
    }

    private static string Describe(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
}
