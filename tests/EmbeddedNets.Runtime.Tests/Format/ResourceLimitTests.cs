using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>
/// Legal-looking tiny files that ask for huge resources (issue 15, docs/dcz-format.md §8): each is
/// refused when read, with one line naming the part and the number, by <see cref="DczFile.Read"/>
/// and by <see cref="CompactModel.Load"/> alike, before anything large is allocated.
/// </summary>
public sealed class ResourceLimitTests
{
    private static readonly float[] s_oneZero = { 0f };

    /// <summary>Input <paramref name="input"/> → <paramref name="layers"/>, one class, metadata as small as it gets.</summary>
    private static DczModel Model(int[] input, params DczLayer[] layers) => new(
        new ModelInfo("issue-15", input, Preprocessing.Identity, new[] { "0" }, null, "x", 0),
        layers);

    private static SparseWeights AllPruned(int length) => new(length, new[] { 0.5f }, 1, 1, Array.Empty<int>(), Array.Empty<byte>());

    private static void SetAll(DczDocument doc, int layer, string field, ulong value)
    {
        List<DczField> fields = layer < 0 ? doc.Metadata : doc.Layers[layer].Body;
        int changed = 0;
        for (int i = 0; i < fields.Count; i++)
        {
            if (fields[i].Name == field)
            {
                fields[i].Value = value;
                changed++;
            }
        }

        Assert.True(changed > 0, $"no field {field}");
    }

    /// <summary>The file of issue 15: a dense layer of 2^31 − 1 inputs, all pruned, on an input of that many features.</summary>
    private static byte[] HugeDenseFile(int version)
    {
        DczDocument doc = DczDocument.Parse(DczFile.Write(Model(new[] { 4 }, new DenseLayer("fc", 4, 1, AllPruned(4), s_oneZero))));
        doc = version == 1 ? doc.ToVersion1()! : doc;
        SetAll(doc, -1, "input dimension 0", int.MaxValue);
        SetAll(doc, 0, "inputs", int.MaxValue);
        return doc.Encode();
    }

    /// <summary>The file of issue 15: a 1×1 convolution padded by <paramref name="padding"/> pixels on a 1×1 input, flattened into an all-pruned dense layer.</summary>
    private static byte[] PaddedConvFile(int version, int padding)
    {
        DczModel small = Model(
            new[] { 1, 1, 1 },
            new Conv2dLayer("conv1", 1, 1, 1, 1, 1, 1, 0, 0, AllPruned(1), s_oneZero),
            new FlattenLayer("flatten"),
            new DenseLayer("ip1", 1, 1, AllPruned(1), s_oneZero));
        DczDocument doc = DczDocument.Parse(DczFile.Write(small));
        doc = version == 1 ? doc.ToVersion1()! : doc;
        foreach (string pad in version == 1 ? new[] { "padding height", "padding width" } : new[] { "padding top", "padding left", "padding bottom", "padding right" })
        {
            SetAll(doc, 0, pad, (ulong)padding);
        }

        long side = (2L * padding) + 1;
        SetAll(doc, 2, "inputs", (ulong)(side * side));
        return doc.Encode();
    }

