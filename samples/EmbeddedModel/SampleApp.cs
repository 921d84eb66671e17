using System.Diagnostics;
using System.Globalization;
using System.Text;
using EmbeddedNets.Data;
using EmbeddedNets.Inference;

namespace EmbeddedModel;

/// <summary>Maps raw pixels to model inputs with the model's recorded preprocessing.</summary>
internal delegate void PreprocessFn(ReadOnlySpan<byte> pixels, Span<float> input);

/// <summary>Runs a model: input → scores.</summary>
internal delegate void ScoresFn(ReadOnlySpan<float> input, Span<float> scores);

/// <summary>Runs a model on raw pixels: → predicted class.</summary>
internal delegate int ClassifyFn(ReadOnlySpan<byte> pixels);

/// <summary>One generated model class, seen through the members the sample uses.</summary>
internal sealed record EmbeddedClassifier(
    string Name,
    int InputLength,
    int OutputLength,
    long DenseBytes,
    long PayloadBytes,
    long EmbeddedBytes,
    int RecordedCorrect,
    int RecordedTestCount,
    bool ScoresAreProbabilities,
    PreprocessFn Preprocess,
    ScoresFn Scores,
    ClassifyFn Classify);

internal static class SampleApp
{
    private const string Usage = """
        Usage: EmbeddedModel [--data DIR]

          (no arguments)  classify ten MNIST digits embedded in this program with each embedded model,
                          and print each model's size and speed.
          --data DIR      run all MNIST test images in DIR (t10k-images-idx3-ubyte and
                          t10k-labels-idx1-ubyte, raw or .gz) through each model and print its accuracy.
        """;

