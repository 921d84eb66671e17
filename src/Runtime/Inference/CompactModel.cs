using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// A <c>.dcz</c> model decoded once into compact sparse form and run with
/// <see cref="SparseKernels"/>: dense layers as kept weights grouped by input column, conv layers
/// as a list of kept kernel taps. This is the Runtime's own inference: the compressor records the
/// accuracy it measures with this class, and generated code in both emission modes computes
/// bit-identical results (same operations, same order).
/// </summary>
/// <remarks>
/// Thread-safe. Each thread gets its own workspace on its first call; later calls allocate nothing.
/// </remarks>
public sealed partial class CompactModel
{
    [ThreadStatic]
    private static float[]? t_workspace;

    private readonly Step[] _steps;
    private readonly int _bufferLength;

    private CompactModel(DczModel model, ModelShapes shapes, Step[] steps)
    {
        Model = model;
        Shapes = shapes;
        _steps = steps;
        _bufferLength = Math.Max(shapes.MaxActivationLength, 1);
        InputLength = shapes.InputLength;
        OutputLength = shapes.OutputLength;
    }

    /// <summary>The model this was built from.</summary>
    public DczModel Model { get; }

    /// <summary>The shapes around every layer.</summary>
    public ModelShapes Shapes { get; }

    /// <summary>Number of input values.</summary>
    public int InputLength { get; }

    /// <summary>Number of output values (classes).</summary>
    public int OutputLength { get; }

    /// <summary>Reads a <c>.dcz</c> file's bytes (see <see cref="DczFile.Read(ReadOnlySpan{byte})"/>) and builds the compact form.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid <c>.dcz</c> file.</exception>
    /// <exception cref="NotSupportedException">The file uses a newer version or an unknown op.</exception>
    public static CompactModel Load(ReadOnlySpan<byte> dczFileBytes) => Create(DczFile.Read(dczFileBytes));

    /// <summary>Builds the compact form of <paramref name="model"/>.</summary>
    /// <exception cref="InvalidDataException">The layer chain's shapes do not fit together.</exception>
    public static CompactModel Create(DczModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelShapes shapes = ModelShapes.Compute(model);
        var steps = new Step[model.Layers.Count];
        for (int i = 0; i < steps.Length; i++)
        {
            LayerShape shape = shapes.Layers[i];
            steps[i] = model.Layers[i] switch
            {
                DenseLayer d => DenseStep.Create(d),
                Conv2dLayer c => ConvStep.Create(c, shape),
                MaxPool2dLayer p => new PoolStep(p, shape),
                ReLULayer => new ReluStep(),
                FlattenLayer => new FlattenStep(),
                SoftmaxLayer => new SoftmaxStep(),
                DczLayer other => throw new NotSupportedException($"layer {i}: op {other.Kind} has no inference kernel in this version of EmbeddedNets.Runtime."),
            };
        }

        return new CompactModel(model, shapes, steps);
    }

