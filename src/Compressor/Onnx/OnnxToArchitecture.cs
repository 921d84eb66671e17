using System.Globalization;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;

namespace EmbeddedNets.Compressor.Onnx;

/// <summary>
/// Maps an <see cref="OnnxGraph"/> onto the compressor's architecture nodes, with the ONNX
/// initializers as the network's starting values, so <c>dcz compress --model FILE.onnx</c> trains,
/// prunes and quantizes the imported network. BatchNormalization stays a node (the compressor
/// trains it and folds it at export); Gemm's alpha, beta and transB go into the starting weights; a
/// constant Add right after MatMul, Gemm or Conv becomes that node's bias.
/// </summary>
public static class OnnxToArchitecture
{
    /// <summary>The architecture and its starting values.</summary>
    /// <exception cref="NotSupportedException">A node has no compressor op (the message names it).</exception>
    /// <exception cref="ArgumentException">The labels do not match the outputs.</exception>
    public static (ArchitectureSpec Architecture, InitialWeights Weights) Convert(OnnxGraph graph, OnnxConversionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new OnnxConversionOptions();
        var builder = new Builder(graph);
        foreach (OnnxNode node in graph.Nodes)
        {
            builder.Add(node);
        }

        int outputs = graph.OutputShape.Aggregate(1, (a, b) => checked(a * b));
        string[] labels = options.ClassLabels?.ToArray() ?? Enumerable.Range(0, outputs).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        if (labels.Length != outputs)
        {
            throw new ArgumentException($"{labels.Length} class labels given but {graph.Source} outputs {outputs} values", nameof(options));
        }

        InputPreprocessing preprocessing = options.Preprocessing ?? InputPreprocessing.Identity;
        preprocessing.CheckFits(graph.InputShape);
        string name = options.Name ?? Path.GetFileNameWithoutExtension(graph.Source);
        var architecture = new ArchitectureSpec(name, (int[])graph.InputShape.Clone(), builder.Nodes, labels, preprocessing.ToFormat());
        return (architecture, new InitialWeights(builder.Weights));
    }

    private sealed class Builder
    {
        private readonly OnnxGraph _graph;
        private readonly Dictionary<string, string> _nodeOf = new(StringComparer.Ordinal);
        private readonly HashSet<string> _names = new(StringComparer.Ordinal) { ArchitectureNode.ModelInput };

        public Builder(OnnxGraph graph)
        {
            _graph = graph;
            _nodeOf[graph.InputName] = ArchitectureNode.ModelInput;
        }

        public List<ArchitectureNode> Nodes { get; } = new();

        public Dictionary<string, float[]> Weights { get; } = new(StringComparer.Ordinal);

