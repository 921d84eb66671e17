using System.Globalization;
using EmbeddedNets.Compressor.Data;

namespace EmbeddedNets.Compressor.Reporting;

/// <summary>An RGB raster with the few drawing operations the report plots need.</summary>
internal sealed class Canvas
{
    // 3×5 glyphs for tick labels (rows top to bottom, bit 2 = left column).
    private static readonly Dictionary<char, byte[]> s_font = new()
    {
        ['0'] = [7, 5, 5, 5, 7], ['1'] = [2, 6, 2, 2, 7], ['2'] = [7, 1, 7, 4, 7], ['3'] = [7, 1, 7, 1, 7],
        ['4'] = [5, 5, 7, 1, 1], ['5'] = [7, 4, 7, 1, 7], ['6'] = [7, 4, 7, 5, 7], ['7'] = [7, 1, 1, 1, 1],
        ['8'] = [7, 5, 7, 5, 7], ['9'] = [7, 5, 7, 1, 7], ['.'] = [0, 0, 0, 0, 2], ['-'] = [0, 0, 7, 0, 0],
        [','] = [0, 0, 0, 2, 2], ['%'] = [5, 1, 2, 4, 5], [' '] = [0, 0, 0, 0, 0],
    };

    private readonly byte[] _rgb;

    public Canvas(int width, int height)
    {
        Width = width;
        Height = height;
        _rgb = new byte[width * height * 3];
        Array.Fill(_rgb, (byte)255);
    }

    public int Width { get; }

    public int Height { get; }

    public void Fill(int x0, int y0, int x1, int y1, (byte R, byte G, byte B) c)
    {
        for (int y = Math.Max(0, Math.Min(y0, y1)); y <= Math.Min(Height - 1, Math.Max(y0, y1)); y++)
        {
            for (int x = Math.Max(0, Math.Min(x0, x1)); x <= Math.Min(Width - 1, Math.Max(x0, x1)); x++)
            {
                int i = ((y * Width) + x) * 3;
                _rgb[i] = c.R;
                _rgb[i + 1] = c.G;
                _rgb[i + 2] = c.B;
            }
        }
    }

    /// <summary>Draws digits and a few symbols, scaled ×2, with the top-left corner at (x, y); returns the width drawn.</summary>
    public int Text(int x, int y, string text, (byte R, byte G, byte B) c)
    {
        const int Scale = 2;
        int cx = x;
        foreach (char ch in text)
        {
            if (s_font.TryGetValue(ch, out byte[]? rows))
            {
                for (int r = 0; r < 5; r++)
                {
                    for (int b = 0; b < 3; b++)
                    {
                        if ((rows[r] & (4 >> b)) != 0)
                        {
                            Fill(cx + (b * Scale), y + (r * Scale), cx + (b * Scale) + Scale - 1, y + (r * Scale) + Scale - 1, c);
                        }
                    }
                }
            }

            cx += 4 * Scale;
        }

        return cx - x;
    }

    public static int TextWidth(string text) => text.Length * 8;

    public byte[] ToPng() => Png.Encode(Width, Height, _rgb);
}

/// <summary>The report's plots: weight histograms around pruning, codebooks over the weights, bytes per layer.</summary>
internal static class Plots
{
    public static readonly (byte R, byte G, byte B) Grey = (150, 150, 150);
    public static readonly (byte R, byte G, byte B) Blue = (31, 119, 180);
    public static readonly (byte R, byte G, byte B) Orange = (255, 127, 14);
    public static readonly (byte R, byte G, byte B) Red = (214, 39, 40);
    public static readonly (byte R, byte G, byte B) Purple = (148, 103, 189);
    public static readonly (byte R, byte G, byte B) Black = (0, 0, 0);
    public static readonly (byte R, byte G, byte B) Light = (225, 225, 225);

    private const int Bins = 161;

    /// <summary>Writes every plot the input allows; returns (file, caption) pairs in report order.</summary>
    public static IReadOnlyList<(string File, string Caption)> WriteAll(string directory, ReportInput input, InspectionTable table)
    {
        var written = new List<(string, string)>();
        void Save(string file, Canvas canvas, string caption)
        {
            AtomicFile.WriteAllBytes(Path.Combine(directory, file), canvas.ToPng());
            written.Add((file, caption));
        }

        foreach ((string name, float[] centroids) in input.Codebooks)
        {
            float[]? before = input.BaselineWeights?.GetValueOrDefault(name);
            float[]? pruned = input.PrunedWeights?.GetValueOrDefault(name);
            if (before is not null && pruned is not null)
            {
                float[] kept = pruned.Where(v => v != 0).ToArray();
                double range = MaxAbs(before);
                Save($"weights-{name}.png", TwoHistograms(before, kept, range),
                    string.Create(CultureInfo.InvariantCulture, $"{name}: weight distribution of the dense baseline (top, grey, {before.Length:N0} weights) and after pruning and retraining (bottom, blue, {kept.Length:N0} kept); x from {-range:G3} to {range:G3}, zero marked"));
                Save($"codebook-{name}.png", Codebook(kept, centroids),
                    string.Create(CultureInfo.InvariantCulture, $"{name}: the {centroids.Length} shared weights after fine-tuning (red lines) over the histogram of the pruned weights they replace (grey)"));
            }
        }

        if (table.Rows.Count > 0)
        {
            Save("bytes.png", Bytes(table),
                "Bytes per layer, left to right " + string.Join(", ", table.Rows.Select(r => r.Name)) +
                ": relative-index stream (orange), weight-index stream (blue), codebook and Huffman tables (purple), biases and fixed fields (grey); bar labels are the layer's bytes");
        }

        return written;
    }

