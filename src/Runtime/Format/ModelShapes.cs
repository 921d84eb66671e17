namespace EmbeddedNets.Format;

/// <summary>
/// The activation shape before and after every layer of a model, with the chain validated:
/// each layer accepts what the previous one produces, convolution and pooling outputs are at
/// least 1×1, and the class labels match the final output length. The reader applies the same
/// rules (as <see cref="InvalidDataException"/>); the writer and <see cref="Compute"/> throw
/// <see cref="ArgumentException"/>.
/// </summary>
public sealed class ModelShapes
{
    private ModelShapes(int[] input, LayerShape[] layers)
    {
        InputShape = input;
        Layers = layers;
        OutputShape = layers.Length == 0 ? input : layers[layers.Length - 1].OutputShape;
        InputLength = ShapeRules.Length(input);
        OutputLength = ShapeRules.Length(OutputShape);
        int max = InputLength;
        foreach (LayerShape layer in layers)
        {
            max = Math.Max(max, layer.OutputLength);
        }

        MaxActivationLength = max;
    }

    /// <summary>Shape of one input sample: <c>[features]</c> or <c>[channels, height, width]</c>.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Shape of the model's output (the last layer's output).</summary>
    public IReadOnlyList<int> OutputShape { get; }

    /// <summary>Element count of <see cref="InputShape"/>.</summary>
    public int InputLength { get; }

    /// <summary>Element count of <see cref="OutputShape"/>; equals the number of class labels.</summary>
    public int OutputLength { get; }

    /// <summary>The largest activation (input or any layer output), in elements: a scratch-buffer size.</summary>
    public int MaxActivationLength { get; }

    /// <summary>Per layer, in execution order.</summary>
    public IReadOnlyList<LayerShape> Layers { get; }

    /// <summary>Computes and validates the shapes of <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">A shape rule fails; the message names the layer and the rule.</exception>
    public static ModelShapes Compute(DczModel model)
    {
        if (model is null)
        {
            throw new ArgumentNullException(nameof(model));
        }

        int[] input = model.Info.InputShape;
        string? error = ShapeRules.CheckInputShape(input);
        if (error is not null)
        {
            throw DczErrors.InvalidModel("input shape: " + error);
        }

        var layers = new LayerShape[model.Layers.Count];
        int[] current = (int[])input.Clone();
        for (int i = 0; i < layers.Length; i++)
        {
            DczLayer? layer = model.Layers[i];
            if (layer is null)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant($"layer {i} is null"));
            }

            error = ShapeRules.Apply(layer, current, out int[] output);
            if (error is not null)
            {
                throw DczErrors.InvalidModel(DczErrors.LayerLabel(i, layer.Name, layer.Kind) + ": " + error);
            }

            layers[i] = new LayerShape(i, layer.Kind, layer.Name, current, output);
            current = output;
        }

        var shapes = new ModelShapes((int[])input.Clone(), layers);
        error = ShapeRules.CheckLabels(model.Info.ClassLabels.Length, shapes.OutputLength);
        if (error is not null)
        {
            throw DczErrors.InvalidModel(error);
        }

        return shapes;
    }

    /// <summary>
    /// Output length along one axis of a sliding window (convolution or max pooling):
    /// ⌊(size + 2·padding − kernel) / stride⌋ + 1, or 0 when the window does not fit. The rule
    /// every reader, writer and trainer of the format shares.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kernel"/> or <paramref name="stride"/> is less than 1, or <paramref name="size"/> or <paramref name="padding"/> is negative.</exception>
    public static long SlidingWindowOutput(long size, long kernel, long stride, long padding)
    {
        if (kernel < 1 || stride < 1)
        {
            throw new ArgumentOutOfRangeException(kernel < 1 ? nameof(kernel) : nameof(stride), kernel < 1 ? kernel : stride, "kernel and stride must be ≥ 1");
        }

        if (size < 0 || padding < 0)
        {
            throw new ArgumentOutOfRangeException(size < 0 ? nameof(size) : nameof(padding), size < 0 ? size : padding, "size and padding must be ≥ 0");
        }

        return ShapeRules.SlidingOutput(size, kernel, stride, padding);
    }

    /// <summary>For the reader: shapes already validated layer by layer.</summary>
    internal static ModelShapes FromValidated(int[] input, LayerShape[] layers) => new(input, layers);
}

