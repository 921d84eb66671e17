namespace EmbeddedNets.Data;

/// <summary>
/// One split of MNIST (or any IDX image set): <see cref="Count"/> grey-scale images of
/// <see cref="Rows"/>×<see cref="Cols"/> pixels (0 = background, 255 = ink) and their labels.
/// </summary>
public sealed class MnistSet
{
    /// <summary>Creates a set after checking that the arrays agree with the shape.</summary>
    /// <param name="images">Pixels, row-major, image after image (count×rows×cols bytes).</param>
    /// <param name="labels">One label per image.</param>
    /// <param name="rows">Pixel rows per image.</param>
    /// <param name="cols">Pixel columns per image.</param>
    /// <exception cref="ArgumentException">The arrays do not agree with each other or the shape.</exception>
    public MnistSet(byte[] images, byte[] labels, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long expected = (long)labels.Length * rows * cols;
        if (images.LongLength != expected)
        {
            throw new ArgumentException(
                $"{labels.Length} labels of {rows}×{cols} images need {expected} pixel bytes, but {images.LongLength} were given.",
                nameof(images));
        }

        Images = images;
        Labels = labels;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Number of images (and labels).</summary>
    public int Count => Labels.Length;

    /// <summary>Pixel rows per image (28 for MNIST).</summary>
    public int Rows { get; }

    /// <summary>Pixel columns per image (28 for MNIST).</summary>
    public int Cols { get; }

    /// <summary>Pixels per image: <see cref="Rows"/> × <see cref="Cols"/>.</summary>
    public int PixelsPerImage => Rows * Cols;

    /// <summary>All pixels, row-major, image after image (<see cref="Count"/> × <see cref="PixelsPerImage"/> bytes).</summary>
    public byte[] Images { get; }

    /// <summary>The label (0..9) of each image.</summary>
    public byte[] Labels { get; }

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Images.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>A copy of the first <paramref name="count"/> images and labels.</summary>
    public MnistSet Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        return new MnistSet(Images.AsSpan(0, count * PixelsPerImage).ToArray(), Labels.AsSpan(0, count).ToArray(), Rows, Cols);
    }
}

/// <summary>The training and test splits of MNIST.</summary>
/// <param name="Train">The training split (60,000 images in MNIST).</param>
/// <param name="Test">The test split (10,000 images in MNIST).</param>
public sealed record MnistDataset(MnistSet Train, MnistSet Test);
