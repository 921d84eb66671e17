using EmbeddedNets.Format;

namespace EmbeddedNets.Benchmarks.StandIns;

/// <summary>
/// Stand-ins for the compressor's LeNets: the real architectures with seeded random weights pruned
/// to the per-layer keep fractions of the Deep Compression paper (Tables 2 and 3). Their speed is
/// representative (same shapes, same sparsity); their accuracy is not.
/// </summary>
public static class LeNetStandIns
{
    private static readonly string[] s_digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>784-300-100-10; keeps 8 %, 9 %, 26 % of the weights (paper Table 2).</summary>
    public static DczModel LeNet300100(int seed)
    {
        var rng = new Random(seed);
        DczLayer[] layers =
        [
            Dense(rng, "ip1", 784, 300, 0.08), new ReLULayer(),
            Dense(rng, "ip2", 300, 100, 0.09), new ReLULayer(),
            Dense(rng, "ip3", 100, 10, 0.26),
        ];
        return new DczModel(Info("lenet-300-100", [784], seed), layers);
    }

    /// <summary>LeNet-5 (Caffe); keeps 66 %, 12 %, 8 %, 19 % of the weights (paper Table 3).</summary>
    public static DczModel LeNet5(int seed)
    {
        var rng = new Random(seed);
        DczLayer[] layers =
        [
            Conv(rng, "conv1", 1, 20, 0.66), new MaxPool2dLayer("", 2, 2, 2, 2),
            Conv(rng, "conv2", 20, 50, 0.12), new MaxPool2dLayer("", 2, 2, 2, 2),
            new FlattenLayer(),
            Dense(rng, "ip1", 800, 500, 0.08), new ReLULayer(),
            Dense(rng, "ip2", 500, 10, 0.19),
        ];
        return new DczModel(Info("lenet-5", [1, 28, 28], seed), layers);
    }

    private static ModelInfo Info(string name, int[] shape, int seed) =>
        new(name, shape, new Preprocessing(1f / 255f, 0f, 1f), s_digits, metrics: null, "EmbeddedNets.Benchmarks stand-in", (ulong)seed);

    private static DenseLayer Dense(Random rng, string name, int inputs, int outputs, double keep) =>
        new(name, inputs, outputs, Weights(rng, inputs * outputs, keep, weightBits: 5, fanIn: inputs), Bias(rng, outputs));

    private static Conv2dLayer Conv(Random rng, string name, int inChannels, int outChannels, double keep) =>
        new(name, inChannels, outChannels, 5, 5, 1, 1, 0, 0, Weights(rng, outChannels * inChannels * 25, keep, weightBits: 8, fanIn: inChannels * 25), Bias(rng, outChannels));

    private static SparseWeights Weights(Random rng, int length, double keep, int weightBits, int fanIn)
    {
        // Codebook spread like trained weights (He scale), centroids sorted so codes are skewed
        // towards the middle as k-means clusters of a bell-shaped distribution are.
        int k = 1 << weightBits;
        double scale = Math.Sqrt(2.0 / (fanIn * keep));
        var codebook = new float[k];
        for (int i = 0; i < k; i++)
        {
            codebook[i] = (float)(scale * (((2.0 * i) + 1 - k) / k) * 2);
        }

        var positions = new List<int>();
        var codes = new List<byte>();
        for (int p = 0; p < length; p++)
        {
            if (rng.NextDouble() < keep)
            {
                positions.Add(p);
                double u = (rng.NextDouble() + rng.NextDouble() + rng.NextDouble()) / 3;
                codes.Add((byte)Math.Clamp((int)(u * k), 0, k - 1));
            }
        }

        return new SparseWeights(length, codebook, weightBits, gapBits: 5, [.. positions], [.. codes]);
    }

    private static float[] Bias(Random rng, int count)
    {
        var bias = new float[count];
        for (int i = 0; i < count; i++)
        {
            bias[i] = (float)((rng.NextDouble() - 0.5) * 0.1);
        }

        return bias;
    }
}
