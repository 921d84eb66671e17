using EmbeddedNets.Format;

namespace EmbeddedNets.Generator.Emitters;

/// <summary>
/// Conv2d (any stride, per-side padding and groups), unrolled: <c>FillPlanes(bias)</c>, then one
/// <c>SparseKernels.ConvAccumulate</c> call per kept tap with constant arguments, in the flat
/// (out channel, in channel, ky, kx) order of <see cref="CompactConv"/> — the operations
/// <c>CompactModel</c> runs (its register-tiled kernel is bit-identical to them).
/// </summary>
internal sealed class Conv2dEmitter : OpEmitter<Conv2dLayer>
{
    /// <summary>At most this many kernel-tap calls per method (the JIT's limits, ENVIRONMENT.md).</summary>
    public const int MaxTapsPerMethod = 250;

    public override LayerKind Kind => LayerKind.Conv2d;

    /// <summary>Kept taps and biases.</summary>
    protected override long UnrolledValues(Conv2dLayer layer) => (long)layer.Weights.Count + layer.OutChannels;

    protected override void EmitRun(LayerEmission e, Conv2dLayer layer) =>
        e.W.Line(e.Name + "(" + e.Inputs[0] + ", " + e.Output + ");");

    protected override void EmitMembers(LayerEmission e, Conv2dLayer layer)
    {
        IReadOnlyList<int> input = e.Shape.InputShape, output = e.Shape.OutputShape;
        int inH = input[1], inW = input[2], outH = output[1], outW = output[2];
        int inPlane = checked(inH * inW), outPlane = checked(outH * outW);

        // Tap positions (with groups) come from the format code, as the Runtime's do.
        CompactConv compact = CompactConv.FromLayer(layer);
        int taps = compact.Weights.Length;
        int partCount = (taps + MaxTapsPerMethod - 1) / MaxTapsPerMethod;
        string tail = ", " + CodeText.Int(layer.StrideHeight) + ", " + CodeText.Int(layer.StrideWidth) + ", "
            + CodeText.Int(layer.PadTop) + ", " + CodeText.Int(layer.PadLeft) + ", ";

        SourceWriter w = e.W;
        string bias = e.Member("Bias");
        w.Line();
        w.Line("// " + CodeText.Comment(e.Class.Summary(e.Inspection)));
        using (w.Block("private static void " + e.Class.Member(e.Name) + "(" + ReadOnlySpanOfFloat + " x, " + SpanOfFloat + " y)"))
        {
            w.Line(SparseKernels + ".FillPlanes(y, " + bias + ", " + CodeText.Int(outPlane) + ");");
            for (int p = 0; p < partCount; p++)
            {
                w.Line(e.Name + "Part" + CodeText.Int(p) + "(x, y);");
            }
        }

        w.Line();
        e.Class.FloatData("private", bias, layer.Bias);
        for (int p = 0; p < partCount; p++)
        {
            w.Line();

            // Straight-line code gains nothing from tiered compilation's profiling and, being large,
            // would run unoptimized for a while first: compile it fully optimized at once.
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            using (w.Block("private static void " + e.Member("Part" + CodeText.Int(p)) + "(" + ReadOnlySpanOfFloat + " x, " + SpanOfFloat + " y)"))
            {
                int end = Math.Min(taps, checked((p + 1) * MaxTapsPerMethod));
                for (int t = p * MaxTapsPerMethod; t < end; t++)
                {
                    int outChannel = compact.Taps[4 * t], inChannel = compact.Taps[(4 * t) + 1];
                    int ky = compact.Taps[(4 * t) + 2], kx = compact.Taps[(4 * t) + 3];
                    w.Line(SparseKernels + ".ConvAccumulate(x.Slice(" + CodeText.Int(checked(inChannel * inPlane)) + ", " + CodeText.Int(inPlane) + "), "
                        + CodeText.Int(inH) + ", " + CodeText.Int(inW) + ", y.Slice(" + CodeText.Int(checked(outChannel * outPlane)) + ", " + CodeText.Int(outPlane) + "), "
                        + CodeText.Int(outH) + ", " + CodeText.Int(outW) + ", " + CodeText.Int(ky) + ", " + CodeText.Int(kx) + tail + CodeText.Float(compact.Weights[t]) + ");");
                }
            }
        }
    }
}
