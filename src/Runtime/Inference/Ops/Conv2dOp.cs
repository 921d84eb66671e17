using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// Conv2d (any stride, padding and groups): each output plane starts at its bias, then every
/// kept tap adds its shifted input window, in the taps' flat order (<see cref="CompactConv"/>).
/// <see cref="ConvRunner"/> runs it on the register-tiled kernel, staging padded or strided input.
/// </summary>
internal sealed class Conv2dOp : RuntimeOp<Conv2dLayer>
{
    public override LayerKind Kind => LayerKind.Conv2d;

    protected override CompiledLayer Compile(Conv2dLayer layer, LayerShape shape) => new Step(ConvRunner.Create(layer, shape));

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

    private sealed class Step(ConvRunner runner) : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => runner.Run(a, y);
    }
}
