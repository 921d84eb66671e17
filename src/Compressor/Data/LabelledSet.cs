using System.Globalization;
using EmbeddedNets.Compressor.Training;
using EmbeddedNets.Data;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// Labelled samples as every loader delivers them: raw values (before preprocessing: pixels
/// 0–255, CSV numbers as written) of one shape, and a class index per sample. The pipeline
/// preprocesses and shapes them for a model in <see cref="TensorSet"/>.
/// </summary>
public sealed class LabelledSet
{
    /// <summary>Creates a set; checks that values and labels describe the same samples.</summary>
    /// <param name="name">Where the samples came from, for messages: a file, or <c>mnist-test</c>.</param>
    /// <param name="sampleShape"><c>[features]</c> or <c>[channels, height, width]</c>.</param>
    /// <param name="values">The samples' raw values, one after another (row-major within a sample).</param>
    /// <param name="labels">Class index of each sample, ≥ 0.</param>
    /// <exception cref="ArgumentException">The lengths disagree, or a label is negative.</exception>
    public LabelledSet(string name, int[] sampleShape, float[] values, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(labels);
        if (sampleShape.Length is not (1 or 3) || sampleShape.Any(d => d < 1))
        {
            throw new ArgumentException($"{name}: sample shape {Shape(sampleShape)} is not [features] or [channels, height, width]", nameof(sampleShape));
        }

        long length = 1;
        foreach (int d in sampleShape)
        {
            length = checked(length * d);
        }

        if (length * labels.LongLength != values.LongLength)
        {
            throw new ArgumentException($"{name}: {labels.Length} samples of {Shape(sampleShape)} need {length * labels.LongLength} values but {values.LongLength} were given", nameof(values));
        }

        int bad = Array.FindIndex(labels, l => l < 0);
        if (bad >= 0)
        {
            throw new ArgumentException($"{name}: sample {bad} has the label {labels[bad]}; labels are class indices ≥ 0", nameof(labels));
        }

        Name = name;
        SampleShape = sampleShape;
        SampleLength = (int)length;
        Values = values;
        Labels = labels;
    }

    /// <summary>Where the samples came from, for messages.</summary>
    public string Name { get; }

    /// <summary>Shape of one sample: <c>[features]</c> or <c>[channels, height, width]</c>.</summary>
    public int[] SampleShape { get; }

    /// <summary>Values per sample.</summary>
    public int SampleLength { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>All raw values, sample after sample.</summary>
    public float[] Values { get; }

    /// <summary>Class index of each sample.</summary>
    public int[] Labels { get; }

    /// <summary>True when the samples are images (<c>[channels, height, width]</c>), which augmentation may shift.</summary>
    public bool IsImage => SampleShape.Length == 3;

    /// <summary>The raw values of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Sample(int index) => Values.AsSpan(checked(index * SampleLength), SampleLength);

    /// <summary>The samples at <paramref name="indices"/>, in that order, as a new set called <paramref name="name"/>.</summary>
    public LabelledSet Select(IReadOnlyList<int> indices, string name)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var values = new float[checked(indices.Count * SampleLength)];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Sample(indices[i]).CopyTo(values.AsSpan(i * SampleLength));
            labels[i] = Labels[indices[i]];
        }

