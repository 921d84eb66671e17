extern alias RuntimeAsm;

using System.Reflection;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using Microsoft.CodeAnalysis;
using CompactModel = RuntimeAsm::EmbeddedNets.Inference.CompactModel;

namespace EmbeddedNets.Generator.Tests;

/// <summary>
/// Legal but large or awkward inputs: the generator either writes a class that compiles or reports
/// a diagnostic at the file; it never fails and never writes code that does not compile.
/// </summary>
public sealed class LimitsTests
{
    /// <summary>Dense 1→<paramref name="width"/>→2 with nothing kept: <paramref name="width"/> + 2 constants (biases) to unroll.</summary>
    private static byte[] Wide(int width)
    {
        var info = new ModelInfo("wide", [1], Preprocessing.Identity, ["a", "b"], null, "tests", 1);
        DczLayer[] layers =
        [
            new DenseLayer("fc1", 1, width, new SparseWeights(width, [1f], 1, 12, [], []), new float[width]),
            new DenseLayer("fc2", width, 2, new SparseWeights(width * 2, [1f], 1, 12, [], []), [0.5f, -0.5f]),
        ];
        return DczFile.Write(new DczModel(info, layers));
    }

    [Fact]
    public void Unrolled_OverTheCap_ReportsDcz010_AutoChoosesCompact()
    {
        int width = checked((int)DczGenerator.MaxUnrolledValues - 1); // + 2 biases of fc2: one over the cap
        byte[] bytes = Wide(width);
        var (result, _) = GeneratorHarness.Run([new ModelFile("/src/wide.dcz", bytes, EmissionMode: "Unrolled")]);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DCZ010", diagnostic.Id);
        Assert.Equal("/src/wide.dcz", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains((DczGenerator.MaxUnrolledValues + 1).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " constants", diagnostic.GetMessage());
        Assert.Empty(result.Results.Single().GeneratedSources);

        // Nothing kept, so Auto would unroll it but for the cap.
        var (auto, _) = GeneratorHarness.Run([new ModelFile("/src/wide.dcz", bytes)]);
        Assert.Empty(auto.Diagnostics);
        Assert.Contains("public const string EmissionMode = \"Compact\";", auto.Results.Single().GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void Unrolled_AtTheCap_CompilesAndMatchesCompactModel()
    {
        byte[] bytes = Wide(checked((int)DczGenerator.MaxUnrolledValues - 2));
        var (result, output) = GeneratorHarness.Run([new ModelFile("/src/wide.dcz", bytes, EmissionMode: "Unrolled")]);
        Assert.Empty(result.Diagnostics);
        var model = GeneratedModel.From(GeneratorHarness.Load(output), GeneratorHarness.RootNamespace + ".Wide");
        EquivalenceTests.AssertSameOnRandomInputs(model, CompactModel.Load(bytes), seed: 1, context: "wide");
    }

    [Theory]
    [InlineData(56, null)]
    [InlineData(57, "DCZ011")]
    public void LayerData_OverItsCap_ReportsDcz011(int layers, string? expected)
    {
        // Each layer: 256 shared weights, 257 weight-symbol and 4,096 gap-symbol code lengths.
        var rng = new Random(3);
        DczLayer[] dense = [.. Enumerable.Range(0, layers).Select(i => new DenseLayer(
            "fc" + i, 16, 16, new SparseWeights(256, DczTestModels.RandomFloats(rng, 256), 8, 12, [.. Enumerable.Range(0, 256)], [.. Enumerable.Range(0, 256).Select(k => (byte)k)]), new float[16]))];
        byte[] bytes = DczFile.Write(new DczModel(new ModelInfo("tables", [16], Preprocessing.Identity, DczTestModels.Digits(16), null, "tests", 1), dense));
        Assert.Equal(layers * 4609L <= DczGenerator.MaxLayerDataValues, expected is null);
        var (result, _) = GeneratorHarness.Run([new ModelFile("/src/tables.dcz", bytes, EmissionMode: "Compact")]);
        if (expected is null)
        {
            Assert.Empty(result.Diagnostics);
            return;
        }

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(expected, diagnostic.Id);
        Assert.Contains((layers * 4609).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " codebook entries and Huffman code lengths", diagnostic.GetMessage());
    }

    [Fact]
    public void StringLiterals_OverTheProjectBudget_ReportsDcz008AtTheModelThatCrossesIt()
    {
        // 65,536 labels of 60 characters: ~8.2 MB of UTF-16 each. One fits the 14 MiB budget, two do not.
        static byte[] Labelled(string name)
        {
            const int Classes = 65_536;
            string[] labels = [.. Enumerable.Range(0, Classes).Select(i => i.ToString("D60", System.Globalization.CultureInfo.InvariantCulture))];
            var info = new ModelInfo(name, [1], Preprocessing.Identity, labels, null, "tests", 1);
            return DczFile.Write(new DczModel(info, [new DenseLayer("fc", 1, Classes, new SparseWeights(Classes, [1f], 1, 12, [], []), new float[Classes])]));
        }

        var (result, _) = GeneratorHarness.Run([new ModelFile("/src/a.dcz", Labelled("a")), new ModelFile("/src/b.dcz", Labelled("b"))]);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DCZ008", diagnostic.Id);
        Assert.Equal("/src/b.dcz", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains("are taken by the models before it", diagnostic.GetMessage());
        Assert.Equal("Test.Models.A.g.cs", Assert.Single(result.Results.Single().GeneratedSources).HintName);
    }

    [Theory]
    [InlineData("Compact")]
    [InlineData("Unrolled")]
    public void ClassName_EqualToAnyMemberOfTheClass_ReportsDcz003(string mode)
    {
        // Every member the generated class declares (nested types included), found by compiling one.
        byte[] bytes = DczFile.Write(DczTestModels.RandomGraph(new Random(211), 211));
        var (_, output) = GeneratorHarness.Run([new ModelFile("/src/m.dcz", bytes, EmissionMode: mode)]);
        Type type = GeneratorHarness.Load(output).GetType(GeneratorHarness.RootNamespace + ".M", throwOnError: true)!;
        string[] members = [.. type.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Select(m => m.Name)
            .Where(n => CodeText.IsIdentifier(n))
            .Distinct()];
        Assert.Contains("Predict", members);
        Assert.Contains(members, m => m == (mode == "Compact" ? "ModelHolder" : "Run"));

        // Each name is rejected: a property's getter name too (get_Layers).
        var files = members.Select((name, i) => new ModelFile("/src/m" + i + ".dcz", bytes, ClassName: name, EmissionMode: mode)).ToArray();
        var (result, _) = GeneratorHarness.Run(files);
        Assert.All(result.Diagnostics, d => Assert.Equal("DCZ003", d.Id));
        Assert.All(result.Diagnostics, d => Assert.Contains("is also the name of one of the generated class's members", d.GetMessage()));
        var rejected = result.Diagnostics.Select(d => d.GetMessage()).ToArray();
        Assert.Contains(members, m => m.StartsWith("get_", StringComparison.Ordinal));
        Assert.All(members, m => Assert.Contains(rejected, text => text.Contains("'" + m + "'", StringComparison.Ordinal)));
        Assert.Equal(files.Length, result.Diagnostics.Length);
        Assert.Empty(result.Results.Single().GeneratedSources);
    }

    [Theory]
    [InlineData("System", null, "Compact Unrolled")]
    [InlineData("EmbeddedNets", null, "Compact Unrolled")]
    [InlineData("Inference", "EmbeddedNets", "Compact Unrolled")]
    [InlineData("Math", "System", "Unrolled")] // Compact leaves the parallel batch to the Runtime
    [InlineData("Tasks", "System.Threading", "Unrolled")]
    [InlineData("Format", "EmbeddedNets", "")]
    [InlineData("Microsoft", null, "")]
    [InlineData("System", "Test.Models", "")]
    public void ClassFullName_ThatHidesANameTheCodeUses_ReportsDcz003(string className, string? ns, string hidesIn)
    {
        byte[] bytes = DczFile.Write(DczTestModels.RandomGraph(new Random(211), 211));
        foreach (string mode in new[] { "Compact", "Unrolled" })
        {
            var (result, compilation) = GeneratorHarness.Run([new ModelFile("/src/m.dcz", bytes, ClassName: className, EmissionMode: mode, Namespace: ns)], rootNamespace: null);
            if (hidesIn.Split(' ').Contains(mode))
            {
                Diagnostic diagnostic = Assert.Single(result.Diagnostics);
                Assert.Equal("DCZ003", diagnostic.Id);
                Assert.Contains("is also a namespace or type the generated code uses", diagnostic.GetMessage());
                Assert.Empty(result.Results.Single().GeneratedSources);
            }
            else
            {
                Assert.Empty(result.Diagnostics);
                GeneratorHarness.Load(compilation);
            }
        }
    }

    [Theory]
    [InlineData("Compact")]
    [InlineData("Unrolled")]
    public void HugePaddedConvolution_WithinTheFormatsCaps_CompilesAndMatchesCompactModel(string mode)
    {
        // Issue 15's file, shrunk to what the format now accepts: a 1×1 convolution of a 1×1
        // input padded by 2,047 on each side, 4,095² ≈ 2^24 outputs. Unrolled code once held
        // constant products of such sizes and did not compile (CS0220).
        var info = new ModelInfo("padded", [1, 1, 1], Preprocessing.Identity, ["only"], null, "tests", 1);
        const int Side = 4095;
        DczLayer[] layers =
        [
            new Conv2dLayer("conv", 1, 1, 1, 1, 1, 1, 1, 2047, 2047, 2047, 2047, new SparseWeights(1, [0.5f], 1, 1, [0], [0]), [0.25f]),
            new FlattenLayer("flatten"),
            new DenseLayer("fc", Side * Side, 1, new SparseWeights(Side * Side, [2f], 1, 12, [Side * 2047 + 2047], [0]), [-1f]),
        ];
        byte[] bytes = DczFile.Write(new DczModel(info, layers));
        var (result, output) = GeneratorHarness.Run([new ModelFile("/src/padded.dcz", bytes, EmissionMode: mode)]);
        Assert.Empty(result.Diagnostics);
        var model = GeneratedModel.From(GeneratorHarness.Load(output), GeneratorHarness.RootNamespace + ".Padded");
        CompactModel reference = CompactModel.Load(bytes);
        var expected = new float[1];
        var actual = new float[1];
        reference.Run([3f], expected);
        model.Scores([3f], actual);
        Assert.Equal(BitConverter.SingleToInt32Bits(expected[0]), BitConverter.SingleToInt32Bits(actual[0]));
        Assert.Equal((3f * 0.5f + 0.25f) * 2f - 1f, actual[0]);
    }
}
