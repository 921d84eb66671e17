using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EmbeddedNets.Generator.Tests;

/// <summary>An unrelated edit reruns nothing; editing a model reruns only that model.</summary>
public sealed class IncrementalTests
{
    private static readonly string[] s_steps = [DczGenerator.InputsStep, DczGenerator.ModelsStep, DczGenerator.ListingsStep, DczGenerator.ProjectStep];

    [Fact]
    public void UnrelatedSourceEdit_AllStepsCachedOrUnchanged()
    {
        var files = new[] { new ModelFile("/src/a.dcz", DczFile.Write(DczTestModels.Random(1))), new ModelFile("/src/b.dcz", DczFile.Write(DczTestModels.Random(2))) };
        GeneratorDriver driver = GeneratorHarness.Driver(files.Select(f => f.ToAdditionalText()), GeneratorHarness.Options(files));
        CSharpCompilation compilation = GeneratorHarness.Compilation();
        driver = driver.RunGenerators(compilation);

        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace User { public static class Other { public static int X => 42; } }"));
        GeneratorRunResult run = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in s_steps)
        {
            Assert.All(run.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, step + ": " + o.Reason));
        }

        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EditedModel_ReparsesThatModelOnly()
    {
        var a = new ModelFile("/src/a.dcz", DczFile.Write(DczTestModels.Random(1)));
        var b = new ModelFile("/src/b.dcz", DczFile.Write(DczTestModels.Random(2)));
        AdditionalText aText = a.ToAdditionalText(), bText = b.ToAdditionalText();
        GeneratorDriver driver = GeneratorHarness.Driver([aText, bText], GeneratorHarness.Options([a, b]));
        CSharpCompilation compilation = GeneratorHarness.Compilation();
        driver = driver.RunGenerators(compilation);

        var bEdited = b with { Bytes = DczFile.Write(DczTestModels.Random(3)) };
        driver = driver.ReplaceAdditionalText(bText, bEdited.ToAdditionalText());
        GeneratorRunResult run = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        var reasons = run.TrackedSteps[DczGenerator.ModelsStep].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }
}
