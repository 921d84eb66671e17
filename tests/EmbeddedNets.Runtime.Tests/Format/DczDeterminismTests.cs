using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

public sealed class DczDeterminismTests
{
    /// <summary>A culture with U+2212 as minus sign and a decimal comma, built on the invariant data.</summary>
    internal static CultureInfo OddCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = "\u00A0";
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
    public void Write_UnderOddCulture_GivesSameBytes()
    {
        var models = Enumerable.Range(0, 20).Select(DczTestModels.Random).ToList();
        var expected = models.Select(DczFile.Write).ToList();
        CultureInfo previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = OddCulture();

            for (int i = 0; i < models.Count; i++)
            {
                Assert.Equal(expected[i], DczFile.Write(models[i]));
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
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
