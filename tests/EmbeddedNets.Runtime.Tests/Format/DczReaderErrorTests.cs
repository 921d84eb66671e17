using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>Targeted corruptions of the spec example (offsets from docs/dcz-format.md §11).</summary>
public sealed class DczReaderErrorTests
{
    private static byte[] Example() => DczFile.Write(DczTestModels.SpecExample());

    private static byte[] Patched(int offset, byte value)
    {
        byte[] bytes = Example();
        bytes[offset] = value;
        DczFile.RewriteChecksum(bytes);
        return bytes;
    }

    [Fact]
    public void Read_BadMagic_ThrowsInvalidData()
    {
        byte[] bytes = Example();
        bytes[1] = (byte)'X';

        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

        Assert.Contains("not a .dcz file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Version2_ThrowsNotSupported()
    {
        byte[] bytes = Example();
        bytes[4] = 2;

        var e = Assert.Throws<NotSupportedException>(() => DczFile.Read(bytes));

        Assert.Contains("version 2 is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownFlag_ThrowsNotSupported()
    {
        byte[] bytes = Example();
        bytes[6] = 4;

        Assert.Throws<NotSupportedException>(() => DczFile.Read(bytes));
    }

    [Fact]
    public void Read_Truncated_ThrowsInvalidDataSayingTruncated()
    {
        byte[] bytes = Example()[..^3];

        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

        Assert.Equal("header: content length is 77 bytes but 74 follow the header (truncated)", e.Message);
    }

    [Fact]
    public void Read_FlippedContentBit_ThrowsChecksumMismatch()
    {
        byte[] bytes = Example();
        bytes[40] ^= 0x10;

        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

        Assert.Equal("header: checksum mismatch (header 0x0566A9F1, content 0x8529B4E5): the file is corrupt", e.Message);
    }

    [Fact]
    public void Read_WeightStreamTooShort_SaysHowManyBitsAreMissing()
    {
        // Bit length 7 → 6 at offset 79: the fifth code ("0") no longer fits.
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(Patched(79, 6)));

        Assert.Equal("layer 0 (fc, Dense): weight stream ends 1 bits early: entry 4 of 5 needs 1 bits, 0 remain (at byte 80)", e.Message);
    }

    [Fact]
    public void Read_GapRunsPastTheEnd_NamesTheEntry()
    {
        // Gap bits 00111 → 11111 at offset 84: positions 1, 3, 5, 7, 9 and the tensor has 8.
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(Patched(84, 0xF8)));

        Assert.Equal(
            "layer 0 (fc, Dense): gap stream: gap 1 runs past the end of the tensor at entry 4 (position 9, tensor length 8) (at byte 84)",
            e.Message);
    }

    [Fact]
    public void Read_FillerWithShortGap_ThrowsInvalidData()
    {
        // Gap bits 00111 → 00011: the filler (entry 2) gets gap 0 instead of 2^GapBits − 1.
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(Patched(84, 0x18)));

        Assert.Contains("filler entry 2 has gap 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownOpTag_ThrowsNotSupportedNamingTheLayer()
    {
        var e = Assert.Throws<NotSupportedException>(() => DczFile.Read(Patched(57, 0x07)));

        Assert.Equal("layer 0 (fc, op 0x07): op tag 0x07 is not defined in format version 1", e.Message);
    }

    [Fact]
    public void Read_ShapeChainMismatch_NamesTheLayer()
    {
        // Input dimension 4 → 5 at offset 22.
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(Patched(22, 5)));

        Assert.Equal("layer 0 (fc, Dense): expects 4 inputs but receives [5] (5 values)", e.Message);
    }

    [Fact]
    public void Read_NonZeroPaddingBits_ThrowsInvalidData()
    {
        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(Patched(80, 0x59)));

        Assert.Contains("weight stream: the 1 padding bits of the last byte are not zero", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NonMinimalVarint_ThrowsInvalidData()
    {
        // Seed 42 as 0xAA 0x00 instead of 0x2A: insert a byte and fix the checksum.
        byte[] example = Example();
        byte[] bytes = [.. example[..55], 0xAA, 0x00, .. example[56..]];
        DczFile.RewriteChecksum(bytes);

        var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

        Assert.Equal("metadata: seed: varint is not minimally encoded (at byte 57)", e.Message);
    }

    [Fact]
    public void Read_NaNStd_MessageIsCultureInvariant()
    {
        byte[] bytes = Example();
        bytes[31] = 0x00;
        bytes[32] = 0x00;
        bytes[33] = 0x80;
        bytes[34] = 0xFF; // −∞
        DczFile.RewriteChecksum(bytes);
        CultureInfo previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = DczDeterminismTests.OddCulture();

            var e = Assert.Throws<InvalidDataException>(() => DczFile.Read(bytes));

            Assert.Equal("metadata: preprocessing std is -Infinity, must be finite (at byte 35)", e.Message);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Read_SpecErrorExamples_AreTheMessagesTheReaderGives()
    {
        byte[] example = Example();
        byte[] badSeed = [.. example[..55], 0xAA, 0x00, .. example[56..]];
        DczFile.RewriteChecksum(badSeed);
        byte[] flipped = Example();
        flipped[40] ^= 0x10;
        var corruptions = new[] { Example()[..^3], flipped, badSeed, Patched(79, 6), Patched(84, 0xF8), Patched(22, 5), Patched(57, 0x07) };
        string spec = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "dcz-format.md"));

        foreach (byte[] bytes in corruptions)
        {
            Exception e = Assert.ThrowsAny<Exception>(() => DczFile.Read(bytes));

            Assert.True(e is InvalidDataException or NotSupportedException);
            Assert.True(spec.Contains(e.Message, StringComparison.Ordinal), "docs/dcz-format.md §9 lacks: " + e.Message);
        }
    }
}
