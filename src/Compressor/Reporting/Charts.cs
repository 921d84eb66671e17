using ScottPlot;
using SkiaSharp;

namespace EmbeddedNets.Compressor.Reporting;

/// <summary>
/// The common look of every chart the compressor draws (ScottPlot 5 on SkiaSharp): one sans-serif
/// font, one palette, white background, PNG output as bytes (callers write them atomically).
/// </summary>
/// <remarks>
/// <para>
/// The font is loaded from a file (<see cref="FontFile"/>), not looked up by family name: the
/// SkiaSharp natives without fontconfig that the compressor ships on Linux
/// (<c>SkiaSharp.NativeAssets.Linux.NoDependencies</c> 4.x) list no system fonts at all, and
/// ScottPlot then draws every label as nothing. A named file also pins the glyphs.
/// </para>
/// <para>
/// The same data gives the same PNG bytes on one machine: ScottPlot and Skia draw without clocks
/// or random numbers and the PNG encoder writes no timestamp. Across machines the bytes may
/// differ: the font file found there may be another one (or another version), and Skia picks SIMD
/// code paths by CPU, which may round anti-aliased edges differently.
/// </para>
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

    // Sans-serif font files, first found wins (regular, bold): Linux, then Windows and macOS.
    private static readonly (string Family, string Regular, string Bold)[] s_fontFiles =
    [
        ("DejaVu Sans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("Liberation Sans", "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
        ("Arial", "arial.ttf", "arialbd.ttf"),
        ("Arial", "Arial.ttf", "Arial Bold.ttf"),
    ];

    private static readonly Color[] s_series = [Blue, Orange, Green, Red, Purple, Brown, Pink, Olive, Cyan, Grey];

    private static readonly Lazy<(string Name, string? File)> s_font = new(LoadFont);

    /// <summary>The font family every chart uses (registered with ScottPlot from <see cref="FontFile"/> when one was found).</summary>
    public static string FontName => s_font.Value.Name;

    /// <summary>The font file the charts' text is drawn with; null when none of the known files is installed (then Skia's default font, which may have no glyphs).</summary>
    public static string? FontFile => s_font.Value.File;

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

    private static (string Name, string? File) LoadFont()
    {
        var folders = new List<string> { "/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts", "/Library/Fonts" };
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0)
        {
            folders.Add(Path.Combine(home, ".local", "share", "fonts"));
            folders.Add(Path.Combine(home, ".fonts"));
        }

        string windows = Environment.GetFolderPath(Environment.SpecialFolder.Fonts);
        if (windows.Length > 0)
        {
            folders.Add(windows);
        }

        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MatchCasing = MatchCasing.CaseSensitive };
        foreach (string folder in folders.Where(Directory.Exists))
        {
            foreach (string file in Directory.EnumerateFiles(folder, "*.ttf", options).Order(StringComparer.Ordinal))
            {
                files.TryAdd(Path.GetFileName(file), file);
            }
        }

        foreach ((string family, string regular, string bold) in s_fontFiles)
        {
            if (files.TryGetValue(regular, out string? regularPath))
            {
                Fonts.AddFontFile(family, regularPath, bold: false, italic: false);
                Fonts.AddFontFile(family, files.TryGetValue(bold, out string? boldPath) ? boldPath : regularPath, bold: true, italic: false);
                return (family, regularPath);
            }
        }

        // No known file: whatever the font manager offers (with fontconfig natives it finds the
        // system fonts by name).
        string? any = SKFontManager.Default.FontFamilies.FirstOrDefault();
        return (any ?? Fonts.Default, null);
    }
}
