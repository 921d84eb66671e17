namespace EmbeddedNets.Format;

/// <summary>
/// A weight tensor viewed as <c>[rows, channels, block]</c> (row-major, as every weighted op
/// stores it): Dense is <c>[outputs, channels, inputs / channels]</c>, Conv2d
/// <c>[out, in / groups, kh × kw]</c>. Dead-unit removal reads and cuts weights through this view
/// only, so Dense and Conv2d share one implementation.
/// </summary>
/// <remarks>
/// This file is compiled into the Runtime (net10.0) and into the source generator
/// (netstandard2.0): keep it free of APIs that netstandard2.0 lacks.
/// </remarks>
internal readonly struct WeightBlocks
{
    private readonly SparseWeights _weights;
    private readonly int _channels;
    private readonly int _block;

    public WeightBlocks(SparseWeights weights, int rows, int channels, int block)
    {
        if ((long)rows * channels * block != weights.Length)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"a {rows}×{channels}×{block} view does not cover the {weights.Length} weight positions"), nameof(weights));
        }

        _weights = weights;
        Rows = rows;
        _channels = channels;
        _block = block;
    }

    public int Rows { get; }

    /// <summary>True when some kept weight of row <paramref name="row"/> is nonzero.</summary>
    public bool RowIsRead(int row)
    {
        int rowLength = _channels * _block;
        for (int i = 0; i < _weights.Count; i++)
        {
            if (_weights.Positions[i] / rowLength == row && _weights.Values[i] != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when some kept weight reading channel <paramref name="channel"/> is nonzero.</summary>
    public bool ChannelIsRead(int channel)
    {
        for (int i = 0; i < _weights.Count; i++)
        {
            if (_weights.Positions[i] / _block % _channels == channel && _weights.Values[i] != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The weights and bias without the rows whose <paramref name="keepRows"/> is false and the
    /// channels whose <paramref name="keepChannels"/> is false (null keeps all). A dropped channel
    /// that held <c>constants[c]</c> everywhere adds Σ weight × constant over its block to its
    /// row's bias (summed in double, rounded once). Codebook indices, codebook, bit widths and
    /// order stay as they were: the cut tensor encodes the same kept values.
    /// </summary>
    public (SparseWeights Weights, float[] Bias) Cut(float[] bias, bool[]? keepRows, bool[]? keepChannels, float[]? constants)
    {
        int[] rowMap = Map(keepRows, Rows, out int rows);
        int[] channelMap = Map(keepChannels, _channels, out int channels);
        var folded = new double[Rows];
        var positions = new List<int>(_weights.Count);
        var kept = new List<int>(_weights.Count);
        for (int i = 0; i < _weights.Count; i++)
        {
            int p = _weights.Positions[i];
            int offset = p % _block;
            int channel = p / _block % _channels;
            int row = p / _block / _channels;
            if (channelMap[channel] < 0)
            {
                if (constants is not null)
                {
                    folded[row] += (double)_weights.Values[i] * constants[channel];
                }

                continue;
            }

            if (rowMap[row] < 0)
            {
                continue;
            }

            positions.Add(checked(((rowMap[row] * channels) + channelMap[channel]) * _block + offset));
            kept.Add(i);
        }

        var newBias = new float[rows];
        for (int r = 0; r < Rows; r++)
        {
            if (rowMap[r] >= 0)
            {
                newBias[rowMap[r]] = folded[r] == 0 ? bias[r] : (float)(bias[r] + folded[r]);
            }
        }

        int length = checked(rows * channels * _block);
        SparseWeights cut;
        if (_weights.IsShared)
        {
            var codes = new byte[kept.Count];
            for (int k = 0; k < kept.Count; k++)
            {
                codes[k] = _weights.Codes[kept[k]];
            }

            cut = new SparseWeights(length, _weights.Codebook, _weights.WeightBits, _weights.GapBits, positions.ToArray(), codes);
        }
        else
        {
            var values = new float[kept.Count];
            for (int k = 0; k < kept.Count; k++)
            {
                values[k] = _weights.Values[kept[k]];
            }

            cut = SparseWeights.Unshared(length, _weights.GapBits, positions.ToArray(), values);
        }

        return (cut, newBias);
    }

    /// <summary>Old index → new index (−1 when dropped); <paramref name="count"/> is how many stay.</summary>
    public static int[] Map(bool[]? keep, int length, out int count)
    {
        if (keep is not null && keep.Length != length)
        {
            throw new ArgumentException(FormattableString.Invariant($"{keep.Length} keep flags for {length} entries"), nameof(keep));
        }

        var map = new int[length];
        count = 0;
        for (int i = 0; i < length; i++)
        {
            map[i] = keep is null || keep[i] ? count++ : -1;
        }

        return map;
    }

    /// <summary>The entries of <paramref name="values"/> whose <paramref name="keep"/> is set.</summary>
    public static float[] Keep(float[] values, bool[] keep)
    {
        Map(keep, values.Length, out int count);
        var kept = new float[count];
        int k = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (keep[i])
            {
                kept[k++] = values[i];
            }
        }

        return kept;
    }
}
