using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>MaxPool2d: unpadded windows through <see cref="SparseKernels.MaxPool2d"/> (with its 2×2 fast path), padded ones through <see cref="LayerKernels.MaxPool2d"/>.</summary>
internal sealed class MaxPool2dOp : RuntimeOp<MaxPool2dLayer>
{
    public override LayerKind Kind => LayerKind.MaxPool2d;

    protected override CompiledLayer Compile(MaxPool2dLayer layer, LayerShape shape) => new Step(layer.Window, shape);

    protected override double[] Reference(MaxPool2dLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) =>
        PoolReference.Run(layer.Window, shape, inputs[0], (values, count) => values.Take(count).Max());

    private sealed class Step(Pool2dWindow w, LayerShape shape) : CompiledLayer
    {
        private readonly int _c = shape.InputShape[0], _inH = shape.InputShape[1], _inW = shape.InputShape[2];
        private readonly int _outH = shape.OutputShape[1], _outW = shape.OutputShape[2];

        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
        {
            if (w.IsPadded)
            {
                LayerKernels.MaxPool2d(a, _c, _inH, _inW, w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth, w.PadTop, w.PadLeft, _outH, _outW, y);
            }
            else
            {
                SparseKernels.MaxPool2d(a, _c, _inH, _inW, w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth, y);
            }
        }
    }
}

/// <summary>AvgPool2d through <see cref="LayerKernels.AvgPool2d"/>.</summary>
internal sealed class AvgPool2dOp : RuntimeOp<AvgPool2dLayer>
{
    public override LayerKind Kind => LayerKind.AvgPool2d;

    protected override CompiledLayer Compile(AvgPool2dLayer layer, LayerShape shape) => new Step(layer, shape);

    protected override double[] Reference(AvgPool2dLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs)
    {
        int area = layer.Window.KernelHeight * layer.Window.KernelWidth;
        return PoolReference.Run(layer.Window, shape, inputs[0], (values, count) => values.Take(count).Sum() / (layer.CountIncludePad ? area : count));
    }

    private sealed class Step(AvgPool2dLayer layer, LayerShape shape) : CompiledLayer
    {
        private readonly int _c = shape.InputShape[0], _inH = shape.InputShape[1], _inW = shape.InputShape[2];
        private readonly int _outH = shape.OutputShape[1], _outW = shape.OutputShape[2];

        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
        {
            Pool2dWindow w = layer.Window;
            LayerKernels.AvgPool2d(a, _c, _inH, _inW, w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth, w.PadTop, w.PadLeft, _outH, _outW, layer.CountIncludePad, y);
        }
    }
}

/// <summary>GlobalAvgPool through <see cref="LayerKernels.GlobalAvgPool"/>.</summary>
internal sealed class GlobalAvgPoolOp : RuntimeOp<GlobalAvgPoolLayer>
{
    public override LayerKind Kind => LayerKind.GlobalAvgPool;

    protected override CompiledLayer Compile(GlobalAvgPoolLayer layer, LayerShape shape) =>
        new Step(shape.InputShape[0], shape.InputShape[1] * shape.InputShape[2]);

    protected override double[] Reference(GlobalAvgPoolLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs)
    {
        int channels = shape.InputShape[0], plane = shape.InputShape[1] * shape.InputShape[2];
        var y = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            y[c] = inputs[0].Skip(c * plane).Take(plane).Sum() / plane;
        }

        return y;
    }

    private sealed class Step(int channels, int plane) : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.GlobalAvgPool(a, channels, plane, y);
    }
}

/// <summary>The windows of a pooling op walked plainly, for the references.</summary>
internal static class PoolReference
{
    public static double[] Run(Pool2dWindow w, LayerShape shape, double[] x, Func<double[], int, double> reduce)
    {
        int channels = shape.InputShape[0], inH = shape.InputShape[1], inW = shape.InputShape[2];
        int outH = shape.OutputShape[1], outW = shape.OutputShape[2];
        var y = new double[channels * outH * outW];
        var window = new double[w.KernelHeight * w.KernelWidth];
        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    int n = 0;
                    for (int ky = 0; ky < w.KernelHeight; ky++)
                    {
                        for (int kx = 0; kx < w.KernelWidth; kx++)
                        {
                            int iy = (oy * w.StrideHeight) - w.PadTop + ky, ix = (ox * w.StrideWidth) - w.PadLeft + kx;
                            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW)
                            {
                                window[n++] = x[(((c * inH) + iy) * inW) + ix];
                            }
                        }
                    }

                    y[(((c * outH) + oy) * outW) + ox] = reduce(window, n);
                }
            }
        }

        return y;
    }
}
