using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Reporting;

/// <summary>Everything the report shows.</summary>
internal sealed record ReportInput(
    CompressionOptions Options,
    CompressionConfig Config,
    DczInspection Inspection,
    CompressionResult Result,
    IReadOnlyList<EpochRecord> History,
    IReadOnlyList<string> StageLog,
    IReadOnlyDictionary<string, float[]>? BaselineWeights,
    IReadOnlyDictionary<string, float[]>? PrunedWeights,
    IReadOnlyDictionary<string, float[]> FinalWeights,
    IReadOnlyList<(string Name, float[] Centroids)> Codebooks,
    IReadOnlyList<Export.UnitCount>? Units = null);

/// <summary>
/// Writes a run's report folder: <c>report.md</c> (settings, per-stage log, the per-layer table
/// of <c>dcz inspect</c>, plots), <c>summary.json</c> (the numbers scripts need) and the PNG plots.
/// </summary>
internal static class ReportWriter
{
    public static void Write(string directory, ReportInput input)
    {
        Directory.CreateDirectory(directory);
        var table = new InspectionTable(input.Inspection);
        IReadOnlyList<(string File, string Caption)> plots = Plots.WriteAll(directory, input, table);
        AtomicFile.WriteAllText(Path.Combine(directory, "report.md"), Markdown(input, table, plots));
        AtomicFile.WriteAllText(Path.Combine(directory, "summary.json"), Summary(input, table));
    }