        public void Add(OnnxNode node)
        {
            string name = UniqueName(node.Name);
            IReadOnlyList<string>? input = Inputs(node.Inputs[0]);
            switch (node.OpType)
            {
                case "Gemm":
                    Gemm(node, name, input);
                    break;
                case "MatMul":
                {
                    OnnxTensor b = _graph.Initializers[node.Inputs[1]];
                    int inputs = b.Shape[0], outputs = b.Shape[1];
                    Push(node, new DenseNode(name, outputs, input), Transposed(b.Floats!, inputs, outputs), new float[outputs]);
                    break;
                }

                case "Conv":
                {
                    OnnxTensor w = _graph.Initializers[node.Inputs[1]];
                    long[] k = node.Ints("kernel_shape")!, s = node.Ints("strides")!;
                    float[] bias = node.OptionalInput(2) is string b ? (float[])_graph.Initializers[b].Floats!.Clone() : new float[w.Shape[0]];
                    Push(node, new Conv2dNode(name, w.Shape[0], ((int)k[0], (int)k[1]), ((int)s[0], (int)s[1]), Padding(node), (int)node.Int("group", 1), input), (float[])w.Floats!.Clone(), bias);
                    break;
                }

                case "BatchNormalization":
                {
                    // ONNX's momentum weighs the old running statistics; PyTorch's (and the compressor's) the new batch.
                    float momentum = 1f - node.Float("momentum", 0.9f);
                    Push(node, new BatchNormNode(name, node.Float("epsilon", 1e-5f), momentum, input));
                    string[] keys = ["gamma", "beta", "running_mean", "running_var"];
                    for (int i = 0; i < keys.Length; i++)
                    {
                        Weights[name + "." + keys[i]] = (float[])_graph.Initializers[node.Inputs[i + 1]].Floats!.Clone();
                    }

                    break;
                }

                case "Add":
                    AddNode(node, name);
                    break;
                case "MaxPool":
                    Push(node, new MaxPool2dNode(name, Kernel(node), Strides(node), Padding(node), input));
                    break;
                case "AveragePool":
                    Push(node, new AvgPool2dNode(name, Kernel(node), Strides(node), Padding(node), node.Int("count_include_pad", 0) != 0, input));
                    break;
                case "GlobalAveragePool":
                    Push(node, new GlobalAvgPoolNode(name, input));
                    break;
                case "Relu":
                    Push(node, new ReLUNode(name, input));
                    break;
                case "Sigmoid":
                    Push(node, new SigmoidNode(name, input));
                    break;
                case "Tanh":
                    Push(node, new TanhNode(name, input));
                    break;
                case "Softmax":
                    Push(node, new SoftmaxNode(name, input));
                    break;
                case "Flatten":
                    Push(node, new FlattenNode(name, input));
                    break;
                case "Reshape":
                    Push(node, new ReshapeNode(name, (int[])_graph.Shapes[node.Output].Clone(), input));
                    break;
                case "Clip":
                    Push(node, new ClipNode(name, Bound(node, 1, float.MinValue), Bound(node, 2, float.MaxValue), input));
                    break;
                default:
                    throw OnnxErrors.Unsupported(_graph.Source, node, $"has no compressor op (the reader accepted it; this is a gap in {nameof(OnnxToArchitecture)})");
            }
        }

        private void Gemm(OnnxNode node, string name, IReadOnlyList<string>? input)
        {
            OnnxTensor b = _graph.Initializers[node.Inputs[1]];
            bool transB = node.Int("transB", 0) != 0;
            int inputs = _graph.Shapes[node.Inputs[0]][0];
            int outputs = _graph.Shapes[node.Output][0];
            float alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
            float[] weight = transB ? (float[])b.Floats!.Clone() : Transposed(b.Floats!, inputs, outputs);
            for (int i = 0; i < weight.Length; i++)
            {
                weight[i] *= alpha;
            }

            var bias = new float[outputs];
            if (node.OptionalInput(2) is string c)
            {
                float[] values = _graph.Initializers[c].Floats!;
                for (int o = 0; o < outputs; o++)
                {
                    bias[o] = beta * values[values.Length == 1 ? 0 : o];
                }
            }

            Push(node, new DenseNode(name, outputs, input), weight, bias);
        }

        /// <summary>Add of two computed values; or of a constant, which becomes the bias of the Dense or Conv2d before it.</summary>
        private void AddNode(OnnxNode node, string name)
        {
            bool firstConstant = _graph.IsConstant(node.Inputs[0]), secondConstant = _graph.IsConstant(node.Inputs[1]);
            if (!firstConstant && !secondConstant)
            {
                Push(node, new Models.AddNode(name, [_nodeOf[node.Inputs[0]], _nodeOf[node.Inputs[1]]]));
                return;
            }

            string value = node.Inputs[firstConstant ? 1 : 0];
            OnnxTensor constant = _graph.Initializers[node.Inputs[firstConstant ? 0 : 1]];
            string producer = _nodeOf[value];
            bool foldable = producer != ArchitectureNode.ModelInput
                && Weights.ContainsKey(producer + ".bias")
                && value != _graph.OutputName
                && _graph.Consumers(value).Count() == 1;
            float[]? perChannel = foldable ? PerChannel(constant, _graph.Shapes[value]) : null;
            if (perChannel is null)
            {
                throw OnnxErrors.Unsupported(_graph.Source, node, "adds a constant that is not the bias of the MatMul, Gemm or Conv right before it; dcz compress imports constant Adds only as such a bias (dcz convert takes any per-channel constant)");
            }

            float[] bias = Weights[producer + ".bias"];
            for (int c = 0; c < bias.Length; c++)
            {
                bias[c] += perChannel[c];
            }

            _nodeOf[node.Output] = producer;
        }

