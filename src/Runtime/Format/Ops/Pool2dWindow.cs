namespace EmbeddedNets.Format;

/// <summary>
/// The window of a 2-D pooling op: size, stride and per-side padding, with the body encoding and
/// the shape rule both pooling ops share. Padding must be smaller than the window on each axis,
/// so every window covers at least one input element.
/// </summary>
public readonly struct Pool2dWindow : IEquatable<Pool2dWindow>
{
    /// <summary>Creates a window.</summary>
    public Pool2dWindow(int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padTop = 0, int padLeft = 0, int padBottom = 0, int padRight = 0)
    {
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        PadTop = padTop;
        PadLeft = padLeft;
        PadBottom = padBottom;
        PadRight = padRight;
    }

    /// <summary>Window height.</summary>
    public int KernelHeight { get; }

    /// <summary>Window width.</summary>
    public int KernelWidth { get; }

    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }

    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }

    /// <summary>Padding rows above.</summary>
    public int PadTop { get; }

    /// <summary>Padding columns on the left.</summary>
    public int PadLeft { get; }

    /// <summary>Padding rows below.</summary>
    public int PadBottom { get; }

    /// <summary>Padding columns on the right.</summary>
    public int PadRight { get; }

    /// <summary>True when any side is padded.</summary>
    public bool IsPadded => (PadTop | PadLeft | PadBottom | PadRight) != 0;

    /// <summary><c>2×2 stride 2×2</c>, with <c> pad t,l,b,r</c> when padded.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{KernelHeight}×{KernelWidth} stride {StrideHeight}×{StrideWidth}")
        + (IsPadded ? FormattableString.Invariant($" pad {PadTop},{PadLeft},{PadBottom},{PadRight}") : string.Empty);

    /// <inheritdoc/>
    public bool Equals(Pool2dWindow other) =>
        KernelHeight == other.KernelHeight && KernelWidth == other.KernelWidth && StrideHeight == other.StrideHeight && StrideWidth == other.StrideWidth
        && PadTop == other.PadTop && PadLeft == other.PadLeft && PadBottom == other.PadBottom && PadRight == other.PadRight;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Pool2dWindow other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        (((((KernelHeight * 31) + KernelWidth) * 31 + StrideHeight) * 31 + StrideWidth) * 31 + PadTop) ^ (PadLeft << 8) ^ (PadBottom << 16) ^ (PadRight << 24);

    /// <summary>Version 1: window height, width, stride height, width. Version 2 adds padding top, left, bottom, right.</summary>
    internal static Pool2dWindow Read(ref SpanReader body, int version)
    {
        int max = DczConstants.MaxActivationLength;
        int kh = body.ReadVarInt("window height", 1, max);
        int kw = body.ReadVarInt("window width", 1, max);
        int sh = body.ReadVarInt("stride height", 1, max);
        int sw = body.ReadVarInt("stride width", 1, max);
        if (version < 2)
        {
            return new Pool2dWindow(kh, kw, sh, sw);
        }

        int top = body.ReadVarInt("padding top", 0, max);
        int left = body.ReadVarInt("padding left", 0, max);
        int bottom = body.ReadVarInt("padding bottom", 0, max);
        int right = body.ReadVarInt("padding right", 0, max);
        return new Pool2dWindow(kh, kw, sh, sw, top, left, bottom, right);
    }

    internal void Write(ByteSink body)
    {
        body.WriteVarUInt(KernelHeight);
        body.WriteVarUInt(KernelWidth);
        body.WriteVarUInt(StrideHeight);
        body.WriteVarUInt(StrideWidth);
        body.WriteVarUInt(PadTop);
        body.WriteVarUInt(PadLeft);
        body.WriteVarUInt(PadBottom);
        body.WriteVarUInt(PadRight);
    }

    /// <summary>The rule of spec §7 for pooling: same channels, each axis ⌊(size + pads − window) / stride⌋ + 1 ≥ 1.</summary>
    internal string? InferShape(int[] input, out int[] output)
    {
        output = Array.Empty<int>();
        if (KernelHeight < 1 || KernelWidth < 1 || StrideHeight < 1 || StrideWidth < 1)
        {
            return FormattableString.Invariant($"window {KernelHeight}×{KernelWidth} and stride {StrideHeight}×{StrideWidth} must all be ≥ 1");
        }

        if (PadTop < 0 || PadBottom < 0 || PadLeft < 0 || PadRight < 0
            || PadTop >= KernelHeight || PadBottom >= KernelHeight || PadLeft >= KernelWidth || PadRight >= KernelWidth)
        {
            return FormattableString.Invariant($"padding {PadTop},{PadLeft},{PadBottom},{PadRight} must be ≥ 0 and smaller than the {KernelHeight}×{KernelWidth} window");
        }

        if (input.Length != 3)
        {
            return FormattableString.Invariant($"needs a [channels, height, width] input but receives {ShapeRules.Describe(input)}");
        }

        long oh = ShapeRules.SlidingOutput(input[1], KernelHeight, StrideHeight, PadTop, PadBottom);
        long ow = ShapeRules.SlidingOutput(input[2], KernelWidth, StrideWidth, PadLeft, PadRight);
        if (oh < 1 || ow < 1)
        {
            return FormattableString.Invariant($"window {this} does not fit the {input[1]}×{input[2]} input");
        }

        return ShapeRules.Make(new[] { (long)input[0], oh, ow }, out output);
    }

    /// <summary>Input elements visited: every output's window, clipped to the input (padding is never read).</summary>
    internal long Operations(int[] input, int[] output) =>
        ShapeRules.CappedProduct(output[0], output[1], output[2], Math.Min(KernelHeight, input[1]), Math.Min(KernelWidth, input[2]));
}
