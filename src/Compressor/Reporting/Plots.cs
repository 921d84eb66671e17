using System.Globalization;
using EmbeddedNets.Compressor.Data;
using ScottPlot;

namespace EmbeddedNets.Compressor.Reporting;

/// <summary>The compression report's plots: weight histograms around pruning, codebooks over the weights, bytes per layer.</summary>
internal static class Plots
{
    private const int Bins = 161;

    /// <summary>Writes every plot the input allows; returns (file, caption) pairs in report order.</summary>
    public static IReadOnlyList<(string File, string Caption)> WriteAll(string directory, ReportInput input, InspectionTable table)
    {
        var written = new List<(string, string)>();
        void Save(string file, byte[] png, string caption)
        {
            AtomicFile.WriteAllBytes(Path.Combine(directory, file), png);
            written.Add((file, caption));
        }

        foreach ((string name, float[] centroids) in input.Codebooks)
        {
            float[]? before = input.BaselineWeights?.GetValueOrDefault(name);
            float[]? pruned = input.PrunedWeights?.GetValueOrDefault(name);
            if (before is not null && pruned is not null)
            {
                float[] kept = pruned.Where(v => v != 0).ToArray();
                double range = Math.Max(Charts.MaxAbs(before), Charts.MaxAbs(kept));
                Save($"weights-{name}.png", WeightHistograms(name, before, kept, range),
                    string.Create(CultureInfo.InvariantCulture, $"{name}: weight distribution of the dense baseline (top, grey, {before.Length:N0} weights) and after pruning and retraining (bottom, blue, {kept.Length:N0} kept)"));
                Save($"codebook-{name}.png", Codebook(name, kept, centroids),
                    string.Create(CultureInfo.InvariantCulture, $"{name}: the {centroids.Length} shared weights after fine-tuning (red lines) over the histogram of the pruned weights they replace (grey)"));
            }
        }

        if (table.Rows.Count > 0)
        {
            Save("bytes.png", Bytes(table),
                "Bytes per layer: relative-index stream, weight-index stream, codebook and Huffman tables, biases and fixed fields");
        }

        return written;
    }

    /// <summary>Two histograms over one x axis: the dense weights above, the kept weights after pruning below.</summary>
    internal static byte[] WeightHistograms(string name, float[] before, float[] kept, double range)
    {
        Plot top = Charts.Create($"{name}: dense baseline", yLabel: "weights per bin");
        Charts.AddHistogram(top, Charts.Histogram(before, range, Bins), range, Charts.Grey);
        top.Add.VerticalLine(0, 1, Charts.Black);

        Plot bottom = Charts.Create($"{name}: after pruning and retraining (zeros left out)", "weight", "weights per bin");
        Charts.AddHistogram(bottom, Charts.Histogram(kept, range, Bins), range, Charts.Blue);
        bottom.Add.VerticalLine(0, 1, Charts.Black);

        // Fixed margins, so both panels put zero at the same pixel column.
        var padding = new PixelPadding(70, 20, 45, 40);
        top.Layout.Fixed(padding);
        bottom.Layout.Fixed(padding);
        var multiplot = new Multiplot(top);
        multiplot.AddPlot(bottom);
        return Charts.Png(multiplot, 720, 560);
    }

    /// <summary>The codebook as red lines over the histogram of the weights it replaces.</summary>
    internal static byte[] Codebook(string name, float[] kept, float[] centroids)
    {
        double range = Math.Max(Charts.MaxAbs(kept), centroids.Length == 0 ? 0 : centroids.Max(c => Math.Abs(c)));
        Plot plot = Charts.Create(string.Create(CultureInfo.InvariantCulture, $"{name}: {centroids.Length} shared weights over the pruned weights"), "weight", "weights per bin");
        Charts.AddHistogram(plot, Charts.Histogram(kept, range, Bins), range, Charts.Grey);
        foreach (float c in centroids)
        {
            plot.Add.VerticalLine(c, 1, Charts.Red);
        }

        return Charts.Png(plot, 720, 300);
    }

    /// <summary>One stacked bar per weighted layer: where its bytes go.</summary>
    internal static byte[] Bytes(InspectionTable table)
    {
        Plot plot = Charts.Create("Bytes per layer", yLabel: "bytes");
        var layers = table.Inspection.Layers.Where(l => l.DenseWeightCount > 0).ToList();
        (string Label, Color Colour, Func<Format.DczLayerInspection, int> Bytes)[] parts =
        [
            ("relative-index stream", Charts.Orange, l => l.GapStreamBytes),
            ("weight-index stream", Charts.Blue, l => l.WeightStreamBytes),
            ("codebook + Huffman tables", Charts.Purple, l => l.CodebookBytes + l.WeightTableBytes + l.GapTableBytes),
            ("biases + fixed fields", Charts.Grey, l => l.BiasBytes + l.ParameterBytes + l.RecordHeaderBytes),
        ];

        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (int i = 0; i < layers.Count; i++)
        {
            double bottom = 0;
            foreach ((_, Color colour, Func<Format.DczLayerInspection, int> bytes) in parts)
            {
                int b = bytes(layers[i]);
                if (b > 0)
                {
                    bars.Add(new Bar { Position = i, ValueBase = bottom, Value = bottom + b, FillColor = colour, LineWidth = 0, Size = 0.6 });
                    bottom += b;
                }
            }

            bars[^1].Label = layers[i].TotalBytes.ToString("N0", CultureInfo.InvariantCulture);
            ticks.Add(new Tick(i, layers[i].Name));
        }

        ScottPlot.Plottables.BarPlot barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontName = Charts.FontName;
        barPlot.ValueLabelStyle.FontSize = 12;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Legend.ManualItems.AddRange(parts.Select(p => new LegendItem { LabelText = p.Label, FillColor = p.Colour }));
        plot.Legend.FontName = Charts.FontName;
        plot.ShowLegend(Alignment.UpperRight);
        return Charts.Png(plot, Math.Max(480, 140 + (120 * layers.Count)), 400);
    }
}
