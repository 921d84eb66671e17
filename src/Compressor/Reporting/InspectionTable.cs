using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Reporting;

/// <summary>One row of the paper's Tables 2–3 for a weighted layer.</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Kind">Dense or Conv2d.</param>
/// <param name="Shape">The weight tensor's shape, output units first (e.g. <c>300×784</c>): what dead-unit removal shrinks.</param>
/// <param name="Weights">Weight positions of the dense layer.</param>
/// <param name="Kept">Weights kept after pruning (fillers not counted).</param>
/// <param name="Fillers">Filler entries the relative indexing needed.</param>
/// <param name="CodebookSize">Shared weights in the codebook.</param>
/// <param name="WeightBits">Bits per weight index before Huffman coding.</param>
/// <param name="HuffmanBitsPerWeight">Average Huffman bits per kept weight (fillers charged to kept weights).</param>
/// <param name="IndexBits">Bits per relative index before Huffman coding.</param>
/// <param name="HuffmanBitsPerIndex">Average Huffman bits of relative index per kept weight.</param>
/// <param name="Bytes">The layer's whole record in the file.</param>
/// <param name="DenseBytes">The layer's weights and biases as float32.</param>
internal sealed record LayerRow(
    string Name,
    LayerKind Kind,
    string Shape,
    long Weights,
    long Kept,
    int Fillers,
    int CodebookSize,
    int WeightBits,
    double HuffmanBitsPerWeight,
    int IndexBits,
    double HuffmanBitsPerIndex,
    int Bytes,
    long DenseBytes)
{
    public double KeptPercent => Weights == 0 ? 0 : Kept * 100.0 / Weights;

    public double Ratio => Bytes == 0 ? 0 : (double)DenseBytes / Bytes;
}

/// <summary>
/// The per-layer table that <c>dcz inspect</c> prints and the compression report embeds, built
/// from <see cref="DczFile.Inspect"/> so the numbers are the file's own byte accounting.
/// </summary>
internal sealed class InspectionTable
{
    public InspectionTable(DczInspection inspection)
    {
        Inspection = inspection;
        Rows = inspection.Layers
            .Where(l => l.DenseWeightCount > 0)
            .Select(l => new LayerRow(
                l.Name.Length > 0 ? l.Name : "layer " + l.Index.ToString(CultureInfo.InvariantCulture),
                l.Kind,
                string.Join("×", (l.Layer.WeightShape ?? Array.Empty<int>()).Select(d => d.ToString(CultureInfo.InvariantCulture))),
                l.DenseWeightCount,
                l.KeptCount,
                l.FillerCount,
                l.CodebookSize,
                l.WeightBits,
                l.WeightBitsPerKeptWeight,
                l.GapBits,
                l.IndexBitsPerKeptWeight,
                l.TotalBytes,
                l.DenseFloat32Bytes))
            .ToList();
    }

    public DczInspection Inspection { get; }

    public IReadOnlyList<LayerRow> Rows { get; }

    public long TotalWeights => Inspection.DenseWeightCount;

    public long TotalKept => Inspection.KeptWeightCount;

    public double TotalKeptPercent => TotalWeights == 0 ? 0 : TotalKept * 100.0 / TotalWeights;

    /// <summary>Huffman bits per kept weight over all layers.</summary>
    public double TotalHuffmanBitsPerWeight => TotalKept == 0 ? 0 : Inspection.Layers.Sum(l => l.WeightStreamBits) / (double)TotalKept;

    /// <summary>Huffman index bits per kept weight over all layers.</summary>
    public double TotalHuffmanBitsPerIndex => TotalKept == 0 ? 0 : Inspection.Layers.Sum(l => l.GapStreamBits) / (double)TotalKept;

    /// <summary>Bytes not in any weighted layer's record: header, metadata, layer count, unweighted layers.</summary>
    public int OverheadBytes => Inspection.FileBytes - Rows.Sum(r => r.Bytes);

