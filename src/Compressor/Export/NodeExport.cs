using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Export;

/// <summary>
/// What a node's export (<see cref="ArchitectureNode.Export"/>) sees: the node, its module, the
/// layers its inputs became, and for a weighted node its weights as the format stores them.
/// </summary>
internal sealed class NodeExport
{
    private readonly ExportedWeights? _weights;

    public NodeExport(ResolvedNode node, NodeModule module, IReadOnlyList<int>? inputLayers, ExportedWeights? weights)
    {
        Node = node;
        Module = module;
        InputLayers = inputLayers;
        _weights = weights;
    }

    public ResolvedNode Node { get; }

    public NodeModule Module { get; }

    /// <summary>The format layers the node reads, or null when it reads the layer just before it (a chain).</summary>
    public IReadOnlyList<int>? InputLayers { get; }

    /// <summary>The weighted node's weights: shared when it was quantized, float32 values at the kept positions otherwise.</summary>
    public SparseWeights Weights() => (_weights ?? throw new InvalidOperationException($"{Node.Label} has no weights to export")).Weights;

    /// <summary>The weighted node's bias.</summary>
    public float[] Bias() => (_weights ?? throw new InvalidOperationException($"{Node.Label} has no bias to export")).Bias;
}

/// <summary>A weighted node's weights and bias as the format stores them, read once from the network.</summary>
internal sealed class ExportedWeights
{
    public ExportedWeights(SparseWeights weights, float[] bias)
    {
        Weights = weights;
        Bias = bias;
    }

    public SparseWeights Weights { get; }

    public float[] Bias { get; }

    /// <summary>The same weights with another relative-index width.</summary>
    public ExportedWeights WithGapBits(int gapBits)
    {
        SparseWeights w = Weights;
        SparseWeights changed = w.IsShared
            ? new SparseWeights(w.Length, w.Codebook, w.WeightBits, gapBits, w.Positions, w.Codes)
            : SparseWeights.Unshared(w.Length, gapBits, w.Positions, w.Values);
        return new ExportedWeights(changed, Bias);
    }
}
