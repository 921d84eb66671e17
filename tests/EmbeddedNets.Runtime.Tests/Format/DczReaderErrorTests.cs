using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>
/// Targeted corruptions of the spec's worked examples (offsets from docs/dcz-format.md §11: the
/// version-3 example, and the version-1 example for what only version 1 has).
/// </summary>
public sealed class DczReaderErrorTests
{
    private static byte[] Example() => DczFile.Write(DczTestModels.SpecExample());

    private static byte[] Patched(int offset, byte value) => Patched(Example(), offset, value);

    private static byte[] PatchedV1(int offset, byte value) => Patched(DczTestModels.SpecExampleV1Bytes(), offset, value);

    private static byte[] Patched(byte[] bytes, int offset, byte value)
    {
        bytes[offset] = value;
        DczFile.RewriteChecksum(bytes);
        return bytes;
    }

    private static byte[] Spliced(byte[] bytes)
    {
        DczFile.RewriteChecksum(bytes);
        return bytes;
    }

    /// <summary>Seed 42 as 0xAA 0x00 instead of 0x2A (offset 56).</summary>
    private static byte[] NonMinimalSeed()
    {
        byte[] example = Example();
        return Spliced([.. example[..56], 0xAA, 0x00, .. example[57..]]);
    }

    /// <summary>Add names one input: its input count (offset 151) becomes 1 and its second reference (offset 153) goes.</summary>
    private static byte[] AddWithOneInput()
    {
        byte[] example = Example();
        example[151] = 1;
        return Spliced([.. example[..153], .. example[154..]]);
    }

    private static byte[] FlippedBit()
    {
        byte[] bytes = Example();
        bytes[40] ^= 0x10;
        return bytes;
    }

    /// <summary>Every corruption whose message docs/dcz-format.md §9 quotes, with that message.</summary>
    public static TheoryData<string, byte[], string> DocumentedCorruptions() => new()
    {
        { "truncated", Example()[..^3], "header: content length is 139 bytes but 136 follow the header (truncated)" },
        { "flipped bit", FlippedBit(), "header: checksum mismatch (header 0x10E1CC8F, content 0xFAB93D19): the file is corrupt" },
        { "non-minimal varint", NonMinimalSeed(), "metadata: seed: varint is not minimally encoded (at byte 58)" },
        { "preprocessing channels", Patched(27, 2), "metadata: preprocessing channel count is 2, must be 1 or the input's first dimension (4) (at byte 28)" },
        { "weight stream short", Patched(83, 6), "layer 0 (fc, Dense): weight stream ends 1 bits early: entry 4 of 5 needs 1 bits, 0 remain (at byte 84)" },
        { "gap past the end", Patched(88, 0xF8), "layer 0 (fc, Dense): gap stream: gap 1 runs past the end of the tensor at entry 4 (position 9, tensor length 8) (at byte 88)" },
        { "shape mismatch", Patched(22, 5), "layer 0 (fc, Dense): expects 4 inputs but receives [5] (5 values)" },
        { "reference to a later layer", Patched(104, 3), "layer 1 (relu, ReLU): input 0 is 3, must be in [0, 1] (at byte 105)" },
        { "arity", AddWithOneInput(), "layer 3 (sum, Add): takes 2 input(s) but names 1" },
        { "unread output", Patched(152, 3), "layer graph: layer 1 (relu, ReLU): its output is never read; only the last layer's output may be left unread (it is the model's output)" },
        { "unknown op", Patched(59, 0x0F), "layer 0 (fc, op 0x0F): op tag 0x0F is not defined in format version 3" },
        { "version-2 op in version 1", PatchedV1(57, 0x07), "layer 0 (fc, AvgPool2d): op tag 0x07 is not defined in format version 1" },
        { "unshared weights in version 1", PatchedV1(64, 0), "layer 0 (fc, Dense): WeightBits is 0, must be in [1, 8] (at byte 65)" },
    };

