using System.Buffers.Binary;

namespace EmbeddedNets.Format;

/// <summary>
/// The one implementation of the <c>.dcz</c> format (docs/dcz-format.md): the compressor writes
/// through it; the Runtime, <c>dcz inspect</c>/<c>eval</c> and the source generator read through it.
/// </summary>
public static class DczFile
{
    /// <summary>The format version this code reads and writes.</summary>
    public const int FormatVersion = DczConstants.Version;

    /// <summary>Serialises <paramref name="model"/>. Same model → same bytes.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">The model violates a rule of the format; the message names the layer and the rule.</exception>
    public static byte[] Write(DczModel model) => DczWriter.Write(model);

    /// <summary>Parses and validates a whole file.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid file; the message says what and where.</exception>
    /// <exception cref="NotSupportedException">A valid file of a version or op this reader does not know.</exception>
    public static DczModel Read(ReadOnlySpan<byte> data) => DczReader.Parse(data).Model;

    /// <summary>
    /// Parses and validates a whole file like <see cref="Read"/>, and attributes every byte to the
    /// part of the file that holds it (header, metadata, and per layer: codebook, code tables,
    /// streams, bias, …) — the numbers behind the paper's per-layer tables.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid file; the message says what and where.</exception>
    /// <exception cref="NotSupportedException">A valid file of a version or op this reader does not know.</exception>
    public static DczInspection Inspect(ReadOnlySpan<byte> data) => DczReader.Parse(data);

    /// <summary>
    /// Test hook: recomputes the content length and checksum fields of a (possibly mutated) file
    /// in place, so fuzzing reaches the body parser instead of stopping at the checksum.
    /// Does nothing when <paramref name="file"/> is shorter than the header.
    /// </summary>
    internal static void RewriteChecksum(Span<byte> file)
    {
        if (file.Length < DczConstants.HeaderSize)
        {
            return;
        }

        ReadOnlySpan<byte> content = file.Slice(DczConstants.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(file.Slice(DczConstants.ContentLengthOffset), (uint)content.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.Slice(DczConstants.ChecksumOffset), Crc32.Compute(content));
    }
}
