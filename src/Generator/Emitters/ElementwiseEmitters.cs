using EmbeddedNets.Format;

namespace EmbeddedNets.Generator.Emitters;

/// <summary>ReLU: <c>LayerKernels.Relu</c>.</summary>
internal sealed class ReluEmitter : OpEmitter<ReLULayer>
{
    public override LayerKind Kind => LayerKind.ReLU;

    protected override void EmitRun(LayerEmission e, ReLULayer layer) => e.Call(LayerKernels, "Relu");
}

/// <summary>Sigmoid: <c>LayerKernels.Sigmoid</c>.</summary>
internal sealed class SigmoidEmitter : OpEmitter<SigmoidLayer>
{
    public override LayerKind Kind => LayerKind.Sigmoid;

    protected override void EmitRun(LayerEmission e, SigmoidLayer layer) => e.Call(LayerKernels, "Sigmoid");
}

/// <summary>Tanh: <c>LayerKernels.Tanh</c>.</summary>
internal sealed class TanhEmitter : OpEmitter<TanhLayer>
{
    public override LayerKind Kind => LayerKind.Tanh;

    protected override void EmitRun(LayerEmission e, TanhLayer layer) => e.Call(LayerKernels, "Tanh");
}

/// <summary>Softmax over the flat vector: <c>LayerKernels.Softmax</c>.</summary>
internal sealed class SoftmaxEmitter : OpEmitter<SoftmaxLayer>
{
    public override LayerKind Kind => LayerKind.Softmax;

    protected override void EmitRun(LayerEmission e, SoftmaxLayer layer) => e.Call(LayerKernels, "Softmax");
}

/// <summary>Clip: <c>LayerKernels.Clip</c> with the bounds as literals.</summary>
internal sealed class ClipEmitter : OpEmitter<ClipLayer>
{
    public override LayerKind Kind => LayerKind.Clip;

    protected override void EmitRun(LayerEmission e, ClipLayer layer) =>
        e.Call(LayerKernels, "Clip", CodeText.Float(layer.Min), CodeText.Float(layer.Max));
}

/// <summary>ScaleShift: <c>LayerKernels.ScaleShift</c> over two constant spans, one value per channel.</summary>
internal sealed class ScaleShiftEmitter : OpEmitter<ScaleShiftLayer>
{
    public override LayerKind Kind => LayerKind.ScaleShift;

    /// <summary>The scales and the shifts.</summary>
    protected override long UnrolledValues(ScaleShiftLayer layer) => (long)layer.Scale.Length + layer.Shift.Length;

    protected override void EmitRun(LayerEmission e, ScaleShiftLayer layer) =>
        e.Call(LayerKernels, "ScaleShift", e.Name + "Scale", e.Name + "Shift", CodeText.Int(e.Shape.InputLength / layer.Scale.Length));

    protected override void EmitMembers(LayerEmission e, ScaleShiftLayer layer)
    {
        e.W.Line();
        e.W.Line("// " + CodeText.Comment(e.Class.Summary(e.Inspection)));
        e.Class.FloatData("private", e.Name + "Scale", layer.Scale);
        e.W.Line();
        e.Class.FloatData("private", e.Name + "Shift", layer.Shift);
    }
}

/// <summary>Add: <c>LayerKernels.Add</c> of the two inputs.</summary>
internal sealed class AddEmitter : OpEmitter<AddLayer>
{
    public override LayerKind Kind => LayerKind.Add;

    protected override void EmitRun(LayerEmission e, AddLayer layer) =>
        e.W.Line(LayerKernels + ".Add(" + e.Inputs[0] + ", " + e.Inputs[1] + ", " + e.Output + ");");
}
