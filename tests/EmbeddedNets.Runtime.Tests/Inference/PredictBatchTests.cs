using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Inference;

public sealed class PredictBatchTests
{
    public static TheoryData<int> Sizes => new() { 0, 1, 15, 16, 17, 64, 100 };

    private static IEnumerable<(string Name, DczModel Model)> Models()
    {
        var rng = new Random(8);
        yield return ("lenet-300-100", KernelAgreement.LeNet300100Shaped(rng));
        yield return ("lenet-5", KernelAgreement.LeNet5Shaped(rng));
        for (int seed = 0; seed < 12; seed++)
        {
            yield return ("random " + seed, DczTestModels.Random(seed));
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void PredictBatch_EveryModel_GivesPredictsAnswerForEverySample(int count)
    {
        foreach ((string name, DczModel model) in Models())
        {
            CompactModel compact = CompactModel.Create(model);
            var rng = new Random(count);
            var inputs = new float[count * compact.InputLength];
            var expected = new int[count];
            for (int n = 0; n < count; n++)
            {
                float[] x = CompactModelTests.RandomInput(rng, compact.InputLength);
                if (n % 9 == 5)
                {
                    Array.Clear(x); // an all-zero sample
                }

                x.CopyTo(inputs, n * x.Length);
                expected[n] = compact.Predict(x);
            }

            var actual = new int[count];
            compact.PredictBatch(inputs, actual);
            Assert.True(expected.SequenceEqual(actual), $"{name}: PredictBatch differs from Predict at batch {count}");
            Array.Clear(actual);
            compact.PredictBatchParallel(inputs, actual);
            Assert.True(expected.SequenceEqual(actual), $"{name}: PredictBatchParallel differs from Predict at batch {count}");
        }
    }

    [Fact]
    public void PredictBatch_RawBytes_PreprocessesLikePredict()
    {
        foreach ((string name, DczModel model) in Models().Take(4))
        {
            CompactModel compact = CompactModel.Create(model);
            int count = 70;
            var raw = new byte[count * compact.InputLength];
            var rng = new Random(4);
            for (int i = 0; i < raw.Length; i++)
            {
                raw[i] = rng.Next(4) == 0 ? (byte)rng.Next(256) : (byte)0;
            }

            int[] expected = Enumerable.Range(0, count).Select(n => compact.Predict(raw.AsSpan(n * compact.InputLength, compact.InputLength))).ToArray();
            var actual = new int[count];
            compact.PredictBatch(raw, actual);
            Assert.True(expected.SequenceEqual(actual), $"{name}: PredictBatch(bytes) differs from Predict(bytes)");
            Array.Clear(actual);
            compact.PredictBatchParallel(raw, actual);
            Assert.True(expected.SequenceEqual(actual), $"{name}: PredictBatchParallel(bytes) differs from Predict(bytes)");
        }
    }

    [Fact]
    public void PredictBatch_AfterFirstCall_AllocatesNothing()
    {
        var rng = new Random(6);
        foreach (DczModel model in new[] { KernelAgreement.LeNet300100Shaped(rng), KernelAgreement.LeNet5Shaped(rng) })
        {
            CompactModel compact = CompactModel.Create(model);
            var inputs = new float[37 * compact.InputLength];
            var raw = new byte[37 * compact.InputLength];
            rng.NextBytes(raw);
            var predictions = new int[37];
            compact.PredictBatch(inputs, predictions);
            compact.PredictBatch(raw, predictions);
            compact.PredictBatchParallel(inputs, predictions); // below the threshold: the calling thread
            compact.PredictBatchParallel(raw, predictions);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                compact.PredictBatch(inputs, predictions);
                compact.PredictBatch(raw, predictions);
                compact.PredictBatchParallel(inputs, predictions);
                compact.PredictBatchParallel(raw, predictions);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void PredictBatch_WrongLengths_ThrowArgumentException()
    {
        CompactModel compact = CompactModel.Create(DczTestModels.RandomMlp(new Random(3), 3));
        var ex = Assert.Throws<ArgumentException>(() => compact.PredictBatch(new float[(2 * compact.InputLength) + 1], new int[2]));
        Assert.Contains("2 predictions need", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => compact.PredictBatch(new byte[compact.InputLength], new int[2]));
        Assert.Throws<ArgumentException>(() => compact.PredictBatchParallel(new float[100 * compact.InputLength], new int[99]));
        Assert.Throws<ArgumentException>(() => compact.PredictBatchParallel(new byte[3], new int[1]));
    }
}
