namespace EmbeddedNets.Format;

/// <summary>
/// A dense layer's kept weights grouped by input column, the form <c>SparseKernels.DenseColumns</c>
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
        if (layer is null)
        {
            throw new ArgumentNullException(nameof(layer));
        }

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
            values[slot] = w.Values[k];
        }

        return new CompactDense(starts, rows, values);
    }
}

/// <summary>
/// A conv layer's kept weights as taps in flat (out channel, in channel, ky, kx) order, the order
/// in which <c>CompactModel</c> and generated code add them. The in channel is the absolute input
/// channel: with groups, output channel <c>o</c>'s <c>c</c>-th kernel channel reads input channel
/// <c>(o / (out / groups)) × (in / groups) + c</c>.
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
        if (layer is null)
        {
            throw new ArgumentNullException(nameof(layer));
        }

        SparseWeights w = layer.Weights;
        var taps = new int[checked(4 * w.Count)];
        for (int k = 0; k < w.Count; k++)
        {
            Tap(layer, w.Positions[k], out taps[4 * k], out taps[(4 * k) + 1], out taps[(4 * k) + 2], out taps[(4 * k) + 3]);
        }

        return new CompactConv(taps, (float[])w.Values.Clone());
    }

    /// <summary>Splits a flat weight position into (out channel, absolute in channel, ky, kx).</summary>
    public static void Tap(Conv2dLayer layer, int position, out int outChannel, out int inChannel, out int ky, out int kx)
    {
        if (layer is null)
        {
            throw new ArgumentNullException(nameof(layer));
        }

        int kh = layer.KernelHeight, kw = layer.KernelWidth, perGroup = layer.InChannelsPerGroup;
        int p = position;
        kx = p % kw;
        p /= kw;
        ky = p % kh;
        p /= kh;
        outChannel = p / perGroup;
        inChannel = ((outChannel / layer.OutChannelsPerGroup) * perGroup) + (p % perGroup);
    }
}
