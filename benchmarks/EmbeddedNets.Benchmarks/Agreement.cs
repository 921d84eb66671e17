using System.Globalization;

namespace EmbeddedNets.Benchmarks;

/// <summary>Checks that an engine computes what the Runtime's double-precision reference computes.</summary>
internal static class Agreement
{
    /// <summary>Largest allowed deviation, relative to the largest reference output's magnitude (at least 1).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>The largest deviation of <paramref name="actual"/> from <paramref name="expected"/>, relative as <see cref="Tolerance"/> is.</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length)
        {
            throw new ArgumentException($"{actual.Length} outputs against {expected.Length} expected.");
        }

        double scale = 1, worst = 0;
        foreach (double e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }

        for (int i = 0; i < actual.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            worst = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(worst, d);
        }

        return worst / scale;
    }

    /// <summary>Throws when <paramref name="actual"/> deviates from <paramref name="expected"/> by more than <see cref="Tolerance"/>.</summary>
    public static void Require(string engine, string model, int image, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        double error = RelativeError(actual, expected);
        if (!(error <= Tolerance))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{engine} on {model}, image {image}: outputs deviate from the reference by {error:G3} (relative), above {Tolerance:G3}."));
        }
    }
}
