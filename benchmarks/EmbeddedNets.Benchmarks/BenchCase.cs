using EmbeddedNets.Data;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Benchmarks;

/// <summary>
/// One model under test: the <c>.dcz</c> file the generated classes were built from (copied next
/// to the benchmark binary), its decoded form, and a fixed set of real MNIST test images,
/// preprocessed once with the file's recorded preprocessing. Real images matter: the sparse
/// kernels skip zero inputs, and background pixels are zero.
/// </summary>
internal sealed class BenchCase
{
    /// <summary>Images per case: the batch-64 input, and the images batch 1 cycles through.</summary>
    public const int ImageCount = 64;

    private static readonly Dictionary<string, BenchCase> s_cache = new(StringComparer.Ordinal);

    private BenchCase(string name, byte[] fileBytes, DczModel model, float[] inputs)
    {
        Name = name;
        FileBytes = fileBytes;
        Model = model;
        ModelShapes shapes = ModelShapes.Compute(model);
        InputLength = shapes.InputLength;
        OutputLength = shapes.OutputLength;
        Inputs = inputs;
        Nonzeros = model.Layers.Sum(l => l switch
        {
            DenseLayer d => (long)d.Weights.Count,
            Conv2dLayer c => c.Weights.Count,
            _ => 0L,
        });
        DenseWeights = model.Layers.Sum(l => l switch
        {
            DenseLayer d => (long)d.Weights.Length,
            Conv2dLayer c => c.Weights.Length,
            _ => 0L,
        });
    }

    /// <summary>The model names measured, as the files are called.</summary>
    public static IReadOnlyList<string> Names { get; } = ["lenet-300-100", "lenet-5"];

    public string Name { get; }

    public byte[] FileBytes { get; }

    public DczModel Model { get; }

    public int InputLength { get; }

    public int OutputLength { get; }

    /// <summary><see cref="ImageCount"/> preprocessed images, one after the other.</summary>
    public float[] Inputs { get; }

    /// <summary>Kept (nonzero) weights over all layers.</summary>
    public long Nonzeros { get; }

    /// <summary>Weight positions over all layers before pruning.</summary>
    public long DenseWeights { get; }

    public ReadOnlySpan<float> Input(int index) => Inputs.AsSpan(index * InputLength, InputLength);

    /// <summary>The case for <paramref name="name"/>, loaded once per process.</summary>
    public static BenchCase Get(string name)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(name, out BenchCase? c))
            {
                c = Load(name, BenchPaths.ModelFile(name), Mnist.LoadTest(BenchPaths.MnistDirectory()));
                s_cache.Add(name, c);
            }

            return c;
        }
    }

    /// <summary>Loads <paramref name="modelPath"/> and preprocesses the first <see cref="ImageCount"/> images of <paramref name="test"/>.</summary>
    public static BenchCase Load(string name, string modelPath, MnistSet test)
    {
        byte[] bytes = File.ReadAllBytes(modelPath);
        DczModel model = DczFile.Read(bytes);
        return FromModel(name, bytes, model, test);
    }

    public static BenchCase FromModel(string name, byte[] fileBytes, DczModel model, MnistSet test)
    {
        int inputLength = ModelShapes.Compute(model).InputLength;
        if (test.PixelsPerImage != inputLength)
        {
            throw new InvalidDataException($"{name}: the model takes {inputLength} inputs but MNIST images have {test.PixelsPerImage} pixels.");
        }

        if (test.Count < ImageCount)
        {
            throw new InvalidDataException($"The MNIST test set holds {test.Count} images; the benchmarks need {ImageCount}.");
        }

        var inputs = new float[ImageCount * inputLength];
        Preprocessing p = model.Info.Preprocessing;
        for (int i = 0; i < ImageCount; i++)
        {
            LayerKernels.Preprocess(test.GetImage(i), p.Scale, p.Mean.ToArray(), p.Std.ToArray(), inputLength / model.Info.InputShape[0], inputs.AsSpan(i * inputLength, inputLength));
        }

        return new BenchCase(name, fileBytes, model, inputs);
    }

    /// <summary>The reference outputs (double-precision <see cref="ReferenceInference"/>) of every image.</summary>
    public double[][] ReferenceOutputs()
    {
        var outputs = new double[ImageCount][];
        for (int i = 0; i < ImageCount; i++)
        {
            outputs[i] = ReferenceInference.Run(Model, Input(i));
        }

        return outputs;
    }
}

/// <summary>Where the benchmarks find their inputs.</summary>
internal static class BenchPaths
{
    /// <summary>Environment variable naming the MNIST folder (the IDX files, gzip or raw).</summary>
    public const string MnistVariable = "EMBEDDEDNETS_MNIST";

    public static string ModelFile(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "models", name + ".dcz");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Model '{name}' was not copied next to the benchmarks ({path}); rebuild the benchmarks project.", path);
    }

    /// <summary>
    /// <c>$EMBEDDEDNETS_MNIST</c>, else <c>../shared/data/mnist</c> beside the repository that
    /// holds the current directory.
    /// </summary>
    public static string MnistDirectory()
    {
        string? fromEnv = Environment.GetEnvironmentVariable(MnistVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        for (DirectoryInfo? d = new(Environment.CurrentDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "EmbeddedNets.sln")))
            {
                string candidate = Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "data", "mnist"));
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException($"No MNIST folder: set {MnistVariable} to a folder with the MNIST test files (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).");
    }
}
