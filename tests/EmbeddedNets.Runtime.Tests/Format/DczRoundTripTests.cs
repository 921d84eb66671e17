using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

public sealed class DczRoundTripTests
{
    public static TheoryData<string> EdgeCaseNames()
    {
        var data = new TheoryData<string>();
        foreach ((string name, _) in DczTestModels.EdgeCases())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EdgeCaseNames))]
    public void WriteRead_EdgeCase_ReturnsIdenticalModel(string name)
    {
        DczModel model = DczTestModels.EdgeCases().Single(c => c.Name == name).Model;

        byte[] bytes = DczFile.Write(model);
        DczModel read = DczFile.Read(bytes);

        Assert.Null(DczTestModels.FirstDifference(model, read));
        Assert.Equal(bytes, DczFile.Write(read));
    }

    [Fact]
    public void WriteRead_RandomModels_ReturnIdenticalModels()
    {
        int mlps = 0, cnns = 0, withMetrics = 0, allPruned = 0;
        for (int seed = 0; seed < 300; seed++)
        {
            DczModel model = DczTestModels.Random(seed);
            byte[] bytes = DczFile.Write(model);
            DczModel read = DczFile.Read(bytes);

            string? difference = DczTestModels.FirstDifference(model, read);
            Assert.True(difference is null, $"seed {seed}: {difference}");
            if (model.Info.InputShape.Length == 1)
            {
                mlps++;
            }
            else
            {
                cnns++;
            }

            withMetrics += model.Info.Metrics is null ? 0 : 1;
            allPruned += model.Layers.OfType<DenseLayer>().Count(d => d.Weights.Count == 0);
        }

        // The generator must have covered both input ranks, metrics on and off, and pruned-out layers.
        Assert.True(mlps > 50 && cnns > 50 && withMetrics > 50 && allPruned > 10, $"{mlps} {cnns} {withMetrics} {allPruned}");
    }

    [Fact]
    public void Read_LongZeroRun_StoresOneFillerPerMaximalGap()
    {
        DczModel model = DczTestModels.EdgeCases().Single(c => c.Name == "long zero run, many fillers").Model;

        DczInspection inspection = DczFile.Inspect(DczFile.Write(model));

        // GapBits 1: each entry advances at most 2 positions; position 1999 needs 999 fillers first.
        Assert.Equal(999, inspection.Layers[0].FillerCount);
        Assert.Equal(1, inspection.Layers[0].KeptCount);
    }

    [Fact]
    public void Read_GapExactlyAtBound_NeedsNoFiller()
    {
        DczModel model = DczTestModels.EdgeCases().Single(c => c.Name == "gap exactly at the bound").Model;

        DczInspection inspection = DczFile.Inspect(DczFile.Write(model));

        // Positions 0, 8, 17 with GapBits 3: gaps 0, 7 (= bound) and 8 (one filler, then gap 0).
        Assert.Equal(1, inspection.Layers[0].FillerCount);
        Assert.Equal(3, inspection.Layers[0].KeptCount);
    }
}
