using System.Numerics;
using System.Runtime.Intrinsics;
using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// A dense layer's kept weights grouped by input column, the form <see cref="SparseKernels.DenseColumns"/>
/// takes: column <c>i</c> holds entries <c>ColumnStarts[i] .. ColumnStarts[i + 1] - 1</c>, with output
/// rows ascending and values already looked up in the codebook.
/// </summary>
public sealed class CompactDense
{
    private CompactDense(int[] columnStarts, int[] rows, float[] values)
    {
        ColumnStarts = columnStarts;
        Rows = rows;
        Values = values;
    }

    /// <summary>Start of each input column's entries, plus the total at the end (inputs + 1 values).</summary>
    public int[] ColumnStarts { get; }

    /// <summary>Output row of each entry.</summary>
    public int[] Rows { get; }

    /// <summary>Weight of each entry.</summary>
    public float[] Values { get; }

    /// <summary>Regroups <paramref name="layer"/>'s row-major kept weights (position = output × inputs + input) by column.</summary>
    public static CompactDense FromLayer(DenseLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        SparseWeights w = layer.Weights;
        int inputs = layer.Inputs;
        var starts = new int[inputs + 1];
        foreach (int position in w.Positions)
        {
            starts[(position % inputs) + 1]++;
        }

        for (int i = 0; i < inputs; i++)
        {
            starts[i + 1] += starts[i];
        }

        var next = (int[])starts.Clone();
        var rows = new int[w.Count];
        var values = new float[w.Count];

        // Positions ascend in (row, column) order, so each column's rows come out ascending.
        for (int k = 0; k < w.Count; k++)
        {
            int position = w.Positions[k];
            int slot = next[position % inputs]++;
            rows[slot] = position / inputs;
            values[slot] = w.Codebook[w.Codes[k]];
        }

        return new CompactDense(starts, rows, values);
    }
}

/// <summary>
/// A conv layer's kept weights as taps in flat (out channel, in channel, ky, kx) order, the order in
/// which <see cref="CompactModel"/> and generated code call <see cref="SparseKernels.ConvAccumulate(ReadOnlySpan{float}, int, int, Span{float}, int, int, int, int, int, int, int, int, float)"/>.
/// </summary>
public sealed class CompactConv
{
    private CompactConv(int[] taps, float[] weights)
    {
        Taps = taps;
        Weights = weights;
    }

    /// <summary>Four ints per tap: out channel, in channel, ky, kx.</summary>
    public int[] Taps { get; }

    /// <summary>Weight of each tap.</summary>
    public float[] Weights { get; }

    /// <summary>Lists <paramref name="layer"/>'s kept weights as taps.</summary>
    public static CompactConv FromLayer(Conv2dLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        SparseWeights w = layer.Weights;
        int kh = layer.KernelHeight, kw = layer.KernelWidth, cin = layer.InChannels;
        var taps = new int[4 * w.Count];
        var weights = new float[w.Count];
        for (int k = 0; k < w.Count; k++)
        {
            int p = w.Positions[k];
            int kx = p % kw;
            p /= kw;
            int ky = p % kh;
            p /= kh;
            taps[4 * k] = p / cin;
            taps[(4 * k) + 1] = p % cin;
            taps[(4 * k) + 2] = ky;
            taps[(4 * k) + 3] = kx;
            weights[k] = w.Codebook[w.Codes[k]];
        }

        return new CompactConv(taps, weights);
    }
}

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
            values[next[slot]++] = w.Codebook[w.Codes[k]];
        }

        var bias = new float[chunks * ChunkRows];
        layer.Bias.CopyTo(bias, 0);
        return new MaskedDense(inputs, outputs, masks, starts, values, bias);
    }
}
