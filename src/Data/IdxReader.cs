using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace EmbeddedNets.Data;

/// <summary>Images read from an IDX file: <see cref="Count"/> images of <see cref="Rows"/>×<see cref="Cols"/> bytes.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Pixel rows per image.</param>
/// <param name="Cols">Pixel columns per image.</param>
/// <param name="Pixels">All pixels, row-major, image after image (Count×Rows×Cols bytes).</param>
public sealed record IdxImages(int Count, int Rows, int Cols, byte[] Pixels);

/// <summary>
/// Reads the IDX files of MNIST (LeCun's format: a big-endian header of magic and dimensions, then
/// unsigned bytes), raw or gzip-compressed (detected by the gzip magic 1F 8B, not by the name).
/// Everything is checked before use: the magic, each dimension against a cap, that the file holds
/// exactly what the header promises (not a byte more or less), and the label range. A problem is
/// an <see cref="InvalidDataException"/> whose message starts with the file's path and says what
/// is wrong, e.g. "train-labels-idx1-ubyte.gz: header says 60000 labels but file holds 59999".
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned bytes with one dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Magic number of an IDX file of unsigned bytes with three dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Largest payload (labels or pixels) this reader allocates: 1 GiB.</summary>
    public const long MaxPayloadBytes = 1L << 30;

    /// <summary>Largest image side (rows or columns) accepted.</summary>
    public const int MaxImageSide = 4096;

    private const int LabelsHeaderBytes = 8;
    private const int ImagesHeaderBytes = 16;
    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads an IDX labels file and checks every label is in 0..<paramref name="maxLabel"/>.</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <param name="maxLabel">Largest valid label (9 for MNIST digits).</param>
    /// <exception cref="InvalidDataException">The file is not a valid IDX labels file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static byte[] ReadLabels(string path, int maxLabel = 9)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = File.OpenRead(path);
        return ReadLabels(file, path, maxLabel, MaxPayloadBytes);
    }

    /// <summary>Reads an IDX images file (unsigned bytes, three dimensions).</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <exception cref="InvalidDataException">The file is not a valid IDX images file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxImages ReadImages(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = File.OpenRead(path);
        return ReadImages(file, path, MaxPayloadBytes);
    }

    /// <summary>Parses a labels file from a seekable stream; <paramref name="name"/> prefixes every error.</summary>
    internal static byte[] ReadLabels(Stream file, string name, int maxLabel, long maxPayloadBytes)
    {
        Stream stream = Open(file, out long? rawLength);
        using IDisposable? decompressor = stream == file ? null : stream;
        Span<byte> header = stackalloc byte[LabelsHeaderBytes];
        ReadHeader(stream, header, name, LabelsMagic, "labels");
        long count = ReadDimension(header, 4, name, "label count");
        if (count > maxPayloadBytes)
        {
            throw Corrupt(name, $"header says {count} labels, more than the {maxPayloadBytes} this reader accepts");
        }

        byte[] labels = ReadPayload(stream, rawLength, LabelsHeaderBytes, name, count, itemBytes: 1, "labels", itemShape: "");
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] > maxLabel)
            {
                throw Corrupt(name, $"label {labels[i]} at index {i} is outside 0..{maxLabel}");
            }
        }

        return labels;
    }

    /// <summary>Parses an images file from a seekable stream; <paramref name="name"/> prefixes every error.</summary>
    internal static IdxImages ReadImages(Stream file, string name, long maxPayloadBytes)
    {
        Stream stream = Open(file, out long? rawLength);
        using IDisposable? decompressor = stream == file ? null : stream;
        Span<byte> header = stackalloc byte[ImagesHeaderBytes];
        ReadHeader(stream, header, name, ImagesMagic, "images");
        long count = ReadDimension(header, 4, name, "image count");
        long rows = ReadDimension(header, 8, name, "row count");
        long cols = ReadDimension(header, 12, name, "column count");
        if (rows is 0 or > MaxImageSide || cols is 0 or > MaxImageSide)
        {
            throw Corrupt(name, $"header says images of {rows}×{cols} pixels; each side must be 1..{MaxImageSide}");
        }

        long imageBytes = rows * cols;
        // count ≤ 2^32 and imageBytes ≤ 2^24, so the product cannot overflow a long.
        long payload = count * imageBytes;
        if (payload > maxPayloadBytes)
        {
            throw Corrupt(name, string.Create(CultureInfo.InvariantCulture,
                $"header says {count} images of {rows}×{cols} pixels ({payload} bytes), more than the {maxPayloadBytes} bytes this reader accepts"));
        }

        byte[] pixels = ReadPayload(stream, rawLength, ImagesHeaderBytes, name, count, imageBytes, "images", string.Create(CultureInfo.InvariantCulture, $" of {rows}×{cols}"));
        return new IdxImages((int)count, (int)rows, (int)cols, pixels);
    }

    /// <summary>
    /// The decompressed content of <paramref name="file"/>; <paramref name="rawLength"/> is the
    /// file's length when it is not compressed (so sizes can be checked before allocating).
    /// </summary>
    private static Stream Open(Stream file, out long? rawLength)
    {
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Seek(0, SeekOrigin.Begin);
        if (got == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            rawLength = null;
            return new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
        }

        rawLength = file.Length;
        return file;
    }

    private static void ReadHeader(Stream stream, Span<byte> header, string name, int expectedMagic, string what)
    {
        int got = Fill(stream, header, name);
        if (got < 4)
        {
            throw Corrupt(name, $"file ends after {got} bytes, inside the 4-byte IDX magic number");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expectedMagic)
        {
            throw Corrupt(name, DescribeWrongMagic(header, expectedMagic, what));
        }

        if (got < header.Length)
        {
            throw Corrupt(name, $"file ends after {got} bytes, inside the {header.Length}-byte IDX {what} header");
        }
    }

    private static string DescribeWrongMagic(ReadOnlySpan<byte> header, int expectedMagic, string what)
    {
        string seen = $"0x{BinaryPrimitives.ReadUInt32BigEndian(header):X8}";
        string expected = $"0x{expectedMagic:X8}";
        if (header[0] != 0 || header[1] != 0)
        {
            return $"not an IDX file: magic is {seen}, expected {expected} (IDX {what})";
        }

        if (header[2] != UnsignedByteType)
        {
            return $"IDX element type 0x{header[2]:X2} is not supported (magic {seen}); MNIST {what} are unsigned bytes, magic {expected}";
        }

        string kind = header[3] switch
        {
            1 => "labels (1 dimension)",
            3 => "images (3 dimensions)",
            _ => $"a {header[3]}-dimensional array",
        };
        return $"file holds {kind}, magic {seen}; expected {what}, magic {expected}";
    }

    private static long ReadDimension(ReadOnlySpan<byte> header, int offset, string name, string what)
    {
        uint value = BinaryPrimitives.ReadUInt32BigEndian(header[offset..]);
        if (value > int.MaxValue)
        {
            throw Corrupt(name, $"header {what} {value} is larger than {int.MaxValue}");
        }

        return value;
    }

    private static byte[] ReadPayload(
        Stream stream, long? rawLength, int headerBytes, string name, long count, long itemBytes, string items, string itemShape)
    {
        long expected = count * itemBytes;
        if (rawLength is long length && length - headerBytes != expected)
        {
            // An uncompressed file's size is known: report a mismatch without reading or allocating.
            long held = length - headerBytes;
            throw Corrupt(name, held < expected
                ? $"header says {count} {items}{itemShape} but file holds {DescribeShort(held, itemBytes)}"
                : $"header says {count} {items}{itemShape} but file holds {held - expected} more bytes after them");
        }

        // The caller capped count × itemBytes, so this allocation is bounded.
        byte[] payload = new byte[checked(count * itemBytes)];
        int got = Fill(stream, payload, name);
        if (got < payload.Length)
        {
            throw Corrupt(name, $"header says {count} {items}{itemShape} but file holds {DescribeShort(got, itemBytes)}");
        }

        long extra = CountRemaining(stream, name);
        if (extra > 0)
        {
            throw Corrupt(name, $"header says {count} {items}{itemShape} but file holds {extra} more bytes after them");
        }

        return payload;
    }

    private static string DescribeShort(long bytes, long itemBytes)
    {
        long whole = bytes / itemBytes;
        long partial = bytes % itemBytes;
        return partial == 0 ? $"{whole}" : $"{whole} and {partial} bytes of one more";
    }

    private static int Fill(Stream stream, Span<byte> buffer, string name)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = stream.Read(buffer[total..]);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(name, $"gzip data is corrupt after {total} decompressed bytes of the expected content ({e.Message})", e);
        }

        return total;
    }

    private static long CountRemaining(Stream stream, string name)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long total = 0;
        try
        {
            int n;
            while ((n = stream.Read(scratch)) > 0)
            {
                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(name, $"gzip data is corrupt after the expected content ({e.Message})", e);
        }

        return total;
    }

    private static InvalidDataException Corrupt(string name, string message, Exception? inner = null) =>
        new($"{name}: {message}", inner);
}
