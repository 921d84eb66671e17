namespace EmbeddedNets.Format;

/// <summary>
/// 2-D convolution (cross-correlation, as PyTorch) with groups and per-side zero padding, and
/// pruned, weight-shared kernels. Body, version 2: varuint in channels, out channels, groups,
/// kernel height, kernel width, stride height, stride width, padding top, left, bottom, right;
/// weights over out × (in / groups) × kh × kw positions (spec §6); f32 bias × out. Version 1 has
/// no groups field and one padding per axis (top = bottom, left = right).
/// Input <c>[in, h, w]</c>; output <c>[out, ⌊(h + top + bottom − kh) / sh⌋ + 1, ⌊(w + left + right − kw) / sw⌋ + 1]</c>.
/// Output channel <c>o</c> reads input channels <c>g·in/groups … (g + 1)·in/groups − 1</c> with <c>g = o / (out / groups)</c>:
/// groups = in = out is a depthwise convolution.
/// </summary>
public sealed class Conv2dLayer : DczLayer
{
    /// <summary>Creates an ungrouped convolution with symmetric padding; <paramref name="weights"/> covers out × in × kh × kw positions.</summary>
    public Conv2dLayer(
        string name, int inChannels, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, SparseWeights weights, float[] bias)
        : this(name, inChannels, outChannels, 1, kernelHeight, kernelWidth, strideHeight, strideWidth,
            paddingHeight, paddingWidth, paddingHeight, paddingWidth, weights, bias)
    {
    }

    /// <summary>Creates a convolution; <paramref name="weights"/> covers out × (in / groups) × kh × kw positions.</summary>
    public Conv2dLayer(
        string name, int inChannels, int outChannels, int groups, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int padTop, int padLeft, int padBottom, int padRight, SparseWeights weights, float[] bias, IReadOnlyList<int>? inputLayers = null)
        : base(name, inputLayers)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        PadTop = padTop;
        PadLeft = padLeft;
        PadBottom = padBottom;
        PadRight = padRight;
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        Bias = bias ?? throw new ArgumentNullException(nameof(bias));
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Conv2d;

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Channel groups (≥ 1, dividing both channel counts); in = out = groups is depthwise.</summary>
    public int Groups { get; }

    /// <summary>Input channels each output channel reads: <see cref="InChannels"/> / <see cref="Groups"/>.</summary>
    public int InChannelsPerGroup => Groups < 1 ? 0 : InChannels / Groups;

