using System.Buffers.Binary;
using EmbeddedNets.Compressor.Reporting;

namespace EmbeddedNets.Compressor.Tests;

public class ChartsTests
{
    private static readonly float[] s_weights = Enumerable.Range(0, 2000).Select(i => (float)Math.Sin(i * 0.37) * 0.05f).ToArray();

    [Fact]
    public void Histogram_CountsEveryValueOnce_ClampingToTheEndBins()
    {
        int[] counts = Charts.Histogram(new float[] { -2f, -1f, -0.1f, 0f, 0.1f, 0.99f, 5f }, 1.0, 4);

        Assert.Equal(new[] { 2, 1, 2, 2 }, counts);
    }

    [Fact]
    public void WeightHistograms_SameDataTwice_SameBytes_APngOfTheAskedSize()
    {
        float[] kept = s_weights.Where(w => Math.Abs(w) > 0.02f).ToArray();

        byte[] a = Plots.WeightHistograms("fc", s_weights, kept, 0.05);
        byte[] b = Plots.WeightHistograms("fc", s_weights, kept, 0.05);

        Assert.Equal(a, b);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, a[..4]);
        Assert.Equal(720, BinaryPrimitives.ReadInt32BigEndian(a.AsSpan(16)));
        Assert.Equal(560, BinaryPrimitives.ReadInt32BigEndian(a.AsSpan(20)));
        Assert.NotEqual(a, Plots.Codebook("fc", kept, new[] { -0.04f, 0.04f }));
    }

    [Fact]
    public void Font_IsLoadedFromAFile_AndHasGlyphs()
    {
        // Without it ScottPlot draws every label as nothing (SkiaSharp's Linux natives without
        // fontconfig find no system font by name). CI installs DejaVu Sans.
        Assert.NotNull(Charts.FontFile);
        Assert.True(ScottPlot.Fonts.GetTypeface(Charts.FontName, bold: false, italic: false).GlyphCount > 100);
        Assert.True(ScottPlot.Fonts.GetTypeface(Charts.FontName, bold: true, italic: false).GlyphCount > 100);
    }

    [Fact]
    public void Plot_WithATitle_DrawsMoreInkThanWithout()
    {
        // Text that renders as nothing would leave the two images identical.
        static int Ink(byte[] png)
        {
            using SkiaSharp.SKBitmap bitmap = SkiaSharp.SKBitmap.Decode(png);
            int dark = 0;
            for (int y = 0; y < 60; y++)
            {
                for (int x = 0; x < bitmap.Width; x++)
                {
                    dark += bitmap.GetPixel(x, y).Red < 128 ? 1 : 0;
                }
            }

            return dark;
        }

        byte[] titled = Charts.Png(Charts.Create("Weights per bin 0.123 %"), 400, 300);
        byte[] plain = Charts.Png(Charts.Create(), 400, 300);

        Assert.True(Ink(titled) > Ink(plain) + 50, $"{Ink(titled)} vs {Ink(plain)} dark pixels in the top band");
    }
}
