using System.Globalization;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Quantization;
using EmbeddedNets.Compressor.Training;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Search;

/// <summary>One point of a layer's pruning curve.</summary>
/// <param name="Quality">The quality parameter: threshold = quality × the layer's reference standard deviation.</param>
/// <param name="Threshold">The magnitude threshold it gives.</param>
/// <param name="KeptFraction">Fraction of the layer's weights left nonzero, 0–1.</param>
/// <param name="Accuracy">Accuracy of the network with only this layer pruned so, 0–1.</param>
public sealed record PruningPoint(double Quality, double Threshold, double KeptFraction, double Accuracy);

/// <summary>One point of a layer's weight-sharing curve.</summary>
/// <param name="Bits">Bits per weight index (codebook of at most 2^bits shared weights).</param>
/// <param name="Centroids">Shared weights k-means ended with.</param>
/// <param name="Accuracy">Accuracy of the network with only this layer quantized so (no fine-tuning), 0–1.</param>
/// <param name="EntropyBits">Shannon entropy of the layer's codebook indices, bits per kept weight: about what Huffman coding needs.</param>
public sealed record BitsPoint(int Bits, int Centroids, double Accuracy, double EntropyBits);

/// <summary>How one weighted layer reacts to pruning and to weight sharing, the other layers untouched.</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Weights">Weights of the layer.</param>
/// <param name="Kept">Weights kept when the analysis ran (all of them for a dense network).</param>
/// <param name="ReferenceStd">The standard deviation the qualities are multiplied with.</param>
/// <param name="Pruning">Accuracy per pruning quality, ascending.</param>
/// <param name="Bits">Accuracy per bit width, ascending.</param>
public sealed record LayerSensitivity(string Name, long Weights, long Kept, double ReferenceStd, IReadOnlyList<PruningPoint> Pruning, IReadOnlyList<BitsPoint> Bits)
{
    // Accuracies are ratios of image counts; a drop equal to the allowance must count as within
    // it although the subtraction rounds (0.90 − 0.88 = 0.020000000000000018).
    private const double Tolerance = 1e-9;

    /// <summary>
    /// The largest quality whose accuracy drop from <paramref name="reference"/> is at most
    /// <paramref name="drop"/> (0–1), interpolated linearly between measured qualities; 0 when
    /// even the mildest measured pruning costs more.
    /// </summary>
    public double QualityForDrop(double reference, double drop)
    {
        double best = 0;
        for (int i = 0; i < Pruning.Count; i++)
        {
            double lost = reference - Pruning[i].Accuracy;
            if (lost <= drop + Tolerance)
            {
                best = Pruning[i].Quality;
                continue;
            }

            // The first measured quality past the allowance: interpolate from the previous point.
            if (i > 0)
            {
                double previousLost = reference - Pruning[i - 1].Accuracy;
                if (previousLost <= drop + Tolerance && lost > previousLost)
                {
                    double t = Math.Clamp((drop - previousLost) / (lost - previousLost), 0, 1);
                    best = Pruning[i - 1].Quality + (t * (Pruning[i].Quality - Pruning[i - 1].Quality));
                }
            }

            break;
        }

        return best;
    }

    /// <summary>The accuracy drop of pruning at <paramref name="quality"/> from <paramref name="reference"/>, interpolated between measured qualities.</summary>
    public double DropAt(double reference, double quality)
    {
        if (Pruning.Count == 0)
        {
            return 0;
        }

        if (quality <= Pruning[0].Quality)
        {
            return reference - Pruning[0].Accuracy;
        }

        for (int i = 1; i < Pruning.Count; i++)
        {
            if (quality <= Pruning[i].Quality)
            {
                double t = (quality - Pruning[i - 1].Quality) / (Pruning[i].Quality - Pruning[i - 1].Quality);
                return reference - (Pruning[i - 1].Accuracy + (t * (Pruning[i].Accuracy - Pruning[i - 1].Accuracy)));
            }
        }

        return reference - Pruning[^1].Accuracy;
    }

