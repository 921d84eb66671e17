using EmbeddedNets.Data;
namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// Writes the first images of each MNIST split as a smaller MNIST folder: the same four canonical
/// file names, IDX format, gzip-compressed with <see cref="DeterministicGzip"/>, so the same source
/// and counts give the same bytes. The test suite's slice (<c>tests/data/mnist-slice</c>) is made
/// this way.
/// </summary>
public static class MnistSlice
{
    /// <summary>
    /// Reads MNIST from <paramref name="sourceDirectory"/> and writes its first
    /// <paramref name="trainCount"/> training and <paramref name="testCount"/> test images and labels
    /// to <paramref name="destinationDirectory"/> (created if needed; each file written atomically).
    /// </summary>
    /// <returns>The paths written, in the order of <see cref="Mnist.FileNames"/>.</returns>
    public static IReadOnlyList<string> Write(string sourceDirectory, string destinationDirectory, int trainCount, int testCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationDirectory);
        MnistSet train = Mnist.LoadTrain(sourceDirectory);
        MnistSet test = Mnist.LoadTest(sourceDirectory);
        if (trainCount < 0 || trainCount > train.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, $"The training split has {train.Count} images.");
        }

        if (testCount < 0 || testCount > test.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(testCount), testCount, $"The test split has {test.Count} images.");
        }

        return Write(destinationDirectory, train.Take(trainCount), test.Take(testCount));
    }

    /// <summary>
    /// Writes <paramref name="train"/> and <paramref name="test"/> as the four MNIST files in
    /// <paramref name="destinationDirectory"/> (created if needed; each file written atomically).
    /// </summary>
    /// <returns>The paths written, in the order of <see cref="Mnist.FileNames"/>.</returns>
    public static IReadOnlyList<string> Write(string destinationDirectory, MnistSet train, MnistSet test)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationDirectory);
        Directory.CreateDirectory(destinationDirectory);
        var written = new List<string>(4);
        foreach ((string name, byte[] content) in Files(train, test))
        {
            string path = Path.Combine(destinationDirectory, name + ".gz");
            AtomicFile.WriteAllBytes(path, DeterministicGzip.Compress(content));
            written.Add(path);
        }

        return written;
    }

    /// <summary>The uncompressed IDX content of the four files for the given splits, with their canonical names.</summary>
    public static IEnumerable<(string Name, byte[] Content)> Files(MnistSet train, MnistSet test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        yield return (Mnist.TrainImagesFile, IdxWriter.Images(train.Rows, train.Cols, train.Images));
        yield return (Mnist.TrainLabelsFile, IdxWriter.Labels(train.Labels));
        yield return (Mnist.TestImagesFile, IdxWriter.Images(test.Rows, test.Cols, test.Images));
        yield return (Mnist.TestLabelsFile, IdxWriter.Labels(test.Labels));
    }
}
