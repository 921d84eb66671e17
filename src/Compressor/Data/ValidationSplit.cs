using EmbeddedNets.Compressor.Training;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// A seeded validation split carved out of a training set: <see cref="Validation"/> holds
/// <c>count</c> samples picked uniformly at random (without replacement) by the seed, and
/// <see cref="Train"/> the rest; both keep the samples' original order. Model selection (any
/// choice among schedules, thresholds, bit widths, searches) looks at the validation samples only,
/// so the test set is left for the one accuracy a compressed file records.
/// </summary>
internal sealed class ValidationSplit
{
    /// <summary>Mixed into the run's seed for the choice of validation samples, so it is independent of every other random stream.</summary>
    private const ulong ValidationStream = 0x56414C4944UL; // "VALID"

    private ValidationSplit(LabelledSet train, LabelledSet? validation, int[] validationIndices)
    {
        Train = train;
        Validation = validation;
        ValidationIndices = validationIndices;
    }

    /// <summary>The samples training sees.</summary>
    public LabelledSet Train { get; }

    /// <summary>The held-out samples; null when the split is off (count 0).</summary>
    public LabelledSet? Validation { get; }

    /// <summary>Positions (ascending) in the original training set of the validation samples.</summary>
    public IReadOnlyList<int> ValidationIndices { get; }

    /// <summary>
    /// Holds out <paramref name="count"/> samples of <paramref name="train"/>, chosen by
    /// <paramref name="seed"/>. Count 0 returns the set unchanged (no validation split).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than half the set.</exception>
    public static ValidationSplit Create(LabelledSet train, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return new ValidationSplit(train, null, Array.Empty<int>());
        }

        if (count > train.Count / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"a validation split of {count} samples would take more than half of the {train.Count} training samples");
        }

        long[] permutation = new SplitMix64(SplitMix64.Combine(seed, ValidationStream)).Permutation(train.Count);
        var isValidation = new bool[train.Count];
        for (int i = 0; i < count; i++)
        {
            isValidation[permutation[i]] = true;
        }

        int[] validation = Enumerable.Range(0, train.Count).Where(i => isValidation[i]).ToArray();
        int[] rest = Enumerable.Range(0, train.Count).Where(i => !isValidation[i]).ToArray();
        return new ValidationSplit(train.Select(rest, train.Name), train.Select(validation, train.Name + " (validation)"), validation);
    }
}
