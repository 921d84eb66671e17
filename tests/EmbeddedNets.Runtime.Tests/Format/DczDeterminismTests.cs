using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

public sealed class DczDeterminismTests
{
    /// <summary>A culture with U+2212 as minus sign, a decimal comma and its own NaN and infinity, built on the invariant data.</summary>
    internal static CultureInfo OddCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = "\u00A0";
        culture.NumberFormat.NaNSymbol = "NeuN";
        culture.NumberFormat.PositiveInfinitySymbol = "\u221E";
        culture.NumberFormat.NegativeInfinitySymbol = "\u2212\u221E";
        return culture;
    }

    [Fact]
    public void Write_SameModelTwice_GivesSameBytes()
    {
        for (int seed = 0; seed < 40; seed++)
        {
            // Two independently built but equal models, and the same instance twice.
            DczModel first = DczTestModels.Random(seed);
            DczModel second = DczTestModels.Random(seed);

            byte[] a = DczFile.Write(first);

            Assert.Equal(a, DczFile.Write(second));
            Assert.Equal(a, DczFile.Write(first));
        }
    }

    [Fact]
    public void ReadErrors_UnderOddCulture_SameMessages()
    {
        // The writer formats no text, so the bytes cannot depend on the culture; what the reader
        // says about a bad file does format numbers (values, sizes, shapes), and a user's culture
        // must not change it. The corpus reaches float values in messages ("… is NaN, must be
        // finite"), which the odd culture spells differently.
        var corpus = Enumerable.Range(0, 8)
            .SelectMany(seed => DczMutations.Corpus(DczFile.Write(DczTestModels.Random(seed)), 400, seed, rewriteChecksum: true))
            .ToList();
        string?[] Messages() => corpus.Select(m =>
        {
            try
            {
                DczFile.Read(m.Bytes);
                return null;
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                return e.Message;
            }
        }).ToArray();

        string?[] invariant = Messages();
        string?[] odd;
        CultureInfo previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = OddCulture();
            odd = Messages();
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }

        Assert.Contains(invariant, m => m is not null && m.Contains("must be finite", StringComparison.Ordinal));
        for (int i = 0; i < corpus.Count; i++)
        {
            Assert.True(invariant[i] == odd[i], $"{corpus[i]}: '{invariant[i]}' under the invariant culture, '{odd[i]}' under one with U+2212 and a decimal comma");
        }
    }

    [Fact]
    public void Write_ReadBack_GivesSameBytes()
    {
        for (int seed = 100; seed < 140; seed++)
        {
            byte[] bytes = DczFile.Write(DczTestModels.Random(seed));

            Assert.Equal(bytes, DczFile.Write(DczFile.Read(bytes)));
        }
    }
}
