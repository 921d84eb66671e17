using System.Numerics.Tensors;
using EmbeddedNets.Format;

namespace EmbeddedNets.Benchmarks.Engines;

/// <summary>
/// The dense C# baseline: the same decoded weights as the sparse code (zeros where pruned), run
/// the way a careful C# developer would run an uncompressed network with
/// <see cref="TensorPrimitives"/>. Dense layers are one vectorised dot product per output row.
/// Convolutions are im2col followed by whichever vectorised form suits the layer's shape: one dot
/// product per (channel, position) over a patch-major buffer when patches are long (conv2 of
/// LeNet-5: 500-long patches, 64 positions), or one multiply-add per (channel, tap) over a
/// tap-major buffer when positions outnumber taps (conv1: 25 taps, 576 positions).
/// All buffers are allocated once; a call allocates nothing. Single-threaded.
/// </summary>
internal sealed class DenseNetwork
{
    private readonly Op[] _ops;
    private readonly float[] _a, _b;

    public DenseNetwork(DczModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelShapes shapes = ModelShapes.Compute(model);
        InputLength = shapes.InputLength;
        OutputLength = shapes.OutputLength;
        _ops = new Op[model.Layers.Count];
        for (int i = 0; i < _ops.Length; i++)
        {
            LayerShape s = shapes.Layers[i];
            _ops[i] = model.Layers[i] switch
            {
                DenseLayer d => new DenseOp(d),
                Conv2dLayer c => new ConvOp(c, s),
                MaxPool2dLayer p => new PoolOp(p, s),
                ReLULayer => new ReluOp(),
                FlattenLayer => new FlattenOp(),
                SoftmaxLayer => new SoftmaxOp(),
                _ => throw new NotSupportedException($"layer {i}: op {model.Layers[i].Kind} has no dense baseline."),
            };
            _ops[i].OutputLength = s.OutputLength;
        }

        _a = new float[Math.Max(shapes.MaxActivationLength, 1)];
        _b = new float[_a.Length];
    }

    public int InputLength { get; }

    public int OutputLength { get; }

    /// <summary>Runs one sample; <paramref name="output"/> receives the last layer's values.</summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputLength || output.Length != OutputLength)
        {
            throw new ArgumentException($"Expected {InputLength} inputs and {OutputLength} outputs; got {input.Length} and {output.Length}.");
        }

        Span<float> current = _a, other = _b;
        int length = input.Length;
        input.CopyTo(current);
        foreach (Op op in _ops)
        {
            if (op.InPlace)
            {
                op.Run(current[..length], current[..op.OutputLength]);
            }
            else
            {
                op.Run(current[..length], other[..op.OutputLength]);
                Span<float> t = current;
                current = other;
                other = t;
            }

            length = op.OutputLength;
        }

