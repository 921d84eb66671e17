using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Training;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Quantization;

/// <summary>Starts weight sharing on a layer: k-means over its kept weights, then weights = codebook[assignment].</summary>
internal static class Quantizer
{
    /// <summary>
    /// Clusters the kept (unmasked) weights of <paramref name="state"/> into at most 2^<paramref name="bits"/>
    /// shared values and switches the layer to weight sharing. Pruned positions stay zero and are
    /// not clustered.
    /// </summary>
    public static KMeansResult Quantize(LayerState state, int bits, CentroidInit init, ulong seed, int maxIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 8);
        using var scope = NewDisposeScope();
        float[] weights = state.Layer.Weight.detach().contiguous().data<float>().ToArray();
        float[]? mask = state.Mask?.contiguous().data<float>().ToArray();
        var kept = new List<long>(weights.Length);
        for (int i = 0; i < weights.Length; i++)
        {
            if (mask is null || mask[i] != 0)
            {
                kept.Add(i);
            }
        }

        if (kept.Count == 0)
        {
            throw new InvalidOperationException($"layer {state.Name}: every weight is pruned; lower its prune quality");
        }

        var values = new float[kept.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = weights[kept[i]];
        }

        KMeansResult result = KMeans.Cluster(values, 1 << bits, init, seed, maxIterations);
        float[] centroids = result.Centroids.Select(c => (float)c).ToArray();
        long[] assignment = result.Assignment.Select(a => (long)a).ToArray();
        state.SetQuantization(
            OwnedTensors.From(kept.ToArray(), new long[] { kept.Count }),
            OwnedTensors.From(centroids, new long[] { centroids.Length }),
            OwnedTensors.From(assignment, new long[] { assignment.Length }),
            bits);
        return result;
    }
}
