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
            : FormattableString.Invariant($"layer {index} ({Printable(name!)}, {kindText})");
    }

    /// <summary>
    /// <paramref name="text"/> from a file, safe inside a one-line message: control characters,
    /// line and paragraph separators and bidirectional overrides become <c>\uXXXX</c>, so a name
    /// can neither break a message (or a log, or a build diagnostic) into lines nor reorder it.
    /// </summary>
    public static string Printable(string text)
    {
        int i = 0;
        while (i < text.Length && !NeedsEscape(text[i]))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        builder.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (NeedsEscape(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c == '\u2028' || c == '\u2029' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');

    /// <summary>The op's name, or <c>op 0x2A</c> for a tag the format does not define.</summary>
    public static string KindName(LayerKind kind) => OpRegistry.NameOf(kind);
}
