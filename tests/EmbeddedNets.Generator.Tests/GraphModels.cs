using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Generator.Tests;

/// <summary>
/// Seeded random models that are graphs of every op: convolutions with groups, strides and
/// per-side padding, padded and unpadded pooling, residual Adds (also straight from the model
/// input), element-wise ops, ScaleShift, Reshape and Flatten, dense layers with shared or
/// unshared weights, uniform or per-channel preprocessing. Small, so that many compile fast.
/// </summary>
internal static class GraphModels
{
    public static DczModel Random(int seed)
    {
        var rng = new Random(seed);
        var b = new Builder(rng);
        bool image = rng.Next(4) != 0;
        int[] input = image ? [rng.Next(1, 5), rng.Next(3, 11), rng.Next(3, 11)] : [rng.Next(1, 40)];
        b.Start(input);
        int steps = rng.Next(3, 9);
        for (int i = 0; i < steps; i++)
        {
            if (b.Shape.Length == 3)
            {
                b.ImageStep();
            }
            else
            {
                b.FlatStep();
            }
        }

        int classes = rng.Next(1, 11);
        b.Dense(classes);
        if (rng.Next(2) == 0)
        {
            b.Unary(new SoftmaxLayer(b.NextName("prob"), b.Inputs()));
        }

        return new DczModel(Info(rng, seed, input, classes), b.Layers);
    }

    private static ModelInfo Info(Random rng, int seed, int[] input, int classes)
    {
        Preprocessing pre = rng.Next(3) switch
        {
            0 => Preprocessing.Identity,
            1 => new Preprocessing(1f / 255, 0.1307f, 0.3081f),
            _ => new Preprocessing(
                1f / 255,
                Enumerable.Range(0, input[0]).Select(_ => (float)rng.NextDouble()).ToArray(),
                Enumerable.Range(0, input[0]).Select(_ => 0.1f + (float)rng.NextDouble()).ToArray()),
        };
        RecordedMetrics? metrics = rng.Next(2) == 0 ? null : new RecordedMetrics("test", 100, rng.Next(101));
        return new ModelInfo("graph-" + seed.ToString(CultureInfo.InvariantCulture), input, pre, DczTestModels.Digits(classes), metrics, "tests", (ulong)seed);
    }

    private sealed class Builder(Random rng)
    {
        private readonly List<int[]> _shapes = [];
        private int[] _input = [];

        public List<DczLayer> Layers { get; } = [];

        /// <summary>The layer the next one reads (−1: the model input).</summary>
        public int Current { get; private set; } = DczLayer.ModelInput;

        public int[] Shape => Current < 0 ? _input : _shapes[Current];

        public void Start(int[] input) => _input = input;

        public string NextName(string prefix) => rng.Next(5) == 0 ? string.Empty : prefix + Layers.Count.ToString(CultureInfo.InvariantCulture);

        /// <summary>Explicit inputs sometimes, the implicit "previous layer" when that is what is read.</summary>
        public IReadOnlyList<int>? Inputs() => Current == Layers.Count - 1 && Current >= 0 && rng.Next(2) == 0 ? null : [Current];

        public void ImageStep()
        {
            switch (rng.Next(11))
            {
                case 0:
                case 1:
                    Conv();
                    break;
                case 2:
                    Pool(max: true);
                    break;
                case 3:
                    Pool(max: false);
                    break;
                case 4:
                    Residual(image: true);
                    break;
                case 5:
                    Unary(new ScaleShiftLayer(NextName("bn"), DczTestModels.RandomFloats(rng, Shape[0]), DczTestModels.RandomFloats(rng, Shape[0]), Inputs()));
                    break;
                case 6:
                    Activation();
                    break;
                case 7:
                    Add(new ReshapeLayer(NextName("reshape"), [Shape[0], Shape[2], Shape[1]], Inputs()), [Shape[0], Shape[2], Shape[1]]);
                    break;
                case 8:
                    Add(new GlobalAvgPoolLayer(NextName("gap"), Inputs()), [Shape[0], 1, 1]);
                    break;
                case 9:
                    Add(new FlattenLayer(NextName("flatten"), Inputs()), [Length(Shape)]);
                    break;
                default:
                    Dense(rng.Next(1, 30));
                    break;
            }
        }

        public void FlatStep()
        {
            switch (rng.Next(6))
            {
                case 0:
                case 1:
                    Dense(rng.Next(1, 30));
                    break;
                case 2:
                    Residual(image: false);
                    break;
                case 3:
                    Activation();
                    break;
                case 4:
                    Unary(new ScaleShiftLayer(NextName("scale"), DczTestModels.RandomFloats(rng, Shape[0]), DczTestModels.RandomFloats(rng, Shape[0]), Inputs()));
                    break;
                default:
                    int n = Length(Shape);
                    int[] divisors = Enumerable.Range(1, n).Where(d => n % d == 0).ToArray();
                    int a = divisors[rng.Next(divisors.Length)];
                    int[] target = rng.Next(2) == 0 ? [a, n / a] : [n];
                    Add(new ReshapeLayer(NextName("reshape"), target, Inputs()), target);
                    break;
            }
        }