/// <summary>The shapes around one layer.</summary>
public sealed class LayerShape
{
    internal LayerShape(int index, LayerKind kind, string name, int[] input, int[] output)
    {
        Index = index;
        Kind = kind;
        Name = name;
        InputShape = input;
        OutputShape = output;
        InputLength = ShapeRules.Length(input);
        OutputLength = ShapeRules.Length(output);
    }

    /// <summary>0-based position in the chain.</summary>
    public int Index { get; }

    /// <summary>The layer's op.</summary>
    public LayerKind Kind { get; }

    /// <summary>The layer's name (may be empty).</summary>
    public string Name { get; }

    /// <summary>Shape the layer receives: rank 1 <c>[n]</c> or rank 3 <c>[c, h, w]</c>.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Shape the layer produces.</summary>
    public IReadOnlyList<int> OutputShape { get; }

    /// <summary>Element count of <see cref="InputShape"/>.</summary>
    public int InputLength { get; }

    /// <summary>Element count of <see cref="OutputShape"/>.</summary>
    public int OutputLength { get; }
}

/// <summary>The shape rules of spec §"Shape rules"; each returns an error text or null.</summary>
internal static class ShapeRules
{
    public static int Length(IReadOnlyList<int> shape)
    {
        long n = 1;
        for (int i = 0; i < shape.Count; i++)
        {
            n *= shape[i];
        }

        return (int)n;
    }

    /// <summary>Rank 1 or 3, every dimension ≥ 1, element count ≤ 2^31 − 1.</summary>
    public static string? CheckInputShape(int[] shape)
    {
        if (shape.Length != 1 && shape.Length != 3)
        {
            return FormattableString.Invariant($"rank {shape.Length}, must be 1 ([features]) or 3 ([channels, height, width])");
        }

        return CheckDims(shape);
    }

    public static string? CheckLabels(int labels, int outputLength) =>
        labels == outputLength
            ? null
            : FormattableString.Invariant($"{labels} class labels but the model's output has {outputLength} values");

