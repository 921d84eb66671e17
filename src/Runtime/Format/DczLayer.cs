namespace EmbeddedNets.Format;

/// <summary>
/// One node of the model's graph. Each op is a sealed subclass in <c>Format/Ops</c> that holds
/// its attributes and owns its part of the format: the record body (read and write), the
/// attribute rules and the shape rule. Nothing outside the op's class switches on its kind to
/// encode, validate or shape it.
/// </summary>
public abstract class DczLayer
{
    /// <summary>The reference to the model's input in <see cref="InputLayers"/>.</summary>
    public const int ModelInput = -1;

    /// <summary>Creates a layer with a (possibly empty) name and its inputs (null or empty: the previous layer).</summary>
    protected DczLayer(string name, IReadOnlyList<int>? inputs)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        InputLayers = inputs is null ? Array.Empty<int>() : inputs.ToArray();
    }

    /// <summary>The op tag.</summary>
    public abstract LayerKind Kind { get; }

    /// <summary>Layer name as the producer called it (e.g. <c>ip1</c>, <c>conv2</c>); may be empty.</summary>
    public string Name { get; }

    /// <summary>
    /// The layers whose outputs this layer reads, in order: indexes of earlier layers, or
    /// <see cref="ModelInput"/>. Empty means the previous layer (the model input for the first):
    /// a chain needs no explicit inputs. <see cref="DczModel.InputsOf"/> resolves it.
    /// </summary>
    public IReadOnlyList<int> InputLayers { get; }

    /// <summary>How many inputs the op takes (1 for all but <see cref="AddLayer"/>).</summary>
    public virtual int InputCount => 1;

    /// <summary>
    /// True when the op may write its output over its (first) input: element-wise ops and pure
    /// reshapes, where output element <c>i</c> depends on input element <c>i</c> only and the
    /// element count is unchanged. <see cref="ExecutionPlan"/> uses it to reuse buffers.
    /// </summary>
    public virtual bool CanRunInPlace => false;

    /// <summary>The pruned, weight-shared weights of a weighted op (Dense, Conv2d); null for the others.</summary>
    public virtual SparseWeights? WeightTensor => null;

    /// <summary>The bias of a weighted op, one per output (channel); null for the others.</summary>
    public virtual IReadOnlyList<float>? BiasValues => null;

    /// <summary>The op's attributes in one short line for summaries, e.g. <c>5×5 stride 1×1 pad 0,0,0,0</c>; empty when it has none.</summary>
    public virtual string Attributes => string.Empty;

    /// <summary>Writes the record body (spec §5, per op) after checking the attributes; throws <see cref="ArgumentException"/> naming <paramref name="label"/>.</summary>
    internal abstract void WriteBody(ByteSink body, string label);

    /// <summary>
    /// The shape rule (spec §7): the output shape for <paramref name="inputs"/> (one shape per
    /// input), or the reason there is none. Also checks the attributes, so a model built in code
    /// and a model read from bytes pass the same rules.
    /// </summary>
    internal abstract string? InferShape(IReadOnlyList<int[]> inputs, out int[] output);

    /// <summary>
    /// An upper bound of the work one inference spends in this layer, for the cap
    /// <see cref="DczConstants.MaxOperations"/>: one per output element unless the op overrides
    /// it (dense multiply-adds, pooling window elements). Called after
    /// <see cref="InferShape"/> succeeded; saturates instead of overflowing.
    /// </summary>
    internal virtual long Operations(IReadOnlyList<int[]> inputs, int[] output) => ShapeRules.Length(output);
}
