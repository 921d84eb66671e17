using EmbeddedNets.Compressor.Export;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using Xunit.Abstractions;

namespace EmbeddedNets.Compressor.Tests;

/// <summary>
/// Dead-unit removal on format models built by hand: the cut model computes what the model did
/// (Runtime reference inference on random inputs), with smaller layers where a unit provably
/// changes nothing and the same layers where it might.
/// </summary>
public sealed class DeadUnitRemovalTests
{
    private const double Tolerance = 1e-4;

    private readonly ITestOutputHelper _output;

    public DeadUnitRemovalTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Remove_DenseChain_DropsUnreadAndConstantUnits_AndKeepsTheOutputs()
    {
        var random = new Random(1);
        float[] w1 = Weights(random, 6, 8);
        float[] b1 = Biases(random, 6);
        float[] w2 = Weights(random, 5, 6);
        float[] b2 = Biases(random, 5);
        ZeroColumn(w2, 5, 6, 1);       // fc1 unit 1: nothing reads it
        ZeroRow(w1, 8, 3);             // fc1 unit 3: ReLU(−0.5) = 0 everywhere
        b1[3] = -0.5f;
        ZeroRow(w1, 8, 4);             // fc1 unit 4: ReLU(0.7) = 0.7, folded into fc2's bias
        b1[4] = 0.7f;
        var layers = new DczLayer[]
        {
            Dense("fc1", 8, 6, w1, b1), new ReLULayer(), Dense("fc2", 6, 5, w2, b2), new ReLULayer(), Dense("fc3", 5, 3, Weights(random, 3, 5), Biases(random, 3)),
        };

        DczModel cut = AssertSameOutputs(Model(new[] { 8 }, layers), out IReadOnlyList<UnitCount> counts);

        Assert.Equal(new[] { 3, 8 }, cut.Layers[0].WeightShape);
        Assert.Equal(new[] { 5, 3 }, cut.Layers[2].WeightShape);
        Assert.Equal(new[] { 3, 5 }, cut.Layers[4].WeightShape);
        Assert.Equal(new[] { new UnitCount("fc1", 6, 3), new UnitCount("fc2", 5, 5), new UnitCount("fc3", 3, 3) }, counts);
    }

    [Fact]
    public void Remove_UnitDeadOnInputUnderReLUWithBiasAtMostZero_GoesWithoutTouchingTheConsumersBias()
    {
        var random = new Random(2);
        float[] w1 = Weights(random, 4, 5);
        float[] b1 = Biases(random, 4);
        ZeroRow(w1, 5, 2);
        b1[2] = 0f;
        float[] b2 = Biases(random, 3);
        var layers = new DczLayer[] { Dense("fc1", 5, 4, w1, b1), new ReLULayer(), Dense("fc2", 4, 3, Weights(random, 3, 4), (float[])b2.Clone()) };

        DczModel cut = AssertSameOutputs(Model(new[] { 5 }, layers), out _);

        Assert.Equal(new[] { 3, 5 }, cut.Layers[0].WeightShape);
        Assert.Equal(b2, cut.Layers[2].BiasValues);
    }

    [Fact]
    public void Remove_RowsEmptiedByAnEarlierCut_AreRemovedToo()
    {
        var random = new Random(3);
        float[] w1 = Weights(random, 4, 5);
        ZeroRow(w1, 5, 0);
        float[] b1 = Biases(random, 4);
        b1[0] = -1f;
        float[] w2 = Weights(random, 3, 4);

        // fc2 unit 1 reads only fc1 unit 0, which is 0 after the ReLU: once that column goes,
        // fc2 unit 1 is a constant (ReLU of its bias) that fc3 folds.
        for (int i = 1; i < 4; i++)
        {
            w2[(1 * 4) + i] = 0;
        }

        var layers = new DczLayer[]
        {
            Dense("fc1", 5, 4, w1, b1), new ReLULayer(), Dense("fc2", 4, 3, w2, Biases(random, 3)), new ReLULayer(), Dense("fc3", 3, 2, Weights(random, 2, 3), Biases(random, 2)),
        };

        DczModel cut = AssertSameOutputs(Model(new[] { 5 }, layers), out _);

        Assert.Equal(new[] { 3, 5 }, cut.Layers[0].WeightShape);
        Assert.Equal(new[] { 2, 3 }, cut.Layers[2].WeightShape);
        Assert.Equal(new[] { 2, 2 }, cut.Layers[4].WeightShape);
    }

