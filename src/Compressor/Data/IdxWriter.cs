using EmbeddedNets.Data;
using System.Buffers.Binary;

namespace EmbeddedNets.Compressor.Data;

/// <summary>Writes the IDX format that <see cref="IdxReader"/> reads (uncompressed bytes).</summary>
public static class IdxWriter
{
    /// <summary>An IDX labels file (magic 0x00000801, count, labels).</summary>
    public static byte[] Labels(ReadOnlySpan<byte> labels)
    {
        byte[] file = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), labels.Length);
        labels.CopyTo(file.AsSpan(8));
        return file;
    }

    /// <summary>An IDX images file (magic 0x00000803, count, rows, cols, pixels).</summary>
    /// <exception cref="ArgumentException">The pixel count is not a whole number of images.</exception>
    public static byte[] Images(int rows, int cols, ReadOnlySpan<byte> pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        int imageBytes = checked(rows * cols);
        if (pixels.Length % imageBytes != 0)
        {
            throw new ArgumentException($"{pixels.Length} pixel bytes are not a whole number of {rows}×{cols} images.", nameof(pixels));
        }

        byte[] file = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), pixels.Length / imageBytes);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(12), cols);
        pixels.CopyTo(file.AsSpan(16));
        return file;
    }
}
