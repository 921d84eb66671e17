using System.Globalization;
using System.Text.Json.Nodes;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// The attributes of one node in an architecture file, as an op's reader asks for them. Every
/// request names the attribute, so after the op has read its attributes, any other key is
/// reported as one the op does not take. Every problem names the node and the attribute.
/// </summary>
internal sealed class NodeAttributes
{
    private readonly JsonObject _json;
    private readonly string _label;
    private readonly string? _node;
    private readonly List<string> _asked = new();
    private readonly string[] _nodeFields;

    internal NodeAttributes(JsonObject json, string label, string? node, string[] nodeFields)
    {
        _json = json;
        _label = label;
        _node = node;
        _nodeFields = nodeFields;
    }

    /// <summary>An integer ≥ <paramref name="min"/>; <paramref name="fallback"/> when absent (null: required).</summary>
    public int Int(string name, int min, int? fallback = null)
    {
        JsonNode? node = Get(name);
        if (node is null)
        {
            return fallback ?? throw Missing(name, $"an integer ≥ {min}");
        }

        return ArchitectureFile.Int(node) is int v && v >= min ? v : throw Wrong(name, node, $"an integer ≥ {min}");
    }

    /// <summary>A finite number; <paramref name="fallback"/> when absent (null: required).</summary>
    public float Float(string name, float? fallback = null)
    {
        JsonNode? node = Get(name);
        if (node is null)
        {
            return fallback ?? throw Missing(name, "a finite number");
        }

        return ArchitectureFile.Single(node) ?? throw Wrong(name, node, "a finite number");
    }

    /// <summary>A finite number &gt; 0; <paramref name="fallback"/> when absent.</summary>
    public float PositiveFloat(string name, float fallback)
    {
        float value = Float(name, fallback);
        return value > 0 ? value : throw Wrong(name, Get(name), "a finite number > 0");
    }

    /// <summary>true or false; <paramref name="fallback"/> when absent.</summary>
    public bool Bool(string name, bool fallback)
    {
        JsonNode? node = Get(name);
        if (node is null)
        {
            return fallback;
        }

        return node is JsonValue v && v.TryGetValue(out bool b) ? b : throw Wrong(name, node, "true or false");
    }

    /// <summary>
    /// A pair along (height, width): one integer for both, or <c>[height, width]</c>, each ≥
    /// <paramref name="min"/>; <paramref name="fallback"/> when absent (null: required).
    /// </summary>
    public (int Height, int Width) Pair(string name, int min, (int, int)? fallback = null)
    {
        JsonNode? node = Get(name);
        string expected = $"an integer ≥ {min} or [height, width]";
        if (node is null)
        {
            return fallback ?? throw Missing(name, expected);
        }

        if (ArchitectureFile.Int(node) is int one && one >= min)
        {
            return (one, one);
        }

        return ArchitectureFile.Ints(node, 2, 2, min) is int[] two ? (two[0], two[1]) : throw Wrong(name, node, expected);
    }

    /// <summary>
    /// Zero padding per side: one integer for all, <c>[height, width]</c> (top = bottom, left =
    /// right), or <c>[top, left, bottom, right]</c>, each ≥ 0; all zero when absent.
    /// </summary>
    public Padding Padding(string name)
    {
        JsonNode? node = Get(name);
        if (node is null)
        {
            return default;
        }

        if (ArchitectureFile.Int(node) is int one && one >= 0)
        {
            return new Padding(one, one, one, one);
        }

        return ArchitectureFile.Ints(node, 2, 4, 0) switch
        {
            [int h, int w] => new Padding(h, w, h, w),
            [int t, int l, int b, int r] => new Padding(t, l, b, r),
            _ => throw Wrong(name, node, "an integer ≥ 0, [height, width] or [top, left, bottom, right]"),
        };
    }

    /// <summary>An array of <paramref name="minLength"/>–<paramref name="maxLength"/> integers, each ≥ <paramref name="min"/> (required).</summary>
    public int[] Ints(string name, int minLength, int maxLength, int min)
    {
        JsonNode? node = Get(name);
        string expected = string.Create(CultureInfo.InvariantCulture, $"an array of {minLength}–{maxLength} integers ≥ {min}");
        if (node is null)
        {
            throw Missing(name, expected);
        }

        return ArchitectureFile.Ints(node, minLength, maxLength, min) ?? throw Wrong(name, node, expected);
    }

    /// <summary>An error about attribute <paramref name="name"/> that only the op can judge (e.g. min ≤ max).</summary>
    public ArchitectureException Error(string name, string message) => new($"{_label}: attribute '{name}': {message}", _node, name);

    /// <summary>Rejects every key the op did not ask for.</summary>
    internal void RejectUnread(string op)
    {
        foreach ((string key, JsonNode? _) in _json)
        {
            if (!_nodeFields.Contains(key, StringComparer.Ordinal) && !_asked.Contains(key, StringComparer.Ordinal))
            {
                string takes = _asked.Count == 0 ? $"{op} takes no attributes" : $"{op} takes {string.Join(", ", _asked)}";
                throw new ArchitectureException($"{_label}: unknown attribute '{key}' ({takes})", _node, key);
            }
        }
    }

    private JsonNode? Get(string name)
    {
        if (!_asked.Contains(name, StringComparer.Ordinal))
        {
            _asked.Add(name);
        }

        if (!_json.TryGetPropertyValue(name, out JsonNode? node))
        {
            return null;
        }

        return node ?? throw Wrong(name, null, "a value");
    }

    private ArchitectureException Missing(string name, string expected) =>
        new($"{_label}: missing attribute '{name}' ({expected})", _node, name);

    private ArchitectureException Wrong(string name, JsonNode? node, string expected) =>
        new($"{_label}: attribute '{name}' must be {expected} (is {ArchitectureFile.Show(node)})", _node, name);
}

/// <summary>Zero padding on each side of a 2-D window.</summary>
/// <param name="Top">Rows above.</param>
/// <param name="Left">Columns on the left.</param>
/// <param name="Bottom">Rows below.</param>
/// <param name="Right">Columns on the right.</param>
public readonly record struct Padding(int Top, int Left, int Bottom, int Right)
{
    /// <summary>True when top = bottom and left = right.</summary>
    public bool IsSymmetric => Top == Bottom && Left == Right;

    /// <summary>True when any side is padded.</summary>
    public bool IsAny => (Top | Left | Bottom | Right) != 0;

    /// <summary>The same padding on every side.</summary>
    public static Padding All(int padding) => new(padding, padding, padding, padding);
}
