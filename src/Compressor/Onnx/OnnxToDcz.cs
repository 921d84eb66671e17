using System.Globalization;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Export;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Quantization;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Onnx;

/// <summary>What a converted model records besides its graph.</summary>
public sealed class OnnxConversionOptions
{
    /// <summary>Model name; null takes the ONNX file's name without extension.</summary>
    public string? Name { get; init; }

    /// <summary>One label per output; null numbers the outputs 0, 1, ….</summary>
    public IReadOnlyList<string>? ClassLabels { get; init; }

    /// <summary>How raw inputs become the network's input; null feeds them unchanged (the ONNX model's own input).</summary>
    public InputPreprocessing? Preprocessing { get; init; }

    /// <summary>
    /// Post-training pruning: in every weighted layer, weights with |w| below this many standard
    /// deviations of the layer's weights are removed (Han et al.'s quality parameter); null keeps
    /// every weight. No retraining follows, so accuracy drops faster than in <c>dcz compress</c>.
    /// </summary>
    public double? PruneQuality { get; init; }

    /// <summary>
    /// Post-training weight sharing: each weighted layer's kept weights are clustered by k-means
    /// (linear init) into at most 2^bits shared values, 1–8; null stores every kept weight as float32.
    /// </summary>
    public int? WeightBits { get; init; }

    /// <summary>Cap on k-means iterations per layer.</summary>
    public int KMeansIterations { get; init; } = 500;
}

/// <summary>
/// Maps an <see cref="OnnxGraph"/> onto the .dcz ops. Without pruning or sharing options
/// the result is a dense model that computes what the ONNX model computes: every weight kept and
/// stored unshared as float32, with
/// BatchNormalization folded into the Conv, Gemm or MatMul before it (else a ScaleShift node) and a
/// constant Add after one of those folded into its bias (else a ScaleShift). Gemm's alpha, beta
/// and transB are applied to the stored weights.
/// </summary>
public static class OnnxToDcz
{
    /// <summary>Converts the graph; the result writes with <see cref="DczFile.Write(DczModel)"/>.</summary>
    /// <exception cref="NotSupportedException">A node has no .dcz equivalent (the message names it and says why).</exception>
    public static DczModel Convert(OnnxGraph graph, OnnxConversionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new OnnxConversionOptions();
        if (options.PruneQuality is double q && !(q >= 0 && double.IsFinite(q)))
        {
            throw new ArgumentException($"prune quality {q.ToString(CultureInfo.InvariantCulture)} must be a finite number ≥ 0", nameof(options));
        }

        if (options.WeightBits is int b && b is < 1 or > 8)
        {
            throw new ArgumentException($"weight bits {b} must be 1–8", nameof(options));
        }

        var builder = new Builder(graph, options);
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
        string producer = graph.Producer.Length > 0 ? $"{DczExporter.Producer} (ONNX from {graph.Producer})" : $"{DczExporter.Producer} (ONNX)";
        var info = new ModelInfo(name, (int[])graph.InputShape.Clone(), preprocessing.ToFormat(), labels, null, producer, 0);
        // Each weighted layer gets the relative-index width 1–12 that makes the file smallest
        // (ties: the narrower), one layer at a time.
        var gaps = new Dictionary<int, int>();
        foreach (int layer in builder.WeightedLayers)
        {
            int bestBits = 0, bestLength = int.MaxValue;
            for (int bits = 1; bits <= 12; bits++)
            {
                gaps[layer] = bits;
                int length = DczFile.Write(new DczModel(info, builder.Build(gaps))).Length;
                if (length < bestLength)
                {
                    (bestBits, bestLength) = (bits, length);
                }
            }

            gaps[layer] = bestBits;
        }

        return new DczModel(info, builder.Build(gaps));
    }

    /// <summary>A layer before it is built: weighted layers keep dense weights that later nodes may fold into.</summary>
    private sealed class Pending
    {
        public required string Name { get; init; }

        public required int[] Inputs { get; init; }

