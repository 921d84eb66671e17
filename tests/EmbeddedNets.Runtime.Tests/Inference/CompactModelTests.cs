using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Inference;

public sealed class CompactModelTests
{
    /// <summary>Random inputs with about a third exact zeros, like images and post-ReLU activations.</summary>
    internal static float[] RandomInput(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = rng.Next(3) == 0 ? 0f : (float)((rng.NextDouble() * 4) - 2);
        }

        return x;
    }

    [Fact]
    public void Run_RandomModels_MatchesDoubleReferenceWithinTolerance()
    {
        int compared = 0;
        for (int seed = 0; seed < 300; seed++)
        {
            DczModel model = DczTestModels.Random(seed);
            CompactModel compact = CompactModel.Create(model);
            var rng = new Random(seed);
            var output = new float[compact.OutputLength];
            for (int sample = 0; sample < 4; sample++)
            {
                float[] input = RandomInput(rng, compact.InputLength);
                compact.Run(input, output);
                double[] reference = ReferenceInference.Run(model, input);
                double scale = Math.Max(reference.Max(Math.Abs), 1e-3);
                for (int o = 0; o < output.Length; o++)
                {
                    // float32 against float64 accumulation over random layers with mixed-magnitude weights
                    // and cancellation: 1e-4 of the largest output. (Generated code is held to a far
                    // stricter bar: bit-identical to this class.)
                    double error = Math.Abs(output[o] - reference[o]) / scale;
                    Assert.True(error <= 1e-4, $"seed {seed}, sample {sample}, output {o}: {output[o]} vs reference {reference[o]} (relative error {error:E2})");
                }

                int expected = Array.IndexOf(reference, reference.Max());
                double secondBest = reference.Where((_, i) => i != expected).DefaultIfEmpty(double.NegativeInfinity).Max();
                if (reference[expected] - secondBest > 1e-4 * scale)
                {
                    Assert.Equal(expected, compact.Predict(input));
                }

                compared++;
            }
        }

        Assert.Equal(1200, compared);
    }

    [Fact]
    public void Run_EdgeCaseModels_MatchReference()
    {
        int compared = 0;
        foreach ((string name, DczModel model) in DczTestModels.EdgeCases())
        {
            CompactModel compact;
            try
            {
                compact = CompactModel.Create(model);
            }
            catch (InvalidDataException)
            {
                // Some edge cases exercise only the encoding (e.g. a lone weight tensor without a valid chain).
                continue;
            }

            var input = RandomInput(new Random(1), compact.InputLength);
            var output = new float[compact.OutputLength];
            compact.Run(input, output);
            double[] reference = ReferenceInference.Run(model, input);
            double scale = Math.Max(reference.DefaultIfEmpty(0).Max(Math.Abs), 1e-3);
            for (int o = 0; o < output.Length; o++)
            {
                Assert.True(Math.Abs(output[o] - reference[o]) <= 1e-4 * scale, $"{name}: output {o} {output[o]} vs {reference[o]}");
            }

            compared++;
        }

        Assert.True(compared >= DczTestModels.EdgeCases().Count / 2, $"only {compared} edge-case models form a runnable chain");
    }

    [Fact]
    public void Run_WrongLengths_ThrowArgumentExceptionNamingBoth()
    {
        CompactModel compact = CompactModel.Create(DczTestModels.RandomMlp(new Random(3), 3));
        var ex = Assert.Throws<ArgumentException>(() => compact.Run(new float[compact.InputLength + 1], new float[compact.OutputLength]));
        Assert.Contains($"takes {compact.InputLength} input values, but {compact.InputLength + 1} were given", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => compact.Run(new float[compact.InputLength], new float[compact.OutputLength + 2]));
        Assert.Contains($"produces {compact.OutputLength} output values, but the output span holds {compact.OutputLength + 2}", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => compact.Predict(new byte[compact.InputLength - 1 + 2]));
    }

    [Fact]
    public void Run_AfterFirstCall_AllocatesNothing()
    {
        var rng = new Random(5);
        DczModel model = DczTestModels.RandomCnn(rng, 5);
        CompactModel compact = CompactModel.Create(model);
        float[] input = RandomInput(rng, compact.InputLength);
        var raw = new byte[compact.InputLength];
        var output = new float[compact.OutputLength];
        compact.Run(input, output);
        compact.Predict(raw);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            compact.Run(input, output);
            compact.Predict(input);
            compact.Predict(raw);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Run_ManyThreadsAtOnce_GiveTheSingleThreadedResults()
    {
        DczModel model = DczTestModels.RandomCnn(new Random(11), 11);
        CompactModel compact = CompactModel.Create(model);
        float[][] inputs = Enumerable.Range(0, 64).Select(i => RandomInput(new Random(i), compact.InputLength)).ToArray();
        float[][] expected = inputs.Select(x =>
        {
            var y = new float[compact.OutputLength];
            compact.Run(x, y);
            return y;
        }).ToArray();
        var mismatches = 0;
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var y = new float[compact.OutputLength];
            compact.Run(inputs[i % inputs.Length], y);
            if (!y.AsSpan().SequenceEqual(expected[i % inputs.Length]))
            {
                Interlocked.Increment(ref mismatches);
            }
        });
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void CountCorrect_PreprocessesLikeTheModelSays()
    {
        DczModel model = DczTestModels.RandomMlp(new Random(21), 21);
        CompactModel compact = CompactModel.Create(model);
        var rng = new Random(2);
        int count = 50;
        var raw = new byte[count * compact.InputLength];
        rng.NextBytes(raw);
        var labels = new byte[count];
        Preprocessing p = model.Info.Preprocessing;
        var input = new float[compact.InputLength];
        int expected = 0;
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < input.Length; j++)
            {
                input[j] = p.Apply(raw[(i * input.Length) + j]);
            }

            labels[i] = (byte)(i % compact.OutputLength);
            expected += compact.Predict(input) == labels[i] ? 1 : 0;
        }

        Assert.Equal(expected, compact.CountCorrect(raw, labels, count));
        Assert.Throws<ArgumentException>(() => compact.CountCorrect(raw, labels, count + 1));
    }

    [Fact]
    public void Load_CorruptBytes_ThrowsInvalidData()
    {
        byte[] file = DczFile.Write(DczTestModels.SpecExample());
        file[^1] ^= 0x40;
        Assert.Throws<InvalidDataException>(() => CompactModel.Load(file));
    }
}
