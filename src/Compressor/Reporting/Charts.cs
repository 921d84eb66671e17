using ScottPlot;
using SkiaSharp;

namespace EmbeddedNets.Compressor.Reporting;

/// <summary>
/// The common look of every chart the compressor draws (ScottPlot 5 on SkiaSharp): one sans-serif
/// font, one palette, white background, PNG output as bytes (callers write them atomically).
/// </summary>
/// <remarks>
/// The same data gives the same PNG bytes on one machine: ScottPlot and Skia draw without clocks
/// or random numbers and the PNG encoder writes no timestamp. Across machines the bytes may
/// differ: text is rasterised from whatever font file <see cref="FontName"/> resolves to there,
/// and Skia picks SIMD code paths by CPU, which may round anti-aliased edges differently.
/// </remarks>
internal static class Charts
{
    public static readonly Color Grey = new(150, 150, 150);
    public static readonly Color Blue = new(31, 119, 180);
    public static readonly Color Orange = new(255, 127, 14);
    public static readonly Color Green = new(44, 160, 44);
    public static readonly Color Red = new(214, 39, 40);
    public static readonly Color Purple = new(148, 103, 189);
    public static readonly Color Brown = new(140, 86, 75);
    public static readonly Color Pink = new(227, 119, 194);
    public static readonly Color Olive = new(188, 189, 34);
    public static readonly Color Cyan = new(23, 190, 207);
    public static readonly Color Black = new(0, 0, 0);

    // Preferred families, first present wins: common sans-serif fonts of Linux, Windows and macOS.
    private static readonly string[] s_fontPreference = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Segoe UI"];

    private static readonly Color[] s_series = [Blue, Orange, Green, Red, Purple, Brown, Pink, Olive, Cyan, Grey];

    private static readonly Lazy<string> s_fontName = new(PickFont);

    /// <summary>The font family every chart uses: the first of a list of common sans-serif fonts installed here, else Skia's default.</summary>
    public static string FontName => s_fontName.Value;

    /// <summary>A colour per series, cycling through ten.</summary>
    public static Color Series(int index) => s_series[index % s_series.Length];

    /// <summary>A plot in the house style with optional title and axis labels.</summary>
    public static Plot Create(string? title = null, string? xLabel = null, string? yLabel = null)
    {
        var plot = new Plot();
        plot.Font.Set(FontName);
        if (title is not null)
        {
            plot.Title(title, 15);
        }

        if (xLabel is not null)
        {
            plot.XLabel(xLabel, 13);
        }

        if (yLabel is not null)
        {
            plot.YLabel(yLabel, 13);
        }

        return plot;
    }

    /// <summary>The plot rendered as a PNG of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static byte[] Png(Plot plot, int width, int height) => plot.GetImageBytes(width, height, ImageFormat.Png);

    /// <summary>Several plots stacked in rows (each row the same height), as one PNG.</summary>
    public static byte[] Png(Multiplot multiplot, int width, int height) => multiplot.Render(width, height).GetImageBytes(ImageFormat.Png);

    /// <summary>
    /// Counts of <paramref name="values"/> in <paramref name="bins"/> equal bins over
    /// [−<paramref name="range"/>, <paramref name="range"/>]; values outside go to the end bins.
    /// </summary>
    public static int[] Histogram(ReadOnlySpan<float> values, double range, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        if (!(range > 0) || !double.IsFinite(range))
        {
            throw new ArgumentOutOfRangeException(nameof(range), range, "the histogram range must be positive and finite");
        }

        var counts = new int[bins];
        foreach (float v in values)
        {
            int b = (int)Math.Floor((v + range) / (2 * range) * bins);
            counts[Math.Clamp(b, 0, bins - 1)]++;
        }

        return counts;
    }

    /// <summary>Adds <paramref name="counts"/> (from <see cref="Histogram"/>) as touching bars over [−range, range].</summary>
    public static void AddHistogram(Plot plot, int[] counts, double range, Color colour)
    {
        double width = 2 * range / counts.Length;
        var bars = new List<Bar>(counts.Length);
        for (int b = 0; b < counts.Length; b++)
        {
            if (counts[b] > 0)
            {
                bars.Add(new Bar { Position = -range + ((b + 0.5) * width), Value = counts[b], Size = width, FillColor = colour, LineWidth = 0 });
            }
        }

        plot.Add.Bars(bars);
        plot.Axes.SetLimits(-range, range, 0, Math.Max(1, counts.Max()) * 1.05);
    }

    /// <summary>A largest magnitude for a symmetric axis: the largest |value|, or 1 for an empty or all-zero list.</summary>
    public static double MaxAbs(ReadOnlySpan<float> values)
    {
        double m = 0;
        foreach (float v in values)
        {
            m = Math.Max(m, Math.Abs(v));
        }

        return m == 0 ? 1 : m;
    }

    private static string PickFont()
    {
        var installed = new HashSet<string>(SKFontManager.Default.FontFamilies, StringComparer.OrdinalIgnoreCase);
        return s_fontPreference.FirstOrDefault(installed.Contains) ?? Fonts.Default;
    }
}
