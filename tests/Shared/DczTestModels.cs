using System.Globalization;
using System.Text;
using EmbeddedNets.Format;

namespace EmbeddedNets.Tests.Shared;

/// <summary>
/// Models for tests of every project that reads <c>.dcz</c> files: seeded random models that obey
/// every format rule, the named edge cases, and the worked example of docs/dcz-format.md.
/// Depends only on the Format types (no test framework), so any test project can link it.
/// </summary>
public static class DczTestModels
{
    /// <summary>
    /// The worked example of docs/dcz-format.md (§11): input [4] read by two branches that an Add
    /// joins. <c>fc</c> is Dense 4→2 with a 2-entry codebook, kept positions 0, 1, 5, 7 and
    /// GapBits 1, so the run of zeros 2–4 needs a filler; <c>relu</c> follows it. <c>skip</c> is
    /// Dense 4→2 on the model input with unshared float32 weights at positions 1 and 6 and GapBits 2,
    /// so the zeros 2–5 need a filler too. <c>sum</c> adds <c>relu</c> and <c>skip</c>.
    /// </summary>
    public static DczModel SpecExample()
    {
        var fcWeights = new SparseWeights(
            length: 8,
            codebook: new[] { -0.5f, 0.5f },
            weightBits: 1,
            gapBits: 1,
            positions: new[] { 0, 1, 5, 7 },
            codes: new byte[] { 1, 0, 1, 1 });
        SparseWeights skipWeights = SparseWeights.Unshared(length: 8, gapBits: 2, positions: new[] { 1, 6 }, values: new[] { 2f, -0.75f });
        var info = new ModelInfo(
            name: "tiny",
            inputShape: new[] { 4 },
            preprocessing: Preprocessing.Identity,
            classLabels: new[] { "no", "yes" },
            metrics: new RecordedMetrics("demo", 4, 3),
            producer: "doc",
            seed: 42);
        return new DczModel(info, new DczLayer[]
        {
            new DenseLayer("fc", 4, 2, fcWeights, new[] { 0.25f, -1f }, new[] { DczLayer.ModelInput }),
            new ReLULayer("relu", new[] { 0 }),
            new DenseLayer("skip", 4, 2, skipWeights, new[] { 0f, 0.5f }, new[] { DczLayer.ModelInput }),
            new AddLayer("sum", new[] { 1, 2 }),
        });
    }

    /// <summary>
    /// The version-1 example (the worked example of the version-1 spec): the model
    /// <see cref="SpecExampleV1"/> as a version-1 writer stored it, 93 bytes.
    /// </summary>
    public static byte[] SpecExampleV1Bytes() => Convert.FromHexString(
        "8944435A010000004D000000F1A96605" +
        "0474696E7901040000803F0000000000" +
        "00803F02026E6F03796573010464656D" +
        "6F040303646F632A01010266631F0402" +
        "010102000000BF0000003F0503212007" +
        "58021105380000803E000080BF");

    /// <summary>
    /// The version-2 example (the worked example of the version-2 spec): <see cref="SpecExample"/>
    /// as a version-2 writer stored it, 154 bytes (version 3 adds the trained dense bytes).
    /// </summary>
    public static byte[] SpecExampleV2Bytes() => Convert.FromHexString(
        "8944435A020000008A00000052A4019F" +
        "0474696E7901040000803F0100000000" +
        "0000803F02026E6F0379657301046465" +
        "6D6F040303646F632A04010266630100" +
        "1F0402010102000000BF0000003F0503" +
        "21200758021105380000803E000080BF" +
        "040472656C750101000104736B697001" +
        "001F0402000203000000400000000000" +
        "0040BF0422001005D000000000000000" +
        "3F090373756D02020300");

    /// <summary>The model of <see cref="SpecExampleV1Bytes"/>: layer <c>fc</c> of <see cref="SpecExample"/> alone, as a chain.</summary>
    public static DczModel SpecExampleV1()
    {
        DczModel v2 = SpecExample();
        return new DczModel(v2.Info, new DczLayer[] { new DenseLayer("fc", 4, 2, ((DenseLayer)v2.Layers[0]).Weights, new[] { 0.25f, -1f }) });
    }

    /// <summary>
    /// A random model that obeys every format rule: an MLP on a flat input, a CNN chain on an
    /// image (both of the first six ops, as version 1 had them), or a graph of every op
    /// (<see cref="RandomGraph"/>), a third each.
    /// </summary>
    public static DczModel Random(int seed)
    {
        var rng = new Random(seed);
        return rng.Next(3) switch
        {
            0 => RandomMlp(rng, seed),
            1 => RandomCnn(rng, seed),
            _ => RandomGraph(rng, seed),
        };
    }

