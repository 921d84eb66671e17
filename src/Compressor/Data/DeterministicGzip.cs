using System.Buffers.Binary;
using System.IO.Compression;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// A gzip member (RFC 1952) whose bytes depend only on the content: no file name, modification
/// time 0 and operating system 255 ("unknown"), where <see cref="GZipStream"/> would write the
/// platform's OS code. The deflate body is .NET's at <see cref="CompressionLevel.SmallestSize"/>,
/// so the bytes are the same on every platform for a given .NET runtime (a new zlib version may
/// compress differently; the decompressed content never changes).
/// </summary>
public static class DeterministicGzip
{
    /// <summary>Compresses <paramref name="content"/> into one gzip member.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> content)
    {
        using var output = new MemoryStream();
        // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=2 (maximum compression) OS=255 (unknown).
        output.Write([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xFF]);
        using (var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(content);
        }

        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32.Compute(content));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], unchecked((uint)content.Length));
        output.Write(trailer);
        return output.ToArray();
    }
}
