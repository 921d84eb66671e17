using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;

namespace EmbeddedNets.Compressor.Tests;

public class ConfigTests
{
    [Fact]
    public void Load_NoOverride_GivesTheModelDefaults()
    {
        CompressionConfig c = ConfigLoader.Load(Architectures.LeNet5, null);

        Assert.Equal(4, c.Quantize.Bits["conv1"]);
        Assert.Equal(6, c.Quantize.Bits["ip2"]);
        Assert.Equal(CentroidInit.Linear, c.Quantize.Init);
    }

    [Fact]
    public void Load_PartialOverride_MergesKeyByKey()
    {
        CompressionConfig c = ConfigLoader.Load(Architectures.LeNet300100, """
            // comments and trailing commas are fine
            { "quantize": { "bits": { "ip1": 4 }, "init": "Density", }, "baseline": { "epochs": 2 } }
            """);

        Assert.Equal(4, c.Quantize.Bits["ip1"]);
        Assert.Equal(DefaultConfigs.For(Architectures.LeNet300100).Quantize.Bits["ip2"], c.Quantize.Bits["ip2"]);
        Assert.Equal(CentroidInit.Density, c.Quantize.Init);
        Assert.Equal(2, c.Baseline.Epochs);
        Assert.Equal(DefaultConfigs.For(Architectures.LeNet300100).Baseline.LearningRate, c.Baseline.LearningRate);
    }

    [Theory]
    [InlineData("""{ "quantize": { "bits": { "conv9": 4 } } }""", "'conv9' is not a weighted layer of lenet-300-100")]
    [InlineData("""{ "quantize": { "bits": { "ip1": 9 } } }""", "quantize.bits.ip1 must be 1–8 (is 9)")]
    [InlineData("""{ "prune": { "momentum": 1.5 } }""", "prune.momentum must be in [0, 1) (is 1.5)")]
    [InlineData("""{ "baseline": { "learningRate": -1 } }""", "baseline.learningRate must be > 0")]
    [InlineData("""{ "batchSize": 0 }""", "batchSize must be 1–65536 (is 0)")]
    [InlineData("""{ "encode": { "gapBits": { "ip2": 13 } } }""", "encode.gapBits.ip2 must be 1–12")]
    [InlineData("""{ "quantize": { "init": "Fancy" } }""", "quantize.init")]
    [InlineData("""{ "prune": { "shiftPixels": 9 } }""", "prune.shiftPixels must be 0–8 (is 9)")]
    [InlineData("""{ "baseline": { "shiftPixels": -1 } }""", "baseline.shiftPixels must be 0–8 (is -1)")]
    [InlineData("""{ "prune": { "groupLasso": -0.001 } }""", "prune.groupLasso must be ≥ 0 (is -0.001)")]
    [InlineData("""{ "prune": { "removeDeadUnits": 1 } }""", "prune.removeDeadUnits")]
    [InlineData("""{ "epochz": 3 }""", "epochz")]
    [InlineData("""[1, 2]""", "the top level must be a JSON object")]
    [InlineData("""{ "baseline": """, "not valid JSON")]
    public void Load_BadOverride_ThrowsNamingTheSetting(string json, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Architectures.LeNet300100, json, "my.json"));

        Assert.StartsWith("my.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ShiftPixels_OnlyWhenSet_EntersTheSerialisedStage()
    {
        // Checkpoint keys hash the serialised stage: a configuration without augmentation must
        // serialise exactly as before the setting existed, so its checkpoints stay resumable.
        var stage = new TrainingStageConfig { Epochs = 2 };
        string plain = System.Text.Json.JsonSerializer.Serialize(stage);
        stage.ShiftPixels = 2;

        Assert.DoesNotContain("ShiftPixels", plain, StringComparison.Ordinal);
        Assert.Contains("\"ShiftPixels\":2", System.Text.Json.JsonSerializer.Serialize(stage), StringComparison.Ordinal);
        Assert.Equal(2, ConfigLoader.Load(Architectures.LeNet5, """{ "prune": { "shiftPixels": 2 } }""").Prune.ShiftPixels);
    }

    [Fact]
    public void GroupLasso_OnlyWhenSet_EntersTheSerialisedStage_AndRemoveDeadUnitsDefaultsOn()
    {
        string plain = System.Text.Json.JsonSerializer.Serialize(new PruneConfig());
        CompressionConfig c = ConfigLoader.Load(Architectures.LeNet300100, """{ "prune": { "groupLasso": 0.0005, "removeDeadUnits": false } }""");

        Assert.DoesNotContain("GroupLasso", plain, StringComparison.Ordinal);
        Assert.Equal(0.0005, c.Prune.GroupLasso);
        Assert.False(c.Prune.RemoveDeadUnits);
        Assert.True(ConfigLoader.Load(Architectures.LeNet300100, null).Prune.RemoveDeadUnits);
    }

    [Fact]
    public void ToJson_RoundTripsThroughLoad()
    {
        CompressionConfig c = DefaultConfigs.For(Architectures.LeNet5);
        c.Prune.Quality["ip1"] = 2.25;

        CompressionConfig back = ConfigLoader.Load(Architectures.LeNet5, ConfigLoader.ToJson(c));

        Assert.Equal(ConfigLoader.ToJson(c), ConfigLoader.ToJson(back));
    }

    [Fact]
    public void Architecture_ThatDoesNotFit_IsRejectedWithTheNode()
    {
        var e = Assert.Throws<ArchitectureException>(() => new ArchitectureSpec(
            "bad", new[] { 1, 4, 4 }, new ArchitectureNode[] { new Conv2dNode("c", 2, 5) }, new[] { "x" }, EmbeddedNets.Format.Preprocessing.Identity));

        Assert.Contains("node 'c' (Conv2d) reading [1, 4, 4] from the model input: kernel 5×5", e.Message);
        Assert.Equal("c", e.Node);
    }
}
