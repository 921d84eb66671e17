using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Pruning;
using EmbeddedNets.Compressor.Quantization;
using EmbeddedNets.Compressor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Tests;

/// <summary>TorchSharp tests share the library's global thread setting, so they never run in parallel.</summary>
[CollectionDefinition("torch", DisableParallelization = true)]
public class TorchCollection
{
}

[Collection("torch")]
public class TrainingTests
{
    // A tiny dense net: 12 inputs (a 3 × 4 image) → 8 → 3; small enough that every test runs in milliseconds.
    private static readonly ArchitectureSpec s_tiny = new(
        "tiny",
        new[] { 12 },
        new ArchitectureNode[] { new DenseNode("fc1", 8), new ReLUNode(), new DenseNode("fc2", 3) },
        new[] { "a", "b", "c" },
        new EmbeddedNets.Format.Preprocessing(1f / 255f, 0f, 1f));

    private static readonly TrainingStageConfig s_stage = new() { Epochs = 1, LearningRate = 0.05, Momentum = 0.9, WeightDecay = 1e-3 };

    private static TensorSet RandomSet(int count, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var pixels = new byte[count * 12];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)rng.NextInt(3);
            for (int j = 0; j < 12; j++)
            {
                // Learnable: the label lights up its own block of four inputs.
                pixels[(i * 12) + j] = (byte)((j / 4 == labels[i] ? 160 : 0) + rng.NextInt(96));
            }
        }

        return new TensorSet(new LabelledSet("random", [1, 3, 4], pixels.Select(p => (float)p).ToArray(), labels.Select(l => (int)l).ToArray()), s_tiny);
    }

    private static (SpecNetwork Network, List<LayerState> States) Create(long seed)
    {
        torch.set_num_threads(1);
        torch.random.manual_seed(seed);
        var network = new SpecNetwork(s_tiny);
        return (network, network.Weighted.Select(w => new LayerState(w)).ToList());
    }

    private static double Loss(SpecNetwork network, TensorSet set)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            return nn.functional.cross_entropy(network.forward(set.Inputs), set.Targets).item<float>();
        }
    }

    [Fact]
    public void TensorSet_AfterTheGarbageCollectorRuns_StillHoldsItsValues()
    {
        // Regression: torch.tensor(array) may wrap the managed array; the set's tensors must own
        // their memory, or they read garbage once the array is collected (LeNet-5 NaN losses).
        var rng = new SplitMix64(8);
        byte[] pixels = Enumerable.Range(0, 5000 * 12).Select(_ => (byte)rng.NextInt(256)).ToArray();
        using var set = new TensorSet(new LabelledSet("gc", [1, 3, 4], pixels.Select(p => (float)p).ToArray(), new int[5000]), s_tiny);
        float[] before = pixels.Select(p => p * (1f / 255f)).ToArray();
        for (int i = 0; i < 20; i++)
        {
            GC.KeepAlive(new float[1 << 20]);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        Assert.Equal(before, set.Inputs.data<float>().ToArray());
    }

    [Fact]
    public void TorchSharp_OneTrainingStep_LowersTheLoss()
    {
        (SpecNetwork network, List<LayerState> states) = Create(1);
        using TensorSet set = RandomSet(64, 1);
        var trainer = new Trainer(network, states);
        double before = Loss(network, set);

        trainer.TrainEpoch(set, batchSize: 64, s_stage, learningRate: 0.1, shuffleSeed: 1);

        Assert.True(Loss(network, set) < before, "one SGD step on the whole batch should lower its loss");
    }

    [Fact]
    public void Training_SameSeed_GivesBitIdenticalWeights()
    {
        float[] Train()
        {
            (SpecNetwork network, List<LayerState> states) = Create(3);
            using TensorSet set = RandomSet(200, 2);
            new Trainer(network, states).TrainEpoch(set, 16, s_stage, 0.05, shuffleSeed: 9);
            return states.SelectMany(s => s.Layer.Weight.data<float>().ToArray()).ToArray();
        }

        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void PrunedWeights_StayExactlyZero_ThroughRetrainingWithMomentumAndDecay()
    {
        (SpecNetwork network, List<LayerState> states) = Create(4);
        using TensorSet set = RandomSet(300, 3);
        var trainer = new Trainer(network, states);
        trainer.TrainEpoch(set, 16, s_stage, 0.05, 1);
        foreach (LayerState s in states)
        {
            Pruner.Prune(s, Pruner.Threshold(1.0, Pruner.StandardDeviation(s.Layer.Weight)));
        }

        bool[][] pruned = states.Select(s => s.Mask!.data<float>().ToArray().Select(m => m == 0).ToArray()).ToArray();
        Assert.All(pruned, p => Assert.Contains(true, p));

        for (int epoch = 0; epoch < 3; epoch++)
        {
            trainer.TrainEpoch(set, 16, s_stage, 0.05, (ulong)epoch + 10);
        }

        for (int l = 0; l < states.Count; l++)
        {
            float[] w = states[l].Layer.Weight.data<float>().ToArray();
            for (int i = 0; i < w.Length; i++)
            {
                if (pruned[l][i])
                {
                    Assert.Equal(0f, w[i]);
                }
            }

            // ...while the kept weights did move.
            Assert.Contains(w, v => v != 0);
        }
    }

    [Fact]
    public void Pruning_AgainWithALowerThreshold_NeverRevivesAPrunedWeight()
    {
        (_, List<LayerState> states) = Create(5);
        LayerState s = states[0];
        double std = Pruner.StandardDeviation(s.Layer.Weight);
        long afterHigh = Pruner.Prune(s, 1.5 * std);
        long afterLow = Pruner.Prune(s, 0.1 * std);

        Assert.Equal(afterHigh, afterLow);
        Assert.True(afterHigh < s.Layer.Weight.numel());
    }

    [Fact]
    public void CentroidGradient_IsTheSumOfTheMemberWeightsGradients()
    {
        (_, List<LayerState> states) = Create(6);
        LayerState s = states[0];
        Pruner.Prune(s, Pruner.Threshold(0.5, Pruner.StandardDeviation(s.Layer.Weight)));
        Quantizer.Quantize(s, bits: 2, CentroidInit.Linear, seed: 0, maxIterations: 100);
        var rng = new SplitMix64(11);
        float[] grad = Enumerable.Range(0, (int)s.Layer.Weight.numel()).Select(_ => (float)rng.NextInt(1000) / 100 - 5).ToArray();
        using Tensor gradient = tensor(grad, s.Layer.Weight.shape);

        float[] centroidGradient = s.CentroidGradient(gradient).data<float>().ToArray();

        long[] kept = s.KeptIndex!.data<long>().ToArray();
        long[] assignment = s.Assignment!.data<long>().ToArray();
        var expected = new double[s.Centroids!.shape[0]];
        for (int i = 0; i < kept.Length; i++)
        {
            expected[assignment[i]] += grad[kept[i]];
        }

        Assert.Equal(expected.Length, centroidGradient.Length);
        for (int c = 0; c < expected.Length; c++)
        {
            Assert.Equal(expected[c], centroidGradient[c], 3);
        }
    }

    [Fact]
    public void QuantizedTraining_KeepsWeightsOnTheCodebook_AndPrunedOnesAtZero()
    {
        (SpecNetwork network, List<LayerState> states) = Create(7);
        using TensorSet set = RandomSet(300, 4);
        var trainer = new Trainer(network, states);
        trainer.TrainEpoch(set, 16, s_stage, 0.05, 1);
        foreach (LayerState s in states)
        {
            Pruner.Prune(s, Pruner.Threshold(0.8, Pruner.StandardDeviation(s.Layer.Weight)));
            Quantizer.Quantize(s, 3, CentroidInit.Linear, 0, 100);
        }

        float[][] centroidsBefore = states.Select(s => s.Centroids!.data<float>().ToArray()).ToArray();
        trainer.TrainEpoch(set, 16, s_stage, 0.05, 2);

        for (int l = 0; l < states.Count; l++)
        {
            LayerState s = states[l];
            float[] w = s.Layer.Weight.data<float>().ToArray();
            float[] mask = s.Mask!.data<float>().ToArray();
            float[] centroids = s.Centroids!.data<float>().ToArray();
            Assert.NotEqual(centroidsBefore[l], centroids);
            Assert.True(centroids.Length <= 8);
            for (int i = 0; i < w.Length; i++)
            {
                if (mask[i] == 0)
                {
                    Assert.Equal(0f, w[i]);
                }
                else
                {
                    Assert.Contains(w[i], centroids);
                }
            }
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(-1, 2)]
    [InlineData(2, -3)]
    [InlineData(3, 0)]
    [InlineData(0, -4)]
    public void Translate_MovesEveryPixel_AndFillsWhatIsUncovered(int dy, int dx)
    {
        const int Height = 3, Width = 4;
        float[] image = Enumerable.Range(1, Height * Width).Select(v => (float)v).ToArray();
        var moved = new float[image.Length];

        TensorSet.Translate(image, moved, Height, Width, dy, dx, fill: -7f);

        for (int row = 0; row < Height; row++)
        {
            for (int column = 0; column < Width; column++)
            {
                int fromRow = row - dy, fromColumn = column - dx;
                bool inside = fromRow is >= 0 and < Height && fromColumn is >= 0 and < Width;
                Assert.Equal(inside ? image[(fromRow * Width) + fromColumn] : -7f, moved[(row * Width) + column]);
            }
        }
    }

    [Fact]
    public void ShiftedBatch_TranslatesEachSampleWithinTheRange_ReproduciblyFromTheSeed()
    {
        using TensorSet set = RandomSet(50, 5);
        long[] samples = Enumerable.Range(0, 50).Select(i => (long)((i * 7) % 50)).ToArray();
        float[] all = set.Inputs.data<float>().ToArray();
        float background = 0f; // raw 0 with scale 1/255, mean 0, std 1

        float[] Batch(ulong seed)
        {
            var rng = new SplitMix64(seed);
            using Tensor batch = set.ShiftedBatch(samples, maxShift: 1, ref rng);
            Assert.Equal(new long[] { 50, 12 }, batch.shape);
            return batch.data<float>().ToArray();
        }

        float[] first = Batch(11);
        var offsets = new HashSet<(int, int)>();
        for (int s = 0; s < samples.Length; s++)
        {
            float[] got = first.AsSpan(s * 12, 12).ToArray();
            float[] source = all.AsSpan((int)samples[s] * 12, 12).ToArray();
            var matches = new List<(int, int)>();
            for (int dy = -1; dy <= 1; dy++)
            {
                for (int dx = -1; dx <= 1; dx++)
                {
                    var expected = new float[12];
                    TensorSet.Translate(source, expected, 3, 4, dy, dx, background);
                    if (expected.SequenceEqual(got))
                    {
                        matches.Add((dy, dx));
                    }
                }
            }

            Assert.NotEmpty(matches);
            offsets.Add(matches[0]);
        }

        Assert.True(offsets.Count >= 5, $"50 samples drew only {offsets.Count} of the 9 offsets");
        Assert.Equal(first, Batch(11));
        Assert.NotEqual(first, Batch(12));
    }

    [Fact]
    public void Training_WithShiftedImages_IsReproducible_AndDiffersFromPlainTraining()
    {
        float[] Train(int shift)
        {
            (SpecNetwork network, List<LayerState> states) = Create(3);
            using TensorSet set = RandomSet(200, 2);
            var stage = new TrainingStageConfig { Epochs = 1, LearningRate = 0.05, Momentum = 0.9, ShiftPixels = shift };
            new Trainer(network, states).TrainEpoch(set, 16, stage, 0.05, shuffleSeed: 9);
            return states.SelectMany(s => s.Layer.Weight.data<float>().ToArray()).ToArray();
        }

        float[] shifted = Train(1);
        Assert.Equal(shifted, Train(1));
        Assert.NotEqual(Train(0), shifted);
    }
}
