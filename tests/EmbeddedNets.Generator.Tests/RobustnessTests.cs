using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using Microsoft.CodeAnalysis;

namespace EmbeddedNets.Generator.Tests;

/// <summary>Damaged files give diagnostics, never an exception out of the generator.</summary>
public sealed class RobustnessTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void EveryTruncatedPrefix_GivesOneDiagnosticAndNoClass(int which)
    {
        byte[] valid = which == 0 ? DczFile.Write(DczTestModels.SpecExample()) : DczFile.Write(DczTestModels.RandomCnn(new Random(3), 3));
        var files = DczMutations.Truncations(valid).Select((bytes, i) => new ModelFile("/t/p" + i + ".dcz", bytes)).ToArray();
        var (result, _) = GeneratorHarness.Run(files);
        Assert.Null(result.Results.Single().Exception);
        Assert.Empty(result.Results.Single().GeneratedSources);
        Assert.Equal(files.Length, result.Diagnostics.Length);
        Assert.All(result.Diagnostics, d => Assert.Equal("DCZ001", d.Id));
        Assert.Equal(files.Select(f => f.OriginalPath).Order(StringComparer.Ordinal), result.Diagnostics.Select(d => d.Location.GetLineSpan().Path).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FuzzCorpus_GivesOnlyDiagnosticsOrClasses(bool rewriteChecksum)
    {
        byte[] valid = DczFile.Write(DczTestModels.RandomMlp(new Random(8), 8));
        var files = DczMutations.Corpus(valid, 1500, seed: 11, rewriteChecksum).Select((m, i) => new ModelFile("/f/m" + i + ".dcz", m.Bytes)).ToArray();
        var (result, output) = GeneratorHarness.Run(files);
        Assert.Null(result.Results.Single().Exception);
        Assert.All(result.Diagnostics, d => Assert.True(d.Id is "DCZ001" or "DCZ002", d.ToString()));
        // Every file is accounted for: a class or a diagnostic at that file.
        Assert.Equal(files.Length, result.Diagnostics.Length + result.Results.Single().GeneratedSources.Length);
        // Mutants that are still valid files compile like any model.
        Assert.DoesNotContain(output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }
}