    /// <summary>
    /// A random graph that uses every op of the format: blocks of convolutions (grouped,
    /// depthwise, non-square, strided, padded differently on each side, shared or unshared
    /// weights), padded pools (average with and without counting the padding), residual Adds of a
    /// tensor and a branch and Adds of two branches, ScaleShift on rank 1, 2 and 3, Clip, Sigmoid,
    /// Tanh, Softmax, Reshape and Flatten (some reading a tensor that later layers read too, so
    /// they cannot run in place), GlobalAvgPool, then Dense layers to the classes. Layers reading
    /// the layer just before them sometimes leave their inputs implicit. Small enough for the
    /// double-precision reference.
    /// </summary>
    public static DczModel RandomGraph(Random rng, int seed)
    {
        bool image = rng.Next(4) != 0;
        int[] input = image ? new[] { rng.Next(1, 5), rng.Next(3, 11), rng.Next(3, 11) } : new[] { rng.Next(2, 33) };
        var g = new GraphBuilder(rng);
        Tensor x = new(DczLayer.ModelInput, input);
        int blocks = rng.Next(1, 5);
        for (int b = 0; b < blocks; b++)
        {
            x = x.Shape.Length == 3 ? g.ImageBlock(x) : g.VectorBlock(x);
        }

        // Head: to a vector (or let Dense flatten implicitly), then Dense layers to the classes.
        if (x.Shape.Length != 1)
        {
            x = rng.Next(4) switch
            {
                0 when x.Shape.Length == 3 => g.Add(new GlobalAvgPoolLayer(g.Name("gap"), g.Ref(x)), new[] { x.Shape[0], 1, 1 }),
                1 => g.Add(new FlattenLayer(g.Name("flatten"), g.Ref(x)), new[] { Length(x.Shape) }),
                2 => g.Add(new ReshapeLayer(g.Name("reshape"), new[] { Length(x.Shape) }, g.Ref(x)), new[] { Length(x.Shape) }),
                _ => x,
            };
        }

        int classes = rng.Next(1, 11);
        x = g.Dense(x, classes);
        switch (rng.Next(6))
        {
            case 0: x = g.Add(new SoftmaxLayer(g.Name("prob"), g.Ref(x)), x.Shape); break;
            case 1: x = g.Add(new SigmoidLayer(g.Name("sigmoid"), g.Ref(x)), x.Shape); break;
            case 2: x = g.ScaleShift(x); break;
            default: break;
        }

        return new DczModel(RandomInfo(rng, seed, input, classes), g.Layers.ToArray());
    }

    /// <summary>Random unshared (float32) weights: no codebook, each kept value its own, never +0.0.</summary>
    public static SparseWeights RandomUnsharedWeights(Random rng, int length)
    {
        double[] fractions = { 0, 0.05, 0.3, 0.7, 1 };
        double keep = fractions[rng.Next(fractions.Length)];
        var positions = new List<int>();
        for (int p = 0; p < length; p++)
        {
            if (rng.NextDouble() < keep)
            {
                positions.Add(p);
            }
        }

        float[] values = RandomFloats(rng, positions.Count);
        for (int i = 0; i < values.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(values[i]) == 0)
            {
                values[i] = 0.5f; // +0.0 is the encoding's filler, never a kept value.
            }
        }