    /// <summary>The table as aligned plain text (what <c>dcz inspect</c> prints).</summary>
    public string ToText(string fileLabel)
    {
        var sb = new StringBuilder();
        DczModel model = Inspection.Model;
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{fileLabel}: model '{model.Info.Name}', {Inspection.FileBytes:N0} bytes, {model.Layers.Count} layers"));
        string[] header = { "layer", "kind", "shape", "#weights", "kept %", "weight bits", "huffman bits/w", "index bits", "huffman bits/idx", "bytes", "ratio" };
        var rows = new List<string[]> { header };
        foreach (LayerRow r in Rows)
        {
            rows.Add(Cells(r.Name, r.Kind.ToString(), r.Shape, r.Weights, r.KeptPercent, r.WeightBits.ToString(CultureInfo.InvariantCulture), r.HuffmanBitsPerWeight, r.IndexBits.ToString(CultureInfo.InvariantCulture), r.HuffmanBitsPerIndex, r.Bytes, r.Ratio));
        }

        rows.Add(Cells("total", string.Empty, string.Empty, TotalWeights, TotalKeptPercent, string.Empty, TotalHuffmanBitsPerWeight, string.Empty, TotalHuffmanBitsPerIndex, Inspection.FileBytes, Inspection.CompressionRatio));
        int[] widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            for (int c = 0; c < row.Length; c++)
            {
                sb.Append(c == 0 ? row[c].PadRight(widths[c]) : "  " + row[c].PadLeft(widths[c]));
            }

            sb.AppendLine();
        }

        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"total bytes include {OverheadBytes:N0} bytes of header, metadata and unweighted layers"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"dense float32 weights + biases: {Inspection.DenseFloat32Bytes:N0} bytes{(Inspection.DenseFloat32Bytes != Inspection.LayersDenseFloat32Bytes ? $" (the network as trained; whole units removed since, these layers: {Inspection.LayersDenseFloat32Bytes:N0} bytes)" : string.Empty)} → {Inspection.FileBytes:N0} bytes = {Inspection.CompressionRatio:F1}× smaller"));
        sb.AppendLine(AccuracyLine(model.Info.Metrics));
        return sb.ToString();
    }

    /// <summary>The table as Markdown (the report and docs/results.md).</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Layer | Shape | #Weights | Kept % | Weight bits | Huffman bits/weight | Index bits | Huffman bits/index | Bytes | Ratio |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (LayerRow r in Rows)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Shape} | {r.Weights:N0} | {r.KeptPercent:F1} % | {r.WeightBits} | {r.HuffmanBitsPerWeight:F2} | {r.IndexBits} | {r.HuffmanBitsPerIndex:F2} | {r.Bytes:N0} | {r.Ratio:F1}× |"));
        }

        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"| **total** (file) | | {TotalWeights:N0} | {TotalKeptPercent:F1} % | | {TotalHuffmanBitsPerWeight:F2} | | {TotalHuffmanBitsPerIndex:F2} | {Inspection.FileBytes:N0} | **{Inspection.CompressionRatio:F1}×** |"));
        return sb.ToString();
    }

    /// <summary>The JSON form of <c>dcz inspect --json</c>.</summary>
    public string ToJson(string file)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            DczModel model = Inspection.Model;
            RecordedMetrics? m = model.Info.Metrics;
            w.WriteStartObject();
            w.WriteString("file", file);
            w.WriteString("model", model.Info.Name);
            w.WriteNumber("denseBytes", Inspection.DenseFloat32Bytes);
            w.WriteNumber("layersDenseBytes", Inspection.LayersDenseFloat32Bytes);
            w.WriteNumber("payloadBytes", Inspection.FileBytes);
            w.WriteNumber("compressionRatio", Math.Round(Inspection.CompressionRatio, 4));
            if (m is null)
            {
                w.WriteNull("testAccuracy");
                w.WriteNull("testCount");
                w.WriteNull("testCorrect");
                w.WriteNull("testSet");
            }
            else
            {
                w.WriteNumber("testAccuracy", Math.Round(m.Accuracy * 100, 4));
                w.WriteNumber("testCount", m.Count);
                w.WriteNumber("testCorrect", m.Correct);
                w.WriteString("testSet", m.TestSetName);
            }

            w.WriteNumber("weights", TotalWeights);
            w.WriteNumber("keptWeights", TotalKept);
            w.WriteNumber("overheadBytes", OverheadBytes);
            w.WriteString("producer", model.Info.Producer);
            w.WriteStartArray("layers");
            foreach (LayerRow r in Rows)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteString("kind", r.Kind.ToString());
                w.WriteString("shape", r.Shape);
                w.WriteNumber("weights", r.Weights);
                w.WriteNumber("kept", r.Kept);
                w.WriteNumber("keptPercent", Math.Round(r.KeptPercent, 4));
                w.WriteNumber("fillers", r.Fillers);
                w.WriteNumber("codebookSize", r.CodebookSize);
                w.WriteNumber("weightBits", r.WeightBits);
                w.WriteNumber("huffmanBitsPerWeight", Math.Round(r.HuffmanBitsPerWeight, 4));
                w.WriteNumber("indexBits", r.IndexBits);
                w.WriteNumber("huffmanBitsPerIndex", Math.Round(r.HuffmanBitsPerIndex, 4));
                w.WriteNumber("bytes", r.Bytes);
                w.WriteNumber("denseBytes", r.DenseBytes);
                w.WriteNumber("compressionRatio", Math.Round(r.Ratio, 4));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>"recorded accuracy: 98.42 % (9842/10000 of mnist-test, Runtime inference)" or that none is recorded.</summary>
    public static string AccuracyLine(RecordedMetrics? m) => m is null
        ? "recorded accuracy: none"
        : string.Create(CultureInfo.InvariantCulture, $"recorded accuracy: {m.Accuracy * 100:F2} % ({m.Correct}/{m.Count} of {m.TestSetName}, error {(1 - m.Accuracy) * 100:F2} %)");

    private static string[] Cells(string name, string kind, string shape, long weights, double kept, string weightBits, double hw, string indexBits, double hi, int bytes, double ratio) =>
    [
        name,
        kind,
        shape,
        weights.ToString("N0", CultureInfo.InvariantCulture),
        kept.ToString("F1", CultureInfo.InvariantCulture),
        weightBits,
        hw.ToString("F2", CultureInfo.InvariantCulture),
        indexBits,
        hi.ToString("F2", CultureInfo.InvariantCulture),
        bytes.ToString("N0", CultureInfo.InvariantCulture),
        ratio.ToString("F1", CultureInfo.InvariantCulture) + "×",
    ];
}
