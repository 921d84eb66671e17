using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmbeddedNets.Compressor.Models;

namespace EmbeddedNets.Compressor.Pipeline;

/// <summary>Builds the effective configuration: defaults for the model, overridden by a JSON file.</summary>
public static class ConfigLoader
{
    /// <summary>Largest accepted <see cref="TrainingStageConfig.ShiftPixels"/>: beyond it, much of a 28-pixel MNIST digit leaves the frame.</summary>
    public const int MaxShiftPixels = 8;

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Serialises a configuration as indented JSON (the "effective config" printout and the run record).</summary>
    public static string ToJson(CompressionConfig config) => JsonSerializer.Serialize(config, s_options);

    /// <summary>
    /// The defaults for <paramref name="architecture"/>, with <paramref name="overrideJson"/>
    /// (may be null) merged over them, validated against the architecture.
    /// </summary>
    /// <exception cref="ConfigException">The override is not valid JSON, names an unknown setting or layer, or a value is out of range.</exception>
    public static CompressionConfig Load(ArchitectureSpec architecture, string? overrideJson, string source = "config")
    {
        CompressionConfig defaults = DefaultConfigs.For(architecture);
        CompressionConfig config = defaults;
        if (overrideJson is not null)
        {
            JsonNode? user;
            try
            {
                user = JsonNode.Parse(overrideJson, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (JsonException e)
            {
                throw new ConfigException($"{source}: not valid JSON: {e.Message}");
            }

            if (user is not JsonObject userObject)
            {
                throw new ConfigException($"{source}: the top level must be a JSON object");
            }

            // Types first, against the settings classes themselves: a null or a string where a
            // number goes is reported with the key and the expected kind, never as a
            // NullReferenceException or a .NET type name from the serializer.
            var shapeErrors = new List<string>();
            CheckShape(userObject, typeof(CompressionConfig), string.Empty, shapeErrors);
            if (shapeErrors.Count > 0)
            {
                throw new ConfigException($"{source}: " + string.Join("; ", shapeErrors));
            }

            JsonNode merged = JsonSerializer.SerializeToNode(defaults, s_options)!;
            Merge((JsonObject)merged, userObject, string.Empty, replaceMaps: false);
            try
            {
                config = merged.Deserialize<CompressionConfig>(s_options)
                    ?? throw new ConfigException($"{source}: empty configuration");
            }
            catch (JsonException e)
            {
                throw new ConfigException($"{source}: {Describe(e)}");
            }
        }

        Validate(config, architecture, source);
        return config;
    }

    /// <summary>
    /// Checks that <paramref name="node"/> has the JSON kind <paramref name="type"/> is read from
    /// (objects by their settable properties, maps by their value type), adding one message per
    /// misfit: the key's path, what it must be, and what it is.
    /// </summary>
    private static void CheckShape(JsonNode? node, Type type, string path, List<string> errors)
    {
        string? what = null;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            Type valueType = type.GetGenericArguments()[1];
            if (node is JsonObject map)
            {
                foreach ((string key, JsonNode? value) in map)
                {
                    CheckShape(value, valueType, Join(path, key), errors);
                }

                return;
            }

            what = $"an object of layer names to {Plural(valueType)}";
        }
        else if (type == typeof(int))
        {
            what = node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int _) ? null : "an integer";
        }
        else if (type == typeof(double))
        {
            what = node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? null : "a number";
        }
        else if (type == typeof(bool))
        {
            what = node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? null : "true or false";
        }
        else if (type.IsEnum)
        {
            string[] names = Enum.GetNames(type);
            bool known = node is JsonValue v && v.GetValueKind() == JsonValueKind.String && names.Contains(v.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            what = known ? null : "one of " + string.Join(", ", names.Select(n => "\"" + n + "\""));
        }
        else if (type.IsClass && type != typeof(string))
        {
            if (node is JsonObject obj)
            {
                Dictionary<string, Type> settings = Settings(type);
                foreach ((string key, JsonNode? value) in obj)
                {
                    if (settings.TryGetValue(key, out Type? settingType))
                    {
                        CheckShape(value, settingType, Join(path, key), errors);
                    }
                    else
                    {
                        errors.Add($"unknown setting '{Join(path, key)}' (known: {string.Join(", ", settings.Keys)})");
                    }
                }

                return;
            }

            what = "an object";
        }

        if (what is not null)
        {
            errors.Add($"{path} must be {what} (is {node?.ToJsonString() ?? "null"})");
        }
    }

    /// <summary>The JSON names and types of a settings class's settable properties, declared ones first.</summary>
    private static Dictionary<string, Type> Settings(Type type)
    {
        var settings = new Dictionary<string, Type>(StringComparer.Ordinal);
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (System.Reflection.PropertyInfo p in t.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly))
            {
                if (p.SetMethod is { IsPublic: true })
                {
                    settings.TryAdd(JsonNamingPolicy.CamelCase.ConvertName(p.Name), p.PropertyType);
                }
            }
        }

