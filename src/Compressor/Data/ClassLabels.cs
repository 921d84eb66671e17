using System.Globalization;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// Turns label texts (a CSV column) into class indices, the same way for the training and the test
/// file: when every label is a non-negative integer, the integer is the class; otherwise the
/// distinct texts of all files, sorted ordinally, are the classes (and their names).
/// </summary>
internal static class ClassLabels
{
    /// <summary>The largest class index accepted as a number (the format has far fewer classes).</summary>
    public const int MaxClassIndex = 65535;

    /// <summary>Maps the label texts of each file; <c>Names</c> is null when the labels are numbers.</summary>
    public static (int[][] Labels, string[]? Names) Map(IReadOnlyList<string[]> texts)
    {
        bool numeric = texts.All(file => file.All(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v <= MaxClassIndex));
        if (numeric)
        {
            return (texts.Select(file => file.Select(t => int.Parse(t, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray()).ToArray(), null);
        }

        string[] names = texts.SelectMany(file => file).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        return (texts.Select(file => file.Select(t => index[t]).ToArray()).ToArray(), names);
    }
}
