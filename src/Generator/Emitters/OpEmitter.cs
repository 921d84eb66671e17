using EmbeddedNets.Format;

namespace EmbeddedNets.Generator.Emitters;

/// <summary>
/// The generator's part of one op: the Unrolled-mode code that runs a layer of that op. One
/// sealed subclass per op, registered in <see cref="OpEmitters"/>; nothing else in the generator
/// switches on the op. Compact mode needs nothing from here: the embedded file runs in the
/// Runtime's <c>CompactModel</c>, which has its own table of ops.
/// </summary>
/// <remarks>
/// Unrolled code runs the steps of the model's <see cref="ExecutionPlan"/> with the Runtime's
/// public kernels, exactly as <c>CompactModel</c> runs them (same buffers, same kernels, same
/// order of operations), so its results are bit-identical. An emitter writes constants only:
/// every size and offset is computed here, with checked arithmetic, and written as a literal, so
/// the generated code holds no constant expression the compiler could find overflowing.
/// </remarks>
internal abstract class OpEmitter
{
    /// <summary>The Runtime's sparse kernels (dense, conv, unpadded max pooling, preprocessing).</summary>
    public const string SparseKernels = "global::EmbeddedNets.Inference.SparseKernels";

    /// <summary>The Runtime's kernels of the other ops.</summary>
    public const string LayerKernels = "global::EmbeddedNets.Inference.LayerKernels";

    /// <summary><c>ReadOnlySpan&lt;float&gt;</c>, fully qualified.</summary>
    public const string ReadOnlySpanOfFloat = "global::System.ReadOnlySpan<float>";

    /// <summary><c>Span&lt;float&gt;</c>, fully qualified.</summary>
    public const string SpanOfFloat = "global::System.Span<float>";

    /// <summary>The op this emits.</summary>
    public abstract LayerKind Kind { get; }

    /// <summary>
    /// How many values the layer puts into Unrolled code as constants: kept weights (one statement
    /// or call each) plus per-element constants such as biases. The Unrolled cap
    /// (<see cref="DczGenerator.MaxUnrolledValues"/>) counts these. Computed in 64 bits; no
    /// layer of a valid file comes near overflowing it.
    /// </summary>
    public abstract long UnrolledValues(DczLayer layer);

    /// <summary>Writes the statements of <c>Run</c> that compute the layer: its inputs in <see cref="LayerEmission.Inputs"/>, its output in <see cref="LayerEmission.Output"/>.</summary>
    public abstract void EmitRun(LayerEmission e);

    /// <summary>Writes the layer's private members (weight code, constant data); none by default.</summary>
    public virtual void EmitMembers(LayerEmission e)
    {
    }
}

/// <summary>An <see cref="OpEmitter"/> for one layer class.</summary>
internal abstract class OpEmitter<TLayer> : OpEmitter
    where TLayer : DczLayer
{
    public sealed override long UnrolledValues(DczLayer layer) => UnrolledValues((TLayer)layer);

    public sealed override void EmitRun(LayerEmission e) => EmitRun(e, (TLayer)e.Layer);

    public sealed override void EmitMembers(LayerEmission e) => EmitMembers(e, (TLayer)e.Layer);

    protected virtual long UnrolledValues(TLayer layer) => 0;

    protected abstract void EmitRun(LayerEmission e, TLayer layer);

    protected virtual void EmitMembers(LayerEmission e, TLayer layer)
    {
    }
}

/// <summary>One layer as its emitter sees it: the parsed layer, its shapes, and the C# expressions of its buffers.</summary>
internal sealed class LayerEmission
{
    public LayerEmission(ClassEmission owner, DczLayerInspection inspection, string name, IReadOnlyList<string> inputs, string output)
    {
        Class = owner;
        Inspection = inspection;
        Name = name;
        Inputs = inputs;
        Output = output;
    }

    /// <summary>The class being written (writer, member names).</summary>
    public ClassEmission Class { get; }

    /// <summary>The layer with its byte accounting.</summary>
    public DczLayerInspection Inspection { get; }

    /// <summary>The parsed layer.</summary>
    public DczLayer Layer => Inspection.Layer;

    /// <summary>Its input and output shapes.</summary>
    public LayerShape Shape => Inspection.Shape;

    /// <summary>The prefix of the layer's private members, <c>Layer3</c>.</summary>
    public string Name { get; }

    /// <summary>Per input, a <c>ReadOnlySpan&lt;float&gt;</c> expression valid in <c>Run</c>.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>A <c>Span&lt;float&gt;</c> expression of the output, valid in <c>Run</c>.</summary>
    public string Output { get; }

    /// <summary>The writer.</summary>
    public SourceWriter W => Class.Writer;

    /// <summary>Declares a private member of this layer, <c>Layer3Suffix</c>, and returns its name.</summary>
    public string Member(string suffix) => Class.Member(Name + suffix);

    /// <summary>Writes <c>Kernels.Method(input 0, args…, output);</c>.</summary>
    public void Call(string kernels, string method, params string[] arguments)
    {
        var all = new List<string> { Inputs[0] };
        all.AddRange(arguments);
        all.Add(Output);
        W.Line(kernels + "." + method + "(" + string.Join(", ", all) + ");");
    }
}

/// <summary>The generator's table of ops: one <see cref="OpEmitter"/> per <see cref="LayerKind"/>.</summary>
internal static class OpEmitters
{
    private static readonly OpEmitter?[] s_byTag = Build(
        new DenseEmitter(),
        new Conv2dEmitter(),
        new MaxPool2dEmitter(),
        new AvgPool2dEmitter(),
        new GlobalAvgPoolEmitter(),
        new AddEmitter(),
        new ClipEmitter(),
        new ScaleShiftEmitter(),
        new ReluEmitter(),
        new SigmoidEmitter(),
        new TanhEmitter(),
        new SoftmaxEmitter(),
        new FlattenEmitter(),
        new ReshapeEmitter());

    /// <summary>Every registered emitter.</summary>
    public static IEnumerable<OpEmitter> All => s_byTag.Where(e => e is not null)!;

    /// <summary>The emitter of <paramref name="kind"/>, or null when this generator has none.</summary>
    public static OpEmitter? Find(LayerKind kind) => s_byTag[(byte)kind];

    private static OpEmitter?[] Build(params OpEmitter[] emitters)
    {
        var table = new OpEmitter?[256];
        foreach (OpEmitter emitter in emitters)
        {
            table[(byte)emitter.Kind] = emitter;
        }

        return table;
    }
}
