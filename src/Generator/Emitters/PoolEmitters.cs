using EmbeddedNets.Format;

namespace EmbeddedNets.Generator.Emitters;

/// <summary>
/// MaxPool2d: padded windows through <c>LayerKernels.MaxPool2d</c>, unpadded ones through
/// <c>SparseKernels.MaxPool2d</c> (with its 2×2 fast path), the choice <c>CompactModel</c> makes.
/// </summary>
internal sealed class MaxPool2dEmitter : OpEmitter<MaxPool2dLayer>
{
    public override LayerKind Kind => LayerKind.MaxPool2d;

    protected override void EmitRun(LayerEmission e, MaxPool2dLayer layer)
    {
        Pool2dWindow w = layer.Window;
        IReadOnlyList<int> input = e.Shape.InputShape, output = e.Shape.OutputShape;
        if (w.IsPadded)
        {
            e.Call(LayerKernels, "MaxPool2d", Ints(input[0], input[1], input[2], w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth, w.PadTop, w.PadLeft, output[1], output[2]));
        }
        else
        {
            e.Call(SparseKernels, "MaxPool2d", Ints(input[0], input[1], input[2], w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth));
        }
    }

    internal static string[] Ints(params int[] values) => values.Select(CodeText.Int).ToArray();
}

/// <summary>AvgPool2d through <c>LayerKernels.AvgPool2d</c>.</summary>
internal sealed class AvgPool2dEmitter : OpEmitter<AvgPool2dLayer>
{
    public override LayerKind Kind => LayerKind.AvgPool2d;

    protected override void EmitRun(LayerEmission e, AvgPool2dLayer layer)
    {
        Pool2dWindow w = layer.Window;
        IReadOnlyList<int> input = e.Shape.InputShape, output = e.Shape.OutputShape;
        var arguments = new List<string>(MaxPool2dEmitter.Ints(
            input[0], input[1], input[2], w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth, w.PadTop, w.PadLeft, output[1], output[2]))
        {
            layer.CountIncludePad ? "true" : "false",
        };
        e.Call(LayerKernels, "AvgPool2d", arguments.ToArray());
    }
}

/// <summary>GlobalAvgPool through <c>LayerKernels.GlobalAvgPool</c>.</summary>
internal sealed class GlobalAvgPoolEmitter : OpEmitter<GlobalAvgPoolLayer>
{
    public override LayerKind Kind => LayerKind.GlobalAvgPool;

    protected override void EmitRun(LayerEmission e, GlobalAvgPoolLayer layer)
    {
        IReadOnlyList<int> input = e.Shape.InputShape;
        e.Call(LayerKernels, "GlobalAvgPool", CodeText.Int(input[0]), CodeText.Int(checked(input[1] * input[2])));
    }
}
