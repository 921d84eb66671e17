using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Training;

namespace EmbeddedNets.Compressor.Quantization;

/// <summary>The outcome of clustering one layer's kept weights.</summary>
/// <param name="Centroids">The shared weights, ascending; every one has at least one member.</param>
/// <param name="Assignment">For each input value (in the caller's order), the index of its centroid.</param>
/// <param name="Iterations">Lloyd iterations run.</param>
/// <param name="Converged">True when the last iteration changed no assignment (false when the cap stopped it).</param>
internal sealed record KMeansResult(double[] Centroids, int[] Assignment, int Iterations, bool Converged);

/// <summary>
/// One-dimensional k-means over a layer's kept weights (paper Section 3.1): pruned zeros are not
/// passed in, so they never form or pull a cluster. Everything runs in double precision on a
/// sorted copy, so the result depends only on the values, k, the init and the seed — never on
/// thread count or platform.
/// </summary>
internal static class KMeans
{
    /// <summary>
    /// Clusters <paramref name="values"/> into at most <paramref name="k"/> shared values (fewer
    /// when there are fewer distinct values, or when a cluster ends up empty, which is then dropped).
    /// </summary>
    /// <param name="values">The kept weights, in any order; at least one.</param>
    /// <param name="k">Largest codebook size (2^bits).</param>
    /// <param name="init">How the initial centroids are chosen.</param>
    /// <param name="seed">Seed of the <see cref="CentroidInit.Random"/> init (ignored by the others).</param>
    /// <param name="maxIterations">Cap on Lloyd iterations.</param>
    public static KMeansResult Cluster(ReadOnlySpan<float> values, int k, CentroidInit init, ulong seed, int maxIterations)
    {
        if (values.Length == 0)
        {
            throw new ArgumentException("k-means needs at least one value", nameof(values));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("k-means input holds a value that is not finite", nameof(values));
            }
        }

        // Sort once (stable on ties through the original index) and work on the sorted values:
        // in 1-D each cluster is then a contiguous run, and assignment is a merge of two sorted lists.
        int n = values.Length;
        var order = new int[n];
        var sorted = new double[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        float[] copy = values.ToArray();
        Array.Sort(order, (a, b) => copy[a] != copy[b] ? copy[a].CompareTo(copy[b]) : a.CompareTo(b));
        for (int i = 0; i < n; i++)
        {
            sorted[i] = copy[order[i]];
        }

        double[] distinct = Distinct(sorted);
        double[] centroids = distinct.Length <= k ? distinct : Initial(sorted, distinct, k, init, seed);

        var assignment = new int[n];
        Assign(sorted, centroids, assignment);
        int iterations = 0;
        bool converged = distinct.Length <= k;
        var sums = new double[centroids.Length];
        var counts = new int[centroids.Length];
        while (!converged && iterations < maxIterations)
        {
            iterations++;
            Array.Clear(sums);
            Array.Clear(counts);
            for (int i = 0; i < n; i++)
            {
                sums[assignment[i]] += sorted[i];
                counts[assignment[i]]++;
            }

            for (int c = 0; c < centroids.Length; c++)
            {
                // An empty cluster keeps its place; it is dropped after the loop.
                if (counts[c] > 0)
                {
                    centroids[c] = sums[c] / counts[c];
                }
            }

            // Means of contiguous runs of a sorted list stay sorted, but an empty cluster kept in
            // place might not be: keep the invariant explicitly.
            Array.Sort(centroids);
            converged = !Assign(sorted, centroids, assignment);
        }

        // Drop empty clusters and renumber.
        Array.Clear(counts);
        foreach (int a in assignment)
        {
            counts[a]++;
        }

        var remap = new int[centroids.Length];
        var kept = new List<double>(centroids.Length);
        for (int c = 0; c < centroids.Length; c++)
        {
            remap[c] = kept.Count;
            if (counts[c] > 0)
            {
                kept.Add(centroids[c]);
            }
        }

        var result = new int[n];
        for (int i = 0; i < n; i++)
        {
            result[order[i]] = remap[assignment[i]];
        }

        return new KMeansResult(kept.ToArray(), result, iterations, converged);
    }

    /// <summary>The initial centroids (ascending, distinct) for more distinct values than k.</summary>
    internal static double[] Initial(double[] sorted, double[] distinct, int k, CentroidInit init, ulong seed)
    {
        var c = new double[k];
        switch (init)
        {
            case CentroidInit.Linear:
            {
                // Evenly spaced over [min, max] of the weights (paper: "linear initialization").
                double min = sorted[0], max = sorted[^1];
                for (int i = 0; i < k; i++)
                {
                    c[i] = k == 1 ? (min + max) / 2 : min + ((max - min) * i / (k - 1));
                }

                break;
            }

            case CentroidInit.Density:
            {
                // Evenly spaced on the y-axis of the weights' CDF, read back on the x-axis:
                // the (i + ½)/k quantiles.
                for (int i = 0; i < k; i++)
                {
                    double q = (i + 0.5) / k * sorted.Length;
                    c[i] = sorted[Math.Min(sorted.Length - 1, (int)q)];
                }

                break;
            }

            case CentroidInit.Random:
            {
                // k distinct weights drawn uniformly (Forgy), seeded.
                long[] pick = new SplitMix64(seed).Permutation(distinct.Length);
                for (int i = 0; i < k; i++)
                {
                    c[i] = distinct[pick[i]];
                }

                break;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "unknown centroid init");
        }

        Array.Sort(c);
        return c;
    }

    /// <summary>Assigns each sorted value to its nearest centroid (ties to the lower); returns true if anything changed.</summary>
    private static bool Assign(double[] sorted, double[] centroids, int[] assignment)
    {
        bool changed = false;
        int c = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            double v = sorted[i];
            // Values are ascending, so the nearest centroid index never decreases. Equal centroids
            // (a density init on repeated values) are stepped over, leaving the earlier ones empty.
            while (c + 1 < centroids.Length
                && (centroids[c + 1] == centroids[c] || Math.Abs(centroids[c + 1] - v) < Math.Abs(centroids[c] - v)))
            {
                c++;
            }

            if (assignment[i] != c)
            {
                assignment[i] = c;
                changed = true;
            }
        }

        return changed;
    }

    private static double[] Distinct(double[] sorted)
    {
        var list = new List<double>();
        foreach (double v in sorted)
        {
            if (list.Count == 0 || list[^1] != v)
            {
                list.Add(v);
            }
        }

        return list.ToArray();
    }
}
