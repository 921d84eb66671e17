using System.Globalization;

namespace EmbeddedNets.Compressor.Onnx;

/// <summary>
/// The ONNX ops dcz imports, one rule per op: the inputs and attributes it accepts, the checks
/// that reject what dcz cannot run (each naming what is supported), and the shape of its output
/// for one sample. Convolution and pooling attributes come out normalised: explicit
/// <c>kernel_shape</c>, <c>strides</c> and <c>pads</c> (top, left, bottom, right), no
/// <c>auto_pad</c>, so an importer never re-derives them.
/// </summary>
public static class OnnxOps
{
    private static readonly Dictionary<string, OpRule> s_rules = new OpRule[]
    {
        new("Add", 2, 2, [], Add),
        new("AveragePool", 1, 1, ["auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"], Pool),
        new("BatchNormalization", 5, 5, ["epsilon", "momentum", "training_mode", "spatial"], BatchNormalization),
        new("Clip", 1, 3, [], Clip),
        new("Conv", 2, 3, ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"], Conv),
        new("Flatten", 1, 1, ["axis"], Flatten),
        new("Gemm", 2, 3, ["alpha", "beta", "transA", "transB"], Gemm),
        new("GlobalAveragePool", 1, 1, [], GlobalAveragePool),
        new("MatMul", 2, 2, [], MatMul),
        new("MaxPool", 1, 1, ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"], Pool),
        new("Relu", 1, 1, [], SameShape),
        new("Reshape", 2, 2, ["allowzero"], Reshape),
        new("Sigmoid", 1, 1, [], SameShape),
        new("Softmax", 1, 1, ["axis"], Softmax),
        new("Tanh", 1, 1, [], SameShape),
    }.ToDictionary(r => r.OpType, StringComparer.Ordinal);

    /// <summary>The ops that become part of the imported graph, in ordinal order.</summary>
    public static IReadOnlyList<string> Imported { get; } = s_rules.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The ops the reader removes or folds away: Dropout and Identity (pass-through at inference), Constant (becomes an initializer).</summary>
    public static IReadOnlyList<string> Removed { get; } = ["Constant", "Dropout", "Identity"];

    /// <summary>Every op a model may contain, for messages: <c>Add, AveragePool, …</c>.</summary>
    public static string SupportedList => string.Join(", ", Imported.Concat(Removed).Order(StringComparer.Ordinal));

    /// <summary>True when <paramref name="opType"/> is imported as a node.</summary>
    public static bool IsImported(string opType) => s_rules.ContainsKey(opType);

    /// <summary>
    /// Checks <paramref name="node"/> against its op's rule and returns its output shape for one
    /// sample and its attributes (normalised where the rule says so).
    /// </summary>
    internal static (int[] Shape, IReadOnlyDictionary<string, OnnxAttribute> Attributes) Resolve(OnnxNode node, OpContext context)
    {
        OpRule rule = s_rules[node.OpType];
        int given = node.Inputs.Count;
        while (given > 0 && node.Inputs[given - 1].Length == 0)
        {
            given--;
        }

        if (given < rule.MinInputs || given > rule.MaxInputs)
        {
            string expected = rule.MinInputs == rule.MaxInputs
                ? rule.MinInputs.ToString(CultureInfo.InvariantCulture)
                : $"{rule.MinInputs}–{rule.MaxInputs}";
            throw context.Invalid(node, $"has {given} inputs; {node.OpType} takes {expected}");
        }

        foreach (string name in node.Attributes.Keys)
        {
            if (!rule.Attributes.Contains(name, StringComparer.Ordinal))
            {
                string known = rule.Attributes.Length == 0 ? "none" : string.Join(", ", rule.Attributes);
                throw context.Unsupported(node, $"attribute '{name}' is not supported (dcz reads these {node.OpType} attributes: {known})");
            }
        }

        return rule.Infer(node, context);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) SameShape(OnnxNode node, OpContext c) =>
        (c.Dynamic(node, 0, "X"), node.Attributes);

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) Add(OnnxNode node, OpContext c)
    {
        bool firstConstant = c.IsConstant(node.Inputs[0]);
        bool secondConstant = c.IsConstant(node.Inputs[1]);
        if (firstConstant && secondConstant)
        {
            throw c.Unsupported(node, "both inputs are constants; dcz imports Add of two computed values (a residual connection) or of a computed value and a constant (a bias)");
        }

        if (!firstConstant && !secondConstant)
        {
            int[] a = c.Dynamic(node, 0, "A");
            int[] b = c.Dynamic(node, 1, "B");
            if (!a.AsSpan().SequenceEqual(b))
            {
                throw c.Unsupported(node, $"adds values of shapes {OnnxTensor.FormatShape(a)} and {OnnxTensor.FormatShape(b)}; dcz adds two computed values of the same shape only");
            }

            return (a, node.Attributes);
        }

        int dynamicPosition = firstConstant ? 1 : 0;
        int[] shape = c.Dynamic(node, dynamicPosition, dynamicPosition == 0 ? "A" : "B");
        OnnxTensor constant = c.Constant(node, 1 - dynamicPosition, "bias");
        if (constant.Floats is null)
        {
            throw c.Unsupported(node, $"constant input '{constant.Name}' is an int64 tensor; Add takes float32 values");
        }

        // Broadcasting (numpy rules) against [batch, ...shape] must not grow the computed value.
        int[] dims = constant.Shape;
        if (dims.Length == shape.Length + 1)
        {
            if (dims[0] != 1)
            {
                throw c.Unsupported(node, $"constant '{constant.Name}' of shape {OnnxTensor.FormatShape(dims)} varies along the batch dimension");
            }

            dims = dims[1..];
        }

        if (dims.Length > shape.Length)
        {
            throw c.Invalid(node, $"constant '{constant.Name}' of shape {OnnxTensor.FormatShape(constant.Shape)} has more dimensions than the value {OnnxTensor.FormatShape(shape)} it is added to");
        }

        for (int i = 0; i < dims.Length; i++)
        {
            int target = shape[shape.Length - dims.Length + i];
            if (dims[i] != 1 && dims[i] != target)
            {
                throw c.Invalid(node, $"constant '{constant.Name}' of shape {OnnxTensor.FormatShape(constant.Shape)} does not broadcast to the value's shape {OnnxTensor.FormatShape(shape)}");
            }
        }

        return (shape, node.Attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) BatchNormalization(OnnxNode node, OpContext c)
    {
        int[] shape = c.Dynamic(node, 0, "X");
        if (shape.Length is not (1 or 3))
        {
            throw c.Unsupported(node, $"input of shape {OnnxTensor.FormatShape(shape)}; dcz imports BatchNormalization over [features] or [channels, height, width]");
        }

        if (node.Int("training_mode", 0) != 0)
        {
            throw c.Unsupported(node, "training_mode is 1; dcz imports models exported for inference (model.eval())");
        }

        if (node.Attributes.ContainsKey("spatial") && node.Int("spatial", 1) != 1)
        {
            throw c.Unsupported(node, "spatial is 0; dcz imports per-channel BatchNormalization only");
        }

        string[] roles = ["scale", "B", "input_mean", "input_var"];
        for (int i = 1; i <= 4; i++)
        {
            OnnxTensor t = c.FloatConstant(node, i, roles[i - 1]);
            if (t.Count != shape[0] || t.Shape.Length != 1)
            {
                throw c.Invalid(node, $"{roles[i - 1]} '{t.Name}' has shape {OnnxTensor.FormatShape(t.Shape)} but the input has {shape[0]} channels");
            }
        }

        float epsilon = node.Float("epsilon", 1e-5f);
        if (!(epsilon >= 0) || float.IsInfinity(epsilon))
        {
            throw c.Invalid(node, $"epsilon {epsilon.ToString("R", CultureInfo.InvariantCulture)} is not a finite non-negative number");
        }

        return (shape, node.Attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) Clip(OnnxNode node, OpContext c)
    {
        int[] shape = c.Dynamic(node, 0, "input");
        float min = float.NegativeInfinity, max = float.PositiveInfinity;
        for (int position = 1; position <= 2; position++)
        {
            if (node.OptionalInput(position) is null)
            {
                continue;
            }

            OnnxTensor bound = c.FloatConstant(node, position, position == 1 ? "min" : "max");
            if (bound.Count != 1)
            {
                throw c.Invalid(node, $"{(position == 1 ? "min" : "max")} '{bound.Name}' has {bound.Count} values; Clip takes a scalar");
            }

            if (position == 1)
            {
                min = bound.Floats![0];
            }
            else
            {
                max = bound.Floats![0];
            }
        }

        if (float.IsNaN(min) || float.IsNaN(max) || min > max)
        {
            throw c.Invalid(node, $"bounds min {min.ToString("R", CultureInfo.InvariantCulture)}, max {max.ToString("R", CultureInfo.InvariantCulture)} do not form a range");
        }

        return (shape, node.Attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) Conv(OnnxNode node, OpContext c)
    {
        int[] x = c.Dynamic(node, 0, "X");
        if (x.Length != 3)
        {
            throw c.Unsupported(node, $"input of shape {OnnxTensor.FormatShape(x)}; dcz imports 2-D convolution over [channels, height, width]");
        }

        OnnxTensor w = c.FloatConstant(node, 1, "W");
        if (w.Shape.Length != 4)
        {
            throw c.Unsupported(node, $"weights '{w.Name}' of shape {OnnxTensor.FormatShape(w.Shape)}; dcz imports 2-D convolution with weights [out, in/group, kh, kw]");
        }

        long group = node.Int("group", 1);
        int outChannels = w.Shape[0];
        if (group < 1 || x[0] % group != 0 || outChannels % group != 0)
        {
            throw c.Invalid(node, $"group {group} does not divide the {x[0]} input and {outChannels} output channels");
        }

        if (w.Shape[1] != x[0] / group)
        {
            throw c.Invalid(node, $"weights '{w.Name}' of shape {OnnxTensor.FormatShape(w.Shape)} take {w.Shape[1]} channels per group but the input has {x[0]} channels in {group} group(s)");
        }

        if (node.OptionalInput(2) is not null)
        {
            OnnxTensor b = c.FloatConstant(node, 2, "B");
            if (b.Count != outChannels || b.Shape.Length != 1)
            {
                throw c.Invalid(node, $"bias '{b.Name}' of shape {OnnxTensor.FormatShape(b.Shape)} does not match the {outChannels} output channels");
            }
        }

        Window window = ResolveWindow(node, c, x, [w.Shape[2], w.Shape[3]]);
        var attributes = window.Attributes();
        attributes["group"] = new OnnxAttribute("group", OnnxAttributeKind.Int, i: group);
        return ([outChannels, window.OutHeight, window.OutWidth], attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) Pool(OnnxNode node, OpContext c)
    {
        int[] x = c.Dynamic(node, 0, "X");
        if (x.Length != 3)
        {
            throw c.Unsupported(node, $"input of shape {OnnxTensor.FormatShape(x)}; dcz imports 2-D pooling over [channels, height, width]");
        }

        long[] kernel = node.Ints("kernel_shape") ?? throw c.Invalid(node, "has no kernel_shape");
        if (kernel.Length != 2)
        {
            throw c.Unsupported(node, $"kernel_shape {OnnxTensor.FormatShape(kernel)}; dcz imports 2-D pooling");
        }

        if (node.Int("ceil_mode", 0) != 0)
        {
            throw c.Unsupported(node, "ceil_mode 1 is not supported; dcz pools with floor rounding (ceil_mode 0, PyTorch's default)");
        }

        Window window = ResolveWindow(node, c, x, [Dim(node, c, kernel[0], "kernel_shape"), Dim(node, c, kernel[1], "kernel_shape")]);
        var attributes = window.Attributes();
        if (node.OpType == "AveragePool")
        {
            long include = node.Int("count_include_pad", 0);
            if (include is not (0 or 1))
            {
                throw c.Invalid(node, $"count_include_pad {include} is neither 0 nor 1");
            }

            attributes["count_include_pad"] = new OnnxAttribute("count_include_pad", OnnxAttributeKind.Int, i: include);
        }

        return ([x[0], window.OutHeight, window.OutWidth], attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) GlobalAveragePool(OnnxNode node, OpContext c)
    {
        int[] x = c.Dynamic(node, 0, "X");
        if (x.Length != 3)
        {
            throw c.Unsupported(node, $"input of shape {OnnxTensor.FormatShape(x)}; dcz imports GlobalAveragePool over [channels, height, width]");
        }

        return ([x[0], 1, 1], node.Attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) Flatten(OnnxNode node, OpContext c)
    {
        int[] x = c.Dynamic(node, 0, "input");
        long axis = node.Int("axis", 1);
        if (axis < 0)
        {
            axis += x.Length + 1;
        }

        if (axis != 1)
        {
            throw c.Unsupported(node, $"axis {node.Int("axis", 1)} is not supported; dcz flattens everything after the batch dimension (axis 1)");
        }

        return ([Volume(x)], node.Attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) Gemm(OnnxNode node, OpContext c)
    {
        int[] a = c.Dynamic(node, 0, "A");
        if (a.Length != 1)
        {
            throw c.Unsupported(node, $"input of shape {OnnxTensor.FormatShape(a)}; dcz imports Gemm on [batch, features] (add a Flatten before it)");
        }

        if (node.Int("transA", 0) != 0)
        {
            throw c.Unsupported(node, "transA 1 is not supported; dcz imports Gemm with the batch as the first dimension of A (transA 0)");
        }

        OnnxTensor b = c.FloatConstant(node, 1, "B");
        if (b.Shape.Length != 2)
        {
            throw c.Invalid(node, $"B '{b.Name}' has shape {OnnxTensor.FormatShape(b.Shape)}; Gemm takes a matrix");
        }

        bool transB = node.Int("transB", 0) != 0;
        int k = transB ? b.Shape[1] : b.Shape[0];
        int outputs = transB ? b.Shape[0] : b.Shape[1];
        if (k != a[0])
        {
            throw c.Invalid(node, $"B '{b.Name}' of shape {OnnxTensor.FormatShape(b.Shape)} (transB {(transB ? 1 : 0)}) takes {k} features but the input has {a[0]}");
        }

        if (node.OptionalInput(2) is not null)
        {
            OnnxTensor bias = c.FloatConstant(node, 2, "C");
            bool fits = bias.Count == 1 || (bias.Count == outputs && (bias.Shape.Length == 1 || (bias.Shape.Length == 2 && bias.Shape[0] == 1)));
            if (!fits)
            {
                throw c.Unsupported(node, $"C '{bias.Name}' of shape {OnnxTensor.FormatShape(bias.Shape)}; dcz imports a bias of shape [{outputs}], [1, {outputs}] or a scalar");
            }
        }

        foreach (string name in new[] { "alpha", "beta" })
        {
            float value = node.Float(name, 1f);
            if (!float.IsFinite(value))
            {
                throw c.Invalid(node, $"{name} {value.ToString("R", CultureInfo.InvariantCulture)} is not finite");
            }
        }

        return ([outputs], node.Attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) MatMul(OnnxNode node, OpContext c)
    {
        if (c.IsConstant(node.Inputs[0]))
        {
            throw c.Unsupported(node, "A is a constant; dcz imports MatMul of a computed [batch, features] value by a constant matrix");
        }

        int[] a = c.Dynamic(node, 0, "A");
        if (a.Length != 1)
        {
            throw c.Unsupported(node, $"input of shape {OnnxTensor.FormatShape(a)}; dcz imports MatMul on [batch, features] (add a Flatten before it)");
        }

        OnnxTensor b = c.FloatConstant(node, 1, "B");
        if (b.Shape.Length != 2 || b.Shape[0] != a[0])
        {
            throw c.Invalid(node, $"B '{b.Name}' has shape {OnnxTensor.FormatShape(b.Shape)} but the input has {a[0]} features; MatMul takes a [{a[0]}, outputs] matrix");
        }

        return ([b.Shape[1]], node.Attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) Reshape(OnnxNode node, OpContext c)
    {
        int[] x = c.Dynamic(node, 0, "data");
        OnnxTensor target = c.Constant(node, 1, "shape");
        if (target.Int64s is null || target.Shape.Length != 1)
        {
            throw c.Invalid(node, $"shape '{target.Name}' is not a 1-D int64 tensor");
        }

        bool allowZero = node.Int("allowzero", 0) != 0;
        long[] dims = target.Int64s;
        if (dims.Length == 0)
        {
            throw c.Unsupported(node, "reshapes to a scalar; dcz keeps the batch dimension first");
        }

        // The first entry must keep the batch: 0 (copy), −1 (infer, all others fixed) or the fixed batch size.
        long first = dims[0];
        bool keepsBatch = (first == 0 && !allowZero) || first == -1 || (c.FixedBatch is int batch && first == batch);
        if (!keepsBatch)
        {
            throw c.Unsupported(node, $"shape {OnnxTensor.FormatShape(dims)} does not keep the batch dimension first; dcz reshapes each sample (first entry 0 or -1)");
        }

        long volume = Volume(x);
        var output = new int[dims.Length - 1];
        int inferred = -1;
        long known = 1;
        for (int i = 1; i < dims.Length; i++)
        {
            long d = dims[i];
            if (d == 0 && !allowZero)
            {
                if (i >= x.Length + 1)
                {
                    throw c.Invalid(node, $"shape {OnnxTensor.FormatShape(dims)} copies dimension {i}, which the input {OnnxTensor.FormatShape(x)} lacks");
                }

                d = x[i - 1];
            }

            if (d == -1)
            {
                if (inferred >= 0 || first == -1)
                {
                    throw c.Invalid(node, $"shape {OnnxTensor.FormatShape(dims)} has more than one -1");
                }

                inferred = i - 1;
                continue;
            }

            if (d < 1)
            {
                throw c.Unsupported(node, $"shape {OnnxTensor.FormatShape(dims)} has the dimension {d}; dcz reshapes to positive sizes");
            }

            known = checked(known * d);
            output[i - 1] = checked((int)d);
        }

        if (inferred >= 0)
        {
            if (volume % known != 0)
            {
                throw c.Invalid(node, $"cannot reshape {OnnxTensor.FormatShape(x)} ({volume} values) to {OnnxTensor.FormatShape(dims)}");
            }

            output[inferred] = checked((int)(volume / known));
        }
        else if (known != volume)
        {
            throw c.Invalid(node, $"cannot reshape {OnnxTensor.FormatShape(x)} ({volume} values) to {OnnxTensor.FormatShape(dims)}");
        }

        if (output.Length is not (1 or 3))
        {
            throw c.Unsupported(node, $"reshapes each sample to {OnnxTensor.FormatShape(output)}; dcz imports [features] or [channels, height, width] values");
        }

        return (output, node.Attributes);
    }

    private static (int[], IReadOnlyDictionary<string, OnnxAttribute>) Softmax(OnnxNode node, OpContext c)
    {
        int[] x = c.Dynamic(node, 0, "input");
        int rank = x.Length + 1;
        long axis = node.Int("axis", c.Opset >= 13 ? -1 : 1);
        long normalised = axis < 0 ? axis + rank : axis;

        // Before opset 13, axis 1 means "over everything after the batch"; from 13, over that one axis.
        bool overSample = normalised == 1 && (x.Length == 1 || c.Opset < 13);
        if (!overSample)
        {
            throw c.Unsupported(node, $"axis {axis} over an input of shape {OnnxTensor.FormatShape(x)}; dcz imports Softmax over the features of each sample (add a Flatten before it)");
        }

        return (x, node.Attributes);
    }

    /// <summary>Kernel, strides, pads and the output size of a 2-D sliding window, from the node's attributes.</summary>
    private static Window ResolveWindow(OnnxNode node, OpContext c, int[] x, int[] kernel)
    {
        long[]? declared = node.Ints("kernel_shape");
        if (declared is not null && (declared.Length != 2 || declared[0] != kernel[0] || declared[1] != kernel[1]))
        {
            throw c.Invalid(node, $"kernel_shape {OnnxTensor.FormatShape(declared)} does not match the weights' {OnnxTensor.FormatShape(kernel)}");
        }

        if (kernel[0] < 1 || kernel[1] < 1)
        {
            throw c.Invalid(node, $"kernel {OnnxTensor.FormatShape(kernel)} is empty");
        }

        long[]? dilations = node.Ints("dilations");
        if (dilations is not null && dilations.Any(d => d != 1))
        {
            throw c.Unsupported(node, $"dilations {OnnxTensor.FormatShape(dilations)} are not supported; dcz imports {node.OpType} with dilations of 1 only");
        }

        long[] strides = node.Ints("strides") ?? [1, 1];
        if (strides.Length != 2 || strides.Any(s => s < 1))
        {
            throw c.Invalid(node, $"strides {OnnxTensor.FormatShape(strides)} are not two positive numbers");
        }

        int strideH = Dim(node, c, strides[0], "strides"), strideW = Dim(node, c, strides[1], "strides");
        string autoPad = node.String("auto_pad", "NOTSET");
        int[] pads; // top, left, bottom, right
        switch (autoPad)
        {
            case "NOTSET":
                long[] given = node.Ints("pads") ?? [0, 0, 0, 0];
                if (given.Length != 4 || given.Any(p => p < 0))
                {
                    throw c.Invalid(node, $"pads {OnnxTensor.FormatShape(given)} are not four non-negative numbers");
                }

                // ONNX order: begin of each axis, then end of each axis = top, left, bottom, right.
                pads = given.Select(p => Dim(node, c, p, "pads")).ToArray();
                break;
            case "VALID":
                pads = [0, 0, 0, 0];
                break;
            case "SAME_UPPER":
            case "SAME_LOWER":
                // Output = ceil(input / stride); the odd pixel of padding goes at the end (UPPER) or the beginning (LOWER).
                int totalH = Math.Max(0, (((x[1] + strideH - 1) / strideH) - 1) * strideH + kernel[0] - x[1]);
                int totalW = Math.Max(0, (((x[2] + strideW - 1) / strideW) - 1) * strideW + kernel[1] - x[2]);
                bool upper = autoPad == "SAME_UPPER";
                pads = upper
                    ? [totalH / 2, totalW / 2, totalH - (totalH / 2), totalW - (totalW / 2)]
                    : [totalH - (totalH / 2), totalW - (totalW / 2), totalH / 2, totalW / 2];
                break;
            default:
                throw c.Invalid(node, $"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        }

        if (pads[0] >= kernel[0] || pads[2] >= kernel[0] || pads[1] >= kernel[1] || pads[3] >= kernel[1])
        {
            throw c.Unsupported(node, $"pads {OnnxTensor.FormatShape(pads)} are not smaller than the kernel {OnnxTensor.FormatShape(kernel)}; dcz pads each side by less than the window");
        }

        long outH = ((long)x[1] + pads[0] + pads[2] - kernel[0]) / strideH + 1;
        long outW = ((long)x[2] + pads[1] + pads[3] - kernel[1]) / strideW + 1;
        if (x[1] + pads[0] + pads[2] < kernel[0] || x[2] + pads[1] + pads[3] < kernel[1])
        {
            throw c.Invalid(node, $"kernel {OnnxTensor.FormatShape(kernel)} does not fit the input {OnnxTensor.FormatShape(x)} padded by {OnnxTensor.FormatShape(pads)}");
        }

        return new Window(kernel, [strideH, strideW], pads, checked((int)outH), checked((int)outW));
    }

    private static int Dim(OnnxNode node, OpContext c, long value, string what) =>
        value is >= 0 and <= int.MaxValue ? (int)value : throw c.Invalid(node, $"{what} value {value} is out of range");

    private static int Volume(int[] shape)
    {
        long volume = 1;
        foreach (int d in shape)
        {
            volume = checked(volume * d);
        }

        return checked((int)volume);
    }

    private sealed record OpRule(
        string OpType,
        int MinInputs,
        int MaxInputs,
        string[] Attributes,
        Func<OnnxNode, OpContext, (int[] Shape, IReadOnlyDictionary<string, OnnxAttribute> Attributes)> Infer);

    private sealed record Window(int[] Kernel, int[] Strides, int[] Pads, int OutHeight, int OutWidth)
    {
        public Dictionary<string, OnnxAttribute> Attributes() => new(StringComparer.Ordinal)
        {
            ["kernel_shape"] = new("kernel_shape", OnnxAttributeKind.Ints, ints: Kernel.Select(k => (long)k).ToArray()),
            ["strides"] = new("strides", OnnxAttributeKind.Ints, ints: Strides.Select(s => (long)s).ToArray()),
            ["pads"] = new("pads", OnnxAttributeKind.Ints, ints: Pads.Select(p => (long)p).ToArray()),
        };
    }
}

/// <summary>What an op rule may ask about the graph around a node.</summary>
internal sealed class OpContext
{
    private readonly IReadOnlyDictionary<string, int[]> _shapes;
    private readonly IReadOnlyDictionary<string, OnnxTensor> _constants;

    public OpContext(string source, int opset, int? fixedBatch, IReadOnlyDictionary<string, int[]> shapes, IReadOnlyDictionary<string, OnnxTensor> constants)
    {
        Source = source;
        Opset = opset;
        FixedBatch = fixedBatch;
        _shapes = shapes;
        _constants = constants;
    }

    public string Source { get; }

    public int Opset { get; }

    /// <summary>The graph input's batch size when the model fixes it, else null.</summary>
    public int? FixedBatch { get; }

    public bool IsConstant(string value) => _constants.ContainsKey(value);

    /// <summary>The per-sample shape of a computed input.</summary>
    public int[] Dynamic(OnnxNode node, int position, string role)
    {
        string value = node.Inputs[position];
        if (_constants.ContainsKey(value))
        {
            throw Unsupported(node, $"input {role} ('{value}') is a constant; dcz imports {node.OpType} on a computed value");
        }

        return _shapes[value];
    }

    /// <summary>A constant input (an initializer or the value of a Constant node).</summary>
    public OnnxTensor Constant(OnnxNode node, int position, string role)
    {
        string value = node.Inputs[position];
        return _constants.TryGetValue(value, out OnnxTensor? t)
            ? t
            : throw Unsupported(node, $"input {role} ('{value}') is computed by the graph; dcz imports {node.OpType} with {role} as an initializer (export with constant folding on)");
    }

    /// <summary>A constant float32 input.</summary>
    public OnnxTensor FloatConstant(OnnxNode node, int position, string role)
    {
        OnnxTensor t = Constant(node, position, role);
        return t.Floats is not null ? t : throw Invalid(node, $"input {role} ('{t.Name}') is an int64 tensor; {node.OpType} takes float32 values");
    }

    public InvalidDataException Invalid(OnnxNode node, string message) => OnnxErrors.Invalid(Source, node, message);

    public NotSupportedException Unsupported(OnnxNode node, string message) => OnnxErrors.Unsupported(Source, node, message);
}
