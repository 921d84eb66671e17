extern alias RuntimeAsm;

using System.Reflection;
using EmbeddedNets.Format;
using System.Collections.Immutable;
using EmbeddedNets.Tests.Shared;
using Microsoft.CodeAnalysis;
using CompactModel = RuntimeAsm::EmbeddedNets.Inference.CompactModel;

namespace EmbeddedNets.Generator.Tests;

/// <summary>Damaged files give diagnostics, never an exception out of the generator.</summary>
public sealed class RobustnessTests(Xunit.Abstractions.ITestOutputHelper output)
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
        var (result, compilation) = GeneratorHarness.Run(files);
        Assert.Null(result.Results.Single().Exception);
        Assert.All(result.Diagnostics, d => Assert.True(d.Id is "DCZ001" or "DCZ002", d.ToString()));
        // Every file is accounted for: a class or a diagnostic at that file.
        Assert.Equal(files.Length, result.Diagnostics.Length + result.Results.Single().GeneratedSources.Length);
        // Mutants that are still valid files compile like any model.
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>
    /// Structure-aware fuzzing (issue 15): mutants with valid checksums whose fields (attributes,
    /// dimensions, counts, references, tags, floats) were set at and past their limits and whose
    /// layer records were removed, repeated or swapped (<see cref="DczMutations.Structured"/>).
    /// Every mutant gives a diagnostic or a class; all classes compile together; and each class
    /// whose workspace is small computes exactly what CompactModel computes on the same file.
    /// EMBEDDEDNETS_GENERATOR_FUZZ sets the mutants per base model (default 40) for longer runs.
    /// </summary>
    [Fact]
    public void StructureAwareMutants_GiveDiagnosticsOrClassesThatCompileAndMatchCompactModel()
    {
        int perBase = int.TryParse(Environment.GetEnvironmentVariable("EMBEDDEDNETS_GENERATOR_FUZZ"), out int n) ? n : 40;
        byte[][] bases =
        [
            .. Enumerable.Range(300, 10).Select(seed => DczFile.Write(DczTestModels.RandomGraph(new Random(seed), seed))),
            .. Enumerable.Range(310, 4).Select(seed => DczFile.Write(DczTestModels.RandomCnn(new Random(seed), seed))),
            .. Enumerable.Range(320, 2).Select(seed => DczFile.Write(DczTestModels.RandomMlp(new Random(seed), seed))),
            DczFile.Write(DczTestModels.SpecExample()),
        ];
        string[] modes = ["Auto", "Compact", "Unrolled"];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = bases
            .SelectMany((file, b) => DczMutations.Structured(file, perBase, seed: 1000 + b))
            .Select(mutation => mutation.Bytes)
            .Where(bytes => seen.Add(Convert.ToBase64String(bytes)))
            .Select((bytes, i) => new ModelFile("/z/m" + i + ".dcz", bytes, EmissionMode: modes[i % modes.Length]))
            .ToArray();

        var (result, compilation) = GeneratorHarness.Run(files);
        Assert.Null(result.Results.Single().Exception);
        Assert.All(result.Diagnostics, d => Assert.True(d.Id is "DCZ001" or "DCZ002" or "DCZ008" or "DCZ010" or "DCZ011", d.ToString()));
        ImmutableArray<GeneratedSourceResult> sources = result.Results.Single().GeneratedSources;
        Assert.Equal(files.Length, result.Diagnostics.Length + sources.Length);

        // Both outcomes happen, so the test exercises the emitter and not only the reader.
        Assert.True(sources.Length >= 20, $"{sources.Length} of {files.Length} mutants accepted");
        Assert.True(result.Diagnostics.Length >= files.Length / 10, $"{result.Diagnostics.Length} of {files.Length} mutants rejected");

        Assembly assembly = GeneratorHarness.Load(compilation);
        var accepted = new HashSet<string>(sources.Select(s => s.HintName), StringComparer.Ordinal);
        int compared = 0;
        for (int i = 0; i < files.Length; i++)
        {
            if (!accepted.Contains(GeneratorHarness.RootNamespace + ".M" + i + ".g.cs"))
            {
                continue;
            }

            CompactModel reference = CompactModel.Load(files[i].Bytes);
            if (reference.WorkspaceLength > 1 << 20)
            {
                continue;
            }

            var generated = GeneratedModel.From(assembly, GeneratorHarness.RootNamespace + ".M" + i);
            var rng = new Random(i);
            var expected = new float[reference.OutputLength];
            var actual = new float[reference.OutputLength];
            float[] x = EquivalenceTests.RandomInput(rng, reference.InputLength, i);
            reference.Run(x, expected);
            generated.Scores(x, actual);
            Assert.True(
                expected.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Select(BitConverter.SingleToInt32Bits)),
                $"mutant {i} ({files[i].EmissionMode}): generated scores differ from CompactModel's");
            compared++;
        }

        Assert.True(compared >= sources.Length / 2, $"{compared} of {sources.Length} classes compared");
        output.WriteLine($"{files.Length} mutants: {sources.Length} classes ({compared} compared with CompactModel), {result.Diagnostics.Length} diagnostics");
    }
}