    [Theory]
    [MemberData(nameof(DocumentedCorruptions))]
    public void Read_DocumentedCorruption_GivesTheMessageTheSpecQuotes(string what, byte[] bytes, string expected)
    {
        Exception e = Assert.ThrowsAny<Exception>(() => DczFile.Read(bytes));

        Assert.True(e is InvalidDataException or NotSupportedException, $"{what}: {e.GetType().Name}");
        Assert.Equal(expected, e.Message);
        string spec = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "dcz-format.md"));
        Assert.True(spec.Contains(e.Message, StringComparison.Ordinal), "docs/dcz-format.md §9 lacks: " + e.Message);
    }

    [Fact]
    public void Read_BadMagic_ThrowsInvalidData()
    {
        byte[] bytes = Example();
        bytes[1] = (byte)'X';

        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

        Assert.Contains("not a .dcz file", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Read_UnknownVersion_ThrowsNotSupported(byte version)
    {
        byte[] bytes = Example();
        bytes[4] = version;

        var e = Assert.Throws<NotSupportedException>(() => DczFile.Read(bytes));

        Assert.Equal($".dcz format version {version} is not supported; this reader knows versions 1 to 3", e.Message);
    }

    [Fact]
    public void Read_UnknownFlag_ThrowsNotSupported()
    {
        byte[] bytes = Example();
        bytes[6] = 4;

        var e = Assert.Throws<NotSupportedException>(() => DczFile.Read(bytes));

        Assert.Equal(".dcz flags 0x0004 are not supported; format version 3 defines no flags", e.Message);
    }

    [Fact]
    public void Read_FlippedContentBit_ThrowsChecksumMismatch()
    {
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(FlippedBit()));

        Assert.StartsWith("header: checksum mismatch (header 0x10E1CC8F, content 0x", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FillerWithShortGap_ThrowsInvalidData()
    {
        // fc's gap bits 00111 → 00011 (offset 88): the filler (entry 2) gets gap 0 instead of 2^GapBits − 1.
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(Patched(88, 0x18)));

        Assert.Equal("layer 0 (fc, Dense): gap stream: filler entry 2 has gap 0; a filler's gap must be 2^GapBits − 1 = 1 (at byte 88)", e.Message);
    }

    [Fact]
    public void Read_UnsharedFillerWithShortGap_ThrowsInvalidData()
    {
        // skip's gap stream 11 0 10 → 11 10 0 (offset 137): the +0.0 entry (a filler) gets gap 0.
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(Patched(137, 0xE0)));

        Assert.Equal("layer 2 (skip, Dense): gap stream: filler entry 1 has gap 0; a filler's gap must be 2^GapBits − 1 = 3 (at byte 137)", e.Message);
    }

    [Fact]
    public void Read_NonZeroPaddingBits_ThrowsInvalidData()
    {
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(Patched(84, 0x59)));

        Assert.Equal("layer 0 (fc, Dense): weight stream: the 1 padding bits of the last byte are not zero (at byte 85)", e.Message);
    }

    [Fact]
    public void Read_NaNUnsharedValue_ThrowsInvalidData()
    {
        byte[] bytes = Example();
        bytes[122] = 0xC0;
        bytes[123] = 0x7F; // 2.0 → NaN
        DczFile.RewriteChecksum(bytes);

        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

        Assert.Equal("layer 2 (skip, Dense): value[0] is NaN, must be finite (at byte 124)", e.Message);
    }

    [Fact]
    public void Read_NaNStd_MessageIsCultureInvariant()
    {
        byte[] bytes = Example();
        bytes[32] = 0x00;
        bytes[33] = 0x00;
        bytes[34] = 0x80;
        bytes[35] = 0xFF; // −∞
        DczFile.RewriteChecksum(bytes);
        CultureInfo previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = DczDeterminismTests.OddCulture();

            var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

            Assert.Equal("metadata: preprocessing std is -Infinity, must be finite (at byte 36)", e.Message);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Read_LayerNameWithLineBreak_MessageStaysOneLine()
    {
        // Names come from the file: a line break or a bidirectional override in one must not break
        // the message (a log line, a build diagnostic) apart or reorder it.
        DczModel example = DczTestModels.SpecExample();
        var fc = (DenseLayer)example.Layers[0];
        var renamed = new DczModel(example.Info, new DczLayer[]
        {
            new DenseLayer("fc\nerror CS0001: fake\u202E", 4, 2, fc.Weights, fc.Bias, fc.InputLayers),
            example.Layers[1], example.Layers[2], example.Layers[3],
        });
        byte[] bytes = DczFile.Write(renamed);
        bytes[22] = 5; // input dimension 4 → 5
        DczFile.RewriteChecksum(bytes);

        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

        Assert.Equal("layer 0 (fc\\u000Aerror CS0001: fake\\u202E, Dense): expects 4 inputs but receives [5] (5 values)", e.Message);
    }

    [Fact]
    public void Read_ScaleShiftCountPastTheBody_SaysHowManyBytesItNeeds()
    {
        var model = new DczModel(
            new ModelInfo("m", new[] { 1 }, Preprocessing.Identity, new[] { "a" }, null, "t", 0),
            new DczLayer[] { new ScaleShiftLayer("bn", new[] { 2f }, new[] { 1f }) });
        DczDocument doc = DczDocument.Parse(DczFile.Write(model));
        doc.Layers[0].Body[0].Value = 1000;

        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(doc.Encode()));

        Assert.Equal("layer 0 (bn, ScaleShift): 1000 scales and shifts need 8000 bytes but only 8 remain (at byte 51)", e.Message);
    }
}
