using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Training;
using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Export;

/// <summary>
/// Turns a network into the format's in-memory model: each node exports itself
/// (<see cref="ArchitectureNode.Export"/>); a node that leaves no layer (a folded batch norm) passes
/// its input on, and input references are renumbered to the layers that remain.
/// </summary>
internal sealed class DczExporter
{
    /// <summary>Relative-index width of a layer when none is chosen.</summary>
    public const int DefaultGapBits = 4;

    private readonly SpecNetwork _network;
    private readonly ulong _seed;
    private readonly Dictionary<int, ExportedWeights> _weights = new();

    /// <summary>
    /// Reads every weighted node's weights once: through its <see cref="LayerState"/> when
    /// <paramref name="states"/> has one (shared weights once quantized, the kept positions once
    /// pruned), otherwise every position as float32 (a dense, unshared export).
    /// </summary>
    public DczExporter(SpecNetwork network, IReadOnlyList<LayerState>? states, ulong seed)
    {
        _network = network;
        _seed = seed;
        foreach (WeightedLayer layer in network.Weighted)
        {
            LayerState? state = states?.FirstOrDefault(s => s.Layer.Node.Index == layer.Node.Index);
            _weights[layer.Node.Index] = new ExportedWeights(state is null ? Dense(layer.Weight) : Sparse(state), ToFloats(layer.Bias));
        }
    }

    /// <summary>The producer string written into every file.</summary>
    public static string Producer { get; } = "EmbeddedNets.Compressor " +
        (typeof(DczExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>Weighted node names, in order.</summary>
    public IEnumerable<string> WeightedNames => _network.Weighted.Select(w => w.Name);

    /// <summary>
    /// The model with each weighted layer's relative-index width from <paramref name="gapBits"/>
    /// (by node name; <see cref="DefaultGapBits"/> for a missing one).
    /// </summary>
    public DczModel Build(IReadOnlyDictionary<string, int>? gapBits = null, RecordedMetrics? metrics = null)
    {
        ArchitectureSpec architecture = _network.Architecture;
        var layers = new List<DczLayer>();
        var layerOf = new int[architecture.Resolved.Count];
        foreach (ResolvedNode node in architecture.Resolved)
        {
            int[] inputs = node.InputIndexes.Select(k => k < 0 ? DczLayer.ModelInput : layerOf[k]).ToArray();
            bool chained = inputs.Length == 1 && inputs[0] == layers.Count - 1;
            ExportedWeights? weights = null;
            if (_weights.TryGetValue(node.Index, out ExportedWeights? w))
            {
                weights = gapBits is not null && gapBits.TryGetValue(node.Name, out int bits) ? w.WithGapBits(bits) : w;
            }

            DczLayer? layer = node.Node.Export(new NodeExport(node, _network.Modules[node.Index], chained ? null : inputs, weights));
            if (layer is null)
            {
                // The node is the identity in the exported model: its readers read its input.
                layerOf[node.Index] = inputs[0];
                continue;
            }

            layerOf[node.Index] = layers.Count;
            layers.Add(layer);
        }

        var info = new ModelInfo(
            architecture.Name,
            (int[])architecture.InputShape.Clone(),
            architecture.Preprocessing,
            (string[])architecture.ClassLabels.Clone(),
            metrics,
            Producer,
            _seed);
        return new DczModel(info, layers);
    }

    /// <summary>A copy of <paramref name="model"/> with other metrics; the layers are shared, not copied.</summary>
    public static DczModel WithMetrics(DczModel model, RecordedMetrics metrics)
        => new(model.Info.WithMetrics(metrics), model.Layers);

    private static SparseWeights Sparse(LayerState state)
    {
        int length = checked((int)state.Layer.Weight.numel());
        if (!state.IsQuantized)
        {
            float[] values = ToFloats(state.Layer.Weight);
            if (state.Mask is null)
            {
                return Unshared(values, Enumerable.Range(0, length).ToArray());
            }

            float[] mask = ToFloats(state.Mask);
            return Unshared(values, Enumerable.Range(0, length).Where(i => mask[i] != 0).ToArray());
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

        return new SparseWeights(length, codebook, state.Bits, DefaultGapBits, positions, codes);
    }

    private static SparseWeights Dense(Tensor weight)
    {
        float[] values = ToFloats(weight);
        return Unshared(values, Enumerable.Range(0, values.Length).ToArray());
    }

    private static SparseWeights Unshared(float[] all, int[] positions) =>
        SparseWeights.Unshared(all.Length, DefaultGapBits, positions, positions.Select(p => all[p]).ToArray());

    private static float[] ToFloats(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().contiguous().data<float>().ToArray();
    }
}