    [Fact]
    public void Remove_ConvReLUMaxPoolFlattenDense_CutsChannelsAndTheirFlattenedBlocks()
    {
        var random = new Random(4);
        float[] wc = Weights(random, 4, 2 * 3 * 3);
        float[] bc = Biases(random, 4);
        ZeroRow(wc, 2 * 3 * 3, 1);    // channel 1: the constant ReLU(0.3) after pooling, folded into the dense bias
        bc[1] = 0.3f;

        // Conv [2, 8, 8] → [4, 6, 6] → pool → [4, 3, 3] → 36 features, channel c at 9c … 9c + 8.
        float[] wd = Weights(random, 3, 36);
        for (int o = 0; o < 3; o++)
        {
            for (int j = 18; j < 27; j++)
            {
                wd[(o * 36) + j] = 0;  // channel 2: nothing reads it
            }
        }

        var layers = new DczLayer[]
        {
            Conv("conv", 2, 4, 3, 0, wc, bc), new ReLULayer(), new MaxPool2dLayer("pool", 2, 2, 2, 2), new FlattenLayer(), Dense("fc", 36, 3, wd, Biases(random, 3)),
        };

        DczModel cut = AssertSameOutputs(Model(new[] { 2, 8, 8 }, layers), out _);

        Assert.Equal(new[] { 2, 2, 3, 3 }, cut.Layers[0].WeightShape);
        Assert.Equal(new[] { 3, 18 }, cut.Layers[4].WeightShape);
    }

    [Fact]
    public void Remove_PaddedConvConsumer_KeepsANonzeroConstantChannel_AndDropsAZeroOne()
    {
        var random = new Random(5);
        float[] w1 = Weights(random, 3, 2 * 3 * 3);
        float[] b1 = Biases(random, 3);
        ZeroRow(w1, 18, 0);            // ReLU(0.5) = 0.5: a padded convolution sees less of it at the border
        b1[0] = 0.5f;
        ZeroRow(w1, 18, 1);            // ReLU(−0.4) = 0, as the zero padding is
        b1[1] = -0.4f;
        var layers = new DczLayer[]
        {
            Conv("c1", 2, 3, 3, 1, w1, b1), new ReLULayer(), Conv("c2", 3, 2, 3, 1, Weights(random, 2, 27), Biases(random, 2)), new FlattenLayer(), Dense("fc", 2 * 5 * 5, 2, Weights(random, 2, 50), Biases(random, 2)),
        };

        DczModel cut = AssertSameOutputs(Model(new[] { 2, 5, 5 }, layers), out _);

        Assert.Equal(new[] { 2, 2, 3, 3 }, cut.Layers[0].WeightShape);
        Assert.Equal(new[] { 2, 2, 3, 3 }, cut.Layers[2].WeightShape);
    }

    [Fact]
    public void Remove_ThroughScaleShiftAndDepthwiseConv_CutsThemAlong()
    {
        var random = new Random(6);
        float[] w1 = Weights(random, 3, 2 * 2 * 2);
        float[] b1 = Biases(random, 3);
        ZeroRow(w1, 8, 2);
        b1[2] = -0.2f;                  // ReLU → 0 → scale-and-shift → the shift: unpadded depthwise keeps it constant
        var scaleShift = new ScaleShiftLayer("bn", new[] { 1.5f, 0.5f, 2f }, new[] { 0.1f, -0.2f, 0.3f });
        var depthwise = Conv("dw", 3, 3, 2, 0, Weights(random, 3, 4), Biases(random, 3), groups: 3);
        var layers = new DczLayer[]
        {
            Conv("c1", 2, 3, 2, 0, w1, b1), new ReLULayer(), scaleShift, depthwise, new ReLULayer(), new FlattenLayer(), Dense("fc", 3 * 4 * 4, 2, Weights(random, 2, 48), Biases(random, 2)),
        };

        DczModel cut = AssertSameOutputs(Model(new[] { 2, 6, 6 }, layers), out _);

        Assert.Equal(new[] { 2, 2, 2, 2 }, cut.Layers[0].WeightShape);
        Assert.Equal(2, ((ScaleShiftLayer)cut.Layers[2]).Scale.Length);
        Assert.Equal(new[] { 2, 1, 2, 2 }, cut.Layers[3].WeightShape);
        Assert.Equal(new[] { 2, 32 }, cut.Layers[6].WeightShape);
    }

