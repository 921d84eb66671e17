using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Quantization;
using EmbeddedNets.Compressor.Training;

namespace EmbeddedNets.Compressor.Tests;

public class KMeansTests
{
    private static readonly double[] s_centres = { -0.8, -0.1, 0.3, 1.2 };

    /// <summary>Four tight, well separated clusters of 200 values each, shuffled.</summary>
    private static float[] FourClusters(out int[] truth)
    {
        var rng = new SplitMix64(42);
        var values = new List<(float Value, int Cluster)>();
        for (int c = 0; c < s_centres.Length; c++)
        {
            for (int i = 0; i < 200; i++)
            {
                double noise = ((rng.Next() >> 11) * (1.0 / (1UL << 53)) - 0.5) * 0.05;
                values.Add(((float)(s_centres[c] + noise), c));
            }
        }

        long[] order = rng.Permutation(values.Count);
        truth = order.Select(i => values[(int)i].Cluster).ToArray();
        return order.Select(i => values[(int)i].Value).ToArray();
    }

    [Theory]
    [InlineData(CentroidInit.Linear)]
    [InlineData(CentroidInit.Density)]
    [InlineData(CentroidInit.Random)]
    public void Cluster_FourSeparatedClusters_RecoversEachClusterAndItsMean(CentroidInit init)
    {
        float[] values = FourClusters(out int[] truth);

        KMeansResult result = KMeans.Cluster(values, 4, init, seed: 7, maxIterations: 100);

        Assert.True(result.Converged);
        Assert.Equal(4, result.Centroids.Length);
        for (int c = 0; c < 4; c++)
        {
            double mean = values.Where((_, i) => truth[i] == c).Average(v => (double)v);
            Assert.Equal(mean, result.Centroids[c], 9);
        }

        // Centroids are ascending, as the true centres are, so cluster c must be centroid c.
        Assert.Equal(truth, result.Assignment);
    }

    [Fact]
    public void Cluster_FewerDistinctValuesThanK_UsesEachValueExactly()
    {
        float[] values = { 0.5f, -0.25f, 0.5f, 0.75f, -0.25f };

        KMeansResult result = KMeans.Cluster(values, 16, CentroidInit.Linear, 0, 10);

        Assert.Equal(new[] { -0.25, 0.5, 0.75 }, result.Centroids);
        Assert.Equal(new[] { 1, 0, 1, 2, 0 }, result.Assignment);
    }

    [Fact]
    public void Cluster_LinearInit_SpansMinToMaxEvenly()
    {
        double[] sorted = { -1, -0.5, 0, 0.2, 3 };

        double[] initial = KMeans.Initial(sorted, sorted, 5, CentroidInit.Linear, 0);

        Assert.Equal(new[] { -1.0, 0.0, 1.0, 2.0, 3.0 }, initial);
    }

    [Fact]
    public void Cluster_DensityInit_PutsMoreCentroidsWhereWeightsAreDense()
    {
        // 90 values near zero, 10 spread out: a CDF init puts most centroids in the dense region.
        double[] sorted = Enumerable.Range(0, 90).Select(i => (i - 45) * 0.001)
            .Concat(Enumerable.Range(1, 10).Select(i => i * 1.0)).Order().ToArray();

        double[] initial = KMeans.Initial(sorted, sorted, 10, CentroidInit.Density, 0);

        Assert.Equal(9, initial.Count(c => Math.Abs(c) < 0.05));
    }

    [Fact]
    public void Cluster_RandomInit_DependsOnlyOnTheSeed()
    {
        float[] values = FourClusters(out _);

        KMeansResult a = KMeans.Cluster(values, 8, CentroidInit.Random, 3, 100);
        KMeansResult b = KMeans.Cluster(values, 8, CentroidInit.Random, 3, 100);
        double[] other = KMeans.Initial(values.Select(v => (double)v).Order().ToArray(), values.Select(v => (double)v).Distinct().Order().ToArray(), 8, CentroidInit.Random, 4);
        double[] first = KMeans.Initial(values.Select(v => (double)v).Order().ToArray(), values.Select(v => (double)v).Distinct().Order().ToArray(), 8, CentroidInit.Random, 3);

        Assert.Equal(a.Centroids, b.Centroids);
        Assert.Equal(a.Assignment, b.Assignment);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Cluster_EveryValueGoesToItsNearestCentroid()
    {
        var rng = new SplitMix64(5);
        float[] values = Enumerable.Range(0, 2000).Select(_ => (float)(((rng.Next() >> 11) * (1.0 / (1UL << 53))) * 2 - 1)).ToArray();

        KMeansResult result = KMeans.Cluster(values, 32, CentroidInit.Linear, 0, 1000);

        for (int i = 0; i < values.Length; i++)
        {
            double own = Math.Abs(values[i] - result.Centroids[result.Assignment[i]]);
            Assert.All(result.Centroids, c => Assert.True(own <= Math.Abs(values[i] - c) + 1e-12));
        }
    }

    [Fact]
    public void Cluster_BadInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => KMeans.Cluster(Array.Empty<float>(), 4, CentroidInit.Linear, 0, 10));
        Assert.Throws<ArgumentException>(() => KMeans.Cluster(new[] { 1f, float.NaN }, 4, CentroidInit.Linear, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Cluster(new[] { 1f }, 0, CentroidInit.Linear, 0, 10));
    }
}