        /// <summary>Dense [out, …] weights of a Dense or Conv2d, row-major; null for other ops.</summary>
        public float[]? Weights { get; init; }

        public float[]? Bias { get; init; }

        /// <summary>The final weights once built (after every fold).</summary>
        public SparseWeights? Compressed { get; set; }

        /// <summary>Builds the layer from its (possibly folded) weights as unshared sparse weights, its bias and its input references.</summary>
        public required Func<SparseWeights?, float[]?, IReadOnlyList<int>?, DczLayer> Create { get; init; }
    }

    private sealed class Builder
    {
        private readonly OnnxGraph _graph;
        private readonly OnnxConversionOptions _options;
        private readonly List<Pending> _layers = new();
        private readonly Dictionary<string, int> _layerOf = new(StringComparer.Ordinal);

        public Builder(OnnxGraph graph, OnnxConversionOptions options)
        {
            _graph = graph;
            _options = options;
            _layerOf[graph.InputName] = DczLayer.ModelInput;
        }

        public void Add(OnnxNode node)
        {
            switch (node.OpType)
            {
                case "Gemm":
                    Gemm(node);
                    break;
                case "MatMul":
                    MatMul(node);
                    break;
                case "Conv":
                    Conv(node);
                    break;
                case "BatchNormalization":
                    BatchNormalization(node);
                    break;
                case "Add":
                    AddNode(node);
                    break;
                case "MaxPool":
                    Unweighted(node, node.Inputs[0], (n, i) => new MaxPool2dLayer(n, Window(node), i));
                    break;
                case "AveragePool":
                    Unweighted(node, node.Inputs[0], (n, i) => new AvgPool2dLayer(n, Window(node), node.Int("count_include_pad", 0) != 0, i));
                    break;
                case "GlobalAveragePool":
                    Unweighted(node, node.Inputs[0], (n, i) => new GlobalAvgPoolLayer(n, i));
                    break;
                case "Relu":
                    Unweighted(node, node.Inputs[0], (n, i) => new ReLULayer(n, i));
                    break;
                case "Sigmoid":
                    Unweighted(node, node.Inputs[0], (n, i) => new SigmoidLayer(n, i));
                    break;
                case "Tanh":
                    Unweighted(node, node.Inputs[0], (n, i) => new TanhLayer(n, i));
                    break;
                case "Softmax":
                    Unweighted(node, node.Inputs[0], (n, i) => new SoftmaxLayer(n, i));
                    break;
                case "Flatten":
                    Unweighted(node, node.Inputs[0], (n, i) => new FlattenLayer(n, i));
                    break;
                case "Reshape":
                    int[] shape = (int[])_graph.Shapes[node.Output].Clone();
                    Unweighted(node, node.Inputs[0], (n, i) => new ReshapeLayer(n, shape, i));
                    break;
                case "Clip":
                    // The format's bounds are finite; an open side clamps at the float range, which
                    // leaves every finite value as it is.
                    float min = Bound(node, 1, float.MinValue), max = Bound(node, 2, float.MaxValue);
                    Unweighted(node, node.Inputs[0], (n, i) => new ClipLayer(n, min, max, i));
                    break;
                default:
                    throw OnnxErrors.Unsupported(_graph.Source, node, $"has no .dcz op (the reader accepted it; this is a gap in {nameof(OnnxToDcz)})");
            }
        }

        /// <summary>Indexes of the layers that carry weights.</summary>
        public IEnumerable<int> WeightedLayers => Enumerable.Range(0, _layers.Count).Where(i => _layers[i].Weights is not null);

