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
        long total = InputLength, operations = 0;
        foreach (LayerShape layer in layers)
        {
            max = Math.Max(max, layer.OutputLength);
            total += layer.OutputLength;
            operations += layer.Operations;
        }

        MaxActivationLength = max;
        TotalActivationLength = total;
        Operations = operations;
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

    /// <summary>
    /// Elements of the input and every layer output together, at most
    /// 2^26 (the format's cap): what any buffer plan of the model needs at most.
    /// </summary>
    public long TotalActivationLength { get; }

    /// <summary>The sum of <see cref="LayerShape.Operations"/>: an upper bound of one inference's work, at most 2^32 (the format's cap).</summary>
    public long Operations { get; }

    /// <summary>Per layer, in execution order.</summary>
    public IReadOnlyList<LayerShape> Layers { get; }

    /// <summary>Computes and validates the shapes of <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">A shape rule or cap fails; the message names the layer and the rule.</exception>
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

        var builder = new ShapeBuilder((int[])input.Clone());
        for (int i = 0; i < model.Layers.Count; i++)
        {
            DczLayer? layer = model.Layers[i];
            if (layer is null)
            {
                throw DczErrors.InvalidModel(FormattableString.Invariant($"layer {i} is null"));
            }

            error = builder.Add(layer, model.InputsOf(i));
            if (error is not null)
            {
                throw DczErrors.InvalidModel(DczErrors.LayerLabel(i, layer.Name, layer.Kind) + ": " + error);
            }
        }

        error = builder.Finish(model.Info.ClassLabels.Length, out ModelShapes? shapes);
        if (error is not null)
        {
            throw DczErrors.InvalidModel(error);
        }

        return shapes!;
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

    /// <summary>Output length along one axis with different padding before and after; 0 when the window does not fit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A kernel or stride below 1, or a negative size or padding.</exception>
    public static long SlidingWindowOutput(long size, long kernel, long stride, long paddingBefore, long paddingAfter)
    {
        if (kernel < 1 || stride < 1)
        {
            throw new ArgumentOutOfRangeException(kernel < 1 ? nameof(kernel) : nameof(stride), kernel < 1 ? kernel : stride, "kernel and stride must be ≥ 1");
        }

        if (size < 0 || paddingBefore < 0 || paddingAfter < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "size and paddings must be ≥ 0");
        }

        return ShapeRules.SlidingOutput(size, kernel, stride, paddingBefore, paddingAfter);
    }

    internal static ModelShapes Create(int[] input, LayerShape[] layers) => new(input, layers);
}

/// <summary>
/// Applies the shape rules layer by layer, as the reader meets layers and as
/// <see cref="ModelShapes.Compute"/> walks a model: input references, op arity, each op's shape
/// rule, the activation caps, and at the end the graph rules (every output but the last is
/// read) and the label count. Each step returns an error text or null.
/// </summary>
internal sealed class ShapeBuilder
{
    private readonly int[] _input;
    private readonly List<LayerShape> _layers = new();
    private readonly List<bool> _used = new();
    private long _total;
    private long _operations;
    private long _kept;

    public ShapeBuilder(int[] input)
    {
        _input = input;
        _total = ShapeRules.Length(input);
    }

    /// <summary>Shapes so far.</summary>
    public IReadOnlyList<LayerShape> Layers => _layers;

    public string? Add(DczLayer layer, IReadOnlyList<int> inputs)
    {
        int index = _layers.Count;
        if (inputs.Count != layer.InputCount)
        {
            return FormattableString.Invariant($"takes {layer.InputCount} input(s) but names {inputs.Count}");
        }

        var shapes = new int[inputs.Count][];
        for (int k = 0; k < inputs.Count; k++)
        {
            int source = inputs[k];
            if (source < DczLayer.ModelInput || source >= index)
            {
                return FormattableString.Invariant($"input {k} refers to layer {source}; a layer reads the model input (−1) or an earlier layer (0 – {index - 1})");
            }

            shapes[k] = source == DczLayer.ModelInput ? _input : (int[])_layers[source].OutputShape;
            if (source >= 0)
            {
                _used[source] = true;
            }
        }

        string? error = layer.InferShape(shapes, out int[] output);
        if (error is not null)
        {
            return error;
        }

        _total += ShapeRules.Length(output);
        if (_total > DczConstants.MaxTotalActivationLength)
        {
            return FormattableString.Invariant($"the activations of the model so far hold {_total} elements, over the cap of {DczConstants.MaxTotalActivationLength}");
        }

        // A layer's count saturates at long.MaxValue (CappedProduct: past 2^62); the running sum
        // stays at most 2^32 before this layer, so adding a count of at most 2^62 cannot overflow.
        long operations = layer.Operations(shapes, output);
        long total = operations > 1L << 62 ? long.MaxValue : _operations + operations;
        if (total > DczConstants.MaxOperations)
        {
            return FormattableString.Invariant($"one inference would take {Count(total)} operations up to this layer ({Count(operations)} in it), over the cap of {DczConstants.MaxOperations}");
        }

        _operations = total;

        _kept += layer.WeightTensor?.Count ?? 0;
        if (_kept > DczConstants.MaxWeightEntries)
        {
            return FormattableString.Invariant($"the model keeps {_kept} weights up to this layer, over the cap of {DczConstants.MaxWeightEntries}");
        }

        _layers.Add(new LayerShape(index, layer.Kind, layer.Name, shapes, inputs.ToArray(), output, operations));
        _used.Add(false);
        return null;
    }

