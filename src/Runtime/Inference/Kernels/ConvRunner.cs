using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// A conv layer (any stride, padding and groups) ready to run on the register-tiled kernel. A
/// stride-1 unpadded layer reads its input as it is. Any other is first staged: the input is
/// copied into a per-thread buffer where the padding is stored as zeros and each input row is
/// split into <c>strideW</c> phase rows (columns <c>r, r + sw, r + 2sw, …</c>), so that a tap's
/// window is again a run of consecutive floats per output row and output row <c>oy</c> starts
/// <c>sh</c> staged rows after row <c>oy − 1</c>. Every output element then receives the same
/// products in the same order as the per-tap loop (<see cref="SparseKernels.ConvAccumulate"/>),
/// except that the taps falling on padding add <c>w × 0</c> instead of being skipped: the same
/// values up to the sign of a zero sum.
/// </summary>
internal sealed class ConvRunner
{
    [ThreadStatic]
    private static float[]? t_staging;

    private readonly Conv2dLayer _layer;
    private readonly int _inChannels, _inH, _inW, _outH, _outW;
    private readonly int[] _taps;
    private readonly float[] _weights;
    private readonly int[] _channelStarts;
    private readonly int[] _tapOffsets;
    private readonly bool _staged, _tiled;
    private readonly int _phases, _stagedH, _phaseW, _stagedLength, _rowStep;

    private ConvRunner(Conv2dLayer layer, LayerShape shape, KernelPath path)
    {
        _layer = layer;
        Path = path;
        _inChannels = shape.InputShape[0];
        _inH = shape.InputShape[1];
        _inW = shape.InputShape[2];
        _outH = shape.OutputShape[1];
        _outW = shape.OutputShape[2];
        CompactConv compact = CompactConv.FromLayer(layer);
        _taps = compact.Taps;
        _weights = compact.Weights;
        int sh = layer.StrideHeight, sw = layer.StrideWidth;
        bool reshaped = sh != 1 || sw != 1 || (layer.PadTop | layer.PadLeft | layer.PadBottom | layer.PadRight) != 0;

        // Phase r holds padded columns r, r + sw, …: only phases below the padded width exist.
        long paddedH = (long)_inH + layer.PadTop + layer.PadBottom, paddedW = (long)_inW + layer.PadLeft + layer.PadRight;
        long phases = Math.Min(sw, paddedW), phaseW = (paddedW + sw - 1) / sw;
        long stagedLength = _inChannels * phases * paddedH * phaseW;

        // A staged copy no bigger than a few inputs; absurd padding runs the per-tap loop instead.
        _staged = reshaped && stagedLength <= (4L * _inChannels * _inH * _inW) + 4096;
        _phases = _staged ? (int)phases : 1;
        _stagedH = _staged ? (int)paddedH : _inH;
        _phaseW = _staged ? (int)phaseW : _inW;
        _stagedLength = _staged ? (int)stagedLength : 0;
        _rowStep = _staged ? sh * _phaseW : _inW;
        _tiled = _staged || !reshaped;

        // Taps grouped by output channel (they already are, in flat order) and each tap's offset of
        // the output's top-left element in the (staged) input.
        _channelStarts = new int[layer.OutChannels + 1];
        _tapOffsets = new int[_weights.Length];
        for (int t = 0; t < _weights.Length; t++)
        {
            int ic = _taps[(4 * t) + 1], ky = _taps[(4 * t) + 2], kx = _taps[(4 * t) + 3];
            _channelStarts[_taps[4 * t] + 1]++;
            _tapOffsets[t] = _tiled ? checked((((((ic * _phases) + (kx % sw)) * _stagedH) + ky) * _phaseW) + (kx / sw)) : 0;
        }

        for (int c = 0; c < layer.OutChannels; c++)
        {
            _channelStarts[c + 1] += _channelStarts[c];
        }
    }

    /// <summary>The vector path of the tiled kernel (by the output width: <see cref="SparseKernels.TiledPath"/>).</summary>
    public KernelPath Path { get; }

    /// <summary>Whether the input is copied into the staged layout first (padding or a stride other than 1).</summary>
    public bool Staged => _staged;

    /// <summary>Whether the tiled kernel runs (false only for padding too large to stage).</summary>
    public bool Tiled => _tiled;

    /// <summary>Builds the runner of <paramref name="layer"/> with the shapes around it.</summary>
    public static ConvRunner Create(Conv2dLayer layer, LayerShape shape)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(shape);
        return new ConvRunner(layer, shape, SparseKernels.TiledPath(shape.OutputShape[2]));
    }

    /// <summary>Builds the runner for a chosen path (tests).</summary>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/>.</exception>
    public static ConvRunner Create(Conv2dLayer layer, LayerShape shape, KernelPath path)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(shape);
        KernelPaths.ThrowIfUnsupported(path);
        return new ConvRunner(layer, shape, path);
    }

    /// <summary>Runs the layer: <paramref name="x"/> is <c>inChannels × inH × inW</c>, <paramref name="y"/> <c>outChannels × outH × outW</c>.</summary>
    /// <exception cref="ArgumentException">A length does not match the layer.</exception>
    public void Run(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != _inChannels * _inH * _inW)
        {
            SparseKernels.ThrowLength(nameof(x), (long)_inChannels * _inH * _inW, x.Length);
        }

        if (_tiled && SparseKernels.TryConvTiled(_staged ? Stage(x) : x, _rowStep, _outH, _outW, _channelStarts, _tapOffsets, _weights, _layer.Bias, y, Path))
        {
            return;
        }

        // Rows narrower than the path's vectors, or padding too large to stage: the per-tap loop.
        Conv2dLayer l = _layer;
        int inPlane = _inH * _inW, outPlane = _outH * _outW;
        SparseKernels.FillPlanes(y, l.Bias, outPlane);
        for (int t = 0; t < _weights.Length; t++)
        {
            int k = 4 * t;
            SparseKernels.ConvAccumulate(
                x.Slice(_taps[k + 1] * inPlane, inPlane), _inH, _inW,
                y.Slice(_taps[k] * outPlane, outPlane), _outH, _outW,
                _taps[k + 2], _taps[k + 3], l.StrideHeight, l.StrideWidth, l.PadTop, l.PadLeft, _weights[t]);
        }
    }

    /// <summary>Copies <paramref name="x"/> into this thread's staging buffer: zero padding, each row split into its stride phases.</summary>
    private Span<float> Stage(ReadOnlySpan<float> x)
    {
        float[]? buffer = t_staging;
        if (buffer is null || buffer.Length < _stagedLength)
        {
            buffer = new float[_stagedLength];
            t_staging = buffer;
        }

        Span<float> staged = buffer.AsSpan(0, _stagedLength);
        staged.Clear();
        int sw = _layer.StrideWidth, top = _layer.PadTop, left = _layer.PadLeft;
        for (int c = 0; c < _inChannels; c++)
        {
            for (int iy = 0; iy < _inH; iy++)
            {
                ReadOnlySpan<float> row = x.Slice(((c * _inH) + iy) * _inW, _inW);
                if (sw == 1)
                {
                    row.CopyTo(staged.Slice((((c * _stagedH) + iy + top) * _phaseW) + left, _inW)); // one phase
                    continue;
                }

                for (int ix = 0; ix < _inW; ix++)
                {
                    int xp = ix + left;
                    staged[(((((c * _phases) + (xp % sw)) * _stagedH) + iy + top) * _phaseW) + (xp / sw)] = row[ix];
                }
            }
        }

        return staged;
    }
}