        /// <summary>The layers, each weighted one with its relative-index width from <paramref name="gapBits"/> (by layer index; 4 when missing).</summary>
        public List<DczLayer> Build(IReadOnlyDictionary<int, int> gapBits)
        {
            var layers = new List<DczLayer>(_layers.Count);
            for (int index = 0; index < _layers.Count; index++)
            {
                Pending p = _layers[index];

                // A single input that is the previous layer (or the model input for the first) is the
                // format's default and needs no references.
                bool chained = p.Inputs.Length == 1 && p.Inputs[0] == index - 1;
                IReadOnlyList<int>? inputs = chained ? null : p.Inputs;
                SparseWeights? weights = null;
                if (p.Weights is not null)
                {
                    // Pruned and clustered once; only the gap width varies between builds.
                    p.Compressed ??= Compress(p, 4);
                    weights = WithGapBits(p.Compressed, gapBits.TryGetValue(index, out int bits) ? bits : 4);
                }

                layers.Add(p.Create(weights, p.Bias, inputs));
            }

            return layers;
        }

        private static SparseWeights WithGapBits(SparseWeights w, int gapBits) => w.IsShared
            ? new SparseWeights(w.Length, w.Codebook, w.WeightBits, gapBits, w.Positions, w.Codes)
            : SparseWeights.Unshared(w.Length, gapBits, w.Positions, w.Values);

        /// <summary>
        /// A layer's final weights: the nonzero ones, or those at least quality × std in magnitude
        /// when pruning; as float32 values, or as a k-means codebook and indices when sharing.
        /// </summary>
        private SparseWeights Compress(Pending layer, int gapBits)
        {
            float[] dense = layer.Weights!;
            double threshold = 0;
            if (_options.PruneQuality is double quality)
            {
                // Population standard deviation over every weight of the layer, as the pipeline's pruner computes it.
                double mean = dense.Average(w => (double)w);
                double std = Math.Sqrt(dense.Average(w => ((double)w - mean) * ((double)w - mean)));
                threshold = quality * std;
            }

            var positions = new List<int>(dense.Length);
            var values = new List<float>(dense.Length);
            for (int i = 0; i < dense.Length; i++)
            {
                if (dense[i] != 0f && Math.Abs(dense[i]) >= threshold)
                {
                    positions.Add(i);
                    values.Add(dense[i]);
                }
            }

            if (positions.Count == 0)
            {
                throw new ArgumentException($"{_graph.Source}: layer '{layer.Name}': prune quality {_options.PruneQuality?.ToString(CultureInfo.InvariantCulture)} removes every weight; lower it");
            }

            if (_options.WeightBits is not int bits)
            {
                return SparseWeights.Unshared(dense.Length, gapBits, positions.ToArray(), values.ToArray());
            }

            KMeansResult clusters = KMeans.Cluster(values.ToArray(), 1 << bits, CentroidInit.Linear, seed: 0, _options.KMeansIterations);
            float[] codebook = clusters.Centroids.Select(c => (float)c).ToArray();
            byte[] codes = clusters.Assignment.Select(a => (byte)a).ToArray();
            return new SparseWeights(dense.Length, codebook, bits, gapBits, positions.ToArray(), codes);
        }

        private int LayerOf(string value) => _layerOf[value];

        private void Push(OnnxNode node, Pending pending)
        {
            _layers.Add(pending);
            _layerOf[node.Output] = _layers.Count - 1;
        }

        private void Unweighted(OnnxNode node, string input, Func<string, IReadOnlyList<int>?, DczLayer> create) =>
            Push(node, new Pending { Name = node.Name, Inputs = [LayerOf(input)], Create = (_, _, inputs) => create(node.Name, inputs) });

