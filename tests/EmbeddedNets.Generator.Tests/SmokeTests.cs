using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Generator.Tests;

public sealed class SmokeTests
{
    [Theory]
    [InlineData("Compact")]
    [InlineData("Unrolled")]
    public void Generate_RandomModels_Compiles(string mode)
    {
        for (int seed = 0; seed < 6; seed++)
        {
            var file = new ModelFile("/src/Models/model-" + seed + ".dcz", DczFile.Write(DczTestModels.Random(seed)), EmissionMode: mode);
            var (result, output) = GeneratorHarness.Run([file]);
            Assert.Empty(result.Diagnostics);
            GeneratorHarness.Load(output);
        }
    }
}