    /// <summary>The fraction of weights kept by pruning at <paramref name="quality"/>, interpolated between measured qualities.</summary>
    public double KeptAt(double quality)
    {
        if (Pruning.Count == 0)
        {
            return 1;
        }

        if (quality <= Pruning[0].Quality)
        {
            return Pruning[0].KeptFraction;
        }

        for (int i = 1; i < Pruning.Count; i++)
        {
            if (quality <= Pruning[i].Quality)
            {
                double t = (quality - Pruning[i - 1].Quality) / (Pruning[i].Quality - Pruning[i - 1].Quality);
                return Pruning[i - 1].KeptFraction + (t * (Pruning[i].KeptFraction - Pruning[i - 1].KeptFraction));
            }
        }

        return Pruning[^1].KeptFraction;
    }

    /// <summary>The fewest bits whose accuracy drop from <paramref name="reference"/> is at most <paramref name="drop"/> (0–1); the widest measured when none is.</summary>
    public int BitsForDrop(double reference, double drop)
    {
        foreach (BitsPoint p in Bits)
        {
            if (reference - p.Accuracy <= drop + Tolerance)
            {
                return p.Bits;
            }
        }

        return Bits.Count == 0 ? 8 : Bits[^1].Bits;
    }
}

/// <summary>The outcome of a sensitivity analysis.</summary>
/// <param name="Model">Architecture name.</param>
/// <param name="Stage">Which network was analysed: <c>baseline</c> (dense) or <c>pruned</c>.</param>
/// <param name="Split">Which images the accuracies are measured on (<c>validation</c>).</param>
/// <param name="Images">How many.</param>
/// <param name="ReferenceAccuracy">Accuracy of the network as it was, 0–1.</param>
/// <param name="Layers">One entry per weighted layer, in network order.</param>
public sealed record SensitivityResult(string Model, string Stage, string Split, int Images, double ReferenceAccuracy, IReadOnlyList<LayerSensitivity> Layers);

/// <summary>
/// Per-layer sensitivity (Han et al. 2015 Fig. 5 and 2016 Fig. 6 style): for each weighted layer
/// alone, the accuracy after magnitude pruning at a range of quality parameters and after k-means
/// weight sharing at a range of bit widths, without retraining, every other layer as it was. The
/// network is restored exactly after each measurement. Works on any architecture the compressor
/// builds: it only sees the weighted layers' tensors.
/// </summary>
internal static class SensitivityAnalysis
{
    /// <summary>Qualities measured by default: 0 to 4 in steps of 0.25.</summary>
    public static IReadOnlyList<double> DefaultQualities { get; } = Enumerable.Range(0, 17).Select(i => i * 0.25).ToArray();

    /// <summary>Bit widths measured by default: 1 to 8.</summary>
    public static IReadOnlyList<int> DefaultBits { get; } = Enumerable.Range(1, 8).ToArray();

