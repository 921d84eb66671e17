using EmbeddedNets.Compressor.Data;

namespace EmbeddedNets.Compressor.Tests;

public class ValidationSplitTests
{
    private static LabelledSet Numbered(int count)
    {
        // Sample i is filled with i and labelled i % 10, so every sample is traceable.
        var values = new float[count * 4];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            values.AsSpan(i * 4, 4).Fill(i);
            labels[i] = i % 10;
        }

        return new LabelledSet("numbered", [1, 2, 2], values, labels);
    }

    [Fact]
    public void Create_PartitionsTheSet_KeepingOrderAndPairs()
    {
        LabelledSet set = Numbered(200);

        ValidationSplit split = ValidationSplit.Create(set, 30, seed: 7);

        Assert.Equal(170, split.Train.Count);
        Assert.Equal(30, split.Validation!.Count);
        var trainIds = Enumerable.Range(0, split.Train.Count).Select(i => (int)split.Train.Sample(i)[0]).ToList();
        var validationIds = Enumerable.Range(0, split.Validation.Count).Select(i => (int)split.Validation.Sample(i)[0]).ToList();
        Assert.Equal(validationIds, split.ValidationIndices);
        Assert.Equal(Enumerable.Range(0, 200), trainIds.Concat(validationIds).Order());
        Assert.Equal(trainIds.Order(), trainIds);
        Assert.Equal(validationIds.Order(), validationIds);
        Assert.All(Enumerable.Range(0, split.Validation.Count), i => Assert.Equal(validationIds[i] % 10, split.Validation.Labels[i]));
        Assert.All(Enumerable.Range(0, split.Train.Count), i => Assert.Equal(trainIds[i] % 10, split.Train.Labels[i]));
    }

    [Fact]
    public void Create_SameSeed_SameImages_AnotherSeed_Others()
    {
        LabelledSet set = Numbered(200);

        IReadOnlyList<int> a = ValidationSplit.Create(set, 30, seed: 7).ValidationIndices;
        IReadOnlyList<int> b = ValidationSplit.Create(set, 30, seed: 7).ValidationIndices;
        IReadOnlyList<int> c = ValidationSplit.Create(set, 30, seed: 8).ValidationIndices;

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Create_CountZero_ReturnsTheSetUnchanged()
    {
        LabelledSet set = Numbered(50);

        ValidationSplit split = ValidationSplit.Create(set, 0, seed: 7);

        Assert.Same(set, split.Train);
        Assert.Null(split.Validation);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(26)]
    public void Create_CountOutOfRange_Throws(int count)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ValidationSplit.Create(Numbered(50), count, seed: 7));
    }
}