    private static void AssertRefused(byte[] file, string expected)
    {
        var read = Assert.Throws<InvalidDataException>(() => DczFile.Read(file));
        var load = Assert.Throws<InvalidDataException>(() => CompactModel.Load(file));

        Assert.Equal(expected, read.Message);
        Assert.Equal(expected, load.Message);
        Assert.DoesNotContain('\n', expected);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Read_DenseLayerOfTwoToThe31Inputs_IsRefusedAtTheInputShape(int version)
    {
        byte[] file = HugeDenseFile(version);

        Assert.InRange(file.Length, 60, 100); // "an 80-byte file"
        AssertRefused(file, "metadata: input dimension 0 is 2147483647, must be in [1, 16777216] (at byte 31)");
    }

    [Fact]
    public void Read_DenseLayerOfTwoToThe31InputsOnASmallInput_IsRefusedNamingTheLayer()
    {
        DczDocument doc = DczDocument.Parse(DczFile.Write(Model(new[] { 4 }, new DenseLayer("fc", 4, 1, AllPruned(4), s_oneZero))));
        SetAll(doc, 0, "inputs", int.MaxValue);

        AssertRefused(doc.Encode(), "layer 0 (fc, Dense): inputs is 2147483647, must be in [1, 16777216] (at byte 61)");
    }

    [Theory]
    [InlineData(1, 16_000)]
    [InlineData(1, 23_000)]
    [InlineData(2, 16_000)]
    [InlineData(2, 23_000)]
    public void Read_OneByOneConvolutionPaddedByThousandsOfPixels_IsRefusedNamingTheLayerAndTheOutput(int version, int padding)
    {
        byte[] file = PaddedConvFile(version, padding);

        Assert.InRange(file.Length, 80, 200); // "a ~170-byte file"
        long side = (2L * padding) + 1;
        AssertRefused(file, FormattableString.Invariant($"layer 0 (conv1, Conv2d): the output [1, {side}, {side}] exceeds the cap of 16777216 elements per activation"));
    }

    [Fact]
    public void Read_ConvolutionOfSixteenBillionOperations_IsRefusedNamingTheCount()
    {
        // 64 → 64 channels, 31×31 kernel padded to keep 64×64: 1.6 × 10^10 multiply-adds, all
        // weights pruned, activations of 2^18 elements: only the operation cap stops it.
        var info = new ModelInfo("issue-15", new[] { 64, 64, 64 }, Preprocessing.Identity, DczTestModels.Digits(64), null, "x", 0);
        var small = new DczModel(info, new DczLayer[] { new Conv2dLayer("conv", 64, 64, 1, 1, 1, 1, 0, 0, AllPruned(64 * 64), new float[64]), new GlobalAvgPoolLayer("gap") });
        DczDocument doc = DczDocument.Parse(DczFile.Write(small));
        SetAll(doc, 0, "kernel height", 31);
        SetAll(doc, 0, "kernel width", 31);
        foreach (string pad in new[] { "padding top", "padding left", "padding bottom", "padding right" })
        {
            SetAll(doc, 0, pad, 15);
        }

        const string expected = "layer 0 (conv, Conv2d): one inference would take 16122904576 operations up to this layer (16122904576 in it), over the cap of 4294967296";
        AssertRefused(doc.Encode(), expected);

        // The same rule for a model built in code, as an ArgumentException.
        var built = new DczModel(info, new DczLayer[] { new Conv2dLayer("conv", 64, 64, 1, 31, 31, 1, 1, 15, 15, 15, 15, AllPruned(64 * 64 * 31 * 31), new float[64]), new GlobalAvgPoolLayer("gap") });
        Assert.Equal(expected, Assert.Throws<ArgumentException>(() => ModelShapes.Compute(built)).Message.Split(" (Parameter")[0]);
    }

    [Fact]
    public void Read_EntryCountPastTheModelCap_IsRefusedBeforeAllocating()
    {
        // 2^24 inputs × 5 outputs: 83,886,080 positions, so an entry count of 2^24 + 1 is within
        // the tensor; the file is a hundred bytes, and nothing is allocated per entry.
        DczDocument doc = DczDocument.Parse(DczFile.Write(Model(new[] { 4 }, new DenseLayer("fc", 4, 1, AllPruned(4), s_oneZero))));
        SetAll(doc, -1, "input dimension 0", 1 << 24);
        SetAll(doc, 0, "inputs", 1 << 24);
        SetAll(doc, 0, "outputs", 5);
        long before = GC.GetAllocatedBytesForCurrentThread();
        SetAll(doc, 0, "entry count", (1 << 24) + 1);

        AssertRefused(doc.Encode(), "layer 0 (fc, Dense): entry count 16777217 takes the model past the cap of 16777216 weight entries (kept weights plus fillers) in all layers (at byte 75)");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Read_EntryCountPastTheBitsLeft_IsRefusedBeforeAllocating()
    {
        // Dense 64 → 1, all pruned: 8 bytes follow the entry count (two empty tables, two zero bit
        // lengths, the bias), so at most 32 entries of 2 bits could fit; 40 are declared.
        DczDocument doc = DczDocument.Parse(DczFile.Write(Model(new[] { 64 }, new DenseLayer("fc", 64, 1, AllPruned(64), s_oneZero))));
        SetAll(doc, 0, "entry count", 40);

        AssertRefused(doc.Encode(), "layer 0 (fc, Dense): 40 entries need at least 80 bits but only 8 bytes remain in the layer (at byte 66)");
    }
}
