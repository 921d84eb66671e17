using EmbeddedNets.Compressor.Training;
using EmbeddedNets.Data;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// A seeded validation split carved out of a training set: <see cref="Validation"/> holds
/// <c>count</c> images picked uniformly at random (without replacement) by the seed, and
/// <see cref="Train"/> the rest; both keep the images' original order. Model selection (any
/// choice among schedules, thresholds, bit widths, searches) looks at the validation images only,
/// so the test set is left for the one accuracy a compressed file records.
/// </summary>
internal sealed class ValidationSplit
{
    /// <summary>Mixed into the run's seed for the choice of validation images, so it is independent of every other random stream.</summary>
    private const ulong ValidationStream = 0x56414C4944UL; // "VALID"

    private ValidationSplit(MnistSet train, MnistSet? validation, int[] validationIndices)
    {
        Train = train;
        Validation = validation;
        ValidationIndices = validationIndices;
    }

    /// <summary>The images training sees.</summary>
    public MnistSet Train { get; }

    /// <summary>The held-out images; null when the split is off (count 0).</summary>
    public MnistSet? Validation { get; }

    /// <summary>Positions (ascending) in the original training set of the validation images.</summary>
    public IReadOnlyList<int> ValidationIndices { get; }

    /// <summary>
    /// Holds out <paramref name="count"/> images of <paramref name="train"/>, chosen by
    /// <paramref name="seed"/>. Count 0 returns the set unchanged (no validation split).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than half the set.</exception>
    public static ValidationSplit Create(MnistSet train, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return new ValidationSplit(train, null, Array.Empty<int>());
        }

        if (count > train.Count / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"a validation split of {count} images would take more than half of the {train.Count} training images");
        }

        long[] permutation = new SplitMix64(SplitMix64.Combine(seed, ValidationStream)).Permutation(train.Count);
        var isValidation = new bool[train.Count];
        for (int i = 0; i < count; i++)
        {
            isValidation[permutation[i]] = true;
        }

        int pixels = train.PixelsPerImage;
        int trainCount = train.Count - count;
        var trainImages = new byte[checked(trainCount * pixels)];
        var trainLabels = new byte[trainCount];
        var validationImages = new byte[checked(count * pixels)];
        var validationLabels = new byte[count];
        var indices = new int[count];
        int t = 0, v = 0;
        for (int i = 0; i < train.Count; i++)
        {
            ReadOnlySpan<byte> image = train.GetImage(i);
            if (isValidation[i])
            {
                image.CopyTo(validationImages.AsSpan(v * pixels, pixels));
                validationLabels[v] = train.Labels[i];
                indices[v++] = i;
            }
            else
            {
                image.CopyTo(trainImages.AsSpan(t * pixels, pixels));
                trainLabels[t++] = train.Labels[i];
            }
        }

        return new ValidationSplit(
            new MnistSet(trainImages, trainLabels, train.Rows, train.Cols),
            new MnistSet(validationImages, validationLabels, train.Rows, train.Cols),
            indices);
    }
}
