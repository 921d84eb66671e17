using System.Globalization;
using EmbeddedNets.Data;

namespace EmbeddedNets.Compressor.Data;

/// <summary>The kinds of data dcz reads.</summary>
public enum DataKind
{
    /// <summary>A folder with the four MNIST IDX files (raw or gzip).</summary>
    Mnist,

    /// <summary>A CSV file with a header, numeric features and a label column.</summary>
    Csv,

    /// <summary>An .npz file or a folder of .npy files with arrays x and y.</summary>
    Numpy,

    /// <summary>A folder with one subfolder of PNG/JPEG images per class.</summary>
    ImageFolder,
}

/// <summary>Where the data is and how to read it.</summary>
public sealed class DataOptions
{
    /// <summary>The training data (or all data, when no test set is given): a file or a folder.</summary>
    public required string Path { get; init; }

    /// <summary>A separate test set of the same kind; null uses the data's own test split or holds out <see cref="TestFraction"/>.</summary>
    public string? TestPath { get; init; }

    /// <summary>CSV: the label column's name; null takes the last column.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>The fraction held out as the test set when the data has none, in (0, 1).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Seed of the held-out split.</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// The one entry point for data: recognises the kind of <see cref="DataOptions.Path"/>, reads it
/// with the matching loader, and finds the test set (a given test file, the data's own test split,
/// or a seeded held-out part).
/// </summary>
public static class DatasetLoader
{
    /// <summary>Recognises the kind of data at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">Nothing is at the path.</exception>
    /// <exception cref="NotSupportedException">The path is of no kind dcz reads.</exception>
    public static DataKind Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            return Path.GetExtension(path).ToUpperInvariant() switch
            {
                ".CSV" => DataKind.Csv,
                ".NPZ" => DataKind.Numpy,
                ".NPY" => throw new NotSupportedException($"{path}: give the folder holding x.npy and y.npy, or an .npz file with arrays x and y"),
                _ => throw new NotSupportedException($"{path}: dcz reads .csv and .npz files, and folders of MNIST IDX files, .npy files or class subfolders of images"),
            };
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"Data '{path}' does not exist.", path);
        }

        if (Mnist.FindFile(path, Mnist.TrainImagesFile) is not null || Mnist.FindFile(path, Mnist.TestImagesFile) is not null)
        {
            return DataKind.Mnist;
        }

        if (File.Exists(Path.Combine(path, "x.npy")))
        {
            return DataKind.Numpy;
        }

        if (Directory.GetDirectories(path).Length > 0)
        {
            return DataKind.ImageFolder;
        }

        throw new NotSupportedException($"{path}: the folder holds no MNIST IDX files ({Mnist.TrainImagesFile}.gz, …), no x.npy and no class subfolders of images; dcz reads those, .csv and .npz files");
    }

    /// <summary>Reads the training and test data for a model taking <paramref name="inputShape"/>.</summary>
    /// <exception cref="FileNotFoundException">A file or folder is missing.</exception>
    /// <exception cref="InvalidDataException">The data breaks a rule of its kind; the message names the file and the row or sample.</exception>
    /// <exception cref="NotSupportedException">The data is of a kind or type dcz does not read.</exception>
    public static Dataset Load(DataOptions options, int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inputShape);
        DataKind kind = Detect(options.Path);
        if (options.TestPath is not null && Detect(options.TestPath) != kind)
        {
            throw new InvalidDataException($"{options.TestPath}: the test data is {Detect(options.TestPath)} but the training data ({options.Path}) is {kind}");
        }

        switch (kind)
        {
            case DataKind.Mnist:
                if (options.TestPath is not null)
                {
                    throw new NotSupportedException($"{options.Path}: an MNIST folder holds its own test split; --test is not used with it");
                }

                return LoadMnist(options.Path);
            case DataKind.Csv:
            {
                (LabelledSet train, LabelledSet? test, string[]? names) = CsvData.Load(options.Path, options.TestPath, options.LabelColumn);
                return WithTest(train, test, names, options);
            }

            case DataKind.Numpy:
            {
                (LabelledSet train, LabelledSet? ownTest) = NumpyData.Load(options.Path);
                LabelledSet? test = ownTest;
                if (options.TestPath is not null)
                {
                    (LabelledSet given, LabelledSet? _) = NumpyData.Load(options.TestPath);
                    test = given;
                }

                return WithTest(train, test, null, options);
            }

            case DataKind.ImageFolder:
            {
                (int channels, int height, int width) = ImageShape(inputShape, options.Path);
                string[] classes = ImageFolderData.Classes(options.Path);
                LabelledSet train = ImageFolderData.Load(options.Path, classes, channels, height, width);
                LabelledSet? test = options.TestPath is null ? null : ImageFolderData.Load(options.TestPath, classes, channels, height, width);
                return WithTest(train, test, classes, options);
            }

            default:
                throw new InvalidOperationException("unhandled data kind " + kind);
        }
    }

    /// <summary>MNIST from a folder of the four IDX files: its training split and its test split (named <c>mnist-test</c>).</summary>
    public static Dataset LoadMnist(string directory)
    {
        MnistDataset data = Mnist.Load(directory);
        return new Dataset(
            LabelledSet.FromMnist(data.Train, Path.Combine(directory, "train-images")),
            LabelledSet.FromMnist(data.Test, Path.Combine(directory, "t10k-images")),
            "mnist-test");
    }

    private static Dataset WithTest(LabelledSet train, LabelledSet? test, string[]? names, DataOptions options) =>
        test is null
            ? Dataset.HoldOut(train, options.TestFraction, options.Seed, names)
            : new Dataset(train, test, Path.GetFileName(test.Name.TrimEnd('/', '\\')), names);

    /// <summary>The image size an image folder is resized to: the model's [channels, height, width], or a square grey image for a flat input of k² features.</summary>
    private static (int Channels, int Height, int Width) ImageShape(int[] inputShape, string path)
    {
        if (inputShape.Length == 3 && inputShape[0] is 1 or 3)
        {
            return (inputShape[0], inputShape[1], inputShape[2]);
        }

        if (inputShape.Length == 1)
        {
            int side = (int)Math.Round(Math.Sqrt(inputShape[0]));
            if (side * side == inputShape[0])
            {
                return (1, side, side);
            }
        }

        throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture,
            $"{path}: images need a model input of [1 or 3 channels, height, width] (or k × k features, read as a grey k × k image); the model takes {LabelledSet.Shape(inputShape)}"));
    }
}
