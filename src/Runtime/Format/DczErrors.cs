namespace EmbeddedNets.Format;

/// <summary>
/// The one place that creates the format's exceptions, so every message has the same shape:
/// <c>where: what is wrong</c>. Callers write <c>throw DczErrors.Corrupt(...)</c>, which keeps
/// flow analysis intact on netstandard2.0 (no <c>DoesNotReturn</c> attribute there).
/// </summary>
internal static class DczErrors
{
    /// <summary>The bytes are not a valid file (reader only).</summary>
    public static InvalidDataException Corrupt(string message) => new(message);

    /// <summary>The bytes are not a valid file; <paramref name="where"/> names the part.</summary>
    public static InvalidDataException Corrupt(string where, string message) => new(where + ": " + message);

    /// <summary>A well-formed file that uses something this reader does not implement.</summary>
    public static NotSupportedException Unsupported(string message) => new(message);

    /// <summary>The model handed to the writer (or to <see cref="ModelShapes"/>) breaks a rule.</summary>
    public static ArgumentException InvalidModel(string message) => new(message, "model");

    /// <summary><c>layer 2 (ip1, Dense)</c>: how every message names a layer (index is 0-based).</summary>
    public static string LayerLabel(int index, string? name, LayerKind? kind)
    {
        if (kind is null)
        {
            return FormattableString.Invariant($"layer {index}");
        }

        string kindText = KindName(kind.Value);
        return string.IsNullOrEmpty(name)
            ? FormattableString.Invariant($"layer {index} ({kindText})")
            : FormattableString.Invariant($"layer {index} ({name}, {kindText})");
    }

    /// <summary>The op's name, or <c>op 0x2A</c> for a tag the format does not define.</summary>
    public static string KindName(LayerKind kind) => OpRegistry.NameOf(kind);
}