    [Fact]
    public void Remove_ResidualAdd_RemovesNothing()
    {
        var random = new Random(7);
        float[] w1 = Weights(random, 2, 2 * 9);
        float[] b1 = Biases(random, 2);
        ZeroRow(w1, 18, 1);
        b1[1] = -1f;
        var layers = new DczLayer[]
        {
            Conv("c1", 2, 2, 3, 1, w1, b1), new ReLULayer(), Conv("c2", 2, 2, 3, 1, Weights(random, 2, 18), Biases(random, 2)),
            new AddLayer("sum", new[] { 1, 2 }), new FlattenLayer(), Dense("fc", 2 * 4 * 4, 2, Weights(random, 2, 32), Biases(random, 2)),
        };
        DczModel model = Model(new[] { 2, 4, 4 }, layers);

        DczModel cut = AssertSameOutputs(model, out IReadOnlyList<UnitCount> counts);

        Assert.All(counts, c => Assert.Equal(c.Before, c.After));
        Assert.Equal(DczFile.Write(model), DczFile.Write(cut));
    }

    [Fact]
    public void Remove_TheModelOutputAndTheFirstLayersInputs_StayAsTheyAre()
    {
        var random = new Random(8);
        float[] w1 = Weights(random, 3, 4);
        ZeroColumn(w1, 3, 4, 2);       // input feature 2 is unread: the input shape is fixed, it stays
        float[] w2 = Weights(random, 2, 3);
        ZeroRow(w2, 3, 1);             // output unit 1 is constant: the output shape is fixed, it stays
        DczModel model = Model(new[] { 4 }, new DczLayer[] { Dense("fc1", 4, 3, w1, Biases(random, 3)), new TanhLayer(), Dense("fc2", 3, 2, w2, Biases(random, 2)) });

        DczModel cut = AssertSameOutputs(model, out _);

        Assert.Equal(DczFile.Write(model), DczFile.Write(cut));
    }

    [Fact]
    public void Remove_WrittenFile_IsSmaller_RunsInTheRuntimeWithTheSamePredictions_AndIsTheSameTwice()
    {
        var random = new Random(9);
        float[] w1 = Weights(random, 40, 30);
        float[] b1 = Biases(random, 40);
        for (int u = 0; u < 40; u += 3)
        {
            ZeroRow(w1, 30, u);
            b1[u] = -0.1f;
        }

        DczModel model = Model(new[] { 30 }, new DczLayer[]
        {
            Dense("fc1", 30, 40, w1, b1, shared: true), new ReLULayer(), Dense("fc2", 40, 10, Weights(random, 10, 40), Biases(random, 10), shared: true),
        });

        byte[] before = DczFile.Write(model);
        byte[] after = DczFile.Write(DeadUnitRemoval.Apply(model, out _));

        Assert.True(after.Length < before.Length, $"{after.Length} bytes after, {before.Length} before");
        Assert.Equal(after, DczFile.Write(DeadUnitRemoval.Apply(DczFile.Read(before), out _)));
        CompactModel full = CompactModel.Load(before);
        CompactModel small = CompactModel.Load(after);
        for (int n = 0; n < 50; n++)
        {
            float[] x = Input(random, 30);
            Assert.Equal(full.Predict(x), small.Predict(x));
        }
    }