    /// <summary>The output shape of <paramref name="layer"/> for <paramref name="input"/>, or why there is none.</summary>
    public static string? Apply(DczLayer layer, int[] input, out int[] output)
    {
        output = input;
        long inputLength = Length(input);
        switch (layer)
        {
            case DenseLayer dense:
                if (dense.Inputs < 1 || dense.Outputs < 1)
                {
                    return FormattableString.Invariant($"inputs {dense.Inputs} and outputs {dense.Outputs} must both be ≥ 1");
                }

                if ((long)dense.Inputs * dense.Outputs > DczConstants.MaxTensorLength)
                {
                    return FormattableString.Invariant($"{dense.Outputs}×{dense.Inputs} weights exceed the 2^31 − 1 tensor cap");
                }

                if (inputLength != dense.Inputs)
                {
                    return FormattableString.Invariant($"expects {dense.Inputs} inputs but receives {Describe(input)} ({inputLength} values)");
                }

                output = new[] { dense.Outputs };
                return null;

            case Conv2dLayer conv:
            {
                if (conv.InChannels < 1 || conv.OutChannels < 1 || conv.KernelHeight < 1 || conv.KernelWidth < 1)
                {
                    return FormattableString.Invariant($"channels {conv.InChannels}→{conv.OutChannels} and kernel {conv.KernelHeight}×{conv.KernelWidth} must all be ≥ 1");
                }

                if (conv.StrideHeight < 1 || conv.StrideWidth < 1)
                {
                    return FormattableString.Invariant($"stride {conv.StrideHeight}×{conv.StrideWidth} must be ≥ 1");
                }

                if (conv.PaddingHeight < 0 || conv.PaddingWidth < 0)
                {
                    return FormattableString.Invariant($"padding {conv.PaddingHeight}×{conv.PaddingWidth} must be ≥ 0");
                }

                if ((long)conv.OutChannels * conv.InChannels * conv.KernelHeight * conv.KernelWidth > DczConstants.MaxTensorLength)
                {
                    return "the weight tensor exceeds the 2^31 − 1 tensor cap";
                }

                if (input.Length != 3)
                {
                    return FormattableString.Invariant($"needs a [channels, height, width] input but receives {Describe(input)}");
                }

                if (input[0] != conv.InChannels)
                {
                    return FormattableString.Invariant($"expects {conv.InChannels} input channels but receives {Describe(input)}");
                }

                long oh = SlidingOutput(input[1], conv.KernelHeight, conv.StrideHeight, conv.PaddingHeight);
                long ow = SlidingOutput(input[2], conv.KernelWidth, conv.StrideWidth, conv.PaddingWidth);
                if (oh < 1 || ow < 1)
                {
                    return FormattableString.Invariant(
                        $"kernel {conv.KernelHeight}×{conv.KernelWidth} with padding {conv.PaddingHeight}×{conv.PaddingWidth} does not fit the {input[1]}×{input[2]} input");
                }

                return Make(new[] { (long)conv.OutChannels, oh, ow }, out output);
            }

            case MaxPool2dLayer pool:
            {
                if (pool.KernelHeight < 1 || pool.KernelWidth < 1 || pool.StrideHeight < 1 || pool.StrideWidth < 1)
                {
                    return FormattableString.Invariant(
                        $"window {pool.KernelHeight}×{pool.KernelWidth} and stride {pool.StrideHeight}×{pool.StrideWidth} must all be ≥ 1");
                }

                if (input.Length != 3)
                {
                    return FormattableString.Invariant($"needs a [channels, height, width] input but receives {Describe(input)}");
                }

                long oh = SlidingOutput(input[1], pool.KernelHeight, pool.StrideHeight, 0);
                long ow = SlidingOutput(input[2], pool.KernelWidth, pool.StrideWidth, 0);
                if (oh < 1 || ow < 1)
                {
                    return FormattableString.Invariant($"window {pool.KernelHeight}×{pool.KernelWidth} does not fit the {input[1]}×{input[2]} input");
                }

                return Make(new[] { (long)input[0], oh, ow }, out output);
            }

            case ReLULayer:
            case SoftmaxLayer:
                output = input;
                return null;

            case FlattenLayer:
                output = new[] { (int)inputLength };
                return null;

            default:
                return "is not an op of format version 1";
        }
    }

    /// <summary>Floor((size + 2·padding − kernel) / stride) + 1, or ≤ 0 when the window does not fit.</summary>
    public static long SlidingOutput(long size, long kernel, long stride, long padding)
    {
        long span = size + (2 * padding) - kernel;
        return span < 0 ? 0 : (span / stride) + 1;
    }

    private static string? Make(long[] dims, out int[] output)
    {
        output = Array.Empty<int>();
        long n = 1;
        foreach (long d in dims)
        {
            if (d > DczConstants.MaxTensorLength)
            {
                return "the output exceeds the 2^31 − 1 tensor cap";
            }

            n *= d;
            if (n > DczConstants.MaxTensorLength)
            {
                return "the output exceeds the 2^31 − 1 tensor cap";
            }
        }

        output = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            output[i] = (int)dims[i];
        }

        return null;
    }

    private static string? CheckDims(int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 1)
            {
                return FormattableString.Invariant($"{Describe(shape)} has a dimension < 1");
            }

            n *= d;
            if (n > DczConstants.MaxTensorLength)
            {
                return FormattableString.Invariant($"{Describe(shape)} exceeds the 2^31 − 1 element cap");
            }
        }

        return null;
    }

    public static string Describe(IReadOnlyList<int> shape)
    {
        var parts = new string[shape.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }
}
