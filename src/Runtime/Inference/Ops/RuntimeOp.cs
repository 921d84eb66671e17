using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// The Runtime's part of one op: how a layer is prepared once into a ready-to-run form (the fast
/// path <see cref="CompactModel"/> runs) and a plain double-precision reference that tests hold
/// the fast path to. One subclass per op, registered in <see cref="RuntimeOps"/>.
/// </summary>
internal abstract class RuntimeOp
{
    /// <summary>The op this implements.</summary>
    public abstract LayerKind Kind { get; }

    /// <summary>Prepares <paramref name="layer"/> (decoded weights, shapes) for <see cref="CompiledLayer.Run"/>.</summary>
    public abstract CompiledLayer Compile(DczLayer layer, LayerShape shape);

    /// <summary>The textbook computation in double precision, for tests; may allocate.</summary>
    public abstract double[] Reference(DczLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs);
}

/// <summary>A <see cref="RuntimeOp"/> for one layer class.</summary>
internal abstract class RuntimeOp<TLayer> : RuntimeOp
    where TLayer : DczLayer
{
    public sealed override CompiledLayer Compile(DczLayer layer, LayerShape shape) => Compile((TLayer)layer, shape);

    public sealed override double[] Reference(DczLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs) =>
        Reference((TLayer)layer, shape, inputs);

    protected abstract CompiledLayer Compile(TLayer layer, LayerShape shape);

    protected abstract double[] Reference(TLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs);
}

/// <summary>
/// A layer ready to run: decoded once, then <see cref="Run"/> any number of times on any thread
/// without allocating. <c>y</c> may be the same memory as <c>a</c> when the op
/// <see cref="DczLayer.CanRunInPlace"/>; <c>b</c> is empty for one-input ops.
/// </summary>
internal abstract class CompiledLayer
{
    public abstract void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);
}

/// <summary>The Runtime's table of ops: one <see cref="RuntimeOp"/> per <see cref="LayerKind"/>.</summary>
internal static class RuntimeOps
{
    private static readonly RuntimeOp?[] s_byTag = Build(
        new DenseOp(),
        new Conv2dOp(),
        new MaxPool2dOp(),
        new AvgPool2dOp(),
        new GlobalAvgPoolOp(),
        new AddOp(),
        new ClipOp(),
        new ScaleShiftOp(),
        new ReluOp(),
        new SigmoidOp(),
        new TanhOp(),
        new SoftmaxOp(),
        new FlattenOp(),
        new ReshapeOp());

    /// <summary>The implementation of <paramref name="kind"/>, or null when this Runtime has none.</summary>
    public static RuntimeOp? Find(LayerKind kind) => s_byTag[(byte)kind];

    /// <summary>The implementation of <paramref name="layer"/>'s op.</summary>
    /// <exception cref="NotSupportedException">This Runtime has no implementation of the op.</exception>
    public static RuntimeOp For(DczLayer layer, int index) =>
        s_byTag[(byte)layer.Kind] ?? throw new NotSupportedException(
            $"layer {index}: op {DczErrors.KindName(layer.Kind)} has no inference kernel in this version of EmbeddedNets.Runtime.");

    private static RuntimeOp?[] Build(params RuntimeOp[] ops)
    {
        var table = new RuntimeOp?[256];
        foreach (RuntimeOp op in ops)
        {
            table[(byte)op.Kind] = op;
        }

        return table;
    }
}
