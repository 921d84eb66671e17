using System.Reflection;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using Microsoft.CodeAnalysis;

namespace EmbeddedNets.Generator.Tests;

/// <summary>
/// The generated source for the format spec's worked example, in each mode, equals the committed
/// file in Golden/. To accept a deliberate change: <c>EMBEDDEDNETS_UPDATE_GOLDEN=1 dotnet test</c>,
/// then review the diff.
/// </summary>
public sealed class GoldenTests
{
    [Theory]
    [InlineData("Compact")]
    [InlineData("Unrolled")]
    public void Emit_SpecExample_MatchesGolden(string mode)
    {
        var file = new ModelFile("/src/Models/tiny.dcz", DczFile.Write(DczTestModels.SpecExample()), EmissionMode: mode);
        var (result, _) = GeneratorHarness.Run([file]);
        Assert.Empty(result.Diagnostics);
        GeneratedSourceResult source = Assert.Single(result.Results.Single().GeneratedSources);
        Assert.Equal("Test.Models.Tiny.g.cs", source.HintName);
        string actual = source.SourceText.ToString();

        string name = "Tiny." + mode + ".g.cs";
        if (Environment.GetEnvironmentVariable("EMBEDDEDNETS_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceGoldenDirectory(), name), actual);
        }

        string expected = File.ReadAllText(Path.Combine(SourceGoldenDirectory(), name));
        Assert.Equal(expected.ReplaceLineEndings("\n"), actual);
    }

    private static string SourceGoldenDirectory() =>
        typeof(GoldenTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "GoldenDirectory").Value!;
}