        private void Gemm(OnnxNode node)
        {
            OnnxTensor b = _graph.Initializers[node.Inputs[1]];
            bool transB = node.Int("transB", 0) != 0;
            int inputs = _graph.Shapes[node.Inputs[0]][0];
            int outputs = _graph.Shapes[node.Output][0];
            float alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
            float[] weights = Dense(b.Floats!, inputs, outputs, transB);
            if (alpha != 1f)
            {
                for (int i = 0; i < weights.Length; i++)
                {
                    weights[i] *= alpha;
                }
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

            PushDense(node, inputs, outputs, weights, bias);
        }

        private void MatMul(OnnxNode node)
        {
            OnnxTensor b = _graph.Initializers[node.Inputs[1]];
            int inputs = b.Shape[0], outputs = b.Shape[1];
            PushDense(node, inputs, outputs, Dense(b.Floats!, inputs, outputs, transposed: false), new float[outputs]);
        }

        /// <summary>The [outputs, inputs] matrix of a Dense layer from B ([inputs, outputs], or [outputs, inputs] when transposed).</summary>
        private static float[] Dense(float[] b, int inputs, int outputs, bool transposed)
        {
            if (transposed)
            {
                return (float[])b.Clone();
            }

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

        private void PushDense(OnnxNode node, int inputs, int outputs, float[] weights, float[] bias) =>
            Push(node, new Pending
            {
                Name = node.Name,
                Inputs = [LayerOf(node.Inputs[0])],
                Weights = weights,
                Bias = bias,
                Create = (w, b, refs) => new DenseLayer(node.Name, inputs, outputs, w!, b!, refs),
            });

        private void Conv(OnnxNode node)
        {
            OnnxTensor w = _graph.Initializers[node.Inputs[1]];
            int[] x = _graph.Shapes[node.Inputs[0]];
            int outChannels = w.Shape[0];
            int groups = (int)node.Int("group", 1);
            long[] k = node.Ints("kernel_shape")!, s = node.Ints("strides")!, p = node.Ints("pads")!;
            float[] bias = node.OptionalInput(2) is string b ? (float[])_graph.Initializers[b].Floats!.Clone() : new float[outChannels];
            Push(node, new Pending
            {
                Name = node.Name,
                Inputs = [LayerOf(node.Inputs[0])],
                Weights = (float[])w.Floats!.Clone(),
                Bias = bias,
                Create = (weights, folded, refs) => new Conv2dLayer(
                    node.Name, x[0], outChannels, groups, (int)k[0], (int)k[1], (int)s[0], (int)s[1],
                    (int)p[0], (int)p[1], (int)p[2], (int)p[3], weights!, folded!, refs),
            });
        }

        /// <summary>
        /// BatchNormalization: y = (x − mean) / √(var + ε) · γ + β = x · s + (β − mean · s) per channel.
        /// Folded into the weighted layer before it when that layer's output feeds nothing else.
        /// </summary>
        private void BatchNormalization(OnnxNode node)
        {
            float[] gamma = Floats(node, 1), beta = Floats(node, 2), mean = Floats(node, 3), variance = Floats(node, 4);
            float epsilon = node.Float("epsilon", 1e-5f);
            int channels = gamma.Length;
            var scale = new float[channels];
            var shift = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                scale[c] = gamma[c] / MathF.Sqrt(variance[c] + epsilon);
                shift[c] = beta[c] - (mean[c] * scale[c]);
            }

            if (FoldTarget(node) is Pending target)
            {
                int perChannel = target.Weights!.Length / channels;
                for (int c = 0; c < channels; c++)
                {
                    for (int i = c * perChannel; i < (c + 1) * perChannel; i++)
                    {
                        target.Weights[i] *= scale[c];
                    }

                    target.Bias![c] = (target.Bias[c] * scale[c]) + shift[c];
                }

                _layerOf[node.Output] = LayerOf(node.Inputs[0]);
                return;
            }

            Unweighted(node, node.Inputs[0], (n, i) => new ScaleShiftLayer(n, scale, shift, i));
        }

        /// <summary>Add: a residual sum of two computed values, or a constant folded into a bias (else a ScaleShift).</summary>
        private void AddNode(OnnxNode node)
        {
            bool firstConstant = _graph.IsConstant(node.Inputs[0]), secondConstant = _graph.IsConstant(node.Inputs[1]);
            if (!firstConstant && !secondConstant)
            {
                int a = LayerOf(node.Inputs[0]), b = LayerOf(node.Inputs[1]);
                Push(node, new Pending { Name = node.Name, Inputs = [a, b], Create = (_, _, _) => new AddLayer(node.Name, [a, b]) });
                return;
            }

            int dynamicPosition = firstConstant ? 1 : 0;
            string value = node.Inputs[dynamicPosition];
            OnnxTensor constant = _graph.Initializers[node.Inputs[1 - dynamicPosition]];
            int[] shape = _graph.Shapes[value];
            float[] perChannel = PerChannel(node, constant, shape);
            if (FoldTarget(node, dynamicPosition) is Pending target)
            {
                for (int c = 0; c < perChannel.Length; c++)
                {
                    target.Bias![c] += perChannel[c];
                }

                _layerOf[node.Output] = LayerOf(value);
                return;
            }

            float[] ones = Enumerable.Repeat(1f, perChannel.Length).ToArray();
            Unweighted(node, value, (n, i) => new ScaleShiftLayer(n, ones, perChannel, i));
        }

        /// <summary>
        /// The constant of an Add as one value per channel (the first dimension of the value it is
        /// added to): it must be the same across each channel's other dimensions.
        /// </summary>
        private float[] PerChannel(OnnxNode node, OnnxTensor constant, int[] shape)
        {
            int channels = shape[0];
            int plane = shape.Skip(1).Aggregate(1, (a, b) => a * b);

            // Right-align the constant's dimensions with the value's (numpy broadcasting) and read
            // the value each element of the value sees.
            int[] dims = constant.Shape.Length > shape.Length ? constant.Shape[1..] : constant.Shape;
            var full = new int[shape.Length];
            Array.Fill(full, 1);
            dims.CopyTo(full, shape.Length - dims.Length);
            var result = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                for (int i = 0; i < plane; i++)
                {
                    float v = constant.Floats![Index(c * plane + i, shape, full)];
                    if (i == 0)
                    {
                        result[c] = v;
                    }
                    else if (BitConverter.SingleToInt32Bits(v) != BitConverter.SingleToInt32Bits(result[c]))
                    {
                        throw OnnxErrors.Unsupported(_graph.Source, node, $"adds a constant of shape {OnnxTensor.FormatShape(constant.Shape)} that varies within a channel of {OnnxTensor.FormatShape(shape)}; dcz adds one constant per channel (a bias)");
                    }
                }
            }

            return result;
        }

