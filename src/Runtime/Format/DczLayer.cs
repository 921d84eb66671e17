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

    /// <summary>
    /// The dense shape of <see cref="WeightTensor"/>, output units first (Dense <c>[outputs, inputs]</c>,
    /// Conv2d <c>[out, in / groups, kh, kw]</c>); null for ops without weights.
    /// </summary>
    public virtual IReadOnlyList<int>? WeightShape => null;

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

    // Dead-unit removal (the compressor's structured pruning) asks each op these questions. A
    // "channel" is one of `channels` equal, contiguous blocks of a layer's row-major data that
    // come from one output unit of a weighted producer (a Dense output, a Conv2d output channel).
    // Each op answers for itself, so the removal never switches over kinds; an op that keeps the
    // defaults stops the removal (the unit stays).

    /// <summary>
    /// Removal, ops between a producer and its consumers: true when the output, cut into
    /// <paramref name="channels"/> equal contiguous blocks, has block <c>c</c> computed from input
    /// block <c>c</c> alone (activations, pools, flatten, per-channel scale-and-shift, depthwise
    /// convolution), so the channel can be cut out of this layer too.
    /// </summary>
    internal virtual bool PassesChannels(int[] input, int channels) => false;

    /// <summary>
    /// Removal: the value of output channel <paramref name="channel"/> when every element of that
    /// input channel is <paramref name="value"/>, or null when it is not one constant (e.g. a
    /// padded window that mixes in zeros). Asked only when <see cref="PassesChannels"/> is true.
    /// </summary>
    internal virtual float? PassConstant(int[] input, int channel, float value) => null;

    /// <summary>Removal: this layer for an input whose channels are cut to those with <paramref name="keep"/> set.</summary>
    internal virtual DczLayer KeepChannels(int[] input, bool[] keep) => this;

    /// <summary>
    /// Removal, consumers: true when the op reads its input through its own weights as
    /// <paramref name="channels"/> blocks whose columns it can drop (Dense, ungrouped Conv2d).
    /// </summary>
    internal virtual bool ReadsChannels(int[] input, int channels) => false;

    /// <summary>Removal, consumers: true when some nonzero weight reads input channel <paramref name="channel"/>.</summary>
    internal virtual bool ReadsChannel(int[] input, int channels, int channel) => true;

    /// <summary>
    /// Removal, consumers: true when input channel <paramref name="channel"/> holding
    /// <paramref name="value"/> everywhere can be dropped and folded into the bias without
    /// changing any output (false, e.g., for a nonzero value under zero padding).
    /// </summary>
    internal virtual bool CanFoldChannel(int[] input, int channels, int channel, float value) => false;

    /// <summary>
    /// Removal, consumers: this layer without the input channels whose <paramref name="keep"/> is
    /// false, each dropped channel's constant (<paramref name="constants"/>) folded into the bias.
    /// </summary>
    internal virtual DczLayer DropChannels(int[] input, bool[] keep, float[] constants) =>
        throw new NotSupportedException(FormattableString.Invariant($"{Kind} layer '{Name}' does not read channels through weights"));

    /// <summary>Removal, producers: output units that may be removed (Dense outputs, ungrouped Conv2d output channels); 0 for other ops.</summary>
    internal virtual int RemovableUnits => 0;

    /// <summary>Removal, producers: null when unit <paramref name="unit"/> has a nonzero incoming weight; otherwise its constant output before any activation (its bias).</summary>
    internal virtual float? ConstantUnit(int unit) => null;

    /// <summary>Removal, producers: this layer with only the output units whose <paramref name="keep"/> is set.</summary>
    internal virtual DczLayer KeepUnits(bool[] keep) =>
        throw new NotSupportedException(FormattableString.Invariant($"{Kind} layer '{Name}' has no removable units"));
}