        return SparseWeights.Unshared(length, rng.Next(1, 13), positions.ToArray(), values);
    }

    private static int Length(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>A layer output (or the model input) and its shape, while a graph is built.</summary>
    private readonly record struct Tensor(int Source, int[] Shape);

    /// <summary>Builds a random graph block by block; every output it creates is read by a later layer.</summary>
    private sealed class GraphBuilder
    {
        private readonly Random _rng;

        public GraphBuilder(Random rng) => _rng = rng;

        public List<DczLayer> Layers { get; } = new();

        public string Name(string stem) =>
            _rng.Next(5) == 0 ? "" : stem + Layers.Count.ToString(CultureInfo.InvariantCulture);

        /// <summary>The inputs of a one-input layer reading <paramref name="x"/>: sometimes implicit when it is the previous layer.</summary>
        public IReadOnlyList<int>? Ref(Tensor x) =>
            x.Source == Layers.Count - 1 && _rng.Next(2) == 0 ? null : new[] { x.Source };

        public Tensor Add(DczLayer layer, int[] shape)
        {
            Layers.Add(layer);
            return new Tensor(Layers.Count - 1, shape);
        }

        public Tensor ImageBlock(Tensor x)
        {
            int c = x.Shape[0], h = x.Shape[1], w = x.Shape[2];
            switch (_rng.Next(9))
            {
                case 0:
                case 1:
                    return Activation(Conv(x, _rng.Next(1, 7), sameShape: false));
                case 2:
                    return Pool(x, sameShape: false);
                case 3:
                {
                    // Residual: x + branch(x), the branch a same-shape convolution.
                    Tensor branch = Activation(Conv(x, c, sameShape: true));
                    return Join(x, branch);
                }

                case 4:
                {
                    // Two branches of the same tensor, joined: neither Add input is x itself.
                    Tensor a = _rng.Next(2) == 0 ? ScaleShift(x) : Activation(x, always: true);
                    Tensor b = _rng.Next(2) == 0 ? Conv(x, c, sameShape: true) : Pool(x, sameShape: true);
                    return Join(a, b);
                }

                case 5:
                {
                    // Rank 2 in between: [c, h·w], scaled per channel or squashed, and back.
                    Tensor r = Add(new ReshapeLayer(Name("reshape"), new[] { c, h * w }, Ref(x)), new[] { c, h * w });
                    r = _rng.Next(2) == 0 ? ScaleShift(r) : Add(new TanhLayer(Name("tanh"), Ref(r)), r.Shape);
                    return Add(new ReshapeLayer(Name("unflatten"), new[] { c, h, w }, Ref(r)), new[] { c, h, w });
                }

                case 6:
                {
                    // Flatten and Reshape both read x: the first cannot run in place (x is read again).
                    Tensor f = Add(new FlattenLayer(Name("flatten"), new[] { x.Source }), new[] { c * h * w });
                    Tensor r = Add(new ReshapeLayer(Name("reshape"), new[] { c * h * w }, new[] { x.Source }), new[] { c * h * w });
                    Tensor sum = Join(f, r);
                    return Add(new ReshapeLayer(Name("unflatten"), new[] { c, h, w }, Ref(sum)), new[] { c, h, w });
                }

                case 7:
                    return ScaleShift(x);
                default:
                    return Activation(x, always: true);
            }
        }

        public Tensor VectorBlock(Tensor x)
        {
            int n = x.Shape[0];
            switch (_rng.Next(6))
            {
                case 0:
                case 1:
                    return Activation(Dense(x, _rng.Next(1, 33)));
                case 2:
                    return Join(x, Activation(Dense(x, n)));
                case 3:
                    return ScaleShift(x);
                case 4:
                {
                    // [n] → [a, n / a] → per-row scale and shift → flat again.
                    int a = Enumerable.Range(1, n).Where(d => n % d == 0).ElementAt(_rng.Next(Enumerable.Range(1, n).Count(d => n % d == 0)));
                    Tensor r = Add(new ReshapeLayer(Name("reshape"), new[] { a, n / a }, Ref(x)), new[] { a, n / a });
                    r = ScaleShift(r);
                    return _rng.Next(2) == 0
                        ? Add(new FlattenLayer(Name("flatten"), Ref(r)), new[] { n })
                        : Add(new ReshapeLayer(Name("flat"), new[] { n }, Ref(r)), new[] { n });
                }

                default:
                    return Add(new SoftmaxLayer(Name("softmax"), Ref(x)), x.Shape);
            }
        }

        public Tensor Dense(Tensor x, int outputs)
        {
            int inputs = Length(x.Shape);
            SparseWeights weights = _rng.Next(4) == 0 ? RandomUnsharedWeights(_rng, inputs * outputs) : RandomWeights(_rng, inputs * outputs);
            return Add(new DenseLayer(Name("ip"), inputs, outputs, weights, RandomFloats(_rng, outputs), Ref(x)), new[] { outputs });
        }

        public Tensor ScaleShift(Tensor x)
        {
            int channels = x.Shape[0];
            return Add(new ScaleShiftLayer(Name("bn"), RandomFloats(_rng, channels), RandomFloats(_rng, channels), Ref(x)), x.Shape);
        }

        /// <summary>Either input order; the inputs are always named (Add has two).</summary>
        private Tensor Join(Tensor a, Tensor b) =>
            Add(new AddLayer(Name("add"), _rng.Next(2) == 0 ? new[] { a.Source, b.Source } : new[] { b.Source, a.Source }), a.Shape);

        private Tensor Activation(Tensor x, bool always = false)
        {
            switch (_rng.Next(always ? 4 : 6))
            {
                case 0: return Add(new ReLULayer(Name("relu"), Ref(x)), x.Shape);
                case 1:
                {
                    float min = (float)(-_rng.NextDouble()), max = _rng.Next(3) == 0 ? min : (float)(_rng.NextDouble() * 6);
                    return Add(new ClipLayer(Name("clip"), min, max, Ref(x)), x.Shape);
                }

                case 2: return Add(new SigmoidLayer(Name("sigmoid"), Ref(x)), x.Shape);
                case 3: return Add(new TanhLayer(Name("tanh"), Ref(x)), x.Shape);
                default: return x;
            }
        }

        /// <summary>A convolution with random groups, kernel, stride and per-side padding; with <paramref name="sameShape"/>, stride 1 and padding that keeps h × w.</summary>
        private Tensor Conv(Tensor x, int outChannels, bool sameShape)
        {
            int c = x.Shape[0], h = x.Shape[1], w = x.Shape[2];
            int[] divisors = Enumerable.Range(1, c).Where(d => c % d == 0).ToArray();
            int groups = _rng.Next(3) switch
            {
                0 => c,                                      // depthwise (or a multiple per channel)
                1 => divisors[_rng.Next(divisors.Length)],   // grouped
                _ => 1,
            };
            outChannels = sameShape ? c : groups * Math.Max(1, outChannels / groups);
            int kh, kw, sh, sw, top, left, bottom, right;
            if (sameShape)
            {
                kh = _rng.Next(1, 4);
                kw = _rng.Next(1, 4);
                sh = sw = 1;
                top = _rng.Next(kh);
                bottom = kh - 1 - top;
                left = _rng.Next(kw);
                right = kw - 1 - left;
            }
            else
            {
                top = _rng.Next(3);
                bottom = _rng.Next(3);
                left = _rng.Next(3);
                right = _rng.Next(3);
                kh = _rng.Next(1, Math.Min(4, h + top + bottom) + 1);
                kw = _rng.Next(1, Math.Min(4, w + left + right) + 1);
                sh = _rng.Next(1, 3);
                sw = _rng.Next(1, 3);
            }

            int length = outChannels * (c / groups) * kh * kw;
            SparseWeights weights = _rng.Next(4) == 0 ? RandomUnsharedWeights(_rng, length) : RandomWeights(_rng, length);
            int oh = (int)ModelShapes.SlidingWindowOutput(h, kh, sh, top, bottom), ow = (int)ModelShapes.SlidingWindowOutput(w, kw, sw, left, right);
            return Add(
                new Conv2dLayer(Name("conv"), c, outChannels, groups, kh, kw, sh, sw, top, left, bottom, right, weights, RandomFloats(_rng, outChannels), Ref(x)),
                new[] { outChannels, oh, ow });
        }

        /// <summary>A max or average pool with per-side padding smaller than the window; with <paramref name="sameShape"/>, stride 1 and a 3×3 or 1×1 window padded to keep h × w.</summary>
        private Tensor Pool(Tensor x, bool sameShape)
        {
            int c = x.Shape[0], h = x.Shape[1], w = x.Shape[2];
            Pool2dWindow window;
            if (sameShape)
            {
                int k = _rng.Next(2) == 0 ? 1 : 3;
                window = new Pool2dWindow(k, k, 1, 1, k / 2, k / 2, k / 2, k / 2);
            }
            else
            {
                int kh = _rng.Next(1, Math.Min(3, h) + 1), kw = _rng.Next(1, Math.Min(3, w) + 1);
                window = new Pool2dWindow(kh, kw, _rng.Next(1, 3), _rng.Next(1, 3), _rng.Next(kh), _rng.Next(kw), _rng.Next(kh), _rng.Next(kw));
            }

            int oh = (int)ModelShapes.SlidingWindowOutput(h, window.KernelHeight, window.StrideHeight, window.PadTop, window.PadBottom);
            int ow = (int)ModelShapes.SlidingWindowOutput(w, window.KernelWidth, window.StrideWidth, window.PadLeft, window.PadRight);
            DczLayer layer = _rng.Next(2) == 0
                ? new MaxPool2dLayer(Name("maxpool"), window, Ref(x))
                : new AvgPool2dLayer(Name("avgpool"), window, countIncludePad: _rng.Next(2) == 0, Ref(x));
            return Add(layer, new[] { c, oh, ow });
        }
    }

    /// <summary>A random fully connected model: Dense/ReLU chain on a rank-1 input.</summary>
    public static DczModel RandomMlp(Random rng, int seed)
    {
        int features = rng.Next(1, 80);
        int hidden = rng.Next(0, 3);
        var layers = new List<DczLayer>();
        int width = features;
        for (int i = 0; i < hidden; i++)
        {
            int next = rng.Next(1, 60);
            layers.Add(RandomDense(rng, "ip" + (i + 1).ToString(CultureInfo.InvariantCulture), width, next));
            layers.Add(new ReLULayer(rng.Next(2) == 0 ? "" : "relu" + (i + 1).ToString(CultureInfo.InvariantCulture)));
            width = next;
        }

        int classes = rng.Next(1, 12);
        layers.Add(RandomDense(rng, "out", width, classes));
        if (rng.Next(2) == 0)
        {
            layers.Add(new SoftmaxLayer("prob"));
        }

        return new DczModel(RandomInfo(rng, seed, new[] { features }, classes), layers);
    }

    /// <summary>A random convolutional model: Conv2d/ReLU/MaxPool2d, Flatten, Dense on a rank-3 input.</summary>
    public static DczModel RandomCnn(Random rng, int seed)
    {
        int channels = rng.Next(1, 4), height = rng.Next(4, 14), width = rng.Next(4, 14);
        var layers = new List<DczLayer>();
        int[] shape = { channels, height, width };
        int convs = rng.Next(1, 3);
        for (int i = 0; i < convs; i++)
        {
            int kh = rng.Next(1, Math.Min(4, shape[1]) + 1), kw = rng.Next(1, Math.Min(4, shape[2]) + 1);
            int sh = rng.Next(1, 3), sw = rng.Next(1, 3), ph = rng.Next(0, 2), pw = rng.Next(0, 2);
            int outChannels = rng.Next(1, 6);
            int length = outChannels * shape[0] * kh * kw;
            layers.Add(new Conv2dLayer(
                "conv" + (i + 1).ToString(CultureInfo.InvariantCulture), shape[0], outChannels, kh, kw, sh, sw, ph, pw,
                RandomWeights(rng, length), RandomFloats(rng, outChannels)));
            shape = new[] { outChannels, ((shape[1] + (2 * ph) - kh) / sh) + 1, ((shape[2] + (2 * pw) - kw) / sw) + 1 };
            if (rng.Next(2) == 0)
            {
                layers.Add(new ReLULayer());
            }

            if (shape[1] >= 2 && shape[2] >= 2 && rng.Next(2) == 0)
            {
                layers.Add(new MaxPool2dLayer("pool" + (i + 1).ToString(CultureInfo.InvariantCulture), 2, 2, 2, 2));
                shape = new[] { shape[0], ((shape[1] - 2) / 2) + 1, ((shape[2] - 2) / 2) + 1 };
            }
        }

        layers.Add(new FlattenLayer("flatten"));
        int flat = shape[0] * shape[1] * shape[2];
        int classes = rng.Next(1, 11);
        layers.Add(RandomDense(rng, "ip", flat, classes));
        return new DczModel(RandomInfo(rng, seed, new[] { channels, height, width }, classes), layers);
    }

    /// <summary>A dense layer with random pruned, weight-shared weights.</summary>
    public static DenseLayer RandomDense(Random rng, string name, int inputs, int outputs) =>
        new(name, inputs, outputs, RandomWeights(rng, inputs * outputs), RandomFloats(rng, outputs));

    /// <summary>
    /// Random sparse weights: a random keep fraction (0 to 1, sometimes in clusters that leave
    /// whole rows empty), a random codebook size and skewed code usage, random bit widths.
    /// </summary>
    public static SparseWeights RandomWeights(Random rng, int length)
    {
        int weightBits = rng.Next(1, 9);
        int gapBits = rng.Next(1, 13);
        int k = rng.Next(1, (1 << weightBits) + 1);
        double[] fractions = { 0, 0.01, 0.05, 0.1, 0.3, 0.7, 1 };
        double keep = fractions[rng.Next(fractions.Length)];
        bool clustered = rng.Next(3) == 0;
        var positions = new List<int>();
        for (int p = 0; p < length; p++)
        {
            bool inCluster = !clustered || ((p / 17) % 3 == 0);
            if (inCluster && rng.NextDouble() < keep)
            {
                positions.Add(p);
            }
        }

        var codes = new byte[positions.Count];
        for (int i = 0; i < codes.Length; i++)
        {
            // Skewed: low indices far more often (like k-means clusters near zero).
            double u = rng.NextDouble();
            codes[i] = (byte)Math.Min(k - 1, (int)(k * u * u * u));
        }

        return new SparseWeights(length, RandomFloats(rng, k), weightBits, gapBits, positions.ToArray(), codes);
    }

    /// <summary>Finite floats of mixed magnitude and sign, including the odd −0.</summary>
    public static float[] RandomFloats(Random rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = rng.Next(50) == 0 ? -0f : (float)((rng.NextDouble() * 2) - 1) * (float)Math.Pow(10, rng.Next(-3, 2));
        }

        return values;
    }

    private static ModelInfo RandomInfo(Random rng, int seed, int[] inputShape, int classes)
    {
        var labels = new string[classes];
        for (int i = 0; i < classes; i++)
        {
            labels[i] = rng.Next(4) == 0 ? "klasse-ß-" + i.ToString(CultureInfo.InvariantCulture) : i.ToString(CultureInfo.InvariantCulture);
        }

        RecordedMetrics? metrics = null;
        if (rng.Next(2) == 0)
        {
            int count = rng.Next(0, 20000);
            metrics = new RecordedMetrics("mnist-t10k", count, rng.Next(0, count + 1));
        }

        Preprocessing pre = rng.Next(3) switch
        {
            0 => Preprocessing.Identity,
            1 => new Preprocessing(1f / 255f, 0.1307f, 0.3081f),
            _ => new Preprocessing(1f / 255f, RandomFloats(rng, inputShape[0]), RandomFloats(rng, inputShape[0]).Select(v => v == 0f ? 0.5f : v).ToArray()),
        };
        return new ModelInfo(
            "random-" + seed.ToString(CultureInfo.InvariantCulture),
            inputShape,
            pre,
            labels,
            metrics,
            "EmbeddedNets.Tests",
            (ulong)seed * 0x9E3779B97F4A7C15UL);
    }

    /// <summary>The named edge cases the format must round-trip exactly.</summary>
    public static IReadOnlyList<(string Name, DczModel Model)> EdgeCases()
    {
        var cases = new List<(string, DczModel)>();

        cases.Add(("spec example", SpecExample()));
        cases.Add(("all-pruned layer", Mlp(new SparseWeights(12, new[] { 0.5f }, 1, 3, Array.Empty<int>(), Array.Empty<byte>()), 4, 3)));
        cases.Add(("one-centroid codebook", Mlp(new SparseWeights(12, new[] { 0.75f }, 1, 2, new[] { 0, 3, 4, 11 }, new byte[4]), 4, 3)));

        // GapBits 3 → largest gap 7: position 8 after position 0 is a gap of exactly 7 (no filler);
        // position 17 after 8 is a gap of 8 (one filler).
        cases.Add(("gap exactly at the bound", Mlp(new SparseWeights(20, new[] { 1f, -1f }, 1, 3, new[] { 0, 8, 17 }, new byte[] { 0, 1, 0 }), 5, 4)));
        cases.Add(("first gap at the bound", Mlp(new SparseWeights(20, new[] { 1f, -1f }, 1, 3, new[] { 7 }, new byte[] { 1 }), 5, 4)));

        // GapBits 1: every two zero positions need a filler, 2000 positions → ~1000 fillers in a row.
        cases.Add(("long zero run, many fillers", Mlp(new SparseWeights(2000, new[] { 3f, -2f }, 1, 1, new[] { 1999 }, new byte[] { 1 }), 200, 10)));
        cases.Add(("fillers between every pair", Mlp(new SparseWeights(100, new[] { 3f }, 1, 2, new[] { 0, 9, 18, 99 }, new byte[4]), 20, 5)));

        // Dense 6→4 where rows 1 and 3 are empty.
        cases.Add(("empty rows", Mlp(new SparseWeights(24, new[] { 0.1f, 0.2f, 0.3f }, 2, 4, new[] { 0, 2, 5, 12, 13, 17 }, new byte[] { 0, 1, 2, 2, 1, 0 }), 6, 4)));

        var all = new int[256];
        var codes = new byte[256];
        var codebook = new float[256];
        for (int i = 0; i < 256; i++)
        {
            all[i] = i;
            codes[i] = (byte)(255 - i);
            codebook[i] = (i - 128) / 64f;
        }

        cases.Add(("dense layer, all 256 codebook entries", Mlp(new SparseWeights(256, codebook, 8, 1, all, codes), 32, 8)));
        // 257-symbol weight alphabet: all 256 codebook indices plus fillers (GapBits 1, every 8th position kept).
        var every8 = new int[256];
        for (int i = 0; i < 256; i++)
        {
            every8[i] = (i * 8) + 7;
        }

        cases.Add(("all 256 codes plus fillers (257 symbols)", Mlp(new SparseWeights(2048, codebook, 8, 1, every8, codes), 64, 32)));
        cases.Add(("GapBits 12, sparse", Mlp(new SparseWeights(9000, new[] { 1f, 2f }, 1, 12, new[] { 4095, 8191, 8999 }, new byte[] { 0, 1, 0 }), 900, 10)));
        cases.Add(("extreme floats", Mlp(
            new SparseWeights(4, new[] { float.MaxValue, float.Epsilon, -0f, float.MinValue }, 2, 1, new[] { 0, 1, 2, 3 }, new byte[] { 0, 1, 2, 3 }), 2, 2)));

        var lenet5Like = new DczModel(
            new ModelInfo("cnn", new[] { 1, 8, 8 }, new Preprocessing(1f / 255f, 0.1307f, 0.3081f), Digits(10), null, "EmbeddedNets.Tests", 7),
            new DczLayer[]
            {
                new Conv2dLayer("conv1", 1, 4, 3, 3, 1, 1, 1, 1, Sampled(36, 4, 2, seed: 1), new float[4]),
                new ReLULayer("relu1"),
                new MaxPool2dLayer("pool1", 2, 2, 2, 2),
                new Conv2dLayer("conv2", 4, 6, 3, 3, 2, 1, 0, 1, Sampled(216, 3, 5, seed: 2), new float[6]),
                new MaxPool2dLayer("pool2", 1, 2, 1, 2),
                new FlattenLayer("flatten"),
                new DenseLayer("ip1", 12, 10, Sampled(120, 4, 4, seed: 3), new float[10]),
                new SoftmaxLayer("prob"),
            });
        cases.Add(("conv, pool, flatten chain (rank-3 input, no metrics)", lenet5Like));

        var unicode = new DczModel(
            new ModelInfo("", new[] { 3 }, new Preprocessing(2f, -1f, -0.5f), new[] { "", "猫", "😀" }, new RecordedMetrics("", 0, 0), "", ulong.MaxValue),
            new DczLayer[] { new DenseLayer("", 3, 3, Sampled(9, 1, 1, seed: 4), new float[] { -0f, 1e-30f, 3e30f }) });
        cases.Add(("empty and non-ASCII strings, seed 2^64 − 1", unicode));

        // Graphs (format version 2): an output read twice by one layer, the model input read by
        // several layers and by an Add, unshared weights that need fillers.
        var twice = new DczModel(
            new ModelInfo("twice", new[] { 3 }, Preprocessing.Identity, Digits(3), null, "EmbeddedNets.Tests", 2),
            new DczLayer[] { new DenseLayer("fc", 3, 3, Sampled(9, 2, 2, seed: 5), new float[] { 1f, -1f, 0.5f }), new AddLayer("double", new[] { 0, 0 }) });
        cases.Add(("add of a tensor with itself", twice));
        var inputEverywhere = new DczModel(
            new ModelInfo("input everywhere", new[] { 2, 3, 3 }, new Preprocessing(0.5f, new[] { 0.25f, -1f }, new[] { 2f, 0.5f }), Digits(18), null, "EmbeddedNets.Tests", 3),
            new DczLayer[]
            {
                new AddLayer("self", new[] { DczLayer.ModelInput, DczLayer.ModelInput }),
                new ScaleShiftLayer("bn", new[] { 2f, -0.5f }, new[] { 0f, 1f }, new[] { DczLayer.ModelInput }),
                new AddLayer("sum", new[] { 0, 1 }),
                new ReshapeLayer("flat", new[] { 18 }, new[] { 2 }),
            });
        cases.Add(("model input read by several layers, per-channel preprocessing", inputEverywhere));
        var unsharedFillers = SparseWeights.Unshared(200, 2, new[] { 0, 1, 50, 199 }, new[] { -0f, 1.5f, -2.25f, float.MaxValue });
        cases.Add(("unshared weights with fillers and a kept −0", Mlp(unsharedFillers, 20, 10)));
        return cases;
    }

    /// <summary>Labels "0", "1", … for <paramref name="count"/> classes.</summary>
    public static string[] Digits(int count)
    {
        var labels = new string[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return labels;
    }

    /// <summary>Every second position kept (a seeded, valid tensor for hand-built edge cases).</summary>
    private static SparseWeights Sampled(int length, int weightBits, int gapBits, int seed)
    {
        var rng = new Random(seed);
        int k = 1 << weightBits;
        var positions = new List<int>();
        for (int p = 0; p < length; p += 1 + rng.Next(3))
        {
            positions.Add(p);
        }

        var codes = new byte[positions.Count];
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = (byte)rng.Next(k);
        }

        return new SparseWeights(length, RandomFloats(rng, k), weightBits, gapBits, positions.ToArray(), codes);
    }

    /// <summary>Input [inputs] → Dense inputs→outputs with the given weights.</summary>
    private static DczModel Mlp(SparseWeights weights, int inputs, int outputs)
    {
        var bias = new float[outputs];
        for (int i = 0; i < outputs; i++)
        {
            bias[i] = i * 0.5f;
        }

        return new DczModel(
            new ModelInfo("edge", new[] { inputs }, Preprocessing.Identity, Digits(outputs), new RecordedMetrics("t", 10, 7), "EmbeddedNets.Tests", 1),
            new DczLayer[] { new DenseLayer("ip1", inputs, outputs, weights, bias), new ReLULayer("relu") });
    }

    /// <summary>
    /// The first difference between two models, or null when they are identical (floats compared
    /// bit for bit, so −0 ≠ +0).
    /// </summary>
    public static string? FirstDifference(DczModel expected, DczModel actual)
    {
        var diff = new StringBuilder();
        ModelInfo a = expected.Info, b = actual.Info;
        Check(a.Name == b.Name, "name");
        Check(a.InputShape.SequenceEqual(b.InputShape), "input shape");
        Check(Same(a.Preprocessing.Scale, b.Preprocessing.Scale) && a.Preprocessing.Mean.Count == b.Preprocessing.Mean.Count && a.Preprocessing.Mean.Zip(b.Preprocessing.Mean, Same).All(x => x) && a.Preprocessing.Std.Count == b.Preprocessing.Std.Count && a.Preprocessing.Std.Zip(b.Preprocessing.Std, Same).All(x => x), "preprocessing");
        Check(a.ClassLabels.SequenceEqual(b.ClassLabels, StringComparer.Ordinal), "class labels");
        Check((a.Metrics is null) == (b.Metrics is null), "metrics presence");
        if (a.Metrics is not null && b.Metrics is not null)
        {
            Check(a.Metrics.TestSetName == b.Metrics.TestSetName && a.Metrics.Count == b.Metrics.Count && a.Metrics.Correct == b.Metrics.Correct, "metrics");
        }

        Check(a.Producer == b.Producer, "producer");
        Check(a.Seed == b.Seed, "seed");
        Check(a.TrainedDenseFloat32Bytes == b.TrainedDenseFloat32Bytes, "trained dense bytes");
        Check(expected.Layers.Count == actual.Layers.Count, "layer count");
        for (int i = 0; i < Math.Min(expected.Layers.Count, actual.Layers.Count) && diff.Length == 0; i++)
        {
            string? layerDiff = expected.InputsOf(i).SequenceEqual(actual.InputsOf(i))
                ? LayerDifference(expected.Layers[i], actual.Layers[i])
                : "inputs differ";
            if (layerDiff is not null)
            {
                diff.Append("layer ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(layerDiff);
            }
        }

        return diff.Length == 0 ? null : diff.ToString();

        void Check(bool same, string what)
        {
            if (!same && diff.Length == 0)
            {
                diff.Append(what).Append(" differs");
            }
        }
    }

    private static string? LayerDifference(DczLayer a, DczLayer b)
    {
        if (a.Kind != b.Kind || a.Name != b.Name || a.GetType() != b.GetType())
        {
            return "kind or name differs";
        }

        switch (a)
        {
            case DenseLayer da:
            {
                var db = (DenseLayer)b;
                if (da.Inputs != db.Inputs || da.Outputs != db.Outputs)
                {
                    return "dense shape differs";
                }

                return BiasDifference(da.Bias, db.Bias) ?? WeightsDifference(da.Weights, db.Weights);
            }

            case Conv2dLayer ca:
            {
                var cb = (Conv2dLayer)b;
                if (ca.InChannels != cb.InChannels || ca.OutChannels != cb.OutChannels || ca.KernelHeight != cb.KernelHeight
                    || ca.KernelWidth != cb.KernelWidth || ca.StrideHeight != cb.StrideHeight || ca.StrideWidth != cb.StrideWidth
                    || ca.Groups != cb.Groups || ca.PadTop != cb.PadTop || ca.PadLeft != cb.PadLeft || ca.PadBottom != cb.PadBottom || ca.PadRight != cb.PadRight)
                {
                    return "conv parameters differ";
                }

                return BiasDifference(ca.Bias, cb.Bias) ?? WeightsDifference(ca.Weights, cb.Weights);
            }

            case MaxPool2dLayer pa:
                return pa.Window.Equals(((MaxPool2dLayer)b).Window) ? null : "pool window differs";

            case AvgPool2dLayer aa:
            {
                var ab = (AvgPool2dLayer)b;
                return aa.Window.Equals(ab.Window) && aa.CountIncludePad == ab.CountIncludePad ? null : "pool window or count-include-pad differs";
            }

            case ClipLayer ka:
            {
                var kb = (ClipLayer)b;
                return Same(ka.Min, kb.Min) && Same(ka.Max, kb.Max) ? null : "clip bounds differ";
            }

            case ScaleShiftLayer sa:
            {
                var sb = (ScaleShiftLayer)b;
                return BiasDifference(sa.Scale, sb.Scale) is null && BiasDifference(sa.Shift, sb.Shift) is null ? null : "scale or shift differs";
            }

            case ReshapeLayer ra:
                return ra.Shape.SequenceEqual(((ReshapeLayer)b).Shape) ? null : "reshape target differs";

            default:
                // The remaining ops carry no attributes: ReLU, Sigmoid, Tanh, Softmax, Flatten, GlobalAvgPool, Add.
                return null;
        }
    }

    private static string? BiasDifference(float[] a, float[] b) =>
        a.Length == b.Length && a.Select(Bits).SequenceEqual(b.Select(Bits)) ? null : "bias differs";

    private static string? WeightsDifference(SparseWeights a, SparseWeights b)
    {
        if (a.Length != b.Length || a.WeightBits != b.WeightBits || a.GapBits != b.GapBits)
        {
            return "weight length or bit widths differ";
        }

        if (!a.Codebook.Select(Bits).SequenceEqual(b.Codebook.Select(Bits)))
        {
            return "codebook differs";
        }

        if (!a.Positions.SequenceEqual(b.Positions))
        {
            return "kept positions differ";
        }

        if (!a.Values.Select(Bits).SequenceEqual(b.Values.Select(Bits)))
        {
            return "kept values differ";
        }

        return a.Codes.SequenceEqual(b.Codes) ? null : "codes differ";
    }

    private static bool Same(float a, float b) => Bits(a) == Bits(b);

    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);
}
