namespace EmbeddedNets.Data;

/// <summary>
/// Loads MNIST from a folder holding the four canonical IDX files, each raw or gzip-compressed
/// (<c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>,
/// <c>t10k-images-idx3-ubyte[.gz]</c>, <c>t10k-labels-idx1-ubyte[.gz]</c>; the dotted variant
/// <c>train-images.idx3-ubyte</c> some redistributions use is accepted too).
/// </summary>
public static class Mnist
{
    /// <summary>Canonical name (uncompressed) of the training images file.</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";

    /// <summary>Canonical name (uncompressed) of the training labels file.</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";

    /// <summary>Canonical name (uncompressed) of the test images file.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";

    /// <summary>Canonical name (uncompressed) of the test labels file.</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    /// <summary>The four canonical names (uncompressed) in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    /// <summary>Loads the training and test splits from <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the names looked for.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, or images and labels disagree.</exception>
    public static MnistDataset Load(string directory) => new(LoadTrain(directory), LoadTest(directory));

    /// <summary>Loads only the training split (60,000 images in MNIST).</summary>
    public static MnistSet LoadTrain(string directory) =>
        LoadSplit(directory, TrainImagesFile, TrainLabelsFile, "training");

    /// <summary>
    /// Loads only the test split (10,000 images in MNIST); the folder may lack the training files,
    /// which is all that evaluating a model needs.
    /// </summary>
    public static MnistSet LoadTest(string directory) =>
        LoadSplit(directory, TestImagesFile, TestLabelsFile, "test");

    /// <summary>Loads one split from an images file and a labels file and checks that their counts agree.</summary>
    /// <exception cref="InvalidDataException">A file is corrupt, or the counts disagree.</exception>
    public static MnistSet LoadSet(string imagesPath, string labelsPath)
    {
        IdxImages images = IdxReader.ReadImages(imagesPath);
        byte[] labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Length)
        {
            throw new InvalidDataException(
                $"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Length} labels; they must be the same split.");
        }

        return new MnistSet(images.Pixels, labels, images.Rows, images.Cols);
    }

    /// <summary>
    /// The names under which <paramref name="canonicalName"/> is looked for, in order of preference:
    /// gzip first (the canonical download), then raw, then the dotted variants.
    /// </summary>
    public static IReadOnlyList<string> CandidateNames(string canonicalName)
    {
        ArgumentException.ThrowIfNullOrEmpty(canonicalName);
        // "train-images-idx3-ubyte" → "train-images.idx3-ubyte".
        int dash = canonicalName.LastIndexOf("-idx", StringComparison.Ordinal);
        string dotted = dash < 0 ? canonicalName : string.Concat(canonicalName.AsSpan(0, dash), ".", canonicalName.AsSpan(dash + 1));
        return dotted == canonicalName
            ? [canonicalName + ".gz", canonicalName]
            : [canonicalName + ".gz", canonicalName, dotted + ".gz", dotted];
    }

    /// <summary>The path of the first candidate name of <paramref name="canonicalName"/> present in <paramref name="directory"/>, or null.</summary>
    public static string? FindFile(string directory, string canonicalName)
    {
        foreach (string name in CandidateNames(canonicalName))
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static MnistSet LoadSplit(string directory, string imagesName, string labelsName, string split)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"MNIST folder '{full}' does not exist.");
        }

        string images = Require(full, imagesName, $"{split} images");
        string labels = Require(full, labelsName, $"{split} labels");
        return LoadSet(images, labels);
    }

    private static string Require(string directory, string canonicalName, string what) =>
        FindFile(directory, canonicalName) ?? throw new FileNotFoundException(
            $"MNIST folder '{directory}' has no {what}: looked for {string.Join(", ", CandidateNames(canonicalName))}. " +
            "The four files are the standard MNIST distribution; `dcz download-mnist DIR` fetches and verifies them.",
            Path.Combine(directory, canonicalName + ".gz"));
}
