using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbeddedNets.Format;
using ScottPlot;

namespace EmbeddedNets.Compressor.Reporting;

/// <summary>
/// One point of a compression frontier: a storage ratio at a test error, either measured from a
/// .dcz file (the whole file against the dense float32 network, error from the accuracy the file
/// records) or published (as the paper reports it, with the paper's own accounting).
/// </summary>
/// <param name="Model">The network the point belongs to (the .dcz model name, e.g. <c>lenet-5</c>).</param>
/// <param name="Label">How tables and plots name the point.</param>
/// <param name="Ratio">Dense float32 bytes over compressed bytes.</param>
/// <param name="ErrorPercent">Test error in percent.</param>
/// <param name="Published">True for a published point, false for a measured file.</param>
/// <param name="Accounting">What the ratio counts (which bytes, which baseline).</param>
/// <param name="BaselineErrorPercent">The uncompressed network's test error in percent, when known.</param>
/// <param name="Source">Where the number comes from (a citation, or the file's path).</param>
/// <param name="Augmented">Whether the training data were augmented; null when not stated.</param>
internal sealed record FrontierPoint(
    string Model,
    string Label,
    double Ratio,
    double ErrorPercent,
    bool Published,
    string Accounting,
    double? BaselineErrorPercent,
    string Source,
    bool? Augmented);

/// <summary>
/// Ratio-versus-error frontiers (Pareto sets) of .dcz files beside published results: a Markdown
/// table and a plot per model. A point is on the frontier when no other point of the same model
/// has at least its ratio at no more error, one of the two strictly better.
/// </summary>
internal static class Frontier
{
    /// <summary>What every measured point's ratio counts.</summary>
    public const string FileAccounting = "whole .dcz file (codebooks, Huffman tables, float32 biases, header) vs the dense float32 network as trained";

    /// <summary>
    /// The point of a .dcz file; the file must record a test accuracy (every file the compressor
    /// writes does).
    /// </summary>
    /// <exception cref="InvalidDataException">The file records no accuracy.</exception>
    public static FrontierPoint FromFile(string path, byte[] bytes, string? label = null)
    {
        DczInspection inspection = DczFile.Inspect(bytes);
        RecordedMetrics metrics = inspection.Model.Info.Metrics
            ?? throw new InvalidDataException($"'{path}' records no test accuracy, so it has no place on a ratio-versus-error frontier (files written by 'dcz compress' record one)");
        if (metrics.Count == 0)
        {
            throw new InvalidDataException($"'{path}' records an accuracy over 0 test samples");
        }

        return new FrontierPoint(
            inspection.Model.Info.Name,
            label ?? DefaultLabel(path),
            inspection.CompressionRatio,
            100.0 * (metrics.Count - metrics.Correct) / metrics.Count,
            Published: false,
            FileAccounting,
            BaselineErrorPercent: null,
            Source: path,
            Augmented: null);
    }

