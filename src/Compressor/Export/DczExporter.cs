using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Training;
using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Export;

/// <summary>Turns a trained, pruned and quantized network into the format's in-memory model.</summary>
internal static class DczExporter
{
    /// <summary>The producer string written into every file.</summary>
    public static string Producer { get; } = "EmbeddedNets.Compressor " +
        (typeof(DczExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>
    /// Builds the model. Every weighted layer must be quantized; <paramref name="gapBits"/> gives
    /// each layer's relative-index width.
    /// </summary>
    public static DczModel Export(
        ArchitectureSpec architecture,
        IReadOnlyList<LayerState> states,
        IReadOnlyDictionary<string, int> gapBits,
        RecordedMetrics? metrics,
        ulong seed)
    {
        var byName = states.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var layers = new List<DczLayer>();
        foreach (ResolvedLayer layer in architecture.Resolved)
        {
            switch (layer.Spec.Op)
            {
                case LayerOp.Dense:
                {
                    LayerState state = byName[layer.Name];
                    layers.Add(new DenseLayer(layer.Name, layer.InputLength, layer.Spec.Outputs, Sparse(state, gapBits[layer.Name]), ToFloats(state.Layer.Bias)));
                    break;
                }

                case LayerOp.Conv2d:
                {
                    LayerState state = byName[layer.Name];
                    int k = layer.Spec.Kernel, s = layer.Spec.Stride, p = layer.Spec.Padding;
                    layers.Add(new Conv2dLayer(layer.Name, layer.InputShape[0], layer.Spec.Outputs, k, k, s, s, p, p, Sparse(state, gapBits[layer.Name]), ToFloats(state.Layer.Bias)));
                    break;
                }

                case LayerOp.MaxPool2d:
                    layers.Add(new MaxPool2dLayer(string.Empty, layer.Spec.Kernel, layer.Spec.Kernel, layer.Spec.Stride, layer.Spec.Stride));
                    break;
                case LayerOp.ReLU:
                    layers.Add(new ReLULayer());
                    break;
                case LayerOp.Flatten:
                    layers.Add(new FlattenLayer());
                    break;
                default:
                    throw new InvalidOperationException("no .dcz op for " + layer.Spec.Op);
            }
        }

        var info = new ModelInfo(
            architecture.Name,
            (int[])architecture.InputShape.Clone(),
            new Preprocessing(architecture.Scale, architecture.Mean, architecture.Std),
            (string[])architecture.ClassLabels.Clone(),
            metrics,
            Producer,
            seed);
        return new DczModel(info, layers);
    }

    /// <summary>A copy of <paramref name="model"/> with other metrics; the layers are shared, not copied.</summary>
    public static DczModel WithMetrics(DczModel model, RecordedMetrics metrics)
    {
        ModelInfo i = model.Info;
        return new DczModel(new ModelInfo(i.Name, i.InputShape, i.Preprocessing, i.ClassLabels, metrics, i.Producer, i.Seed), model.Layers);
    }

    /// <summary>A copy of <paramref name="model"/> with one weighted layer's gap width changed.</summary>
    public static DczModel WithGapBits(DczModel model, int layerIndex, int gapBits)
    {
        var layers = model.Layers.ToArray();
        layers[layerIndex] = layers[layerIndex] switch
        {
            DenseLayer d => new DenseLayer(d.Name, d.Inputs, d.Outputs, WithGap(d.Weights, gapBits), d.Bias, d.InputLayers),
            Conv2dLayer c => new Conv2dLayer(c.Name, c.InChannels, c.OutChannels, c.Groups, c.KernelHeight, c.KernelWidth, c.StrideHeight, c.StrideWidth, c.PadTop, c.PadLeft, c.PadBottom, c.PadRight, WithGap(c.Weights, gapBits), c.Bias, c.InputLayers),
            _ => throw new ArgumentException("layer " + layerIndex + " has no weights", nameof(layerIndex)),
        };
        return new DczModel(model.Info, layers);
    }

    private static SparseWeights WithGap(SparseWeights w, int gapBits) => w.IsShared
        ? new(w.Length, w.Codebook, w.WeightBits, gapBits, w.Positions, w.Codes)
        : SparseWeights.Unshared(w.Length, gapBits, w.Positions, w.Values);

    private static SparseWeights Sparse(LayerState state, int gapBits)
    {
        if (!state.IsQuantized)
        {
            throw new InvalidOperationException($"layer {state.Name} is not quantized; only weight-shared layers can be encoded");
        }

        long[] kept = state.KeptIndex!.data<long>().ToArray();
        long[] assignment = state.Assignment!.data<long>().ToArray();
        float[] codebook = ToFloats(state.Centroids!);
        var positions = new int[kept.Length];
        var codes = new byte[kept.Length];
        for (int i = 0; i < kept.Length; i++)
        {
            positions[i] = checked((int)kept[i]);
            codes[i] = checked((byte)assignment[i]);
        }

        return new SparseWeights(checked((int)state.Layer.Weight.numel()), codebook, state.Bits, gapBits, positions, codes);
    }

    private static float[] ToFloats(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().contiguous().data<float>().ToArray();
    }
}
