using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using EmbeddedNets.Compressor.Data;

namespace EmbeddedNets.Compressor;

/// <summary>
/// Options and arguments several commands share, built the same way everywhere (names, help
/// text, validation messages). A command creates its own instances, so each has its own parse state.
/// </summary>
internal static class CliOptions
{
    /// <summary><c>--data DIR</c>: a folder of MNIST IDX files.</summary>
    public static Option<string> Data(string description) => new("--data")
    {
        Description = description,
        HelpName = "DIR",
        Required = true,
    };

    /// <summary><c>--data PATH</c>: any data dcz reads (MNIST folder, .csv, .npz or .npy folder, image folder).</summary>
    public static Option<string> AnyData(string description, bool required = true) => new("--data")
    {
        Description = description + ": a folder of MNIST IDX files, a .csv (header row, numeric features, a label column), an .npz (arrays x, y, optionally x_test, y_test) or a folder of such .npy files, or a folder of class subfolders of PNG/JPEG images",
        HelpName = "PATH",
        Required = required,
    };

    /// <summary>The options that say how to read <c>--data</c>; <see cref="DataOptions"/> reads them back.</summary>
    public sealed class DataSelection
    {
        public Option<string?> Test { get; } = new("--test")
        {
            Description = "a separate test set of the same kind as --data (default: the data's own test split, else a seeded held-out part)",
            HelpName = "PATH",
        };

        public Option<string?> LabelColumn { get; } = new("--label-column")
        {
            Description = "CSV: the label column's name (default: the last column)",
            HelpName = "NAME",
        };

        public Option<double> TestFraction { get; } = new("--test-fraction")
        {
            Description = "the part held out as the test set when the data has none (default 0.2)",
            HelpName = "F",
            DefaultValueFactory = _ => 0.2,
            CustomParser = r => ParseFraction(r, "--test-fraction"),
        };

        public void AddTo(Command command)
        {
            command.Add(Test);
            command.Add(LabelColumn);
            command.Add(TestFraction);
        }

        /// <summary>The data options of a parsed command line; a missing path is a usage error naming the option.</summary>
        public DataOptions Read(ParseResult parse, string path, ulong seed)
        {
            string? test = parse.GetValue(Test);
            foreach ((string option, string? value) in new[] { ("--data", path), ("--test", test) })
            {
                if (value is not null && !System.IO.File.Exists(value) && !Directory.Exists(value))
                {
                    throw new UsageException($"{option} '{value}' does not exist (give a data folder or file)");
                }
            }

            return new DataOptions
            {
                Path = path,
                TestPath = test,
                LabelColumn = parse.GetValue(LabelColumn),
                TestFraction = parse.GetValue(TestFraction),
                Seed = seed,
            };
        }
    }

    /// <summary><c>--scale</c>, <c>--mean</c>, <c>--std</c>: how raw inputs become the network's input.</summary>
    public sealed class PreprocessingSelection
    {
        public Option<string?> Scale { get; } = new("--scale")
        {
            Description = "multiply raw inputs by this first, e.g. 1/255 for 0–255 pixels (default 1)",
            HelpName = "S",
        };

        public Option<string?> Mean { get; } = new("--mean")
        {
            Description = "then subtract: one value, or one per input channel separated by commas (default 0)",
            HelpName = "M[,M…]",
        };

        public Option<string?> Std { get; } = new("--std")
        {
            Description = "then divide: one value, or one per input channel (default 1)",
            HelpName = "S[,S…]",
        };

        public void AddTo(Command command)
        {
            command.Add(Scale);
            command.Add(Mean);
            command.Add(Std);
        }

        /// <summary>The preprocessing given, or null when none of the three options is; a bad value is a usage error.</summary>
        public InputPreprocessing? Read(ParseResult parse)
        {
            string? scale = parse.GetValue(Scale), mean = parse.GetValue(Mean), std = parse.GetValue(Std);
            if (scale is null && mean is null && std is null)
            {
                return null;
            }

            try
            {
                return InputPreprocessing.Parse(scale, mean, std);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message.Split(" (Parameter", 2)[0]);
            }
        }
    }

    /// <summary><c>--config FILE.json</c>: settings merged over the model's defaults.</summary>
    public static Option<string?> Config() => new("--config")
    {
        Description = "JSON file of settings that override the model's defaults (objects merge key by key; the effective settings are in the report's summary.json)",
        HelpName = "FILE.json",
    };

    /// <summary><c>--seed N</c>: the run's seed (default 1).</summary>
    public static Option<ulong> Seed() => new("--seed")
    {
        Description = "seed of weight initialisation, shuffles and k-means (same seed, data, settings and thread count give the same bytes)",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
        CustomParser = r => ParseUInt64(r, "--seed"),
    };

    /// <summary>The <c>FILE.dcz</c> positional argument.</summary>
    public static Argument<string> ModelFile(string description) => new("FILE.dcz")
    {
        Description = description,
    };

    /// <summary>An integer option accepting <paramref name="min"/>–<paramref name="max"/>.</summary>
    public static Option<int> Int32(string name, string helpName, int min, int max, int fallback, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => fallback,
        CustomParser = r => ParseInt32(r, name, min, max),
    };

    /// <summary>An optional integer option (null when absent) accepting <paramref name="min"/>–<paramref name="max"/>.</summary>
    public static Option<int?> OptionalInt32(string name, string helpName, int min, int max, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r => ParseInt32(r, name, min, max),
    };

    /// <summary>An optional number option (null when absent) accepting <paramref name="min"/>–<paramref name="max"/> (exclusive of <paramref name="min"/> when it is 0).</summary>
    public static Option<double?> OptionalDouble(string name, string helpName, double min, double max, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r =>
        {
            string text = SingleToken(r);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v <= max && (min == 0 ? v > 0 : v >= min))
            {
                return v;
            }

            r.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be a number {(min == 0 ? "above 0" : $"from {min}")} up to {max} (got '{text}')"));
            return null;
        },
    };

    /// <summary>Integer parse with a message that names the option and the range, never a .NET type.</summary>
    public static int ParseInt32(ArgumentResult result, string name, int min, int max)
    {
        string text = SingleToken(result);
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max)
        {
            return n;
        }

        result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be an integer in {min}–{max} (got '{text}')"));
        return default;
    }

    /// <summary>A finite number ≥ 0, with a message that names the option.</summary>
    public static double? ParseNonNegative(ArgumentResult result, string name)
    {
        string text = SingleToken(result);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v))
        {
            return v;
        }

        result.AddError($"{name} must be a number ≥ 0 (got '{text}')");
        return default;
    }

    private static double ParseFraction(ArgumentResult result, string name)
    {
        string text = SingleToken(result);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && f > 0 && f < 1)
        {
            return f;
        }

        result.AddError($"{name} must be a number between 0 and 1 (got '{text}')");
        return default;
    }

    private static ulong ParseUInt64(ArgumentResult result, string name)
    {
        string text = SingleToken(result);
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
        {
            return n;
        }

        result.AddError($"{name} must be a non-negative integer (got '{text}')");
        return default;
    }

    private static string SingleToken(ArgumentResult result) =>
        result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
}
