using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>Add: <see cref="LayerKernels.Add"/>.</summary>
internal sealed class AddOp : RuntimeOp<AddLayer>
{
    public override LayerKind Kind => LayerKind.Add;

    protected override CompiledLayer Compile(AddLayer layer, LayerShape shape) => new Step();

    protected override double[] Reference(AddLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) =>
        inputs[0].Zip(inputs[1], (p, q) => p + q).ToArray();

    private sealed class Step : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.Add(a, b, y);
    }
}

/// <summary>Clip: <see cref="LayerKernels.Clip"/>.</summary>
internal sealed class ClipOp : RuntimeOp<ClipLayer>
{
    public override LayerKind Kind => LayerKind.Clip;

    protected override CompiledLayer Compile(ClipLayer layer, LayerShape shape) => new Step(layer.Min, layer.Max);

    protected override double[] Reference(ClipLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) =>
        Array.ConvertAll(inputs[0], v => v > layer.Min ? (v < layer.Max ? v : layer.Max) : layer.Min);

    private sealed class Step(float min, float max) : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.Clip(a, min, max, y);
    }
}

/// <summary>ScaleShift: <see cref="LayerKernels.ScaleShift"/>, one channel per index of the first dimension.</summary>
internal sealed class ScaleShiftOp : RuntimeOp<ScaleShiftLayer>
{
    public override LayerKind Kind => LayerKind.ScaleShift;

    protected override CompiledLayer Compile(ScaleShiftLayer layer, LayerShape shape) =>
        new Step(layer, shape.InputLength / layer.Scale.Length);

    protected override double[] Reference(ScaleShiftLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs)
    {
        int plane = shape.InputLength / layer.Scale.Length;
        var y = new double[inputs[0].Length];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (inputs[0][i] * layer.Scale[i / plane]) + layer.Shift[i / plane];
        }

        return y;
    }

    private sealed class Step(ScaleShiftLayer layer, int plane) : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.ScaleShift(a, layer.Scale, layer.Shift, plane, y);
    }
}

/// <summary>ReLU: <see cref="LayerKernels.Relu"/>.</summary>
internal sealed class ReluOp : RuntimeOp<ReLULayer>
{
    public override LayerKind Kind => LayerKind.ReLU;

    protected override CompiledLayer Compile(ReLULayer layer, LayerShape shape) => new Step();

    protected override double[] Reference(ReLULayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) =>
        Array.ConvertAll(inputs[0], v => v > 0 ? v : 0);

    private sealed class Step : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.Relu(a, y);
    }
}

/// <summary>Sigmoid: <see cref="LayerKernels.Sigmoid"/>.</summary>
internal sealed class SigmoidOp : RuntimeOp<SigmoidLayer>
{
    public override LayerKind Kind => LayerKind.Sigmoid;

    protected override CompiledLayer Compile(SigmoidLayer layer, LayerShape shape) => new Step();

    protected override double[] Reference(SigmoidLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) =>
        Array.ConvertAll(inputs[0], v => 1 / (1 + Math.Exp(-v)));

    private sealed class Step : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.Sigmoid(a, y);
    }
}

/// <summary>Tanh: <see cref="LayerKernels.Tanh"/>.</summary>
internal sealed class TanhOp : RuntimeOp<TanhLayer>
{
    public override LayerKind Kind => LayerKind.Tanh;

    protected override CompiledLayer Compile(TanhLayer layer, LayerShape shape) => new Step();

    protected override double[] Reference(TanhLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) =>
        Array.ConvertAll(inputs[0], Math.Tanh);

    private sealed class Step : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.Tanh(a, y);
    }
}

/// <summary>Softmax over the flat vector: <see cref="LayerKernels.Softmax"/>.</summary>
internal sealed class SoftmaxOp : RuntimeOp<SoftmaxLayer>
{
    public override LayerKind Kind => LayerKind.Softmax;

    protected override CompiledLayer Compile(SoftmaxLayer layer, LayerShape shape) => new Step();

    protected override double[] Reference(SoftmaxLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs)
    {
        double[] x = inputs[0];
        double max = x.Length == 0 ? 0 : x.Max();
        double[] e = Array.ConvertAll(x, v => Math.Exp(v - max));
        double sum = e.Sum();
        return Array.ConvertAll(e, v => v / sum);
    }

    private sealed class Step : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.Softmax(a, y);
    }
}

/// <summary>Flatten: moves no data (a copy only when the plan gives it another buffer).</summary>
internal sealed class FlattenOp : RuntimeOp<FlattenLayer>
{
    public override LayerKind Kind => LayerKind.Flatten;

    protected override CompiledLayer Compile(FlattenLayer layer, LayerShape shape) => CopyStep.Instance;

    protected override double[] Reference(FlattenLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) => (double[])inputs[0].Clone();
}

/// <summary>Reshape: moves no data (a copy only when the plan gives it another buffer).</summary>
internal sealed class ReshapeOp : RuntimeOp<ReshapeLayer>
{
    public override LayerKind Kind => LayerKind.Reshape;

    protected override CompiledLayer Compile(ReshapeLayer layer, LayerShape shape) => CopyStep.Instance;

    protected override double[] Reference(ReshapeLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) => (double[])inputs[0].Clone();
}

/// <summary>The step of the ops that only reinterpret their input's shape.</summary>
internal sealed class CopyStep : CompiledLayer
{
    public static readonly CopyStep Instance = new();

    public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => LayerKernels.Copy(a, y);
}