        return new LabelledSet(name, SampleShape, values, labels);
    }

    /// <summary>An MNIST split as a set of <c>[1, rows, cols]</c> images with pixel values 0–255.</summary>
    public static LabelledSet FromMnist(MnistSet set, string name)
    {
        ArgumentNullException.ThrowIfNull(set);
        var values = new float[set.Images.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = set.Images[i];
        }

        return new LabelledSet(name, [1, set.Rows, set.Cols], values, set.Labels.Select(l => (int)l).ToArray());
    }

    /// <summary>
    /// Checks that the samples fit a model taking <paramref name="inputShape"/> with
    /// <paramref name="classes"/> outputs: the same number of values per sample (the values are
    /// reshaped as the model's input, row-major) and every label a class of the model.
    /// </summary>
    /// <exception cref="InvalidDataException">They do not fit; the message names the set and the sample.</exception>
    public void CheckFits(int[] inputShape, int classes, string model)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        long inputLength = inputShape.Aggregate(1L, (a, b) => checked(a * b));
        if (inputLength != SampleLength)
        {
            throw new InvalidDataException($"{Name}: samples of shape {Shape(SampleShape)} have {SampleLength} values but {model} takes {Shape(inputShape)} = {inputLength} inputs");
        }

        int bad = Array.FindIndex(Labels, l => l >= classes);
        if (bad >= 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{Name}: sample {bad} has the label {Labels[bad]} but {model} has {classes} classes (labels 0–{classes - 1})"));
        }
    }

    /// <summary>Formats a shape for messages: <c>[1, 28, 28]</c>.</summary>
    internal static string Shape(IEnumerable<int> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}

/// <summary>
/// Training and test samples for one run, and where they came from. When no test set is given,
/// the test set is a seeded held-out part of the data (<see cref="HoldOut"/>).
/// </summary>
public sealed class Dataset
{
    /// <summary>Creates a dataset; both sets must have the same sample shape.</summary>
    /// <exception cref="InvalidDataException">The sample shapes differ.</exception>
    public Dataset(LabelledSet train, LabelledSet test, string testName, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentException.ThrowIfNullOrEmpty(testName);
        if (!train.SampleShape.AsSpan().SequenceEqual(test.SampleShape))
        {
            throw new InvalidDataException($"{test.Name}: samples of shape {LabelledSet.Shape(test.SampleShape)} but the training samples ({train.Name}) are {LabelledSet.Shape(train.SampleShape)}");
        }

        Train = train;
        Test = test;
        TestName = testName;
        ClassNames = classNames;
    }

    /// <summary>The training samples.</summary>
    public LabelledSet Train { get; }

    /// <summary>The test samples (the accuracy recorded in the .dcz is measured on them).</summary>
    public LabelledSet Test { get; }

    /// <summary>The test set's name as recorded in the .dcz, e.g. <c>mnist-test</c> or <c>data.csv held-out 20 % (seed 1)</c>.</summary>
    public string TestName { get; }

    /// <summary>Class names the data defines (image folder names, CSV label strings), by class index; null when labels are plain numbers.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>
    /// Splits <paramref name="all"/> into training and test samples: a seeded random
    /// <paramref name="testFraction"/> of the samples (rounded, at least one) becomes the test set;
    /// both keep the original order of their samples.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not in (0, 1).</exception>
    /// <exception cref="InvalidDataException">Too few samples to leave some for each side.</exception>
    public static Dataset HoldOut(LabelledSet all, double testFraction, ulong seed, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The held-out fraction must be between 0 and 1.");
        }

        int testCount = Math.Max(1, (int)Math.Round(all.Count * testFraction, MidpointRounding.AwayFromZero));
        if (all.Count < 2 || testCount >= all.Count)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{all.Name}: {all.Count} sample(s) cannot be split into training and held-out test samples ({testFraction:P0} held out)"));
        }

        long[] order = new SplitMix64(SplitMix64.Combine(seed, 0x5EED_5EEDUL)).Permutation(all.Count);
        var isTest = new bool[all.Count];
        for (int i = 0; i < testCount; i++)
        {
            isTest[order[i]] = true;
        }

        var trainIndices = Enumerable.Range(0, all.Count).Where(i => !isTest[i]).ToArray();
        var testIndices = Enumerable.Range(0, all.Count).Where(i => isTest[i]).ToArray();
        string percent = (testFraction * 100).ToString("0.##", CultureInfo.InvariantCulture);
        string testName = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(all.Name)} held-out {percent} % (seed {seed})");
        return new Dataset(all.Select(trainIndices, all.Name + " (training part)"), all.Select(testIndices, all.Name + " (held-out part)"), testName, classNames);
    }
}