    public static int Run(string[] args, IReadOnlyList<EmbeddedClassifier> models, TextWriter output, TextWriter error)
    {
        if (args.Length == 0)
        {
            ShowDigits(models, output);
            ShowFacts(models, output);
            return 0;
        }

        if (args.Length == 1 && args[0] is "--help" or "-h")
        {
            output.WriteLine(Usage);
            return 0;
        }

        if (args.Length == 2 && args[0] == "--data")
        {
            try
            {
                return Evaluate(models, args[1], output, error);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
            {
                error.WriteLine("error: " + e.Message);
                return 1;
            }
        }

        error.WriteLine("error: unexpected arguments: " + string.Join(' ', args));
        error.WriteLine(Usage);
        return 2;
    }

    private static void ShowDigits(IReadOnlyList<EmbeddedClassifier> models, TextWriter output)
    {
        int pixels = SampleDigits.Side * SampleDigits.Side;
        var input = new float[pixels];
        output.WriteLine("Ten MNIST test digits, classified by the models compiled into this program:");
        output.WriteLine();
        for (int d = 0; d < SampleDigits.Count; d++)
        {
            ReadOnlySpan<byte> image = SampleDigits.Pixels.Slice(d * pixels, pixels);
            string[] art = TextArt(image);
            var lines = new List<string>
            {
                string.Create(CultureInfo.InvariantCulture, $"test image #{SampleDigits.TestIndex[d]}, true label {SampleDigits.Labels[d]}"),
            };
            foreach (EmbeddedClassifier model in models)
            {
                var scores = new float[model.OutputLength];
                model.Preprocess(image, input);
                model.Scores(input, scores);
                if (!model.ScoresAreProbabilities)
                {
                    SparseKernels.Softmax(scores);
                }

                int predicted = SparseKernels.ArgMax(scores);
                string mark = predicted == SampleDigits.Labels[d] ? "✓" : "✗";
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{model.Name,-12} → {predicted}  ({scores[predicted] * 100,6:F2} % sure) {mark}"));
            }

            for (int row = 0; row < art.Length; row++)
            {
                int text = row - ((art.Length - lines.Count) / 2);
                output.WriteLine(text >= 0 && text < lines.Count ? art[row] + "   " + lines[text] : art[row]);
            }

            output.WriteLine();
        }
    }

    private static void ShowFacts(IReadOnlyList<EmbeddedClassifier> models, TextWriter output)
    {
        output.WriteLine("model         dense float32   compressed (.dcz)   ratio   added to assembly   recorded accuracy   median Predict");
        foreach (EmbeddedClassifier model in models)
        {
            double median = MedianPredictMicroseconds(model);
            string accuracy = model.RecordedTestCount == 0
                ? "n/a"
                : string.Create(CultureInfo.InvariantCulture, $"{100.0 * model.RecordedCorrect / model.RecordedTestCount:F2} %");
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{model.Name,-12} {model.DenseBytes,11:N0} B {model.PayloadBytes,15:N0} B {(double)model.DenseBytes / model.PayloadBytes,6:F1}× {model.EmbeddedBytes,15:N0} B {accuracy,19} {median,12:F2} µs"));
        }

        output.WriteLine();
        output.WriteLine("Median of 2,000 single-image calls per model after 0.5 s of warm-up (raw pixels in, class out), on this machine.");
        output.WriteLine("Kernel path: " + KernelPaths.Describe() + ".");
    }

    private static double MedianPredictMicroseconds(EmbeddedClassifier model)
    {
        int pixels = SampleDigits.Side * SampleDigits.Side;
        const int calls = 2000;
        var ticks = new long[calls];
        int sink = 0;
        // Warm up for half a second first: the JIT compiles methods quickly at first and replaces
        // them with optimized code only after they have run for a while (tiered compilation).
        long warmUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 2);
        for (int i = 0; Stopwatch.GetTimestamp() < warmUntil; i++)
        {
            sink += model.Classify(SampleDigits.Pixels.Slice(i % SampleDigits.Count * pixels, pixels));
        }

        for (int i = 0; i < calls; i++)
        {
            ReadOnlySpan<byte> image = SampleDigits.Pixels.Slice(i % SampleDigits.Count * pixels, pixels);
            long start = Stopwatch.GetTimestamp();
            sink += model.Classify(image);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        GC.KeepAlive(sink);
        Array.Sort(ticks);
        return ticks[calls / 2] * 1e6 / Stopwatch.Frequency;
    }

    private static int Evaluate(IReadOnlyList<EmbeddedClassifier> models, string directory, TextWriter output, TextWriter error)
    {
        if (!Directory.Exists(directory))
        {
            error.WriteLine($"error: data folder '{directory}' does not exist.");
            return 2;
        }

        MnistSet test = Mnist.LoadTest(directory);
        foreach (EmbeddedClassifier model in models)
        {
            if (model.InputLength != test.PixelsPerImage)
            {
                error.WriteLine($"error: {model.Name} takes {model.InputLength} inputs but the images in '{directory}' have {test.PixelsPerImage} pixels.");
                return 1;
            }

            int correct = 0;
            for (int i = 0; i < test.Count; i++)
            {
                if (model.Classify(test.GetImage(i)) == test.Labels[i])
                {
                    correct++;
                }
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model.Name} test accuracy: {100.0 * correct / test.Count:F2}% ({correct}/{test.Count})"));
        }

        return 0;
    }

    /// <summary>28 rows of 28 pixels drawn as 14 lines of 28 characters (two pixel rows per line).</summary>
    private static string[] TextArt(ReadOnlySpan<byte> image)
    {
        const string ramp = " .:-=+*#%@";
        var lines = new string[SampleDigits.Side / 2];
        var line = new StringBuilder(SampleDigits.Side);
        for (int y = 0; y < lines.Length; y++)
        {
            line.Clear();
            for (int x = 0; x < SampleDigits.Side; x++)
            {
                int value = (image[(2 * y * SampleDigits.Side) + x] + image[(((2 * y) + 1) * SampleDigits.Side) + x]) / 2;
                line.Append(ramp[value * (ramp.Length - 1) / 255]);
            }

            lines[y] = line.ToString();
        }

        return lines;
    }
}