    /// <summary>
    /// Measures every layer of <paramref name="states"/> on <paramref name="evaluation"/>.
    /// </summary>
    /// <param name="trainer">Evaluates the network.</param>
    /// <param name="states">The weighted layers; their weights are changed during a measurement and restored after it.</param>
    /// <param name="evaluation">The images accuracies are measured on (the validation split).</param>
    /// <param name="referenceStd">Per layer, the standard deviation qualities multiply (the dense baseline's, as the pipeline prunes with).</param>
    /// <param name="qualities">Pruning qualities to measure, ascending, each ≥ 0.</param>
    /// <param name="bits">Bit widths to measure, ascending, each 1–8.</param>
    /// <param name="init">k-means centroid initialisation.</param>
    /// <param name="kMeansIterations">Cap on Lloyd iterations.</param>
    /// <param name="seed">Seed of a random centroid initialisation.</param>
    /// <param name="log">Hears one line per layer and measurement kind (optional).</param>
    public static (double Reference, IReadOnlyList<LayerSensitivity> Layers) Measure(
        Trainer trainer,
        IReadOnlyList<LayerState> states,
        TensorSet evaluation,
        IReadOnlyDictionary<string, double> referenceStd,
        IReadOnlyList<double> qualities,
        IReadOnlyList<int> bits,
        CentroidInit init,
        int kMeansIterations,
        ulong seed,
        Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (qualities.Any(q => !(q >= 0) || !double.IsFinite(q)) || !IsAscending(qualities))
        {
            throw new ArgumentException("qualities must be finite, ≥ 0 and ascending", nameof(qualities));
        }

        if (bits.Any(b => b is < 1 or > 8) || !IsAscending(bits.Select(b => (double)b).ToList()))
        {
            throw new ArgumentException("bit widths must be 1–8 and ascending", nameof(bits));
        }

        double Accuracy() => (double)trainer.CountCorrect(evaluation) / evaluation.Count;
        double reference = Accuracy();
        var layers = new List<LayerSensitivity>(states.Count);
        foreach (LayerState state in states)
        {
            float[] original = Read(state.Layer.Weight);
            bool[] kept = KeptPositions(state, original);
            long keptCount = kept.Count(k => k);
            double std = referenceStd.TryGetValue(state.Name, out double s) ? s : throw new ArgumentException($"no reference standard deviation for layer {state.Name}", nameof(referenceStd));
            try
            {
                var pruning = new List<PruningPoint>(qualities.Count);
                foreach (double q in qualities)
                {
                    double threshold = q * std;
                    var pruned = new float[original.Length];
                    long left = 0;
                    for (int i = 0; i < original.Length; i++)
                    {
                        if (kept[i] && Math.Abs(original[i]) >= threshold)
                        {
                            pruned[i] = original[i];
                            left++;
                        }
                    }

                    Write(state.Layer.Weight, pruned);
                    pruning.Add(new PruningPoint(q, threshold, (double)left / original.Length, Accuracy()));
                }

                if (pruning.Count > 1)
                {
                    log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"{state.Name} pruning (quality: kept, accuracy): {string.Join("; ", pruning.Select(p => $"{p.Quality:0.##}: {p.KeptFraction * 100:F1} %, {p.Accuracy * 100:F2} %"))}"));
                }

                var sharing = new List<BitsPoint>(bits.Count);
                float[] values = original.Where((_, i) => kept[i]).ToArray();
                if (values.Length > 0)
                {
                    foreach (int b in bits)
                    {
                        ulong layerSeed = Training.SplitMix64.Combine(seed, 0x5E45UL, (ulong)state.Layer.Node.Index, (ulong)b);
                        KMeansResult r = KMeans.Cluster(values, 1 << b, init, layerSeed, kMeansIterations);
                        var shared = new float[original.Length];
                        for (int i = 0, k = 0; i < original.Length; i++)
                        {
                            if (kept[i])
                            {
                                shared[i] = (float)r.Centroids[r.Assignment[k++]];
                            }
                        }

                        Write(state.Layer.Weight, shared);
                        sharing.Add(new BitsPoint(b, r.Centroids.Length, Accuracy(), Entropy(r.Assignment, r.Centroids.Length)));
                    }
                }

                if (sharing.Count > 0)
                {
                    log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"{state.Name} weight sharing: {string.Join(", ", sharing.Select(p => $"{p.Bits} bits → {p.Accuracy * 100:F2} %"))}"));
                }
                layers.Add(new LayerSensitivity(state.Name, original.Length, keptCount, std, pruning, sharing));
            }
            finally
            {
                Write(state.Layer.Weight, original);
            }
        }

        return (reference, layers);
    }

    /// <summary>Shannon entropy, in bits, of the distribution of <paramref name="assignment"/> over <paramref name="k"/> values.</summary>
    public static double Entropy(IReadOnlyList<int> assignment, int k)
    {
        if (assignment.Count == 0)
        {
            return 0;
        }

        var counts = new long[k];
        foreach (int a in assignment)
        {
            counts[a]++;
        }

        double h = 0;
        foreach (long c in counts)
        {
            if (c > 0)
            {
                double p = (double)c / assignment.Count;
                h -= p * Math.Log2(p);
            }
        }

        return h;
    }

    private static bool IsAscending(IReadOnlyList<double> values)
    {
        for (int i = 1; i < values.Count; i++)
        {
            if (!(values[i] > values[i - 1]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Where the layer holds a real weight: its mask when pruned, every position while dense.</summary>
    private static bool[] KeptPositions(LayerState state, float[] weights)
    {
        if (state.Mask is null)
        {
            return Enumerable.Repeat(true, weights.Length).ToArray();
        }

        float[] mask = Read(state.Mask);
        return mask.Select(m => m != 0).ToArray();
    }

    private static float[] Read(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().contiguous().data<float>().ToArray();
    }

    private static void Write(Tensor weight, float[] values)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            weight.copy_(OwnedTensors.From(values, weight.shape));
        }
    }
}
