using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

public sealed class DczWriterValidationTests
{
    private static readonly float[] s_twoBias = { 0f, 0f };

    private static DczModel WithWeights(SparseWeights weights, float[]? bias = null) => new(
        new ModelInfo("m", new[] { 4 }, Preprocessing.Identity, new[] { "a", "b" }, null, "t", 0),
        new DczLayer[] { new DenseLayer("fc", 4, 2, weights, bias ?? s_twoBias) });

    private static DczModel WithInfo(ModelInfo info) => new(
        info,
        new DczLayer[] { new DenseLayer("fc", 4, 2, Weights(), s_twoBias) });

    private static SparseWeights Weights(
        int length = 8, float[]? codebook = null, int weightBits = 1, int gapBits = 2, int[]? positions = null, byte[]? codes = null) =>
        new(length, codebook ?? new[] { 1f, 2f }, weightBits, gapBits, positions ?? new[] { 1, 6 }, codes ?? new byte[] { 0, 1 });

    private static ModelInfo Info(
        string name = "m", int[]? input = null, Preprocessing? pre = null, string[]? labels = null, RecordedMetrics? metrics = null, string producer = "t") =>
        new(name, input ?? new[] { 4 }, pre ?? Preprocessing.Identity, labels ?? new[] { "a", "b" }, metrics, producer, 0);

