using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>Keeps docs/dcz-format.md honest: its worked example must be what the writer produces.</summary>
public sealed class DczSpecExampleTests
{
    private static string SpecText() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "dcz-format.md"));

    /// <summary>The bytes of the first <c>```hex</c> block of the spec.</summary>
    internal static byte[] SpecExampleBytes()
    {
        string text = SpecText();
        int start = text.IndexOf("```hex", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/dcz-format.md has no ```hex block");
        start = text.IndexOf('\n', start) + 1;
        int end = text.IndexOf("```", start, StringComparison.Ordinal);
        string[] tokens = text[start..end].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return tokens.Select(t => byte.Parse(t, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public void Write_SpecExampleModel_ProducesTheBytesInTheSpec()
    {
        byte[] written = DczFile.Write(DczTestModels.SpecExample());

        byte[] documented = SpecExampleBytes();

        Assert.True(
            documented.SequenceEqual(written),
            "docs/dcz-format.md is out of date; the writer produces:\n" + string.Join(" ", written.Select(b => b.ToString("X2", CultureInfo.InvariantCulture))));
    }

    [Fact]
    public void Read_SpecExampleBytes_GivesTheExampleModel()
    {
        DczModel read = DczFile.Read(SpecExampleBytes());

        Assert.Null(DczTestModels.FirstDifference(DczTestModels.SpecExample(), read));
        // References: fc and skip read the model input (−1), relu reads fc, sum reads relu and skip.
        Assert.Equal(new[] { -1, 0, -1, 1, 2 }, Enumerable.Range(0, 4).SelectMany(read.InputsOf));
    }

    [Fact]
    public void Inspect_SpecExampleBytes_MatchesTheDocumentedAccounting()
    {
        DczInspection inspection = DczFile.Inspect(SpecExampleBytes());
        DczLayerInspection fc = inspection.Layers[0];
        DczLayerInspection skip = inspection.Layers[2];

        // The numbers the spec's accounting paragraph states.
        Assert.Equal(SpecExampleBytes().Length, inspection.FileBytes);
        Assert.Equal(3, inspection.Version);
        Assert.Equal(16, inspection.HeaderBytes);
        Assert.Equal(42, inspection.MetadataBytes);
        Assert.Equal(new[] { 38, 9, 40, 9 }, inspection.Layers.Select(l => l.TotalBytes));
        Assert.Equal((4, 1, 8, 8), (fc.KeptCount, fc.FillerCount, fc.CodebookBytes, fc.BiasBytes));
        Assert.Equal((2, 1, 0, 0, 12, 8), (skip.KeptCount, skip.FillerCount, skip.CodebookBytes, skip.WeightBits, skip.WeightStreamBytes, skip.BiasBytes));
        string spec = SpecText();
        Assert.Contains(FormattableString.Invariant($"{inspection.FileBytes} bytes in all"), spec, StringComparison.Ordinal);
        Assert.Contains(FormattableString.Invariant($"weight stream: {fc.WeightStreamBits} bits"), spec, StringComparison.Ordinal);
        Assert.Contains(FormattableString.Invariant($"gap stream: {fc.GapStreamBits} bits"), spec, StringComparison.Ordinal);
        Assert.Contains(FormattableString.Invariant($"skip's gap stream: {skip.GapStreamBits} bits"), spec, StringComparison.Ordinal);
        Assert.Contains(
            FormattableString.Invariant($"header 16 + metadata {inspection.MetadataBytes} + layer count {inspection.LayerCountBytes} + layers {string.Join(" + ", inspection.Layers.Select(l => l.TotalBytes))} = {inspection.FileBytes}"),
            spec,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SpecExample_GivesTheOutputTheSpecWorksOut()
    {
        CompactModel model = CompactModel.Load(SpecExampleBytes());
        var output = new float[2];

        model.Run(new[] { 1f, 2f, 3f, 4f }, output);

        // §11: relu(fc) = [0, 2], skip = [4, −1.75], sum = [4, 0.25]; every step is exact in float32.
        Assert.Equal(new[] { 4f, 0.25f }, output);
        Assert.Equal(new[] { 4.0, 0.25 }, ReferenceInference.Run(DczFile.Read(SpecExampleBytes()), new[] { 1f, 2f, 3f, 4f }));
        Assert.Contains("sum outputs `[4, 0.25]`", SpecText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_VersionOneExample_GivesTheChainModel()
    {
        byte[] v1 = DczTestModels.SpecExampleV1Bytes();

        DczInspection inspection = DczFile.Inspect(v1);

        // The version-1 example of the earlier spec: one Dense layer, no input references.
        Assert.Equal(1, inspection.Version);
        Assert.Null(DczTestModels.FirstDifference(DczTestModels.SpecExampleV1(), inspection.Model));
        Assert.Empty(inspection.Model.Layers[0].InputLayers);
        Assert.Equal(93, inspection.FileBytes);
        Assert.Equal(40, inspection.MetadataBytes);
        DczLayerInspection fc = inspection.Layers[0];
        Assert.Equal((36, 5, 8, 8, 7L, 5L), (fc.TotalBytes, fc.RecordHeaderBytes, fc.ParameterBytes, fc.CodebookBytes, fc.WeightStreamBits, fc.GapStreamBits));
    }

    [Fact]
    public void Write_VersionOneModel_WritesVersionThreeThatReadsBackTheSame()
    {
        DczModel v1 = DczFile.Read(DczTestModels.SpecExampleV1Bytes());

        byte[] rewritten = DczFile.Write(v1);

        Assert.Equal(3, rewritten[4]);
        Assert.Null(DczTestModels.FirstDifference(v1, DczFile.Read(rewritten)));

        // Version 2 adds the input reference (count 1, reference 0 = the model input) and the
        // preprocessing channel count, version 3 the trained dense bytes (0): 4 bytes more.
        Assert.Equal(DczTestModels.SpecExampleV1Bytes().Length + 4, rewritten.Length);
    }

    [Fact]
    public void Read_VersionTwoExample_GivesTheExampleModel_WithNoTrainedSizeRecorded()
    {
        DczInspection inspection = DczFile.Inspect(DczTestModels.SpecExampleV2Bytes());

        // The worked example of the version-2 spec: the same model, one metadata byte shorter.
        Assert.Equal(2, inspection.Version);
        Assert.Null(DczTestModels.FirstDifference(DczTestModels.SpecExample(), inspection.Model));
        Assert.Equal(0, inspection.Model.Info.TrainedDenseFloat32Bytes);
        Assert.Equal(41, inspection.MetadataBytes);
        Assert.Equal(SpecExampleBytes().Length - 1, inspection.FileBytes);
        Assert.Equal(inspection.LayersDenseFloat32Bytes, inspection.DenseFloat32Bytes);
    }

    [Fact]
    public void TrainedDenseBytes_RoundTrip_AndTheRatioComparesWithThem()
    {
        DczModel example = DczTestModels.SpecExample();
        var recorded = new DczModel(example.Info.WithTrainedDenseFloat32Bytes(800), example.Layers);

        DczInspection inspection = DczFile.Inspect(DczFile.Write(recorded));

        Assert.Equal(800, inspection.Model.Info.TrainedDenseFloat32Bytes);
        Assert.Equal(800, inspection.DenseFloat32Bytes);
        Assert.Equal(80, inspection.LayersDenseFloat32Bytes);   // fc and skip: 8 weights + 2 biases each
        Assert.Equal(800.0 / inspection.FileBytes, inspection.CompressionRatio);
    }

    [Fact]
    public void TrainedDenseBytes_BelowTheLayersOwn_IsRefusedByWriterAndReader()
    {
        DczModel example = DczTestModels.SpecExample();
        var wrong = new DczModel(example.Info.WithTrainedDenseFloat32Bytes(79), example.Layers);

        var write = Assert.Throws<ArgumentException>(() => DczFile.Write(wrong));
        Assert.Contains("trained dense bytes 79", write.Message, StringComparison.Ordinal);

        // The same file as a reader would meet it: the example with 79 (0x4F) in place of the 0 at
        // the end of the metadata, the checksum mended.
        byte[] bytes = SpecExampleBytes();
        int at = 16 + 41;
        Assert.Equal(0, bytes[at]);
        bytes[at] = 79;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), Crc32.Compute(bytes.AsSpan(16)));
        var read = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));
        Assert.Contains("trained dense bytes 79 is less than the 80 bytes", read.Message, StringComparison.Ordinal);
    }
}