        return settings;
    }

    private static string Plural(Type type) =>
        type == typeof(int) ? "integers" : type == typeof(double) ? "numbers" : "values";

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static void Merge(JsonObject target, JsonObject source, string path, bool replaceMaps)
    {
        foreach ((string key, JsonNode? value) in source.ToList())
        {
            string here = path.Length == 0 ? key : path + "." + key;
            if (value is JsonObject sourceChild && target[key] is JsonObject targetChild)
            {
                Merge(targetChild, sourceChild, here, replaceMaps);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static string Describe(JsonException e)
    {
        string path = string.IsNullOrEmpty(e.Path) ? string.Empty : " at " + e.Path.TrimStart('$', '.');
        string message = e.Message;
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        return message + path;
    }

    private static void Validate(CompressionConfig c, ArchitectureSpec architecture, string source)
    {
        var errors = new List<string>();
        var layers = architecture.WeightedNodes.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        void Stage(TrainingStageConfig s, string name)
        {
            Check(s.Epochs >= 0, $"{name}.epochs must be ≥ 0 (is {s.Epochs})");
            Check(s.LearningRate > 0 && double.IsFinite(s.LearningRate), $"{name}.learningRate must be > 0 (is {F(s.LearningRate)})");
            Check(s.MinLearningRateFraction is >= 0 and <= 1, $"{name}.minLearningRateFraction must be in [0, 1] (is {F(s.MinLearningRateFraction)})");
            Check(s.Momentum is >= 0 and < 1, $"{name}.momentum must be in [0, 1) (is {F(s.Momentum)})");
            Check(s.WeightDecay >= 0 && double.IsFinite(s.WeightDecay), $"{name}.weightDecay must be ≥ 0 (is {F(s.WeightDecay)})");
            Check(s.MaxGradientNorm >= 0 && double.IsFinite(s.MaxGradientNorm), $"{name}.maxGradientNorm must be ≥ 0 (is {F(s.MaxGradientNorm)})");
            Check(s.ShiftPixels is >= 0 and <= MaxShiftPixels, $"{name}.shiftPixels must be 0–{MaxShiftPixels} (is {s.ShiftPixels})");
        }

        void Layers<T>(Dictionary<string, T> map, string name, Func<T, bool> valid, string range)
        {
            foreach ((string layer, T value) in map)
            {
                Check(layers.Contains(layer), $"{name}: '{layer}' is not a weighted layer of {architecture.Name} (layers: {string.Join(", ", layers)})");
                Check(valid(value), $"{name}.{layer} must be {range} (is {Convert.ToString(value, CultureInfo.InvariantCulture)})");
            }
        }

        Check(c.BatchSize is >= 1 and <= 65536, $"batchSize must be 1–65536 (is {c.BatchSize})");
        Check(c.Validation.Fraction is >= 0 and <= 0.5, $"validation.fraction must be in [0, 0.5] (is {F(c.Validation.Fraction)})");
        Check(c.Validation.MaxCount >= 1, $"validation.maxCount must be ≥ 1 (is {c.Validation.MaxCount})");
        Stage(c.Baseline, "baseline");
        Stage(c.Prune, "prune");
        Stage(c.Quantize, "quantize");
        Check(c.Prune.Iterations is >= 0 and <= 100, $"prune.iterations must be 0–100 (is {c.Prune.Iterations})");
        Check(c.Prune.GroupLasso >= 0 && double.IsFinite(c.Prune.GroupLasso), $"prune.groupLasso must be ≥ 0 (is {F(c.Prune.GroupLasso)})");
        Layers(c.Prune.Quality, "prune.quality", q => q >= 0 && double.IsFinite(q), "≥ 0");
        Layers(c.Quantize.Bits, "quantize.bits", b => b is >= 1 and <= 8, "1–8");
        Layers(c.Encode.GapBits, "encode.gapBits", b => b is >= 0 and <= 12, "1–12 (or 0 = smallest file)");
        foreach (string layer in layers)
        {
            Check(c.Quantize.Bits.ContainsKey(layer), $"quantize.bits has no entry for layer '{layer}'");
        }

        Check(c.Quantize.KMeansIterations is >= 1 and <= 100_000, $"quantize.kMeansIterations must be 1–100000 (is {c.Quantize.KMeansIterations})");
        if (errors.Count > 0)
        {
            throw new ConfigException($"{source}: " + string.Join("; ", errors));
        }
    }

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A configuration file or value is not acceptable; the message says which setting and why.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigException(string message)
        : base(message)
    {
    }
}