    /// <summary>Output channels per group: <see cref="OutChannels"/> / <see cref="Groups"/>.</summary>
    public int OutChannelsPerGroup => Groups < 1 ? 0 : OutChannels / Groups;

    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }

    /// <summary>Vertical stride (≥ 1).</summary>
    public int StrideHeight { get; }

    /// <summary>Horizontal stride (≥ 1).</summary>
    public int StrideWidth { get; }

    /// <summary>Zero rows added above.</summary>
    public int PadTop { get; }

    /// <summary>Zero columns added on the left.</summary>
    public int PadLeft { get; }

    /// <summary>Zero rows added below.</summary>
    public int PadBottom { get; }

    /// <summary>Zero columns added on the right.</summary>
    public int PadRight { get; }

    /// <summary>
    /// Weights, row-major [out, in / groups, kh, kw]:
    /// position = ((o * InChannelsPerGroup + c) * KernelHeight + ky) * KernelWidth + kx.
    /// </summary>
    public SparseWeights Weights { get; }

    /// <summary>One bias per output channel.</summary>
    public float[] Bias { get; }

    /// <inheritdoc/>
    public override SparseWeights? WeightTensor => Weights;

    /// <inheritdoc/>
    public override IReadOnlyList<int>? WeightShape => new[] { OutChannels, InChannelsPerGroup, KernelHeight, KernelWidth };

    /// <inheritdoc/>
    public override IReadOnlyList<float>? BiasValues => Bias;

    /// <inheritdoc/>
    public override string Attributes => FormattableString.Invariant(
        $"{InChannels}→{OutChannels} {KernelHeight}×{KernelWidth} stride {StrideHeight}×{StrideWidth} pad {PadTop},{PadLeft},{PadBottom},{PadRight}")
        + (Groups == 1 ? string.Empty : FormattableString.Invariant($" groups {Groups}"));

    internal static DczLayer Read(ref SpanReader body, LayerHeader header, ref WeightParts parts)
    {
        int max = DczConstants.MaxActivationLength;
        int inChannels = body.ReadVarInt("input channels", 1, max);
        int outChannels = body.ReadVarInt("output channels", 1, max);
        int groups = header.Version >= 2 ? body.ReadVarInt("groups", 1, max) : 1;
        int kh = body.ReadVarInt("kernel height", 1, max);
        int kw = body.ReadVarInt("kernel width", 1, max);
        int sh = body.ReadVarInt("stride height", 1, max);
        int sw = body.ReadVarInt("stride width", 1, max);
        int top, left, bottom, right;
        if (header.Version >= 2)
        {
            top = body.ReadVarInt("padding top", 0, max);
            left = body.ReadVarInt("padding left", 0, max);
            bottom = body.ReadVarInt("padding bottom", 0, max);
            right = body.ReadVarInt("padding right", 0, max);
        }
        else
        {
            top = bottom = body.ReadVarInt("padding height", 0, max);
            left = right = body.ReadVarInt("padding width", 0, max);
        }

        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw body.Error(FormattableString.Invariant($"groups {groups} must divide both channel counts ({inChannels} in, {outChannels} out)"));
        }

        int length = WeightsCodec.TensorLength(ref body, ShapeRules.CappedProduct(outChannels, inChannels / groups, kh, kw));
        SparseWeights weights = WeightsCodec.Read(ref body, length, header.Version, header.EntryBudget, ref parts);
        float[] bias = WeightsCodec.ReadBias(ref body, outChannels, ref parts);
        return new Conv2dLayer(header.Name, inChannels, outChannels, groups, kh, kw, sh, sw, top, left, bottom, right, weights, bias, header.Inputs);
    }

    internal override void WriteBody(ByteSink body, string label)
    {
        string? error = CheckAttributes();
        if (error is not null)
        {
            throw DczErrors.InvalidModel(label + ": " + error);
        }

        body.WriteVarUInt(InChannels);
        body.WriteVarUInt(OutChannels);
        body.WriteVarUInt(Groups);
        body.WriteVarUInt(KernelHeight);
        body.WriteVarUInt(KernelWidth);
        body.WriteVarUInt(StrideHeight);
        body.WriteVarUInt(StrideWidth);
        body.WriteVarUInt(PadTop);
        body.WriteVarUInt(PadLeft);
        body.WriteVarUInt(PadBottom);
        body.WriteVarUInt(PadRight);
        WeightsCodec.Write(body, Weights, checked(OutChannels * InChannelsPerGroup * KernelHeight * KernelWidth), label);
        WeightsCodec.WriteBias(body, Bias, OutChannels, label);
    }

    internal override string? InferShape(IReadOnlyList<int[]> inputs, out int[] output)
    {
        output = Array.Empty<int>();
        string? error = CheckAttributes();
        if (error is not null)
        {
            return error;
        }

        int[] input = inputs[0];
        if (input.Length != 3)
        {
            return FormattableString.Invariant($"needs a [channels, height, width] input but receives {ShapeRules.Describe(input)}");
        }

        if (input[0] != InChannels)
        {
            return FormattableString.Invariant($"expects {InChannels} input channels but receives {ShapeRules.Describe(input)}");
        }

        long oh = ShapeRules.SlidingOutput(input[1], KernelHeight, StrideHeight, PadTop, PadBottom);
        long ow = ShapeRules.SlidingOutput(input[2], KernelWidth, StrideWidth, PadLeft, PadRight);
        if (oh < 1 || ow < 1)
        {
            return FormattableString.Invariant(
                $"kernel {KernelHeight}×{KernelWidth} with padding {PadTop},{PadLeft},{PadBottom},{PadRight} does not fit the {input[1]}×{input[2]} input");
        }

        return ShapeRules.Make(new[] { (long)OutChannels, oh, ow }, out output);
    }

    /// <summary>Multiply-adds of the unpruned kernel at every output position: out × (in / groups) × kh × kw × oh × ow.</summary>
    internal override long Operations(IReadOnlyList<int[]> inputs, int[] output) =>
        ShapeRules.CappedProduct(OutChannels, InChannelsPerGroup, KernelHeight, KernelWidth, output[1], output[2]);

    /// <summary>True for a depthwise convolution (one input channel, one output channel per group).</summary>
    private bool IsDepthwise => Groups == InChannels && Groups == OutChannels;

    private bool IsPadded => (PadTop | PadLeft | PadBottom | PadRight) != 0;

    /// <summary>A depthwise convolution computes output channel c from input channel c alone.</summary>
    internal override bool PassesChannels(int[] input, int channels) => IsDepthwise && input.Length == 3 && input[0] == channels;

    /// <summary>
    /// Unpadded, every window sees the constant: value × Σ kernel + bias. Padded, only a zero
    /// channel stays constant (the bias); a nonzero one meets the zero border.
    /// </summary>
    internal override float? PassConstant(int[] input, int channel, float value)
    {
        if (value == 0)
        {
            return Bias[channel];
        }

        if (IsPadded)
        {
            return null;
        }

        double sum = 0;
        int k = KernelHeight * KernelWidth;
        for (int i = 0; i < Weights.Count; i++)
        {
            if (Weights.Positions[i] / k == channel)
            {
                sum += (double)Weights.Values[i] * value;
            }
        }

        return (float)(Bias[channel] + sum);
    }

    internal override DczLayer KeepChannels(int[] input, bool[] keep)
    {
        (SparseWeights weights, float[] bias) = Blocks(1).Cut(Bias, keep, null, null);
        int c = bias.Length;
        return new Conv2dLayer(Name, c, c, c, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft, PadBottom, PadRight, weights, bias, InputLayers);
    }

    /// <summary>An ungrouped convolution reads input channel c through the weights [·, c, ·, ·].</summary>
    internal override bool ReadsChannels(int[] input, int channels) => Groups == 1 && input.Length == 3 && input[0] == channels && InChannels == channels;

    internal override bool ReadsChannel(int[] input, int channels, int channel) => Blocks(channels).ChannelIsRead(channel);

    /// <summary>
    /// A zero channel adds nothing anywhere. A nonzero constant adds value × Σ kernel at every
    /// position only without padding: under zero padding the border windows see less of it.
    /// </summary>
    internal override bool CanFoldChannel(int[] input, int channels, int channel, float value) =>
        value == 0 || (!IsPadded && FloatBits.IsFinite(value));

    internal override DczLayer DropChannels(int[] input, bool[] keep, float[] constants)
    {
        (SparseWeights weights, float[] bias) = Blocks(keep.Length).Cut(Bias, null, keep, constants);
        int inChannels = keep.Count(k => k);
        return new Conv2dLayer(Name, inChannels, OutChannels, 1, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft, PadBottom, PadRight, weights, bias, InputLayers);
    }

    internal override int RemovableUnits => Groups == 1 ? OutChannels : 0;

    internal override float? ConstantUnit(int unit) => Blocks(InChannelsPerGroup).RowIsRead(unit) ? null : Bias[unit];

    internal override DczLayer KeepUnits(bool[] keep)
    {
        (SparseWeights weights, float[] bias) = Blocks(InChannelsPerGroup).Cut(Bias, keep, null, null);
        return new Conv2dLayer(Name, InChannels, bias.Length, Groups, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft, PadBottom, PadRight, weights, bias, InputLayers);
    }

    /// <summary>The weights as [out, channels, kh × kw] (channels = in / groups).</summary>
    private WeightBlocks Blocks(int channels) => new(Weights, OutChannels, channels, KernelHeight * KernelWidth);

    private string? CheckAttributes()
    {
        if (InChannels < 1 || OutChannels < 1 || KernelHeight < 1 || KernelWidth < 1)
        {
            return FormattableString.Invariant($"channels {InChannels}→{OutChannels} and kernel {KernelHeight}×{KernelWidth} must all be ≥ 1");
        }

        if (Groups < 1 || InChannels % Groups != 0 || OutChannels % Groups != 0)
        {
            return FormattableString.Invariant($"groups {Groups} must be ≥ 1 and divide both channel counts ({InChannels} in, {OutChannels} out)");
        }

        if (StrideHeight < 1 || StrideWidth < 1)
        {
            return FormattableString.Invariant($"stride {StrideHeight}×{StrideWidth} must be ≥ 1");
        }

        if (PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0
            || Math.Max(Math.Max(PadTop, PadBottom), Math.Max(PadLeft, PadRight)) > DczConstants.MaxActivationLength)
        {
            return FormattableString.Invariant($"padding {PadTop},{PadLeft},{PadBottom},{PadRight} must be in [0, {DczConstants.MaxActivationLength}]");
        }

        if (ShapeRules.CappedProduct(OutChannels, InChannelsPerGroup, KernelHeight, KernelWidth) > DczConstants.MaxTensorLength)
        {
            return "the weight tensor exceeds the 2^31 − 1 tensor cap";
        }

        return null;
    }
}
