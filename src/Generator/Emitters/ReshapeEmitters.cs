using EmbeddedNets.Format;

namespace EmbeddedNets.Generator.Emitters;

/// <summary>Flatten: moves no data; <c>LayerKernels.Copy</c> copies only when the plan gives it another buffer.</summary>
internal sealed class FlattenEmitter : OpEmitter<FlattenLayer>
{
    public override LayerKind Kind => LayerKind.Flatten;

    protected override void EmitRun(LayerEmission e, FlattenLayer layer) => e.Call(LayerKernels, "Copy");
}

/// <summary>Reshape: moves no data; <c>LayerKernels.Copy</c> copies only when the plan gives it another buffer.</summary>
internal sealed class ReshapeEmitter : OpEmitter<ReshapeLayer>
{
    public override LayerKind Kind => LayerKind.Reshape;

    protected override void EmitRun(LayerEmission e, ReshapeLayer layer) => e.Call(LayerKernels, "Copy");
}
