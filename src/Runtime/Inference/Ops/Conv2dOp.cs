using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// Conv2d (any stride, padding and groups): each output plane starts at its bias, then every
/// kept tap adds its shifted input window, in the taps' flat order (<see cref="CompactConv"/>).
/// Stride-1 unpadded layers use the register-tiled kernel where it applies.
/// </summary>
internal sealed class Conv2dOp : RuntimeOp<Conv2dLayer>
{
    public override LayerKind Kind => LayerKind.Conv2d;

    protected override CompiledLayer Compile(Conv2dLayer layer, LayerShape shape) => new Step(layer, shape, CompactConv.FromLayer(layer));

    protected override double[] Reference(Conv2dLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs)
    {
        double[] x = inputs[0];
        float[] w = layer.Weights.ToDense();
        int cinPerGroup = layer.InChannelsPerGroup, outPerGroup = layer.OutChannelsPerGroup;
        int inH = shape.InputShape[1], inW = shape.InputShape[2];
        int outH = shape.OutputShape[1], outW = shape.OutputShape[2];
        int kh = layer.KernelHeight, kw = layer.KernelWidth;
        var y = new double[layer.OutChannels * outH * outW];
        for (int oc = 0; oc < layer.OutChannels; oc++)
        {
            int firstInput = oc / outPerGroup * cinPerGroup;
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    double sum = layer.Bias[oc];
                    for (int c = 0; c < cinPerGroup; c++)
                    {
                        for (int ky = 0; ky < kh; ky++)
                        {
                            int iy = (oy * layer.StrideHeight) - layer.PadTop + ky;
                            for (int kx = 0; kx < kw; kx++)
                            {
                                int ix = (ox * layer.StrideWidth) - layer.PadLeft + kx;
                                if (iy >= 0 && iy < inH && ix >= 0 && ix < inW)
                                {
                                    sum += (double)w[(((((oc * cinPerGroup) + c) * kh) + ky) * kw) + kx] * x[((((firstInput + c) * inH) + iy) * inW) + ix];
                                }
                            }
                        }
                    }

                    y[(((oc * outH) + oy) * outW) + ox] = sum;
                }
            }
        }

        return y;
    }

    private sealed class Step : CompiledLayer
    {
        private readonly Conv2dLayer _layer;
        private readonly int[] _taps;
        private readonly float[] _weights;
        private readonly int _inChannels, _inH, _inW, _outH, _outW;

        // For the register-tiled kernel (stride 1, no padding): taps grouped by output channel
        // (they already are, in flat order) and each tap's input offset.
        private readonly int[] _channelStarts;
        private readonly int[] _tapOffsets;

        public Step(Conv2dLayer layer, LayerShape shape, CompactConv compact)
        {
            _layer = layer;
            _taps = compact.Taps;
            _weights = compact.Weights;
            _inChannels = shape.InputShape[0];
            _inH = shape.InputShape[1];
            _inW = shape.InputShape[2];
            _outH = shape.OutputShape[1];
            _outW = shape.OutputShape[2];
            _channelStarts = new int[layer.OutChannels + 1];
            _tapOffsets = new int[_weights.Length];
            for (int t = 0; t < _weights.Length; t++)
            {
                _channelStarts[_taps[4 * t] + 1]++;
                _tapOffsets[t] = checked((((_taps[(4 * t) + 1] * _inH) + _taps[(4 * t) + 2]) * _inW) + _taps[(4 * t) + 3]);
            }

            for (int c = 0; c < layer.OutChannels; c++)
            {
                _channelStarts[c + 1] += _channelStarts[c];
            }
        }

        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
        {
            Conv2dLayer l = _layer;
            bool unpadded = (l.PadTop | l.PadLeft | l.PadBottom | l.PadRight) == 0;
            if (l.StrideHeight == 1 && l.StrideWidth == 1 && unpadded
                && SparseKernels.TryConvValidTiled(a, _inChannels, _inH, _inW, l.KernelHeight, l.KernelWidth, _channelStarts, _tapOffsets, _weights, l.Bias, y))
            {
                return;
            }

            int inPlane = _inH * _inW, outPlane = _outH * _outW;
            SparseKernels.FillPlanes(y, l.Bias, outPlane);
            int[] taps = _taps;
            for (int t = 0; t < _weights.Length; t++)
            {
                int k = 4 * t;
                SparseKernels.ConvAccumulate(
                    a.Slice(taps[k + 1] * inPlane, inPlane), _inH, _inW,
                    y.Slice(taps[k] * outPlane, outPlane), _outH, _outW,
                    taps[k + 2], taps[k + 3], l.StrideHeight, l.StrideWidth, l.PadTop, l.PadLeft, _weights[t]);
            }
        }
    }
}
