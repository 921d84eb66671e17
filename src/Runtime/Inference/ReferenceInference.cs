using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// The plain reference: every layer decoded to dense weights and computed with textbook loops,
/// accumulating in double. Slow and allocating; it exists so that the fast paths
/// (<see cref="CompactModel"/>, generated code) can be checked against an independent implementation.
/// </summary>
public static class ReferenceInference
{
    /// <summary>Runs <paramref name="model"/> on <paramref name="input"/> and returns the last layer's values.</summary>
    /// <exception cref="ArgumentException">The input length does not match the model.</exception>
    /// <exception cref="InvalidDataException">The model's shapes do not fit together.</exception>
    public static double[] Run(DczModel model, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelShapes shapes = ModelShapes.Compute(model);
        if (input.Length != shapes.InputLength)
        {
            throw new ArgumentException($"The model takes {shapes.InputLength} input values, but {input.Length} were given.", nameof(input));
        }

        double[] x = new double[input.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = input[i];
        }

        for (int l = 0; l < model.Layers.Count; l++)
        {
            LayerShape shape = shapes.Layers[l];
            x = model.Layers[l] switch
            {
                DenseLayer d => Dense(d, x),
                Conv2dLayer c => Conv(c, shape, x),
                MaxPool2dLayer p => Pool(p, shape, x),
                ReLULayer => Array.ConvertAll(x, v => v > 0 ? v : 0),
                FlattenLayer => x,
                SoftmaxLayer => Softmax(x),
                DczLayer other => throw new NotSupportedException($"layer {l}: op {other.Kind} is not supported."),
            };
        }

        return x;
    }

    private static double[] Dense(DenseLayer layer, double[] x)
    {
        float[] w = layer.Weights.ToDense();
        var y = new double[layer.Outputs];
        for (int o = 0; o < layer.Outputs; o++)
        {
            double sum = layer.Bias[o];
            for (int i = 0; i < layer.Inputs; i++)
            {
                sum += (double)w[(o * layer.Inputs) + i] * x[i];
            }

            y[o] = sum;
        }

        return y;
    }

    private static double[] Conv(Conv2dLayer layer, LayerShape shape, double[] x)
    {
        float[] w = layer.Weights.ToDense();
        int cin = layer.InChannels, inH = shape.InputShape[1], inW = shape.InputShape[2];
        int outH = shape.OutputShape[1], outW = shape.OutputShape[2];
        int kh = layer.KernelHeight, kw = layer.KernelWidth;
        var y = new double[layer.OutChannels * outH * outW];
        for (int oc = 0; oc < layer.OutChannels; oc++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    double sum = layer.Bias[oc];
                    for (int ic = 0; ic < cin; ic++)
                    {
                        for (int ky = 0; ky < kh; ky++)
                        {
                            int iy = (oy * layer.StrideHeight) - layer.PaddingHeight + ky;
                            for (int kx = 0; kx < kw; kx++)
                            {
                                int ix = (ox * layer.StrideWidth) - layer.PaddingWidth + kx;
                                if (iy >= 0 && iy < inH && ix >= 0 && ix < inW)
                                {
                                    sum += (double)w[(((((oc * cin) + ic) * kh) + ky) * kw) + kx] * x[(((ic * inH) + iy) * inW) + ix];
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

    private static double[] Pool(MaxPool2dLayer layer, LayerShape shape, double[] x)
    {
        int channels = shape.InputShape[0], inH = shape.InputShape[1], inW = shape.InputShape[2];
        int outH = shape.OutputShape[1], outW = shape.OutputShape[2];
        var y = new double[channels * outH * outW];
        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    double best = double.NegativeInfinity;
                    for (int ky = 0; ky < layer.KernelHeight; ky++)
                    {
                        for (int kx = 0; kx < layer.KernelWidth; kx++)
                        {
                            best = Math.Max(best, x[(((c * inH) + (oy * layer.StrideHeight) + ky) * inW) + (ox * layer.StrideWidth) + kx]);
                        }
                    }

                    y[(((c * outH) + oy) * outW) + ox] = best;
                }
            }
        }

        return y;
    }

    private static double[] Softmax(double[] x)
    {
        double max = x.Length == 0 ? 0 : x.Max();
        double[] e = Array.ConvertAll(x, v => Math.Exp(v - max));
        double sum = e.Sum();
        return Array.ConvertAll(e, v => v / sum);
    }
}