    [Theory]
    [InlineData("lenet-300-100.dcz")]
    [InlineData("lenet-5.dcz")]
    [InlineData("ds-cnn.dcz")]
    public void Remove_CommittedSampleModels_ClassifyEveryTestImageAsBefore_InNoMoreBytes(string file)
    {
        byte[] before = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "sample-models", file));
        DczModel cut = DeadUnitRemoval.Apply(DczFile.Read(before), out IReadOnlyList<UnitCount> counts);
        byte[] after = DczFile.Write(cut);

        _output.WriteLine($"{file}: {before.Length} → {after.Length} bytes; " + string.Join(", ", counts.Select(c => $"{c.Layer} {c.Before}→{c.After}")));

        // Against the same model written by today's writer (the committed files may be of an
        // older version), and with the ratio still against the network as trained.
        Assert.True(after.Length <= DczFile.Write(DczFile.Read(before)).Length);
        Assert.Equal(DczFile.Inspect(before).DenseFloat32Bytes, DczFile.Inspect(after).DenseFloat32Bytes);
        EmbeddedNets.Data.MnistSet test = EmbeddedNets.Data.Mnist.LoadTest(Path.Combine(AppContext.BaseDirectory, "mnist-slice"));
        CompactModel a = CompactModel.Load(before);
        CompactModel b = CompactModel.Load(after);
        for (int i = 0; i < test.Count; i++)
        {
            Assert.Equal(a.Predict(test.GetImage(i)), b.Predict(test.GetImage(i)));
        }
    }

    private static DczModel AssertSameOutputs(DczModel model, out IReadOnlyList<UnitCount> counts)
    {
        DczModel cut = DeadUnitRemoval.Apply(model, out counts);
        var random = new Random(99);
        int length = ModelShapes.Compute(model).InputLength;
        for (int n = 0; n < 20; n++)
        {
            float[] x = Input(random, length);
            double[] expected = ReferenceInference.Run(model, x);
            double[] actual = ReferenceInference.Run(cut, x);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * (1 + Math.Abs(expected[i])), $"output {i}: {actual[i]} after the cut, {expected[i]} before");
            }
        }

        return cut;
    }

    /// <summary>A model of <paramref name="layers"/> with one class label per output of the last layer (its weight shape's first dimension).</summary>
    private static DczModel Model(int[] input, DczLayer[] layers)
    {
        int outputs = layers[^1].WeightShape![0];
        string[] labels = Enumerable.Range(0, outputs).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new DczModel(new ModelInfo("m", input, Preprocessing.Identity, labels, null, "tests", 1), layers);
    }

    private static DenseLayer Dense(string name, int inputs, int outputs, float[] w, float[] b, bool shared = false) =>
        new(name, inputs, outputs, Sparse(w, shared), b);

    private static Conv2dLayer Conv(string name, int inChannels, int outChannels, int kernel, int padding, float[] w, float[] b, int groups = 1) =>
        new(name, inChannels, outChannels, groups, kernel, kernel, 1, 1, padding, padding, padding, padding, Sparse(w, false), b);

    /// <summary>The nonzero weights, unshared or on a 16-entry codebook (each value rounded to its nearest entry).</summary>
    private static SparseWeights Sparse(float[] w, bool shared)
    {
        int[] positions = Enumerable.Range(0, w.Length).Where(i => w[i] != 0).ToArray();
        if (!shared)
        {
            return SparseWeights.Unshared(w.Length, 4, positions, positions.Select(p => w[p]).ToArray());
        }

        float[] codebook = Enumerable.Range(0, 16).Select(i => -1f + (i * 2f / 15)).Where(v => v != 0).ToArray();
        byte[] codes = positions.Select(p => (byte)Enumerable.Range(0, codebook.Length).MinBy(k => Math.Abs(codebook[k] - w[p]))).ToArray();
        return new SparseWeights(w.Length, codebook, 4, 4, positions, codes);
    }

    private static float[] Weights(Random random, int rows, int columns) =>
        Enumerable.Range(0, rows * columns).Select(_ => random.NextDouble() < 0.2 ? 0f : (float)((random.NextDouble() * 2) - 1)).ToArray();

    private static float[] Biases(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 0.4) - 0.2)).ToArray();

    private static float[] Input(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

    private static void ZeroRow(float[] w, int columns, int row) => Array.Clear(w, row * columns, columns);

    private static void ZeroColumn(float[] w, int rows, int columns, int column)
    {
        for (int r = 0; r < rows; r++)
        {
            w[(r * columns) + column] = 0;
        }
    }
}
