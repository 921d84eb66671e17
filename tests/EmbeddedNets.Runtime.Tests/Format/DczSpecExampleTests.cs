using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>Keeps docs/dcz-format.md honest: its worked example must be what the writer produces.</summary>
public sealed class DczSpecExampleTests
{
    private static string SpecText() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "dcz-format.md"));

    /// <summary>The bytes of the first <c>```hex</c> block of the spec.</summary>
    private static byte[] SpecExampleBytes()
    {
        string text = SpecText();
        int start = text.IndexOf("```hex", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/dcz-format.md has no ```hex block");
        start = text.IndexOf('\n', start) + 1;
        int end = text.IndexOf("```", start, StringComparison.Ordinal);
        string[] tokens = text[start..end].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return tokens.Select(t => byte.Parse(t, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public void Write_SpecExampleModel_ProducesTheBytesInTheSpec()
    {
        byte[] written = DczFile.Write(DczTestModels.SpecExample());

        byte[] documented = SpecExampleBytes();

        Assert.True(
            documented.SequenceEqual(written),
            "docs/dcz-format.md is out of date; the writer produces:\n" + string.Join(" ", written.Select(b => b.ToString("X2", CultureInfo.InvariantCulture))));
    }

    [Fact]
    public void Read_SpecExampleBytes_GivesTheExampleModel()
    {
        DczModel read = DczFile.Read(SpecExampleBytes());

        Assert.Null(DczTestModels.FirstDifference(DczTestModels.SpecExample(), read));
    }

    [Fact]
    public void Inspect_SpecExampleBytes_MatchesTheDocumentedAccounting()
    {
        DczInspection inspection = DczFile.Inspect(SpecExampleBytes());
        DczLayerInspection fc = inspection.Layers[0];

        // The numbers the spec's accounting paragraph states.
        Assert.Equal(SpecExampleBytes().Length, inspection.FileBytes);
        Assert.Equal(16, inspection.HeaderBytes);
        Assert.Equal(4, fc.KeptCount);
        Assert.Equal(1, fc.FillerCount);
        Assert.Equal(8, fc.CodebookBytes);
        Assert.Equal(8, fc.BiasBytes);
        string spec = SpecText();
        Assert.Contains(FormattableString.Invariant($"{inspection.FileBytes} bytes in all"), spec, StringComparison.Ordinal);
        Assert.Contains(FormattableString.Invariant($"weight stream: {fc.WeightStreamBits} bits"), spec, StringComparison.Ordinal);
        Assert.Contains(FormattableString.Invariant($"gap stream: {fc.GapStreamBits} bits"), spec, StringComparison.Ordinal);
    }
}
