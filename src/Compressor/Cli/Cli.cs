using System.Diagnostics;
using System.Globalization;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Reporting;
using EmbeddedNets.Data;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Compressor;

/// <summary>Command-line entry point of the dcz tool.</summary>
public static class Cli
{
    /// <summary>Exit code of a successful command.</summary>
    public const int Success = 0;

    /// <summary>Exit code when the command was understood but failed (bad data, I/O, training diverged).</summary>
    public const int Failure = 1;

    /// <summary>Exit code when the command line itself is wrong.</summary>
    public const int UsageError = 2;

    private const string Usage = """
        dcz — Deep Compression (pruning, trained quantization, Huffman coding) to .dcz files

        usage:
          dcz compress --model NAME --data DIR --out FILE.dcz [--seed N] [--config FILE.json]
                       [--report DIR] [--work DIR] [--threads N] [--no-resume]
              Train NAME on MNIST in DIR, prune, quantize, Huffman-code and write FILE.dcz with
              the accuracy of the written file (Runtime inference) and a report folder
              (default FILE.dcz.report/). Checkpoints go to FILE.dcz.work/ (or --work) and a
              matching one is resumed automatically. Models: lenet-300-100, lenet-5.
          dcz inspect FILE.dcz [--json]
              Per-layer table (paper Tables 2–3): weights, kept %, bits before and after
              Huffman coding, bytes, compression ratio, recorded accuracy.
          dcz eval FILE.dcz --data DIR
              Accuracy of FILE.dcz on the MNIST test set in DIR with the Runtime's C# inference.
          dcz download-mnist DIR
              Download the four MNIST files from the canonical mirrors and verify their SHA-256.
          dcz slice --data DIR --out DIR [--train N] [--test N]
              Write the first N training / test images of an MNIST folder as a smaller one.
          dcz help

        options:
          --verbose   print stack traces of failures
        exit codes: 0 success, 1 failure, 2 usage error
        """;

    /// <summary>Runs one command; returns the process exit code.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs one command writing to the given streams; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool verbose = args.Contains("--verbose", StringComparer.Ordinal);
        string[] rest = args.Where(a => a != "--verbose").ToArray();
        try
        {
            if (rest.Length == 0)
            {
                throw new UsageException("no command given");
            }

            var a = new Arguments(rest.Skip(1));
            switch (rest[0])
            {
                case "compress":
                    return Compress(a, stdout, args);
                case "inspect":
                    return Inspect(a, stdout);
                case "eval":
                    return Eval(a, stdout);
                case "download-mnist":
                    return DownloadMnist(a, stdout);
                case "slice":
                    return Slice(a, stdout);
                case "help" or "--help" or "-h":
                    stdout.Write(Usage);
                    return Success;
                default:
                    throw new UsageException($"unknown command '{rest[0]}'");
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine("dcz: " + e.Message);
            stderr.WriteLine("run 'dcz help' for usage");
            return UsageError;
        }
        catch (ConfigException e)
        {
            stderr.WriteLine("dcz: " + e.Message);
            return UsageError;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or InvalidOperationException or HttpRequestException or ArgumentException)
        {
            stderr.WriteLine("dcz: " + e.Message);
            if (verbose)
            {
                stderr.WriteLine(e.ToString());
            }

            return Failure;
        }
    }

