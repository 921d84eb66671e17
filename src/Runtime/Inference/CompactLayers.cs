using System.Numerics;
using System.Runtime.Intrinsics;
using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// A dense layer's kept weights as bitmasks, the form <see cref="SparseKernels.DenseMasked(ReadOnlySpan{float}, MaskedDense, Span{float})"/>
/// takes: the outputs are cut into chunks of <see cref="ChunkRows"/> rows, eight blocks of 16 (one
/// 512-bit register each, two 256-bit or four 128-bit ones); for every (chunk, input) and block, a
/// 16-bit mask says which rows of the block the input's column keeps, and the kept values follow
/// each other, rows ascending. Memory is the kept values plus 36 bytes per (chunk, input): about a
/// sixth of the dense matrix at 7 % density, where 16-float blocks would need 44 %.
/// </summary>
internal sealed class MaskedDense
{
    /// <summary>16-lane blocks per chunk.</summary>
    public const int BlocksPerChunk = 8;

    /// <summary>Output rows per chunk.</summary>
    public const int ChunkRows = 16 * BlocksPerChunk;

    private MaskedDense(int inputs, int outputs, uint[] masks, int[] starts, float[] values, float[] bias)
    {
        Inputs = inputs;
        Outputs = outputs;
        Chunks = (outputs + ChunkRows - 1) / ChunkRows;
        Masks = masks;
        Starts = starts;
        Values = values;
        Bias = bias;
    }

    /// <summary>Whether this process has a vector path for the masked kernel (<see cref="KernelPaths.ActiveMasked"/>).</summary>
    public static bool IsSupported => KernelPaths.ActiveMasked != KernelPath.Scalar;

    /// <summary>Inputs of the layer.</summary>
    public int Inputs { get; }

    /// <summary>Outputs of the layer.</summary>
    public int Outputs { get; }

    /// <summary>Chunks of <see cref="ChunkRows"/> outputs (the last may be partly padding).</summary>
    public int Chunks { get; }

    /// <summary>
    /// Word of chunk <c>c</c>, input <c>i</c>, block <c>b</c> at <c>(c × Inputs + i) × 8 + b</c>: its
    /// low 16 bits are the mask (bit <c>j</c> is row <c>c × 128 + 16b + j</c>), its high 16 bits
    /// the number of kept values of blocks <c>0 .. b − 1</c> of the same (chunk, input), so that
    /// each block finds its first value without counting the ones before it.
    /// </summary>
    public uint[] Masks { get; }

    /// <summary>Index in <see cref="Values"/> of the first kept value of each (chunk, input), at <c>c × Inputs + i</c>.</summary>
    public int[] Starts { get; }

    /// <summary>Kept values by chunk, then input, then row, followed by 16 zeros so a 16-wide load never leaves the array.</summary>
    public float[] Values { get; }

    /// <summary>The bias, padded with zeros to <c>Chunks × ChunkRows</c>.</summary>
    public float[] Bias { get; }

    /// <summary>Builds the masks of <paramref name="layer"/>'s row-major kept weights (position = output × inputs + input).</summary>
    public static MaskedDense FromLayer(DenseLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        SparseWeights w = layer.Weights;
        int inputs = layer.Inputs, outputs = layer.Outputs;
        int chunks = (outputs + ChunkRows - 1) / ChunkRows;
        var masks = new uint[chunks * inputs * BlocksPerChunk];
        var counts = new int[chunks * inputs];
        foreach (int position in w.Positions)
        {
            int row = position / inputs, slot = ((row / ChunkRows) * inputs) + (position % inputs);
            masks[(slot * BlocksPerChunk) + ((row % ChunkRows) / 16)] |= 1u << (row % 16);
            counts[slot]++;
        }

        for (int slot = 0; slot < counts.Length; slot++)
        {
            uint before = 0;
            for (int b = 0; b < BlocksPerChunk; b++)
            {
                uint mask = masks[(slot * BlocksPerChunk) + b];
                masks[(slot * BlocksPerChunk) + b] = mask | (before << 16);
                before += (uint)BitOperations.PopCount(mask);
            }
        }

        var starts = new int[counts.Length];
        for (int s = 1; s < starts.Length; s++)
        {
            starts[s] = starts[s - 1] + counts[s - 1];
        }

        // Positions ascend in (row, column) order, so each (chunk, input)'s rows come out ascending.
        var values = new float[w.Count + Vector512<float>.Count];
        var next = (int[])starts.Clone();
        for (int k = 0; k < w.Count; k++)
        {
            int position = w.Positions[k];
            int slot = ((position / inputs / ChunkRows) * inputs) + (position % inputs);
            values[next[slot]++] = w.Values[k];
        }

        var bias = new float[chunks * ChunkRows];
        layer.Bias.CopyTo(bias, 0);
        return new MaskedDense(inputs, outputs, masks, starts, values, bias);
    }
}
