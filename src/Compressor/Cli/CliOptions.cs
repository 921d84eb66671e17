using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

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