        /// <summary>The constant as one value per channel (the value's first dimension), or null when it varies within a channel.</summary>
        private static float[]? PerChannel(OnnxTensor constant, int[] shape)
        {
            int channels = shape[0];
            int plane = shape.Skip(1).Aggregate(1, (a, b) => a * b);
            float[] values = constant.Floats!;
            if (values.Length == 1)
            {
                return Enumerable.Repeat(values[0], channels).ToArray();
            }

            // Right-aligned with the value's shape (numpy broadcasting), only the channel dimension may exceed 1.
            int[] dims = constant.Shape.Length > shape.Length ? constant.Shape[1..] : constant.Shape;
            int offset = shape.Length - dims.Length;
            if (values.Length == channels && Enumerable.Range(0, dims.Length).All(i => dims[i] == 1 || offset + i == 0))
            {
                return (float[])values.Clone();
            }

            return values.Length == channels * plane && Enumerable.Range(0, channels).All(c => values.AsSpan(c * plane, plane).IndexOfAnyExcept(values[c * plane]) < 0)
                ? Enumerable.Range(0, channels).Select(c => values[c * plane]).ToArray()
                : null;
        }

        private void Push(OnnxNode node, ArchitectureNode architectureNode, float[]? weight = null, float[]? bias = null)
        {
            Nodes.Add(architectureNode);
            _nodeOf[node.Output] = architectureNode.Name;
            if (weight is not null)
            {
                Weights[architectureNode.Name + ".weight"] = weight;
                Weights[architectureNode.Name + ".bias"] = bias!;
            }
        }

        /// <summary>The node's input as architecture inputs: null when it is the previous node (the model input for the first).</summary>
        private IReadOnlyList<string>? Inputs(string value)
        {
            if (value.Length == 0 || !_nodeOf.TryGetValue(value, out string? producer))
            {
                return null;
            }

            string previous = Nodes.Count == 0 ? ArchitectureNode.ModelInput : Nodes[^1].Name;
            return producer == previous ? null : [producer];
        }

        /// <summary>
        /// The node's name as a compressor node name: letters, digits, '.', '-' and '_' only (names
        /// become report file names and config keys; PyTorch's look like <c>/conv1/Conv</c>), unique.
        /// </summary>
        private string UniqueName(string onnxName)
        {
            string name = new string(onnxName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray()).Trim('_', '.');
            if (name.Length == 0)
            {
                name = "node";
            }

            string candidate = name;
            for (int suffix = 1; !_names.Add(candidate); suffix++)
            {
                candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{suffix}");
            }

            return candidate;
        }

        private float Bound(OnnxNode node, int position, float open) =>
            node.OptionalInput(position) is string v ? _graph.Initializers[v].Floats![0] : open;

        private static (int Height, int Width) Kernel(OnnxNode node)
        {
            long[] k = node.Ints("kernel_shape")!;
            return ((int)k[0], (int)k[1]);
        }

        private static (int Height, int Width) Strides(OnnxNode node)
        {
            long[] s = node.Ints("strides")!;
            return ((int)s[0], (int)s[1]);
        }

        private static Padding Padding(OnnxNode node)
        {
            long[] p = node.Ints("pads")!;
            return new Padding((int)p[0], (int)p[1], (int)p[2], (int)p[3]);
        }

        /// <summary>The [outputs, inputs] matrix from B of shape [inputs, outputs].</summary>
        private static float[] Transposed(float[] b, int inputs, int outputs)
        {
            var w = new float[checked(inputs * outputs)];
            for (int i = 0; i < inputs; i++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    w[(o * inputs) + i] = b[(i * outputs) + o];
                }
            }

            return w;
        }
    }
}