    public static TheoryData<string, DczModel, string> InvalidModels() => new()
    {
        { "WeightBits −1", WithWeights(Weights(weightBits: -1)), "layer 0 (fc, Dense): WeightBits -1 is outside 0–8 (0: unshared float32 values)" },
        { "WeightBits 9", WithWeights(Weights(weightBits: 9)), "layer 0 (fc, Dense): WeightBits 9 is outside 0–8 (0: unshared float32 values)" },
        { "unshared +0.0 kept", WithWeights(SparseWeights.Unshared(8, 2, new[] { 1, 6 }, new[] { 1f, 0f })), "layer 0 (fc, Dense): kept index 1 (position 6) is +0.0, which the unshared encoding reserves for fillers" },
        { "unshared NaN", WithWeights(SparseWeights.Unshared(8, 2, new[] { 1, 6 }, new[] { float.NaN, 1f })), "layer 0 (fc, Dense): value at kept index 0 is not finite" },
        { "unshared values and positions differ in length", WithWeights(SparseWeights.Unshared(8, 2, new[] { 1, 6 }, new[] { 1f })), "layer 0 (fc, Dense): 2 positions but 1 values" },
        { "GapBits 13", WithWeights(Weights(gapBits: 13)), "layer 0 (fc, Dense): GapBits 13 is outside 1–12" },
        { "codebook too big", WithWeights(Weights(codebook: new[] { 1f, 2f, 3f })), "layer 0 (fc, Dense): the codebook has 3 entries, must have 1 to 2^1 = 2" },
        { "empty codebook", WithWeights(Weights(codebook: Array.Empty<float>(), positions: Array.Empty<int>(), codes: Array.Empty<byte>())), "the codebook has 0 entries" },
        { "NaN codebook", WithWeights(Weights(codebook: new[] { 1f, float.NaN })), "layer 0 (fc, Dense): codebook[1] is not finite" },
        { "positions not increasing", WithWeights(Weights(positions: new[] { 3, 3 })), "layer 0 (fc, Dense): position 3 at kept index 1 is not strictly increasing within [0, 8)" },
        { "position past the end", WithWeights(Weights(positions: new[] { 1, 8 })), "position 8 at kept index 1 is not strictly increasing within [0, 8)" },
        { "negative position", WithWeights(Weights(positions: new[] { -1, 2 })), "position -1 at kept index 0" },
        { "code past the codebook", WithWeights(Weights(codes: new byte[] { 0, 2 })), "layer 0 (fc, Dense): code 2 at kept index 1 is outside the 2-entry codebook" },
        { "codes and positions differ in length", WithWeights(Weights(codes: new byte[] { 0 })), "2 positions but 1 codes" },
        { "weight length wrong", WithWeights(Weights(length: 9)), "layer 0 (fc, Dense): weights cover 9 positions, the layer's shape needs 8" },
        { "bias length wrong", WithWeights(Weights(), new[] { 1f }), "layer 0 (fc, Dense): bias has 1 values, must have 2" },
        { "infinite bias", WithWeights(Weights(), new[] { 1f, float.PositiveInfinity }), "layer 0 (fc, Dense): bias[1] is not finite" },
        { "labels do not match output", WithInfo(Info(labels: new[] { "a", "b", "c" })), "3 class labels but the model's output has 2 values" },
        { "no labels", WithInfo(Info(labels: Array.Empty<string>())), "the model has 0 class labels" },
        { "input rank 2", WithInfo(Info(input: new[] { 2, 2 })), "input shape: rank 2, must be 1 ([features]) or 3" },
        { "input dimension 0", WithInfo(Info(input: new[] { 0 })), "input shape: [0] has a dimension < 1" },
        { "input does not match Dense", WithInfo(Info(input: new[] { 5 })), "layer 0 (fc, Dense): expects 4 inputs but receives [5] (5 values)" },
        { "std zero", WithInfo(Info(pre: new Preprocessing(1, 0, 0))), "preprocessing: std must be finite and nonzero" },
        { "NaN scale", WithInfo(Info(pre: new Preprocessing(float.NaN, 0, 1))), "preprocessing: scale and mean must be finite" },
        { "correct above count", WithInfo(Info(metrics: new RecordedMetrics("t", 5, 6))), "metrics: correct 6 and count 5 must satisfy 0 ≤ correct ≤ count" },
        { "name too long", WithInfo(Info(name: new string('é', 2049))), "model name is 4098 UTF-8 bytes, the cap is 4096" },
        { "lone surrogate", WithInfo(Info(producer: "a\uD800b")), "producer is not valid UTF-16 (lone surrogate)" },
        { "no layers", new DczModel(Info(), Array.Empty<DczLayer>()), "the model has 0 layers; the format allows 1 to 1024" },
        {
            "too many layers",
            new DczModel(Info(labels: new[] { "a", "b", "c", "d" }), Enumerable.Range(0, 1025).Select(_ => (DczLayer)new ReLULayer()).ToArray()),
            "the model has 1025 layers"
        },
        {
            "conv kernel larger than input",
            new DczModel(
                Info(input: new[] { 1, 2, 2 }, labels: DczTestModels.Digits(1)),
                new DczLayer[] { new Conv2dLayer("c", 1, 1, 3, 3, 1, 1, 0, 0, new SparseWeights(9, new[] { 1f }, 1, 1, Array.Empty<int>(), Array.Empty<byte>()), new[] { 0f }) }),
            "layer 0 (c, Conv2d): kernel 3×3 with padding 0,0,0,0 does not fit the 2×2 input"
        },
        {
            "conv stride 0",
            new DczModel(
                Info(input: new[] { 1, 2, 2 }, labels: DczTestModels.Digits(4)),
                new DczLayer[] { new Conv2dLayer("c", 1, 1, 1, 1, 0, 1, 0, 0, new SparseWeights(1, new[] { 1f }, 1, 1, Array.Empty<int>(), Array.Empty<byte>()), new[] { 0f }) }),
            "layer 0 (c, Conv2d): stride 0×1 must be ≥ 1"
        },
        {
            "pool on a flat input",
            new DczModel(Info(input: new[] { 4 }, labels: DczTestModels.Digits(4)), new DczLayer[] { new ReLULayer(), new MaxPool2dLayer("p", 2, 2, 2, 2) }),
            "layer 1 (p, MaxPool2d): needs a [channels, height, width] input but receives [4]"
        },
        {
            "null layer",
            new DczModel(Info(), new DczLayer[] { null! }),
            "layer 0 is null"
        },
    };

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public void Write_InvalidModel_ThrowsArgumentExceptionNamingTheRule(string rule, DczModel model, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => DczFile.Write(model));

        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{rule}: {e.Message}");
    }

    [Fact]
    public void Write_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => DczFile.Write(null!));
    }
}