    private static string Markdown(ReportInput input, InspectionTable table, IReadOnlyList<(string File, string Caption)> plots)
    {
        CompressionOptions o = input.Options;
        CompressionResult r = input.Result;
        var sb = new StringBuilder();
        void Line(FormattableString s) => sb.AppendLine(s.ToString(CultureInfo.InvariantCulture));

        Line($"# Compression report: {o.Architecture.Name}");
        sb.AppendLine();
        if (o.CommandLine is not null)
        {
            sb.AppendLine("```");
            sb.AppendLine(o.CommandLine);
            sb.AppendLine("```");
            sb.AppendLine();
        }

        Line($"- Output: `{Path.GetFileName(r.OutputPath)}`, {r.FileBytes:N0} bytes; dense float32 weights + biases {r.DenseBytes:N0} bytes → **{(double)r.DenseBytes / r.FileBytes:F1}× smaller**");
        if (r.ValidationCount > 0)
        {
            Line($"- Validation split: {r.ValidationCount:N0} training samples held out (picked by the seed); every per-epoch and per-stage figure below is measured on them, and the test set is read only for the baseline's test error and the accuracy recorded in the file");
        }
        else
        {
            Line($"- No validation split (validation.fraction 0): training saw every training sample, and the per-epoch and per-stage figures below are measured on the test set");
        }

        Line($"- Dense baseline (TorchSharp): {(r.BaselineValidationAccuracy is double bv ? $"validation accuracy {bv * 100:F2} %, " : string.Empty)}test accuracy {r.BaselineAccuracy * 100:F2} % (error {(1 - r.BaselineAccuracy) * 100:F2} %)");
        Line($"- {InspectionTable.AccuracyLine(r.Metrics)} — measured by reading the written file back and running the Runtime's C# inference");
        if (r.ValidationAccuracy is double va)
        {
            Line($"- Validation accuracy of the written file (Runtime inference): {va * 100:F2} % (error {(1 - va) * 100:F2} %)");
        }
        Line($"- Seed {o.Seed}, {o.Threads} TorchSharp thread(s); wall time of this invocation {ProgressReporter.Duration(r.WallSeconds)}, training time over all invocations {ProgressReporter.Duration(r.TrainSeconds)}{(r.ResumedFrom is null ? string.Empty : $" (resumed from `{Path.GetFileName(r.ResumedFrom)}`)")}");
        sb.AppendLine();
        sb.AppendLine("## Per-layer table (as `dcz inspect` prints it)");
        sb.AppendLine();
        sb.Append(table.ToMarkdown());
        if (input.Units is { Count: > 0 } units)
        {
            sb.AppendLine();
            sb.AppendLine("Dead-unit removal (`prune.removeDeadUnits`): " + string.Join(", ", units.Select(u => string.Create(CultureInfo.InvariantCulture,
                $"{u.Layer} {u.Before} → {u.After} units"))) + ". The table's dense bytes and ratios are those of the smaller layers; the ratio above compares with the network as trained.");
        }
        sb.AppendLine();
        sb.AppendLine("Kept % counts real weights (not filler entries). Huffman bits are averaged per kept weight, with filler symbols charged to the kept weights. Bytes are each layer's whole record (codebook, code tables, streams, biases); the total is the file size.");
        sb.AppendLine();
        if (plots.Count > 0)
        {
            sb.AppendLine("## Plots");
            sb.AppendLine();
            foreach ((string file, string caption) in plots)
            {
                Line($"**{caption}**");
                sb.AppendLine();
                Line($"![{caption}]({file})");
                sb.AppendLine();
            }
        }

        sb.AppendLine("## Stages");
        sb.AppendLine();
        foreach (string s in input.StageLog)
        {
            Line($"- {s}");
        }

        sb.AppendLine();
        sb.AppendLine(r.ValidationCount > 0
            ? "| Stage | Round | Epoch | Learning rate | Loss | Validation accuracy | Seconds |"
            : "| Stage | Round | Epoch | Learning rate | Loss | Test accuracy | Seconds |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (EpochRecord e in input.History)
        {
            Line($"| {e.Stage} | {(e.Round > 0 ? e.Round.ToString(CultureInfo.InvariantCulture) : string.Empty)} | {e.Epoch}/{e.Epochs} | {e.LearningRate:G4} | {e.Loss:F4} | {e.Accuracy * 100:F2} % | {e.Seconds:F1} |");
        }

        sb.AppendLine();
        sb.AppendLine("## Effective configuration");
        sb.AppendLine();
        sb.AppendLine("```json");
        sb.AppendLine(ConfigLoader.ToJson(input.Config));
        sb.AppendLine("```");
        return sb.ToString();
    }

    private static string Summary(ReportInput input, InspectionTable table)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            CompressionResult r = input.Result;
            w.WriteStartObject();
            w.WriteString("model", input.Options.Architecture.Name);
            w.WriteNumber("seed", input.Options.Seed);
            w.WriteNumber("threads", input.Options.Threads);
            w.WriteString("command", input.Options.CommandLine ?? string.Empty);
            w.WriteNumber("fileBytes", r.FileBytes);
            w.WriteNumber("denseBytes", r.DenseBytes);
            w.WriteNumber("compressionRatio", Math.Round((double)r.DenseBytes / r.FileBytes, 4));
            w.WriteNumber("baselineAccuracy", Math.Round(r.BaselineAccuracy * 100, 4));
            w.WriteNumber("testAccuracy", Math.Round((r.Metrics?.Accuracy ?? 0) * 100, 4));
            w.WriteNumber("testCount", r.Metrics?.Count ?? 0);
            w.WriteNumber("validationCount", r.ValidationCount);
            if (r.BaselineValidationAccuracy is double bv)
            {
                w.WriteNumber("baselineValidationAccuracy", Math.Round(bv * 100, 4));
            }

            if (r.ValidationAccuracy is double va)
            {
                w.WriteNumber("validationAccuracy", Math.Round(va * 100, 4));
            }

            if (r.QuantizedAccuracy is double q)
            {
                // Measured on the validation split when there is one, else on the test set.
                w.WriteNumber("quantizedAccuracyBeforeFineTuning", Math.Round(q * 100, 4));
                w.WriteString("quantizedAccuracySplit", r.ValidationCount > 0 ? "validation" : "test");
            }

            w.WriteNumber("wallSeconds", Math.Round(r.WallSeconds, 1));
            w.WriteNumber("trainSeconds", Math.Round(r.TrainSeconds, 1));
            w.WriteBoolean("resumed", r.ResumedFrom is not null);
            w.WriteString("init", input.Config.Quantize.Init.ToString());
            w.WritePropertyName("config");
            using (JsonDocument doc = JsonDocument.Parse(ConfigLoader.ToJson(input.Config)))
            {
                doc.RootElement.WriteTo(w);
            }

            w.WritePropertyName("table");
            using (JsonDocument doc = JsonDocument.Parse(table.ToJson(Path.GetFileName(r.OutputPath ?? string.Empty))))
            {
                doc.RootElement.WriteTo(w);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
