using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Generator.Tests;

/// <summary>Models for generator tests beyond tests/Shared: LeNet-shaped ones large enough to split unrolled code into many methods.</summary>
internal static class TestModels
{
    /// <summary>A LeNet-300-100-shaped MLP (784→300→100→10) with <paramref name="keep"/> of the weights kept.</summary>
    public static DczModel LeNet300100(int seed, double keep = 0.08)
    {
        var rng = new Random(seed);
        DczLayer[] layers =
        [
            Dense(rng, "ip1", 784, 300, keep),
            new ReLULayer("relu1"),
            Dense(rng, "ip2", 300, 100, keep),
            new ReLULayer("relu2"),
            Dense(rng, "ip3", 100, 10, Math.Max(keep, 0.2)),
            new SoftmaxLayer("prob"),
        ];
        return new DczModel(Info("lenet-300-100", [784]), layers);
    }

    /// <summary>
    /// A LeNet-5-shaped CNN (conv 1→6 5×5, pool, conv 6→16 5×5 padded, pool, 480→120→84→10) with
    /// <paramref name="convKeep"/> of conv2's and <paramref name="denseKeep"/> of the dense weights kept.
    /// </summary>
    public static DczModel LeNet5(int seed, double convKeep = 0.3, double denseKeep = 0.03)
    {
        var rng = new Random(seed);
        DczLayer[] layers =
        [
            new Conv2dLayer("conv1", 1, 6, 5, 5, 1, 1, 0, 0, Weights(rng, 6 * 25, 1.0), DczTestModels.RandomFloats(rng, 6)),
            new ReLULayer("relu1"),
            new MaxPool2dLayer("pool1", 2, 2, 2, 2),
            new Conv2dLayer("conv2", 6, 16, 5, 5, 1, 1, 2, 1, Weights(rng, 16 * 6 * 25, convKeep), DczTestModels.RandomFloats(rng, 16)),
            new ReLULayer("relu2"),
            new MaxPool2dLayer("pool2", 2, 2, 2, 2),
            new FlattenLayer("flatten"),
            Dense(rng, "ip1", 16 * 6 * 5, 120, denseKeep),
            new ReLULayer("relu3"),
            Dense(rng, "ip2", 120, 84, Math.Max(denseKeep, 0.1)),
            new ReLULayer("relu4"),
            Dense(rng, "ip3", 84, 10, Math.Max(denseKeep, 0.3)),
        ];
        return new DczModel(Info("lenet-5", [1, 28, 28]), layers);
    }

    private static ModelInfo Info(string name, int[] inputShape) =>
        new(name, inputShape, new Preprocessing(1f / 255, 0.1307f, 0.3081f), Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray(), new RecordedMetrics("mnist-t10k", 10000, 9812), "tests", 7);

    private static DenseLayer Dense(Random rng, string name, int inputs, int outputs, double keep) =>
        new(name, inputs, outputs, Weights(rng, inputs * outputs, keep), DczTestModels.RandomFloats(rng, outputs));

    private static SparseWeights Weights(Random rng, int length, double keep)
    {
        var positions = Enumerable.Range(0, length).Where(_ => rng.NextDouble() < keep).ToArray();
        var codebook = DczTestModels.RandomFloats(rng, 16);
        var codes = positions.Select(_ => (byte)rng.Next(16)).ToArray();
        return new SparseWeights(length, codebook, 4, 5, positions, codes);
    }
}
