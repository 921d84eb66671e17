using EmbeddedNets.Benchmarks.Onnx;

namespace EmbeddedNets.Benchmarks.Tests;

public class ProtoWriterTests
{
    [Fact]
    public void WriteInt64_150_EncodesAsTheProtobufDocumentationExample()
    {
        // developers.google.com/protocol-buffers/docs/encoding: field 1 = 150 → 08 96 01.
        Assert.Equal(new byte[] { 0x08, 0x96, 0x01 }, new ProtoWriter().WriteInt64(1, 150).ToArray());
    }

    [Fact]
    public void WriteInt64_Negative_TakesTenBytes()
    {
        byte[] bytes = new ProtoWriter().WriteInt64(2, -1).ToArray();
        Assert.Equal(11, bytes.Length);
        Assert.Equal(0x10, bytes[0]);
        Assert.Equal(0x01, bytes[^1]);
    }

    [Fact]
    public void WriteString_Utf8_IsLengthDelimited()
    {
        // Field 2, wire type 2 → tag 0x12; "testing" is the documentation's example.
        Assert.Equal(new byte[] { 0x12, 0x07, (byte)'t', (byte)'e', (byte)'s', (byte)'t', (byte)'i', (byte)'n', (byte)'g' },
            new ProtoWriter().WriteString(2, "testing").ToArray());
    }

    [Fact]
    public void WritePackedInt64_Values_AreOneLengthDelimitedRun()
    {
        // Field 4 packed [3, 270, 86942] → 22 06 03 8E 02 9E A7 05 (the documentation's example).
        Assert.Equal(new byte[] { 0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05 },
            new ProtoWriter().WritePackedInt64(4, [3, 270, 86942]).ToArray());
    }

    [Fact]
    public void WriteFloat_One_IsFixed32LittleEndian()
    {
        Assert.Equal(new byte[] { 0x15, 0x00, 0x00, 0x80, 0x3F }, new ProtoWriter().WriteFloat(2, 1f).ToArray());
    }

    [Fact]
    public void WriteMessage_Nested_IsLengthPrefixed()
    {
        var inner = new ProtoWriter().WriteInt64(1, 150);
        Assert.Equal(new byte[] { 0x1A, 0x03, 0x08, 0x96, 0x01 }, new ProtoWriter().WriteMessage(3, inner).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(536_870_912)]
    public void WriteInt64_FieldOutOfRange_Throws(int field)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProtoWriter().WriteInt64(field, 1));
    }
}