    /// <summary>Runs the model: <paramref name="output"/> receives the last layer's values (probabilities when the model ends in softmax).</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckLengths(input.Length, output.Length);
        ReadOnlySpan<float> result = Execute(input);
        result.CopyTo(output);
    }

    /// <summary>Runs the model and returns the index of the largest output (the first when equal).</summary>
    /// <exception cref="ArgumentException">The input has the wrong length.</exception>
    public int Predict(ReadOnlySpan<float> input)
    {
        CheckLengths(input.Length, OutputLength);
        return SparseKernels.ArgMax(Execute(input));
    }

    /// <summary>Applies the model's recorded preprocessing to raw bytes (e.g. pixels), runs it and returns the predicted class.</summary>
    /// <exception cref="ArgumentException">The input has the wrong length.</exception>
    public int Predict(ReadOnlySpan<byte> raw)
    {
        CheckLengths(raw.Length, OutputLength);
        float[] workspace = Workspace();
        Span<float> input = workspace.AsSpan(2 * _bufferLength, InputLength);
        Preprocessing p = Model.Info.Preprocessing;
        SparseKernels.Preprocess(raw, p.Scale, p.Mean, p.Std, input);
        return SparseKernels.ArgMax(Execute(input));
    }

    /// <summary>
    /// Counts how many of <paramref name="count"/> raw samples (concatenated in <paramref name="raw"/>)
    /// are predicted as their label.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not describe <paramref name="count"/> samples.</exception>
    public int CountCorrect(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> labels, int count)
    {
        if (count < 0 || labels.Length != count || raw.Length != (long)count * InputLength)
        {
            throw new ArgumentException($"{count} samples need {(long)count * InputLength} input bytes and {count} labels; got {raw.Length} bytes and {labels.Length} labels.");
        }

        int correct = 0;
        for (int i = 0; i < count; i++)
        {
            if (Predict(raw.Slice(i * InputLength, InputLength)) == labels[i])
            {
                correct++;
            }
        }

        return correct;
    }

    private void CheckLengths(int inputLength, int outputLength)
    {
        if (inputLength != InputLength)
        {
            throw new ArgumentException($"The model '{Model.Info.Name}' takes {InputLength} input values, but {inputLength} were given.", "input");
        }

        if (outputLength != OutputLength)
        {
            throw new ArgumentException($"The model '{Model.Info.Name}' produces {OutputLength} output values, but the output span holds {outputLength}.", "output");
        }
    }

    private float[] Workspace()
    {
        // Two ping-pong activation buffers plus room for a preprocessed input.
        int needed = (2 * _bufferLength) + InputLength;
        float[]? workspace = t_workspace;
        if (workspace is null || workspace.Length < needed)
        {
            workspace = new float[needed];
            t_workspace = workspace;
        }

        return workspace;
    }

    private ReadOnlySpan<float> Execute(ReadOnlySpan<float> input) => Execute(input, _steps.Length);

    /// <summary>Runs the first <paramref name="stepCount"/> steps (the batch path runs the rest on tiles).</summary>
    private ReadOnlySpan<float> Execute(ReadOnlySpan<float> input, int stepCount)
    {
        float[] workspace = Workspace();
        Span<float> current = workspace.AsSpan(0, _bufferLength);
        Span<float> other = workspace.AsSpan(_bufferLength, _bufferLength);
        int length = input.Length;
        int first = 0;
        if (stepCount > 0 && !_steps[0].InPlace)
        {
            // The first layer reads the caller's input directly: no copy.
            length = Shapes.Layers[0].OutputLength;
            _steps[0].Run(input, current.Slice(0, length));
            first = 1;
        }
        else
        {
            input.CopyTo(current);
        }

        for (int i = first; i < stepCount; i++)
        {
            Step step = _steps[i];
            int outLength = Shapes.Layers[i].OutputLength;
            if (step.InPlace)
            {
                step.Run(current.Slice(0, length), current.Slice(0, outLength));
            }
            else
            {
                step.Run(current.Slice(0, length), other.Slice(0, outLength));
                Span<float> swap = current;
                current = other;
                other = swap;
            }

            length = outLength;
        }

        return current.Slice(0, length);
    }

    private abstract class Step
    {
        public abstract bool InPlace { get; }

        public abstract void Run(ReadOnlySpan<float> input, Span<float> output);
    }

    /// <summary>A dense layer; <see cref="DenseRunner"/> holds its forms and picks the kernel for each input.</summary>
    private sealed class DenseStep(DenseRunner runner) : Step
    {
        public override bool InPlace => false;

        public DenseRunner Runner => runner;

        public static Step Create(DenseLayer layer) => new DenseStep(DenseRunner.Create(layer));

        public override void Run(ReadOnlySpan<float> input, Span<float> output) => runner.Run(input, output);
    }

    private sealed class ConvStep : Step
    {
        private readonly Conv2dLayer _layer;
        private readonly int[] _taps;
        private readonly float[] _weights;
        private readonly int _inChannels, _inH, _inW, _outH, _outW;

        // For the register-tiled kernel (stride 1, no padding): taps grouped by output channel
        // (they already are, in flat order) and each tap's input offset.
        private readonly int[] _channelStarts;
        private readonly int[] _tapOffsets;

        private ConvStep(Conv2dLayer layer, LayerShape shape, int[] taps, float[] weights)
        {
            _layer = layer;
            _taps = taps;
            _weights = weights;
            _inChannels = shape.InputShape[0];
            _inH = shape.InputShape[1];
            _inW = shape.InputShape[2];
            _outH = shape.OutputShape[1];
            _outW = shape.OutputShape[2];
            _channelStarts = new int[layer.OutChannels + 1];
            _tapOffsets = new int[weights.Length];
            for (int t = 0; t < weights.Length; t++)
            {
                _channelStarts[taps[4 * t] + 1]++;
                _tapOffsets[t] = (((taps[(4 * t) + 1] * _inH) + taps[(4 * t) + 2]) * _inW) + taps[(4 * t) + 3];
            }

            for (int c = 0; c < layer.OutChannels; c++)
            {
                _channelStarts[c + 1] += _channelStarts[c];
            }
        }

        public override bool InPlace => false;

        public static ConvStep Create(Conv2dLayer layer, LayerShape shape)
        {
            CompactConv compact = CompactConv.FromLayer(layer);
            return new ConvStep(layer, shape, compact.Taps, compact.Weights);
        }

        public override void Run(ReadOnlySpan<float> input, Span<float> output)
        {
            Conv2dLayer l = _layer;
            if (l.StrideHeight == 1 && l.StrideWidth == 1 && l.PaddingHeight == 0 && l.PaddingWidth == 0
                && SparseKernels.TryConvValidTiled(input, _inChannels, _inH, _inW, l.KernelHeight, l.KernelWidth, _channelStarts, _tapOffsets, _weights, l.Bias, output))
            {
                return;
            }

            int inPlane = _inH * _inW, outPlane = _outH * _outW;
            SparseKernels.FillPlanes(output, l.Bias, outPlane);
            int[] taps = _taps;
            for (int t = 0; t < _weights.Length; t++)
            {
                int b = 4 * t;
                SparseKernels.ConvAccumulate(
                    input.Slice(taps[b + 1] * inPlane, inPlane), _inH, _inW,
                    output.Slice(taps[b] * outPlane, outPlane), _outH, _outW,
                    taps[b + 2], taps[b + 3], l.StrideHeight, l.StrideWidth, l.PaddingHeight, l.PaddingWidth, _weights[t]);
            }
        }
    }

    private sealed class PoolStep : Step
    {
        private readonly MaxPool2dLayer _layer;
        private readonly int _channels, _inH, _inW;

        public PoolStep(MaxPool2dLayer layer, LayerShape shape)
        {
            _layer = layer;
            _channels = shape.InputShape[0];
            _inH = shape.InputShape[1];
            _inW = shape.InputShape[2];
        }

        public override bool InPlace => false;

        public override void Run(ReadOnlySpan<float> input, Span<float> output) =>
            SparseKernels.MaxPool2d(input, _channels, _inH, _inW, _layer.KernelHeight, _layer.KernelWidth, _layer.StrideHeight, _layer.StrideWidth, output);
    }

    private sealed class ReluStep : Step
    {
        public override bool InPlace => true;

        public override void Run(ReadOnlySpan<float> input, Span<float> output) => SparseKernels.Relu(output);
    }

    private sealed class FlattenStep : Step
    {
        public override bool InPlace => true;

        public override void Run(ReadOnlySpan<float> input, Span<float> output)
        {
            // Row-major [c, h, w] already is the flattened order.
        }
    }

    private sealed class SoftmaxStep : Step
    {
        public override bool InPlace => true;

        public override void Run(ReadOnlySpan<float> input, Span<float> output) => SparseKernels.Softmax(output);
    }
}