    private static int Compress(Arguments a, TextWriter stdout, string[] original)
    {
        string modelName = a.Required("--model");
        string data = a.Required("--data");
        string output = a.Required("--out");
        string? configPath = a.Optional("--config");
        string? report = a.Optional("--report");
        string? work = a.Optional("--work");
        ulong seed = a.UInt64("--seed", 1);
        int threads = a.Int32("--threads", DefaultThreads, 1, 256);
        bool noResume = a.Flag("--no-resume");
        int? stopAfter = a.Optional("--stop-after-steps") is string s ? ParseInt(s, "--stop-after-steps", 0, int.MaxValue) : null;
        a.EnsureConsumed();

        ArchitectureSpec architecture = Architectures.Find(modelName)
            ?? throw new UsageException($"unknown model '{modelName}' (known: {string.Join(", ", Architectures.All.Select(m => m.Name))})");
        if (!output.EndsWith(".dcz", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--out '{output}' should end in .dcz");
        }

        string? configJson = null;
        if (configPath is not null)
        {
            if (!File.Exists(configPath))
            {
                throw new UsageException($"config file '{configPath}' does not exist");
            }

            configJson = File.ReadAllText(configPath);
        }

        CompressionConfig config = ConfigLoader.Load(architecture, configJson, configPath ?? "config");
        if (!Directory.Exists(data))
        {
            throw new UsageException($"--data folder '{data}' does not exist");
        }

        var options = new CompressionOptions
        {
            Architecture = architecture,
            Config = config,
            DataDirectory = data,
            OutputPath = output,
            ReportDirectory = report,
            WorkDirectory = work,
            Seed = seed,
            Threads = threads,
            Resume = !noResume,
            CommandLine = "dcz " + string.Join(' ', original.Select(Quote)),
            Log = stdout,
            LiveProgress = ReferenceEquals(stdout, Console.Out) && ProgressReporter.DefaultLive,
            StopAfterSteps = stopAfter,
        };
        CompressionPipeline.Run(options);
        return Success;
    }

    /// <summary>
    /// One thread: results depend on the thread count, so the default is fixed rather than the core
    /// count, and on a busy machine one thread is several times faster than two spinning OpenMP
    /// workers (17 s vs 75 s for the same short run here).
    /// </summary>
    private static int DefaultThreads => 1;

    private static int Inspect(Arguments a, TextWriter stdout)
    {
        string file = a.Positional("FILE.dcz");
        bool json = a.Flag("--json");
        a.EnsureConsumed();
        byte[] bytes = ReadModelFile(file);
        DczInspection inspection = DczFile.Inspect(bytes);
        var table = new InspectionTable(inspection);
        stdout.Write(json ? table.ToJson(file) + Environment.NewLine : table.ToText(file));
        return Success;
    }

    private static int Eval(Arguments a, TextWriter stdout)
    {
        string file = a.Positional("FILE.dcz");
        string data = a.Required("--data");
        a.EnsureConsumed();
        byte[] bytes = ReadModelFile(file);
        if (!Directory.Exists(data))
        {
            throw new UsageException($"--data folder '{data}' does not exist");
        }

        CompactModel model = CompactModel.Load(bytes);
        MnistSet test = Mnist.LoadTest(data);
        if (test.PixelsPerImage != model.InputLength)
        {
            throw new InvalidDataException($"{file} takes {model.InputLength} inputs but the images in {data} have {test.PixelsPerImage} pixels");
        }

        var clock = Stopwatch.StartNew();
        int correct = model.CountCorrect(test.Images, test.Labels, test.Count);
        double ms = clock.Elapsed.TotalMilliseconds;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{file}: {correct}/{test.Count} correct = {correct * 100.0 / test.Count:F2} % accuracy (error {(test.Count - correct) * 100.0 / test.Count:F2} %), {ms * 1000 / test.Count:F1} µs per image"));
        stdout.WriteLine(InspectionTable.AccuracyLine(model.Model.Info.Metrics));
        return Success;
    }

    private static int DownloadMnist(Arguments a, TextWriter stdout)
    {
        string directory = a.Positional("DIR");
        a.EnsureConsumed();
        using var downloader = new MnistDownloader(log: stdout);
        IReadOnlyList<MnistDownloadOutcome> outcomes = downloader.DownloadAsync(directory).GetAwaiter().GetResult();
        stdout.WriteLine($"{outcomes.Count} verified MNIST files in {Path.GetFullPath(directory)}");
        return Success;
    }

    private static int Slice(Arguments a, TextWriter stdout)
    {
        string source = a.Required("--data");
        string destination = a.Required("--out");
        int train = a.Int32("--train", 4000, 0, int.MaxValue);
        int test = a.Int32("--test", 1000, 0, int.MaxValue);
        a.EnsureConsumed();
        foreach (string path in MnistSlice.Write(source, destination, train, test))
        {
            stdout.WriteLine(path);
        }

        return Success;
    }

    private static byte[] ReadModelFile(string file)
    {
        if (!File.Exists(file))
        {
            throw new UsageException($"model file '{file}' does not exist");
        }

        byte[] bytes = File.ReadAllBytes(file);
        return bytes;
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:+,".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static int ParseInt(string value, string name, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name} must be an integer in {min}–{max} (got '{value}')");

    /// <summary>A simple option parser: <c>--name value</c>, <c>--flag</c> and positionals; everything must be consumed.</summary>
    private sealed class Arguments
    {
        private readonly List<string> _items;
        private readonly bool[] _used;

        public Arguments(IEnumerable<string> items)
        {
            _items = items.ToList();
            _used = new bool[_items.Count];
        }

        public string? Optional(string name)
        {
            string? value = null;
            for (int i = 0; i < _items.Count; i++)
            {
                if (_items[i] == name)
                {
                    if (value is not null)
                    {
                        throw new UsageException($"{name} given twice");
                    }

                    if (i + 1 >= _items.Count || _items[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"{name} needs a value");
                    }

                    _used[i] = _used[i + 1] = true;
                    value = _items[i + 1];
                }
            }

            return value;
        }

        public string Required(string name) => Optional(name) ?? throw new UsageException($"missing {name}");

        public bool Flag(string name)
        {
            bool found = false;
            for (int i = 0; i < _items.Count; i++)
            {
                if (_items[i] == name)
                {
                    _used[i] = true;
                    found = true;
                }
            }

            return found;
        }

        public int Int32(string name, int fallback, int min, int max) =>
            Optional(name) is string s ? ParseInt(s, name, min, max) : fallback;

        public ulong UInt64(string name, ulong fallback) =>
            Optional(name) is not string s
                ? fallback
                : ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v)
                    ? v
                    : throw new UsageException($"{name} must be a non-negative integer (got '{s}')");

        /// <summary>The first unused argument not starting with <c>--</c>.</summary>
        public string Positional(string what)
        {
            for (int i = 0; i < _items.Count; i++)
            {
                if (!_used[i] && !_items[i].StartsWith("--", StringComparison.Ordinal) && (i == 0 || !IsValueOf(i)))
                {
                    _used[i] = true;
                    return _items[i];
                }
            }

            throw new UsageException($"missing {what}");
        }

        public void EnsureConsumed()
        {
            for (int i = 0; i < _items.Count; i++)
            {
                if (!_used[i])
                {
                    throw new UsageException(_items[i].StartsWith("--", StringComparison.Ordinal)
                        ? $"unknown option '{_items[i]}'"
                        : $"unexpected argument '{_items[i]}'");
                }
            }
        }

        // A value that follows an option is not a positional, even before that option is parsed.
        private bool IsValueOf(int i) => _items[i - 1] is "--data" or "--out" or "--model" or "--config" or "--report" or "--work" or "--seed" or "--threads" or "--train" or "--test" or "--stop-after-steps";
    }
}

/// <summary>The command line is wrong; the message says how.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }
}