    private static double MaxAbs(float[] values)
    {
        double m = 0;
        foreach (float v in values)
        {
            m = Math.Max(m, Math.Abs(v));
        }

        return m == 0 ? 1 : m;
    }

    private static int[] Histogram(float[] values, double range)
    {
        var counts = new int[Bins];
        foreach (float v in values)
        {
            int b = (int)Math.Floor((v + range) / (2 * range) * Bins);
            counts[Math.Clamp(b, 0, Bins - 1)]++;
        }

        return counts;
    }

    private static Canvas TwoHistograms(float[] before, float[] after, double range)
    {
        var canvas = new Canvas(660, 440);
        Panel(canvas, 10, Histogram(before, range), Grey, range);
        Panel(canvas, 225, Histogram(after, range), Blue, range);
        return canvas;
    }

    /// <summary>A histogram panel 200 px high starting at <paramref name="top"/>; the count of the tallest bin is printed top-left.</summary>
    private static void Panel(Canvas canvas, int top, int[] counts, (byte R, byte G, byte B) colour, double range)
    {
        const int Left = 60, Right = 650, PlotHeight = 170;
        int bottom = top + PlotHeight;
        int max = Math.Max(1, counts.Max());
        double binWidth = (Right - Left) / (double)Bins;
        canvas.Fill(Left, top, Right, bottom, Light);
        for (int b = 0; b < Bins; b++)
        {
            int h = (int)Math.Round(counts[b] / (double)max * (PlotHeight - 4));
            if (h > 0)
            {
                canvas.Fill(Left + (int)(b * binWidth), bottom - h, Left + (int)((b + 1) * binWidth) - 1, bottom, colour);
            }
        }

        int zero = Left + (int)((Right - Left) / 2.0);
        canvas.Fill(zero, top, zero, bottom, Black);
        canvas.Fill(Left, bottom, Right, bottom, Black);
        canvas.Text(4, top, max.ToString(CultureInfo.InvariantCulture), Black);
        Ticks(canvas, bottom + 6, Left, Right, range);
    }

    private static void Ticks(Canvas canvas, int y, int left, int right, double range)
    {
        string lo = (-range).ToString("F3", CultureInfo.InvariantCulture);
        string hi = range.ToString("F3", CultureInfo.InvariantCulture);
        canvas.Text(left, y, lo, Black);
        canvas.Text(((left + right) / 2) - 4, y, "0", Black);
        canvas.Text(right - Canvas.TextWidth(hi), y, hi, Black);
    }

    private static Canvas Codebook(float[] kept, float[] centroids)
    {
        const int Left = 60, Right = 650, Top = 10, Bottom = 200;
        var canvas = new Canvas(660, 230);
        double range = Math.Max(MaxAbs(kept), centroids.Length == 0 ? 0 : centroids.Max(c => Math.Abs(c)));
        int[] counts = Histogram(kept, range);
        int max = Math.Max(1, counts.Max());
        double binWidth = (Right - Left) / (double)Bins;
        canvas.Fill(Left, Top, Right, Bottom, Light);
        for (int b = 0; b < Bins; b++)
        {
            int h = (int)Math.Round(counts[b] / (double)max * (Bottom - Top - 4));
            if (h > 0)
            {
                canvas.Fill(Left + (int)(b * binWidth), Bottom - h, Left + (int)((b + 1) * binWidth) - 1, Bottom, Grey);
            }
        }

        foreach (float c in centroids)
        {
            int x = Left + (int)Math.Round((c + range) / (2 * range) * (Right - Left));
            canvas.Fill(x, Top, x, Bottom, Red);
        }

        canvas.Fill(Left, Bottom, Right, Bottom, Black);
        canvas.Text(4, Top, max.ToString(CultureInfo.InvariantCulture), Black);
        Ticks(canvas, Bottom + 6, Left, Right, range);
        return canvas;
    }

    private static Canvas Bytes(InspectionTable table)
    {
        const int Top = 30, Bottom = 270, Left = 40;
        int n = table.Rows.Count;
        int barWidth = 90, gap = 50;
        var canvas = new Canvas(Left + (n * (barWidth + gap)) + 20, 300);
        int max = Math.Max(1, table.Rows.Max(r => r.Bytes));
        canvas.Fill(Left - 5, Bottom, canvas.Width - 10, Bottom, Black);
        var layers = table.Inspection.Layers.Where(l => l.DenseWeightCount > 0).ToList();
        for (int i = 0; i < n; i++)
        {
            var l = layers[i];
            int x0 = Left + (i * (barWidth + gap));
            int x1 = x0 + barWidth;
            int y = Bottom;
            foreach ((int bytes, (byte, byte, byte) colour) in new[]
            {
                (l.GapStreamBytes, Orange),
                (l.WeightStreamBytes, Blue),
                (l.CodebookBytes + l.WeightTableBytes + l.GapTableBytes, Purple),
                (l.BiasBytes + l.ParameterBytes + l.RecordHeaderBytes, Grey),
            })
            {
                int h = (int)Math.Round(bytes / (double)max * (Bottom - Top));
                if (h > 0)
                {
                    canvas.Fill(x0, y - h + 1, x1, y, colour);
                    y -= h;
                }
            }

            string label = l.TotalBytes.ToString("N0", CultureInfo.InvariantCulture);
            canvas.Text(x0 + ((barWidth - Canvas.TextWidth(label)) / 2), y - 16, label, Black);
        }

        return canvas;
    }
}