        current[..length].CopyTo(output);
    }

    private abstract class Op
    {
        public int OutputLength { get; set; }

        public virtual bool InPlace => false;

        public abstract void Run(ReadOnlySpan<float> input, Span<float> output);
    }

    private sealed class DenseOp(DenseLayer layer) : Op
    {
        private readonly float[] _w = layer.Weights.ToDense();
        private readonly float[] _bias = layer.Bias;
        private readonly int _inputs = layer.Inputs;

        public override void Run(ReadOnlySpan<float> input, Span<float> output)
        {
            ReadOnlySpan<float> w = _w;
            for (int o = 0; o < output.Length; o++)
            {
                output[o] = TensorPrimitives.Dot(w.Slice(o * _inputs, _inputs), input) + _bias[o];
            }
        }
    }

    private sealed class ConvOp : Op
    {
        private readonly float[] _w, _bias, _columns;
        private readonly int _cin, _inH, _inW, _outH, _outW, _kh, _kw, _sh, _sw, _ph, _pw, _patch, _positions;
        private readonly bool _patchMajor;

        public ConvOp(Conv2dLayer c, LayerShape s)
        {
            _w = c.Weights.ToDense();
            _bias = c.Bias;
            (_cin, _inH, _inW) = (s.InputShape[0], s.InputShape[1], s.InputShape[2]);
            (_outH, _outW) = (s.OutputShape[1], s.OutputShape[2]);
            (_kh, _kw, _sh, _sw, _ph, _pw) = (c.KernelHeight, c.KernelWidth, c.StrideHeight, c.StrideWidth, c.PadTop, c.PadLeft);
            _patch = _cin * _kh * _kw;
            _positions = _outH * _outW;
            _patchMajor = _patch >= _positions;
            _columns = new float[_patch * _positions];
        }

        public override void Run(ReadOnlySpan<float> input, Span<float> output)
        {
            Im2Col(input);
            ReadOnlySpan<float> cols = _columns, w = _w;
            int outChannels = _bias.Length;
            if (_patchMajor)
            {
                // _columns is [position][patch]: each output is one dot product of two contiguous rows.
                for (int oc = 0; oc < outChannels; oc++)
                {
                    ReadOnlySpan<float> kernel = w.Slice(oc * _patch, _patch);
                    Span<float> plane = output.Slice(oc * _positions, _positions);
                    for (int p = 0; p < _positions; p++)
                    {
                        plane[p] = TensorPrimitives.Dot(kernel, cols.Slice(p * _patch, _patch)) + _bias[oc];
                    }
                }
            }
            else
            {
                // _columns is [tap][position]: each output plane accumulates one scaled row per tap.
                for (int oc = 0; oc < outChannels; oc++)
                {
                    Span<float> plane = output.Slice(oc * _positions, _positions);
                    plane.Fill(_bias[oc]);
                    for (int k = 0; k < _patch; k++)
                    {
                        TensorPrimitives.MultiplyAdd(cols.Slice(k * _positions, _positions), w[(oc * _patch) + k], plane, plane);
                    }
                }
            }
        }

        private void Im2Col(ReadOnlySpan<float> input)
        {
            Span<float> cols = _columns;
            for (int ic = 0; ic < _cin; ic++)
            {
                for (int ky = 0; ky < _kh; ky++)
                {
                    for (int kx = 0; kx < _kw; kx++)
                    {
                        int k = (((ic * _kh) + ky) * _kw) + kx;
                        for (int oy = 0; oy < _outH; oy++)
                        {
                            int iy = (oy * _sh) - _ph + ky;
                            for (int ox = 0; ox < _outW; ox++)
                            {
                                int ix = (ox * _sw) - _pw + kx;
                                float v = iy >= 0 && iy < _inH && ix >= 0 && ix < _inW ? input[(((ic * _inH) + iy) * _inW) + ix] : 0f;
                                int p = (oy * _outW) + ox;
                                cols[_patchMajor ? (p * _patch) + k : (k * _positions) + p] = v;
                            }
                        }
                    }
                }
            }
        }
    }

    private sealed class PoolOp(MaxPool2dLayer p, LayerShape s) : Op
    {
        private readonly int _c = s.InputShape[0], _inH = s.InputShape[1], _inW = s.InputShape[2];
        private readonly int _outH = s.OutputShape[1], _outW = s.OutputShape[2];

        public override void Run(ReadOnlySpan<float> input, Span<float> output)
        {
            for (int c = 0; c < _c; c++)
            {
                for (int oy = 0; oy < _outH; oy++)
                {
                    for (int ox = 0; ox < _outW; ox++)
                    {
                        float best = float.NegativeInfinity;
                        for (int ky = 0; ky < p.KernelHeight; ky++)
                        {
                            int row = (((c * _inH) + (oy * p.StrideHeight) + ky) * _inW) + (ox * p.StrideWidth);
                            for (int kx = 0; kx < p.KernelWidth; kx++)
                            {
                                best = MathF.Max(best, input[row + kx]);
                            }
                        }

                        output[(((c * _outH) + oy) * _outW) + ox] = best;
                    }
                }
            }
        }
    }

    private sealed class ReluOp : Op
    {
        public override bool InPlace => true;

        public override void Run(ReadOnlySpan<float> input, Span<float> output) => TensorPrimitives.Max(output, 0f, output);
    }

    private sealed class FlattenOp : Op
    {
        public override bool InPlace => true;

        public override void Run(ReadOnlySpan<float> input, Span<float> output)
        {
            // Row-major [c, h, w] is already the flattened order.
        }
    }

    private sealed class SoftmaxOp : Op
    {
        public override bool InPlace => true;

        public override void Run(ReadOnlySpan<float> input, Span<float> output) => TensorPrimitives.SoftMax(output, output);
    }
}