    private static string Count(long n) => n == long.MaxValue ? "more than 2^62" : n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string? Finish(int labelCount, out ModelShapes? shapes)
    {
        shapes = null;
        if (_layers.Count == 0)
        {
            return "the model has no layers";
        }

        for (int i = 0; i < _layers.Count - 1; i++)
        {
            if (!_used[i])
            {
                return DczErrors.LayerLabel(i, _layers[i].Name, _layers[i].Kind) + ": its output is never read; only the last layer's output may be left unread (it is the model's output)";
            }
        }

        shapes = ModelShapes.Create(_input, _layers.ToArray());
        return ShapeRules.CheckLabels(labelCount, shapes.OutputLength);
    }
}

/// <summary>The shapes around one layer.</summary>
public sealed class LayerShape
{
    internal LayerShape(int index, LayerKind kind, string name, int[][] inputs, int[] inputLayers, int[] output, long operations)
    {
        Operations = operations;
        Index = index;
        Kind = kind;
        Name = name;
        InputShapes = inputs;
        InputLayers = inputLayers;
        InputShape = inputs[0];
        OutputShape = output;
        InputLength = ShapeRules.Length(inputs[0]);
        OutputLength = ShapeRules.Length(output);
    }

    /// <summary>0-based position in execution order.</summary>
    public int Index { get; }

    /// <summary>The layer's op.</summary>
    public LayerKind Kind { get; }

    /// <summary>The layer's name (may be empty).</summary>
    public string Name { get; }

    /// <summary>The layers this one reads, resolved (−1 = the model input).</summary>
    public IReadOnlyList<int> InputLayers { get; }

    /// <summary>Shape of the (first) input: rank 1 <c>[n]</c>, 2, or 3 <c>[c, h, w]</c>.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Shape of every input, in order.</summary>
    public IReadOnlyList<IReadOnlyList<int>> InputShapes { get; }

    /// <summary>Shape the layer produces.</summary>
    public IReadOnlyList<int> OutputShape { get; }

    /// <summary>Element count of <see cref="InputShape"/>.</summary>
    public int InputLength { get; }

    /// <summary>Element count of <see cref="OutputShape"/>.</summary>
    public int OutputLength { get; }

    /// <summary>
    /// An upper bound of the work one inference spends in this layer: dense multiply-adds for
    /// Dense and Conv2d (pruning only lowers the real count), input elements visited for pooling,
    /// one per output element for the other ops.
    /// </summary>
    public long Operations { get; }
}

/// <summary>The shape rules of spec §"Shape rules"; each returns an error text or null.</summary>
internal static class ShapeRules
{
    /// <summary>Element count of a shape that passed the caps.</summary>
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

    /// <summary>⌊(size + before + after − kernel) / stride⌋ + 1, or 0 when the window does not fit.</summary>
    public static long SlidingOutput(long size, long kernel, long stride, long before, long after)
    {
        long span = size + before + after - kernel;
        return span < 0 ? 0 : (span / stride) + 1;
    }

    /// <summary>Symmetric padding: <see cref="SlidingOutput(long, long, long, long, long)"/> with <paramref name="padding"/> on both sides.</summary>
    public static long SlidingOutput(long size, long kernel, long stride, long padding) => SlidingOutput(size, kernel, stride, padding, padding);

    /// <summary>The product of non-negative factors, or <see cref="long.MaxValue"/> once it passes 2^62 (so a cap comparison never overflows).</summary>
    public static long CappedProduct(params long[] factors)
    {
        long product = 1;
        foreach (long f in factors)
        {
            if (f != 0 && product > (1L << 62) / f)
            {
                return long.MaxValue;
            }

            product *= f;
        }

        return product;
    }

    /// <summary>An activation shape from 64-bit dimensions, each ≥ 1, its element count within <see cref="DczConstants.MaxActivationLength"/>.</summary>
    public static string? Make(long[] dims, out int[] output)
    {
        output = Array.Empty<int>();
        long n = 1;
        foreach (long d in dims)
        {
            if (d < 1)
            {
                return "an output dimension is < 1";
            }

            if (d > DczConstants.MaxActivationLength || (n *= d) > DczConstants.MaxActivationLength)
            {
                return FormattableString.Invariant($"the output {DescribeLong(dims)} exceeds the cap of {DczConstants.MaxActivationLength} elements per activation");
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
            if (n > DczConstants.MaxActivationLength)
            {
                return FormattableString.Invariant($"{Describe(shape)} exceeds the cap of {DczConstants.MaxActivationLength} elements per activation");
            }
        }

        return null;
    }

    private static string DescribeLong(long[] shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

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
