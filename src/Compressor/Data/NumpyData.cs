using System.Globalization;
using System.IO.Compression;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// Reads NumPy datasets: an <c>.npz</c> file (a zip of <c>.npy</c> arrays, as <c>numpy.savez</c>
/// and <c>numpy.savez_compressed</c> write them) or a folder of <c>.npy</c> files, holding the
/// arrays <c>x</c> (samples) and <c>y</c> (labels), and optionally <c>x_test</c> and
/// <c>y_test</c>. <c>x</c> is <c>[n, features]</c>, <c>[n, height, width]</c> (one channel) or
/// <c>[n, channels, height, width]</c>; <c>y</c> is <c>[n]</c> (or <c>[n, 1]</c>) of class
/// indices, integers or integral floats.
/// </summary>
public static class NumpyData
{
    /// <summary>Largest .npz entry read, uncompressed.</summary>
    public const long MaxEntryBytes = 2L << 30;

    /// <summary>Loads the arrays from an .npz file or a folder of .npy files.</summary>
    /// <returns>The training set and, when the source holds <c>x_test</c> and <c>y_test</c>, the test set.</returns>
    /// <exception cref="FileNotFoundException">The file, the folder or a required array is missing.</exception>
    /// <exception cref="InvalidDataException">An array is corrupt, or shapes and labels do not fit together.</exception>
    /// <exception cref="NotSupportedException">An array has a type or layout dcz does not read.</exception>
    public static (LabelledSet Train, LabelledSet? Test) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Dictionary<string, Func<NpyArray>> arrays = Directory.Exists(path) ? FolderArrays(path) : ArchiveArrays(path);
        foreach (string required in new[] { "x", "y" })
        {
            if (!arrays.ContainsKey(required))
            {
                string present = arrays.Count == 0 ? "none" : string.Join(", ", arrays.Keys.Order(StringComparer.Ordinal));
                throw new FileNotFoundException($"{path}: no array '{required}' (arrays found: {present}); dcz reads samples from 'x' and labels from 'y' (e.g. numpy.savez(file, x=samples, y=labels))", path);
            }
        }

        LabelledSet train = Pair(arrays["x"](), arrays["y"]());
        bool hasTestX = arrays.ContainsKey("x_test"), hasTestY = arrays.ContainsKey("y_test");
        if (hasTestX != hasTestY)
        {
            throw new InvalidDataException($"{path}: has '{(hasTestX ? "x_test" : "y_test")}' without '{(hasTestX ? "y_test" : "x_test")}'; give both or neither");
        }

        LabelledSet? test = hasTestX ? Pair(arrays["x_test"](), arrays["y_test"]()) : null;
        return (train, test);
    }

    /// <summary>Makes a labelled set from a samples array and a labels array.</summary>
    /// <exception cref="InvalidDataException">The shapes do not fit together, or a label is not a class index.</exception>
    public static LabelledSet Pair(NpyArray x, NpyArray y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int[] sampleShape = x.Shape.Length switch
        {
            2 => [x.Shape[1]],
            3 => [1, x.Shape[1], x.Shape[2]],
            4 => [x.Shape[1], x.Shape[2], x.Shape[3]],
            _ => throw new InvalidDataException($"{x.Name}: shape {LabelledSet.Shape(x.Shape)}; dcz reads samples of shape [n, features], [n, height, width] or [n, channels, height, width]"),
        };
        if (sampleShape.Any(d => d < 1))
        {
            throw new InvalidDataException($"{x.Name}: shape {LabelledSet.Shape(x.Shape)} has an empty dimension");
        }

        int n = x.Shape[0];
        bool labelShapeOk = (y.Shape.Length == 1) || (y.Shape.Length == 2 && y.Shape[1] == 1);
        if (!labelShapeOk)
        {
            throw new InvalidDataException($"{y.Name}: shape {LabelledSet.Shape(y.Shape)}; labels are one class index per sample, shape [n]");
        }

        if (y.Shape[0] != n)
        {
            throw new InvalidDataException($"{y.Name}: {y.Shape[0]} labels but {x.Name} holds {n} samples");
        }

        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            double v = y.Values[i];
            if (!(v >= 0 && v <= ClassLabels.MaxClassIndex && Math.Floor(v) == v))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{y.Name}: label {i} is {v}, not a class index (an integer 0–{ClassLabels.MaxClassIndex})"));
            }

            labels[i] = (int)v;
        }

        var values = new float[x.Values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = x.Values[i];
            if (!double.IsFinite(v))
            {
                int sampleLength = x.Values.Length / Math.Max(1, n);
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{x.Name}: sample {i / sampleLength}, value {i % sampleLength} is {v}, not a finite number"));
            }

            values[i] = (float)v;
        }

        return new LabelledSet(x.Name, sampleShape, values, labels);
    }

    private static Dictionary<string, Func<NpyArray>> FolderArrays(string folder)
    {
        var arrays = new Dictionary<string, Func<NpyArray>>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(folder, "*.npy"))
        {
            arrays[Path.GetFileNameWithoutExtension(file)] = () => NpyReader.Read(file);
        }

        return arrays;
    }

    private static Dictionary<string, Func<NpyArray>> ArchiveArrays(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"NumPy file '{path}' does not exist.", path);
        }

        byte[] zip = File.ReadAllBytes(path);
        var arrays = new Dictionary<string, Func<NpyArray>>(StringComparer.Ordinal);
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                {
                    continue;
                }

                string key = entry.FullName[..^4];
                string entryName = entry.FullName;
                arrays[key] = () => ReadEntry(zip, path, entryName);
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not an .npz (zip) file: {e.Message}", e);
        }

        return arrays;
    }

    private static NpyArray ReadEntry(byte[] zip, string path, string entryName)
    {
        string name = $"{path}:{entryName[..^4]}";
        byte[] bytes;
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
            ZipArchiveEntry entry = archive.GetEntry(entryName)!;
            if (entry.Length > MaxEntryBytes)
            {
                throw new NotSupportedException($"{name}: {entry.Length:N0} bytes uncompressed; dcz reads arrays up to {MaxEntryBytes:N0} bytes");
            }

            using Stream stream = entry.Open();
            bytes = new byte[entry.Length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"{name}: the zip entry cannot be read: {e.Message}", e);
        }

        return NpyReader.Read(bytes, name);
    }
}
