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
/// which <see cref="CompactModel"/> and generated code call <see cref="SparseKernels.ConvAccumulate"/>.
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