    /// <summary>
    /// A file's label: its name without <c>.dcz</c>, or its folder's name when the file is a search
    /// candidate's <c>model.dcz</c>.
    /// </summary>
    public static string DefaultLabel(string path)
    {
        string stem = Path.GetFileNameWithoutExtension(path);
        string? folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)));
        return stem == "model" && !string.IsNullOrEmpty(folder) ? folder : stem;
    }

    /// <summary>
    /// Reads published points: <c>{"points": [{"model", "method", "source", "ratio", "error",
    /// "baselineError"?, "accounting", "augmentation"?}]}</c>, errors in percent.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not such JSON; the message names the entry and field.</exception>
    public static IReadOnlyList<FrontierPoint> ReadPublished(string path, string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("points", out JsonElement array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"'{path}' must be an object with a \"points\" array");
            }

            var points = new List<FrontierPoint>();
            int index = 0;
            foreach (JsonElement e in array.EnumerateArray())
            {
                string where = string.Create(CultureInfo.InvariantCulture, $"'{path}', points[{index}]");
                if (e.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{where} must be an object");
                }

                double ratio = Number(e, "ratio", where, required: true)!.Value;
                double error = Number(e, "error", where, required: true)!.Value;
                double? baseline = Number(e, "baselineError", where, required: false);
                if (!(ratio >= 1) || !double.IsFinite(ratio))
                {
                    throw new InvalidDataException($"{where}: \"ratio\" must be a finite number of at least 1 (is {ratio.ToString(CultureInfo.InvariantCulture)})");
                }

                foreach ((string name, double? value) in new[] { ("error", (double?)error), ("baselineError", baseline) })
                {
                    if (value is double v && !(v >= 0 && v <= 100))
                    {
                        throw new InvalidDataException($"{where}: \"{name}\" is a percentage, 0–100 (is {v.ToString(CultureInfo.InvariantCulture)})");
                    }
                }

                bool? augmented = null;
                if (e.TryGetProperty("augmentation", out JsonElement aug))
                {
                    augmented = aug.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new InvalidDataException($"{where}: \"augmentation\" must be true or false"),
                    };
                }

                points.Add(new FrontierPoint(
                    Text(e, "model", where),
                    Text(e, "method", where),
                    ratio,
                    error,
                    Published: true,
                    Text(e, "accounting", where),
                    baseline,
                    Text(e, "source", where),
                    augmented));
                index++;
            }

            return points;
        }
    }

    /// <summary>The points of <paramref name="points"/> no other point of the same model dominates.</summary>
    public static IReadOnlySet<FrontierPoint> ParetoSet(IReadOnlyList<FrontierPoint> points)
    {
        var set = new HashSet<FrontierPoint>(ReferenceEqualityComparer.Instance);
        foreach (FrontierPoint p in points)
        {
            bool dominated = points.Any(q => !ReferenceEquals(p, q) && q.Model == p.Model
                && q.Ratio >= p.Ratio && q.ErrorPercent <= p.ErrorPercent
                && (q.Ratio > p.Ratio || q.ErrorPercent < p.ErrorPercent));
            if (!dominated)
            {
                set.Add(p);
            }
        }

        return set;
    }

    /// <summary>One Markdown section per model: every point, largest ratio first, frontier points in bold.</summary>
    public static string Markdown(IReadOnlyList<FrontierPoint> points, Func<string, string>? imageFor = null)
    {
        IReadOnlySet<FrontierPoint> pareto = ParetoSet(points);
        var sb = new StringBuilder();
        foreach (IGrouping<string, FrontierPoint> model in points.GroupBy(p => p.Model, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"### {model.Key}");
            sb.AppendLine();
            sb.AppendLine("| Point | Ratio | Test error | Baseline error | Frontier | Augmented training | Accounting | Source |");
            sb.AppendLine("|---|---:|---:|---:|:---:|:---:|---|---|");
            foreach (FrontierPoint p in model.OrderByDescending(p => p.Ratio).ThenBy(p => p.ErrorPercent))
            {
                bool on = pareto.Contains(p);
                string label = (p.Published ? p.Label : p.Label + " (this repo)").Replace("|", "\\|", StringComparison.Ordinal);
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(on ? $"**{label}**" : label)} | {p.Ratio:F1}× | {p.ErrorPercent:F2} % | {(p.BaselineErrorPercent is double b ? $"{b:F2} %" : "–")} | {(on ? "yes" : "")} | {(p.Augmented switch { true => "yes", false => "no", null => "–" })} | {p.Accounting.Replace("|", "\\|", StringComparison.Ordinal)} | {p.Source.Replace("|", "\\|", StringComparison.Ordinal)} |"));
            }

            sb.AppendLine();
            if (imageFor is not null)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"![{model.Key}: compression ratio vs test error]({imageFor(model.Key)})");
                sb.AppendLine();
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// The plot of one model's points: test error across, ratio up on a logarithmic axis, measured
    /// files and published results in two colours, the frontier joined by a line.
    /// </summary>
    public static byte[] Plot(string model, IReadOnlyList<FrontierPoint> points)
    {
        var mine = points.Where(p => p.Model == model).ToList();
        if (mine.Count == 0)
        {
            throw new ArgumentException($"no point belongs to model '{model}'", nameof(model));
        }

        IReadOnlySet<FrontierPoint> pareto = ParetoSet(mine);
        Plot plot = Charts.Create($"{model}: compression ratio vs test error", "test error (%)", "compression ratio (×, log scale)");
        var front = mine.Where(pareto.Contains).OrderBy(p => p.ErrorPercent).ToList();
        if (front.Count > 1)
        {
            var line = plot.Add.Scatter(front.Select(p => p.ErrorPercent).ToArray(), front.Select(p => Math.Log10(p.Ratio)).ToArray(), Charts.Grey);
            line.MarkerSize = 0;
            line.LinePattern = LinePattern.Dashed;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LegendText = "frontier";
        }

        foreach ((bool published, Color colour, string legend) in new[] { (false, Charts.Blue, "this repo (.dcz files)"), (true, Charts.Orange, "published") })
        {
            var group = mine.Where(p => p.Published == published).ToList();
            if (group.Count == 0)
            {
                continue;
            }

            var dots = plot.Add.ScatterPoints(group.Select(p => p.ErrorPercent).ToArray(), group.Select(p => Math.Log10(p.Ratio)).ToArray(), colour);
            dots.MarkerSize = 9;
            dots.LegendText = legend;
            foreach (FrontierPoint p in group)
            {
                var text = plot.Add.Text(p.Label, p.ErrorPercent, Math.Log10(p.Ratio));
                text.LabelFontName = Charts.FontName;
                text.LabelFontSize = 11;
                text.LabelFontColor = colour;
                text.OffsetX = 6;
                text.OffsetY = -4;
            }
        }

        double low = Math.Log10(mine.Min(p => p.Ratio));
        double high = Math.Log10(mine.Max(p => p.Ratio));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (double t in LogTicks(low, high))
        {
            ticks.AddMajor(Math.Log10(t), t.ToString("0.##", CultureInfo.InvariantCulture));
        }

        plot.Axes.Left.TickGenerator = ticks;
        double minError = mine.Min(p => p.ErrorPercent);
        double maxError = mine.Max(p => p.ErrorPercent);
        double pad = Math.Max(0.05, (maxError - minError) * 0.08);
        // Room on the right for the labels of the largest errors.
        plot.Axes.SetLimits(minError - pad, maxError + (pad * 4), low - 0.08, high + 0.08);
        plot.Legend.FontName = Charts.FontName;
        plot.ShowLegend(Alignment.LowerRight);
        return Charts.Png(plot, 820, 520);
    }

    /// <summary>
    /// Ticks covering [10^low, 10^high]: 1-2-5 per decade, or 1-1.5-2-3-4-5-6-7-8 when the range is
    /// less than a decade (so a narrow range still gets several labels).
    /// </summary>
    internal static IEnumerable<double> LogTicks(double low, double high)
    {
        double[] mantissas = high - low < 1 ? [1, 1.5, 2, 3, 4, 5, 6, 7, 8] : [1, 2, 5];
        for (int decade = (int)Math.Floor(low); decade <= (int)Math.Ceiling(high); decade++)
        {
            foreach (double m in mantissas)
            {
                double t = m * Math.Pow(10, decade);
                double l = Math.Log10(t);
                if (l >= low - 0.1 && l <= high + 0.1)
                {
                    yield return t;
                }
            }
        }
    }

    private static string Text(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : throw new InvalidDataException($"{where}: \"{name}\" must be a non-empty string");

    private static double? Number(JsonElement e, string name, string where, bool required)
    {
        if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new InvalidDataException($"{where}: \"{name}\" is missing") : null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d)
            ? d
            : throw new InvalidDataException($"{where}: \"{name}\" must be a number");
    }
}
