using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// Architecture files (<c>dcz compress --model FILE.json</c>, docs/architecture-files.md): the
/// JSON form of an <see cref="ArchitectureSpec"/>. Reading reports every mistake with the node's
/// name and the field; writing gives the canonical form (every attribute spelled out, inputs only
/// where a node does not read the one before it), which is what <see cref="ArchitectureSpec.Fingerprint"/> hashes.
/// </summary>
public static class ArchitectureFile
{
    private static readonly string[] s_topLevel = { "name", "inputShape", "classLabels", "preprocessing", "nodes" };
    private static readonly string[] s_preprocessing = { "scale", "mean", "std" };
    private static readonly string[] s_nodeFields = { "op", "name", "inputs" };

    /// <summary>Reads an architecture file's text; <paramref name="source"/> (e.g. the path) starts every message.</summary>
    /// <exception cref="ArchitectureException">The JSON is malformed or a field is missing, unknown, of the wrong type or out of range, or the network does not fit together.</exception>
    public static ArchitectureSpec Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return ParseCore(json);
        }
        catch (ArchitectureException e)
        {
            throw new ArchitectureException(source + ": " + e.Message, e.Node, e.Field);
        }
    }

    /// <summary>Reads the architecture file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArchitectureException">See <see cref="Parse"/>.</exception>
    public static ArchitectureSpec Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The canonical architecture file of <paramref name="spec"/>.</summary>
    public static string ToJson(ArchitectureSpec spec, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("name", spec.Name);
            WriteInts(w, "inputShape", spec.InputShape);
            w.WriteStartArray("classLabels");
            foreach (string label in spec.ClassLabels)
            {
                w.WriteStringValue(label);
            }

            w.WriteEndArray();
            w.WriteStartObject("preprocessing");
            w.WriteNumber("scale", spec.Preprocessing.Scale);
            WriteFloats(w, "mean", spec.Preprocessing.Mean);
            WriteFloats(w, "std", spec.Preprocessing.Std);
            w.WriteEndObject();
            w.WriteStartArray("nodes");
            foreach (ResolvedNode node in spec.Resolved)
            {
                w.WriteStartObject();
                w.WriteString("op", node.Node.Op);
                if (node.Name.Length > 0)
                {
                    w.WriteString("name", node.Name);
                }

                if (!(node.InputIndexes.Count == 1 && node.InputIndexes[0] == node.Index - 1))
                {
                    w.WriteStartArray("inputs");
                    foreach (int k in node.InputIndexes)
                    {
                        w.WriteStringValue(k < 0 ? ArchitectureNode.ModelInput : spec.Resolved[k].Name);
                    }

                    w.WriteEndArray();
                }

                node.Node.WriteAttributes(w);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static void WriteInts(Utf8JsonWriter w, string name, IReadOnlyList<int> values)
    {
        w.WriteStartArray(name);
        foreach (int v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteFloats(Utf8JsonWriter w, string name, IReadOnlyList<float> values)
    {
        w.WriteStartArray(name);
        foreach (float v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static ArchitectureSpec ParseCore(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ArchitectureException("not valid JSON: " + e.Message, null, null);
        }

        if (root is not JsonObject top)
        {
            throw new ArchitectureException("the top level must be a JSON object", null, null);
        }

        Unknown(top, s_topLevel, string.Empty, "field", null);
        string name = Field(top, "name", string.Empty, "a non-empty string", n => n is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s : null, null)!;
        int[] inputShape = Field(top, "inputShape", string.Empty, "an array of 1 or 3 integers ≥ 1", n => Ints(n, 1, 3, 1), null)!;
        string[] labels = Field(top, "classLabels", string.Empty, "an array of strings", Strings, null)!;
        Preprocessing preprocessing = ReadPreprocessing(top);
        JsonArray nodesArray = Field(top, "nodes", string.Empty, "an array of node objects", n => n as JsonArray, null)!;
        var nodes = new List<ArchitectureNode>(nodesArray.Count);
        for (int i = 0; i < nodesArray.Count; i++)
        {
            nodes.Add(ReadNode(nodesArray[i], i));
        }

        return new ArchitectureSpec(name, inputShape, nodes, labels, preprocessing);
    }

    private static Preprocessing ReadPreprocessing(JsonObject top)
    {
        if (!top.TryGetPropertyValue("preprocessing", out JsonNode? node))
        {
            return Preprocessing.Identity;
        }

        if (node is not JsonObject p)
        {
            throw new ArchitectureException($"preprocessing must be an object with scale, mean and std (is {Show(node)})", null, "preprocessing");
        }

        Unknown(p, s_preprocessing, "preprocessing.", "field", null);
        float scale = Field(p, "scale", "preprocessing.", "a finite number", n => Single(n) is float f ? new[] { f } : null, new[] { 1f })![0];
        float[] mean = Field(p, "mean", "preprocessing.", "a finite number or an array of them", Singles, new[] { 0f })!;
        float[] std = Field(p, "std", "preprocessing.", "a nonzero finite number or an array of them", Singles, new[] { 1f })!;
        return new Preprocessing(scale, mean, std);
    }

    private static ArchitectureNode ReadNode(JsonNode? json, int index)
    {
        string where = string.Create(CultureInfo.InvariantCulture, $"nodes[{index}]");
        if (json is not JsonObject obj)
        {
            throw new ArchitectureException($"{where} must be an object with \"op\" (is {Show(json)})", null, "nodes");
        }

        string? name = null;
        if (obj.TryGetPropertyValue("name", out JsonNode? nameNode))
        {
            name = nameNode is JsonValue v && v.TryGetValue(out string? s) ? s : null;
            if (name is null)
            {
                throw new ArchitectureException($"{where}: 'name' must be a string (is {Show(nameNode)})", null, "name");
            }
        }

        name ??= string.Empty;
        string label = name.Length > 0 ? $"node '{name}'" : where;
        if (!obj.TryGetPropertyValue("op", out JsonNode? opNode) || opNode is not JsonValue opValue || !opValue.TryGetValue(out string? op))
        {
            throw new ArchitectureException($"{label}: 'op' must be one of {string.Join(", ", OpCatalog.Names)} (is {(opNode is null ? "missing" : Show(opNode))})", NullIfEmpty(name), "op");
        }

        OpEntry entry = OpCatalog.Find(op)
            ?? throw new ArchitectureException($"{label}: unknown op '{op}'{Suggestion(op)} (ops: {string.Join(", ", OpCatalog.Names)})", NullIfEmpty(name), "op");
        label = name.Length > 0 ? $"node '{name}' ({entry.Name})" : $"{where} ({entry.Name})";

        string[]? inputs = null;
        if (obj.TryGetPropertyValue("inputs", out JsonNode? inputsNode))
        {
            inputs = Strings(inputsNode)
                ?? throw new ArchitectureException($"{label}: 'inputs' must be an array of node names (or \"{ArchitectureNode.ModelInput}\") (is {Show(inputsNode)})", NullIfEmpty(name), "inputs");
        }

        var attributes = new NodeAttributes(obj, label, NullIfEmpty(name), s_nodeFields);
        ArchitectureNode node = entry.Read(name, inputs, attributes);
        attributes.RejectUnread(entry.Name);
        return node;
    }

    private static string? NullIfEmpty(string name) => name.Length == 0 ? null : name;

    private static string Suggestion(string op)
    {
        string? close = OpCatalog.Names.FirstOrDefault(n => string.Equals(n, op, StringComparison.OrdinalIgnoreCase));
        return close is null ? string.Empty : $"; did you mean '{close}'? (op names are case-sensitive)";
    }

    private static void Unknown(JsonObject obj, string[] known, string prefix, string what, string? node)
    {
        foreach ((string key, JsonNode? _) in obj)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                throw new ArchitectureException($"unknown {what} '{prefix}{key}' (known: {string.Join(", ", known)})", node, prefix + key);
            }
        }
    }

    private static T? Field<T>(JsonObject obj, string key, string prefix, string expected, Func<JsonNode?, T?> read, T? fallback)
        where T : class
    {
        if (!obj.TryGetPropertyValue(key, out JsonNode? node))
        {
            return fallback ?? throw new ArchitectureException($"missing field '{prefix}{key}' ({expected})", null, prefix + key);
        }

        return read(node) ?? throw new ArchitectureException($"{prefix}{key} must be {expected} (is {Show(node)})", null, prefix + key);
    }

    /// <summary>The value as JSON, shortened, for messages.</summary>
    internal static string Show(JsonNode? node)
    {
        string text = node?.ToJsonString() ?? "null";
        return text.Length <= 60 ? text : text[..57] + "...";
    }

    /// <summary>An integer array of <paramref name="minLength"/>–<paramref name="maxLength"/> values, each ≥ <paramref name="min"/>, or null.</summary>
    internal static int[]? Ints(JsonNode? node, int minLength, int maxLength, int min)
    {
        if (node is not JsonArray array || array.Count < minLength || array.Count > maxLength)
        {
            return null;
        }

        var values = new int[array.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (Int(array[i]) is not int v || v < min)
            {
                return null;
            }

            values[i] = v;
        }

        return values;
    }

    /// <summary>An integer (a JSON number without fraction that fits an int), or null.</summary>
    internal static int? Int(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int i) ? i : null;

    /// <summary>A finite number that fits a float, or null.</summary>
    internal static float? Single(JsonNode? node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d))
        {
            float f = (float)d;
            return float.IsFinite(f) ? f : null;
        }

        return null;
    }

    private static float[]? Singles(JsonNode? node)
    {
        if (Single(node) is float one)
        {
            return new[] { one };
        }

        if (node is not JsonArray array || array.Count == 0)
        {
            return null;
        }

        var values = new float[array.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (Single(array[i]) is not float f)
            {
                return null;
            }

            values[i] = f;
        }

        return values;
    }

    private static string[]? Strings(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return null;
        }

        var values = new string[array.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (array[i] is not JsonValue v || !v.TryGetValue(out string? s))
            {
                return null;
            }

            values[i] = s;
        }

        return values;
    }
}
