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
    /// The worked example of docs/dcz-format.md: input [4], one Dense 4→2 layer with a 2-entry
    /// codebook, kept positions 0, 1, 5, 7 and GapBits 1, so the run of zeros 2–4 needs a filler.
    /// </summary>
    public static DczModel SpecExample()
    {
        var weights = new SparseWeights(
            length: 8,
            codebook: new[] { -0.5f, 0.5f },
            weightBits: 1,
            gapBits: 1,
            positions: new[] { 0, 1, 5, 7 },
            codes: new byte[] { 1, 0, 1, 1 });
        var info = new ModelInfo(
            name: "tiny",
            inputShape: new[] { 4 },
            preprocessing: Preprocessing.Identity,
            classLabels: new[] { "no", "yes" },
            metrics: new RecordedMetrics("demo", 4, 3),
            producer: "doc",
            seed: 42);
        return new DczModel(info, new DczLayer[] { new DenseLayer("fc", 4, 2, weights, new[] { 0.25f, -1f }) });
    }

    /// <summary>A random model (MLP on a flat input or CNN on an image) that obeys every format rule.</summary>
    public static DczModel Random(int seed)
    {
        var rng = new Random(seed);
        return rng.Next(2) == 0 ? RandomMlp(rng, seed) : RandomCnn(rng, seed);
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

        var pre = rng.Next(2) == 0 ? Preprocessing.Identity : new Preprocessing(1f / 255f, 0.1307f, 0.3081f);
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
        Check(expected.Layers.Count == actual.Layers.Count, "layer count");
        for (int i = 0; i < Math.Min(expected.Layers.Count, actual.Layers.Count) && diff.Length == 0; i++)
        {
            string? layerDiff = LayerDifference(expected.Layers[i], actual.Layers[i]);
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
            {
                var pb = (MaxPool2dLayer)b;
                return pa.KernelHeight == pb.KernelHeight && pa.KernelWidth == pb.KernelWidth
                    && pa.StrideHeight == pb.StrideHeight && pa.StrideWidth == pb.StrideWidth ? null : "pool parameters differ";
            }

            default:
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

        return a.Codes.SequenceEqual(b.Codes) ? null : "codes differ";
    }

    private static bool Same(float a, float b) => Bits(a) == Bits(b);

    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);
}