        /// <summary>The index into a broadcast tensor of shape <paramref name="dims"/> for flat position <paramref name="flat"/> of <paramref name="shape"/>.</summary>
        private static int Index(int flat, int[] shape, int[] dims)
        {
            int index = 0, stride = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                int coordinate = flat % shape[d];
                flat /= shape[d];
                if (dims[d] != 1)
                {
                    index += coordinate * stride;
                }

                stride *= dims[d];
            }

            return index;
        }

        /// <summary>The weighted layer that produces input <paramref name="position"/> of <paramref name="node"/>, when nothing else reads its output.</summary>
        private Pending? FoldTarget(OnnxNode node, int position = 0)
        {
            string value = node.Inputs[position];
            if (value == _graph.InputName || value == _graph.OutputName || _graph.Consumers(value).Count() != 1)
            {
                return null;
            }

            // The layer's output is exactly this value (folds keep it so), and nothing else reads it.
            int layer = LayerOf(value);
            return layer >= 0 && _layers[layer].Weights is not null ? _layers[layer] : null;
        }

        private float[] Floats(OnnxNode node, int position) => _graph.Initializers[node.Inputs[position]].Floats!;

        private float Bound(OnnxNode node, int position, float open) =>
            node.OptionalInput(position) is string v ? _graph.Initializers[v].Floats![0] : open;

        private static Pool2dWindow Window(OnnxNode node)
        {
            long[] k = node.Ints("kernel_shape")!, s = node.Ints("strides")!, p = node.Ints("pads")!;
            return new Pool2dWindow((int)k[0], (int)k[1], (int)s[0], (int)s[1], (int)p[0], (int)p[1], (int)p[2], (int)p[3]);
        }
    }
}
