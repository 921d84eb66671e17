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
    public void FontName_IsAnInstalledFamily()
    {
        Assert.Contains(Charts.FontName, SkiaSharp.SKFontManager.Default.FontFamilies);
    }
}
