using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// A dense layer's kept weights by output row, eight rows side by side, the form
/// <see cref="SparseKernels.DenseGathered(ReadOnlySpan{float}, GatheredDense, Span{float}, KernelPath)"/>
/// takes (sliced ELLPACK, rows sorted by length: "SELL-8-σ"). The rows are ordered by their kept
/// count, longest first, and cut into slices of <see cref="Lanes"/>; step <c>k</c> of a slice holds
/// the <c>k</c>-th kept weight (input column and value) of each of its rows, columns ascending
/// along a row. A row shorter than its slice's longest is padded with weight 0 at column 0.
/// Sorting keeps the padding small (3 % on LeNet-5's ip1, 150 % unsorted).
/// </summary>
internal sealed class GatheredDense
{
    /// <summary>Rows per slice: one 256-bit register of floats.</summary>
    public const int Lanes = 8;

    private GatheredDense(int inputs, int outputs, int[] rowOrder, int[] sliceStarts, int[] columns, float[] values, float[] bias)
    {
        Inputs = inputs;
        Outputs = outputs;
        RowOrder = rowOrder;
        SliceStarts = sliceStarts;
        Columns = columns;
        Values = values;
        Bias = bias;
    }

    /// <summary>Inputs of the layer.</summary>
    public int Inputs { get; }

    /// <summary>Outputs of the layer.</summary>
    public int Outputs { get; }

    /// <summary>Slices of <see cref="Lanes"/> rows (the last may be partly padding).</summary>
    public int Slices => SliceStarts.Length - 1;

    /// <summary>Steps of all slices together: what the kernel's cost is proportional to.</summary>
    public int Steps => SliceStarts[^1];

    /// <summary>Output row of each lane, slice by slice (<c>Slices × Lanes</c>; −1 for padding lanes).</summary>
    public int[] RowOrder { get; }

    /// <summary>First step of each slice, plus the total at the end.</summary>
    public int[] SliceStarts { get; }

    /// <summary>Input column of each (step, lane), <c>Steps × Lanes</c>.</summary>
    public int[] Columns { get; }

    /// <summary>Weight of each (step, lane), <c>Steps × Lanes</c>; 0 for padding.</summary>
    public float[] Values { get; }

    /// <summary>Bias of each lane in <see cref="RowOrder"/> (0 for padding lanes).</summary>
    public float[] Bias { get; }

    /// <summary>Regroups <paramref name="layer"/>'s row-major kept weights (position = output × inputs + input) by row.</summary>
    public static GatheredDense FromLayer(DenseLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        SparseWeights w = layer.Weights;
        int inputs = layer.Inputs, outputs = layer.Outputs;
        var rowStarts = new int[outputs + 1];
        foreach (int position in w.Positions)
        {
            rowStarts[(position / inputs) + 1]++;
        }

        for (int o = 0; o < outputs; o++)
        {
            rowStarts[o + 1] += rowStarts[o];
        }

        // Longest rows first; equal lengths keep their order, so the layout is deterministic.
        int[] order = Enumerable.Range(0, outputs).OrderByDescending(o => rowStarts[o + 1] - rowStarts[o]).ThenBy(o => o).ToArray();
        int slices = (outputs + Lanes - 1) / Lanes;
        var rowOrder = new int[slices * Lanes];
        var sliceStarts = new int[slices + 1];
        var bias = new float[slices * Lanes];
        for (int s = 0; s < slices; s++)
        {
            int longest = 0;
            for (int lane = 0; lane < Lanes; lane++)
            {
                int r = (s * Lanes) + lane;
                rowOrder[r] = r < outputs ? order[r] : -1;
                if (r < outputs)
                {
                    longest = Math.Max(longest, rowStarts[order[r] + 1] - rowStarts[order[r]]);
                    bias[r] = layer.Bias[order[r]];
                }
            }

            sliceStarts[s + 1] = checked(sliceStarts[s] + longest);
        }

        int steps = sliceStarts[slices];
        var columns = new int[checked(steps * Lanes)];
        var values = new float[steps * Lanes];

        // Positions ascend in (row, column) order, so each row's columns come out ascending.
        for (int s = 0; s < slices; s++)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                int row = rowOrder[(s * Lanes) + lane];
                int kept = row < 0 ? 0 : rowStarts[row + 1] - rowStarts[row];
                for (int k = 0; k < kept; k++)
                {
                    int index = rowStarts[row] + k;
                    int slot = ((sliceStarts[s] + k) * Lanes) + lane;
                    columns[slot] = w.Positions[index] % inputs;
                    values[slot] = w.Values[index];
                }
            }
        }

        return new GatheredDense(inputs, outputs, rowOrder, sliceStarts, columns, values, bias);
    }
}
