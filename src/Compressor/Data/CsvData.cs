using System.Globalization;
using System.Text;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// Reads a CSV file of numeric features and a label column: a header row naming the columns, then
/// one sample per line, comma-separated (fields may be double-quoted, with <c>""</c> for a quote).
/// The label column is chosen by name (default: the last column); every other column is a feature
/// and must hold a finite number (invariant culture: <c>1.5</c>, <c>-2e-3</c>). Labels are class
/// indices (non-negative integers) or class names (see <see cref="ClassLabels"/>).
/// </summary>
public static class CsvData
{
    /// <summary>The most samples one file may hold.</summary>
    public const int MaxRows = 10_000_000;

    /// <summary>A CSV file parsed: features per row and the label texts.</summary>
    /// <param name="Path">The file.</param>
    /// <param name="FeatureNames">The feature columns' names, in order.</param>
    /// <param name="Values">Features, row after row.</param>
    /// <param name="LabelTexts">The label column's text per row.</param>
    public sealed record Table(string Path, string[] FeatureNames, float[] Values, string[] LabelTexts);

    /// <summary>Reads one file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file breaks a rule; the message names the file, the line and the column.</exception>
    public static Table Read(string path, string? labelColumn)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CSV file '{path}' does not exist.", path);
        }

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        string? line;
        int lineNumber = 0;
        string[]? header = null;
        int labelIndex = -1;
        var values = new List<float>();
        var labels = new List<string>();
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            string[] fields = Split(line, path, lineNumber);
            if (header is null)
            {
                header = fields;
                if (header.Length < 2)
                {
                    throw new InvalidDataException($"{path}: the header names {header.Length} column; dcz needs at least one feature and the label");
                }

                labelIndex = LabelIndex(header, labelColumn, path);

                if (fields.All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                {
                    throw new InvalidDataException($"{path}: line {lineNumber} is all numbers, not a header; the first line must name the columns");
                }

                continue;
            }

            if (fields.Length != header.Length)
            {
                throw new InvalidDataException($"{path}: line {lineNumber} has {fields.Length} values but the header names {header.Length} columns");
            }

            if (labels.Count == MaxRows)
            {
                throw new InvalidDataException($"{path}: more than {MaxRows:N0} rows");
            }

            for (int c = 0; c < fields.Length; c++)
            {
                if (c == labelIndex)
                {
                    string label = fields[c].Trim();
                    if (label.Length == 0)
                    {
                        throw new InvalidDataException($"{path}: line {lineNumber}: the label ('{header[c]}') is empty");
                    }

                    labels.Add(label);
                }
                else if (float.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v))
                {
                    values.Add(v);
                }
                else
                {
                    throw new InvalidDataException($"{path}: line {lineNumber}, column '{header[c]}': '{fields[c].Trim()}' is not a finite number");
                }
            }
        }

        if (header is null)
        {
            throw new InvalidDataException($"{path}: the file is empty; dcz needs a header row and one row per sample");
        }

        if (labels.Count == 0)
        {
            throw new InvalidDataException($"{path}: the file has a header but no rows");
        }

        string[] features = header.Where((_, i) => i != labelIndex).ToArray();
        return new Table(path, features, values.ToArray(), labels.ToArray());
    }

    /// <summary>Reads a training file and, optionally, a test file with the same columns; labels are mapped consistently across both.</summary>
    /// <returns>The sets (test null when no test file is given) and the class names (null when labels are numbers).</returns>
    public static (LabelledSet Train, LabelledSet? Test, string[]? ClassNames) Load(string trainPath, string? testPath, string? labelColumn)
    {
        Table train = Read(trainPath, labelColumn);
        Table? test = testPath is null ? null : Read(testPath, labelColumn);
        if (test is not null && !train.FeatureNames.SequenceEqual(test.FeatureNames, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{test.Path}: feature columns ({string.Join(", ", test.FeatureNames)}) differ from {train.Path}'s ({string.Join(", ", train.FeatureNames)})");
        }

        var texts = test is null ? new[] { train.LabelTexts } : new[] { train.LabelTexts, test.LabelTexts };
        (int[][] labels, string[]? names) = ClassLabels.Map(texts);
        int[] shape = [train.FeatureNames.Length];
        var trainSet = new LabelledSet(train.Path, shape, train.Values, labels[0]);
        var testSet = test is null ? null : new LabelledSet(test.Path, shape, test.Values, labels[1]);
        return (trainSet, testSet, names);
    }

    private static int LabelIndex(string[] header, string? labelColumn, string path)
    {
        if (labelColumn is null)
        {
            return header.Length - 1;
        }

        int index = Array.IndexOf(header, labelColumn);
        if (index < 0)
        {
            throw new InvalidDataException($"{path}: no column named '{labelColumn}' for the labels (the header names {string.Join(", ", header.Select(h => "'" + h + "'"))})");
        }

        if (Array.IndexOf(header, labelColumn, index + 1) >= 0)
        {
            throw new InvalidDataException($"{path}: two columns are named '{labelColumn}'");
        }

        return index;
    }

    /// <summary>Splits one line at commas outside double quotes; quoted fields lose their quotes, <c>""</c> inside becomes <c>"</c>.</summary>
    private static string[] Split(string line, string path, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(ch);
            }
        }

        if (quoted)
        {
            throw new InvalidDataException($"{path}: line {lineNumber} ends inside a quoted field");
        }

        fields.Add(field.ToString().Trim());
        return fields.ToArray();
    }
}