        public void Activation()
        {
            switch (rng.Next(5))
            {
                case 0:
                    Unary(new ReLULayer(NextName("relu"), Inputs()));
                    break;
                case 1:
                    Unary(new SigmoidLayer(NextName("sigmoid"), Inputs()));
                    break;
                case 2:
                    Unary(new TanhLayer(NextName("tanh"), Inputs()));
                    break;
                case 3:
                    Unary(new SoftmaxLayer(NextName("softmax"), Inputs()));
                    break;
                default:
                    float min = (float)(rng.NextDouble() - 0.8), max = min + (float)(rng.NextDouble() * 3);
                    Unary(new ClipLayer(NextName("clip"), min, max, Inputs()));
                    break;
            }
        }

        public void Unary(DczLayer layer) => Add(layer, Shape);

        public void Dense(int outputs)
        {
            int inputs = Length(Shape);
            Add(new DenseLayer(NextName("fc"), inputs, outputs, Weights(checked(inputs * outputs)), DczTestModels.RandomFloats(rng, outputs), Inputs()), [outputs]);
        }

        /// <summary>x → (a shape-keeping branch) → Add(x, branch): a residual block, the source sometimes the model input.</summary>
        public void Residual(bool image)
        {
            int source = Current;
            int[] shape = Shape;
            if (image)
            {
                int c = shape[0];
                int groups = rng.Next(2) == 0 ? c : 1;
                int k = rng.Next(2) == 0 ? 1 : 3;
                Add(new Conv2dLayer(NextName("conv"), c, c, groups, k, k, 1, 1, k / 2, k / 2, k / 2, k / 2, Weights(c / groups * c * k * k), DczTestModels.RandomFloats(rng, c), Inputs()), shape);
            }
            else
            {
                int n = Length(shape);
                if (n > 64)
                {
                    Activation();
                    return;
                }

                Add(new DenseLayer(NextName("fc"), n, n, Weights(n * n), DczTestModels.RandomFloats(rng, n), Inputs()), [n]);
                if (shape.Length != 1)
                {
                    Add(new ReshapeLayer(NextName("reshape"), shape, Inputs()), shape);
                }
            }

            if (rng.Next(2) == 0)
            {
                Unary(new ReLULayer(NextName("relu"), Inputs()));
            }

            int branch = Current;
            Add(new AddLayer(NextName("add"), rng.Next(2) == 0 ? [source, branch] : [branch, source]), shape);
        }

        private void Conv()
        {
            int[] s = Shape;
            int c = s[0];
            int[] groupChoices = Enumerable.Range(1, c).Where(g => c % g == 0).ToArray();
            int groups = groupChoices[rng.Next(groupChoices.Length)];
            int outChannels = groups * rng.Next(1, 3);
            for (int attempt = 0; attempt < 20; attempt++)
            {
                int kh = rng.Next(1, 4), kw = rng.Next(1, 4), sh = rng.Next(1, 3), sw = rng.Next(1, 3);
                int top = rng.Next(0, 3), left = rng.Next(0, 3), bottom = rng.Next(0, 3), right = rng.Next(0, 3);
                int oh = ((s[1] + top + bottom - kh) / sh) + 1, ow = ((s[2] + left + right - kw) / sw) + 1;
                if (s[1] + top + bottom < kh || s[2] + left + right < kw || oh * ow > 200)
                {
                    continue;
                }

                Add(
                    new Conv2dLayer(NextName("conv"), c, outChannels, groups, kh, kw, sh, sw, top, left, bottom, right,
                        Weights(outChannels * (c / groups) * kh * kw), DczTestModels.RandomFloats(rng, outChannels), Inputs()),
                    [outChannels, oh, ow]);
                return;
            }
        }

        private void Pool(bool max)
        {
            int[] s = Shape;
            for (int attempt = 0; attempt < 20; attempt++)
            {
                int kh = rng.Next(1, 4), kw = rng.Next(1, 4), sh = rng.Next(1, 3), sw = rng.Next(1, 3);
                bool padded = rng.Next(2) == 0;
                int top = padded ? rng.Next(kh) : 0, left = padded ? rng.Next(kw) : 0, bottom = padded ? rng.Next(kh) : 0, right = padded ? rng.Next(kw) : 0;
                if (s[1] + top + bottom < kh || s[2] + left + right < kw)
                {
                    continue;
                }

                var window = new Pool2dWindow(kh, kw, sh, sw, top, left, bottom, right);
                int[] output = [s[0], ((s[1] + top + bottom - kh) / sh) + 1, ((s[2] + left + right - kw) / sw) + 1];
                Add(max ? new MaxPool2dLayer(NextName("maxpool"), window, Inputs()) : new AvgPool2dLayer(NextName("avgpool"), window, rng.Next(2) == 0, Inputs()), output);
                return;
            }
        }

        private SparseWeights Weights(int length)
        {
            SparseWeights shared = DczTestModels.RandomWeights(rng, length);
            if (rng.Next(3) != 0)
            {
                return shared;
            }

            // Unshared: the same positions, each with its own float32 value.
            return SparseWeights.Unshared(length, shared.GapBits, shared.Positions, DczTestModels.RandomFloats(rng, shared.Count));
        }

        private void Add(DczLayer layer, int[] output)
        {
            Layers.Add(layer);
            _shapes.Add(output);
            Current = Layers.Count - 1;
        }

        private static int Length(int[] shape) => shape.Aggregate(1, (n, d) => n * d);
    }
}
