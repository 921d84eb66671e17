using System.Buffers.Binary;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using Microsoft.CodeAnalysis;

namespace EmbeddedNets.Generator.Tests;

/// <summary>Each kind of bad input gives its one diagnostic, at the user's .dcz file, and no class.</summary>
public sealed class DiagnosticTests
{
    private const string Path = "/src/Models/net.dcz";

    private static byte[] Valid => DczFile.Write(DczTestModels.SpecExample());

    [Fact]
    public void CorruptFile_ChecksumMismatch_ReportsDcz001()
    {
        byte[] bytes = Valid;
        bytes[40] ^= 0x10;
        AssertSingle("DCZ001", new ModelFile(Path, bytes), "checksum mismatch");
    }

    [Fact]
    public void CorruptFile_BodyDamageWithValidChecksum_ReportsDcz001WithReaderContext()
    {
        byte[] bytes = Valid;
        DczLayerInspection fc = DczFile.Inspect(bytes).Layers[0];
        bytes[fc.Offset + fc.RecordHeaderBytes] = 0x05; // inputs 5 instead of 4: the shapes no longer fit
        DczFile.RewriteChecksum(bytes);
        AssertSingle("DCZ001", new ModelFile(Path, bytes), "layer 0 (fc, Dense)");
    }

    [Fact]
    public void NewerFormatVersion_ReportsDcz002()
    {
        byte[] bytes = Valid;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), DczFile.FormatVersion + 1);
        AssertSingle("DCZ002", new ModelFile(Path, bytes), "version");
    }

    [Fact]
    public void UnknownOpTag_ReportsDcz002()
    {
        byte[] bytes = Valid;
        bytes[DczFile.Inspect(bytes).Layers[0].Offset] = 0x2A;
        DczFile.RewriteChecksum(bytes);
        AssertSingle("DCZ002", new ModelFile(Path, bytes), "op tag 0x2A");
    }

    [Theory]
    [InlineData("EmissionMode", "Foo", "EmissionMode 'Foo'")]
    [InlineData("ClassName", "1Net", "ClassName '1Net'")]
    [InlineData("ClassName", "class", "ClassName 'class'")]
    [InlineData("Visibility", "private", "Visibility 'private'")]
    [InlineData("Namespace", "My..Models", "Namespace 'My..Models'")]
    public void InvalidMetadata_ReportsDcz003(string name, string value, string expected)
    {
        var file = name switch
        {
            "EmissionMode" => new ModelFile(Path, Valid, EmissionMode: value),
            "ClassName" => new ModelFile(Path, Valid, ClassName: value),
            "Visibility" => new ModelFile(Path, Valid, Visibility: value),
            _ => new ModelFile(Path, Valid, Namespace: value),
        };
        AssertSingle("DCZ003", file, expected);
    }

    [Fact]
    public void FileNameWithoutLettersOrDigits_ReportsDcz003()
    {
        AssertSingle("DCZ003", new ModelFile("/src/Models/---.dcz", Valid), "set the ClassName metadata", "/src/Models/---.dcz");
    }

    [Fact]
    public void BinaryDczWithoutBuildLogic_ReportsDcz004()
    {
        var text = new InMemoryAdditionalText(Path, "\u0089DCZ");
        var result = GeneratorHarness.RunTexts([text], GeneratorHarness.Options([]));
        AssertSingle(result, "DCZ004", "build logic", Path);
    }

    [Theory]
    [InlineData("not a text form\nAAAA\n", "header")]
    [InlineData("EmbeddedNets.DczText 9 length=3\nAAAA\n", "version 9")]
    [InlineData("EmbeddedNets.DczText 1 length=x\nAAAA\n", "length field")]
    [InlineData("EmbeddedNets.DczText 1 length=3\n!!!!\n", "base64")]
    [InlineData("EmbeddedNets.DczText 1 length=5\nAAAA\n", "holds 3 bytes but the header says 5")]
    public void DamagedTextForm_ReportsDcz005(string text, string expected)
    {
        const string TextPath = "/obj/dcz/net.1234abcd.dcz.txt";
        var options = new TestOptionsProvider(
            new Dictionary<string, string>(),
            new Dictionary<string, Dictionary<string, string>> { [TextPath] = new() { ["build_metadata.AdditionalFiles.DczOriginalPath"] = Path } });
        var result = GeneratorHarness.RunTexts([new InMemoryAdditionalText(TextPath, text)], options);
        AssertSingle(result, "DCZ005", expected, Path);
    }

    [Fact]
    public void TwoFilesSameClass_ReportsDcz006AndKeepsTheFirst()
    {
        var (result, _) = GeneratorHarness.Run([new ModelFile("/a/net.dcz", Valid), new ModelFile("/b/Net.dcz", Valid)]);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DCZ006", diagnostic.Id);
        Assert.Equal("/b/Net.dcz", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains("Test.Models.Net", diagnostic.GetMessage());
        Assert.Single(result.Results.Single().GeneratedSources);
    }

    [Theory]
    [InlineData("/a/net.dcz", null, "/b/other.dcz", "Net")] // file name and ClassName meet
    [InlineData("/a/x.dcz", "Net", "/b/y.dcz", "Net")] // the same ClassName twice
    public void TwoFilesSameFullName_ReportsDcz006AtTheSecond(string firstPath, string? firstClass, string secondPath, string secondClass)
    {
        var (result, _) = GeneratorHarness.Run([new ModelFile(firstPath, Valid, ClassName: firstClass), new ModelFile(secondPath, Valid, ClassName: secondClass, Namespace: GeneratorHarness.RootNamespace)]);

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DCZ006", diagnostic.Id);
        Assert.Equal(secondPath, diagnostic.Location.GetLineSpan().Path);
        Assert.Contains($"'{secondPath}' would generate class 'Test.Models.Net', which '{firstPath}' already generates", diagnostic.GetMessage());
        Assert.Single(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void SameFileListedTwice_ReportsDcz009OnceAndGeneratesOneClass()
    {
        var file = new ModelFile(Path, Valid);

        var (result, output) = GeneratorHarness.Run([file, file]);

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DCZ009", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(Path, diagnostic.Location.GetLineSpan().Path);
        Assert.Contains($"'{Path}' is listed 2 times in AdditionalFiles", diagnostic.GetMessage());
        Assert.Equal(["Test.Models.Net.g.cs"], result.Results.Single().GeneratedSources.Select(s => s.HintName));
        GeneratorHarness.Load(output);
    }

    [Fact]
    public void FileTheBuildLogicCountedThreeTimes_ReportsDcz009WithTheCount()
    {
        // What the compiler really passes: one text form (one path), whose metadata says how many
        // AdditionalFiles items named the file (the last one's ClassName wins).
        var file = new ModelFile(Path, Valid, ClassName: "Third");
        Dictionary<string, string> metadata = file.Metadata();
        metadata["build_metadata.AdditionalFiles.DczListings"] = "3";
        var options = new TestOptionsProvider(new Dictionary<string, string> { ["build_property.RootNamespace"] = GeneratorHarness.RootNamespace }, new() { [file.TextPath] = metadata });

        GeneratorDriverRunResult result = GeneratorHarness.RunTexts([file.ToAdditionalText()], options);

        Assert.Null(result.Results.Single().Exception);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DCZ009", diagnostic.Id);
        Assert.Equal(Path, diagnostic.Location.GetLineSpan().Path);
        Assert.Contains($"'{Path}' is listed 3 times in AdditionalFiles", diagnostic.GetMessage());
        Assert.Equal(["Test.Models.Third.g.cs"], result.Results.Single().GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void CorruptFileListedTwice_ReportsItsErrorOnceAndDcz009()
    {
        byte[] bytes = Valid;
        bytes[40] ^= 0x10;
        var file = new ModelFile(Path, bytes);

        var (result, _) = GeneratorHarness.Run([file, file]);

        Assert.Equal(["DCZ001", "DCZ009"], result.Diagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.All(result.Diagnostics, d => Assert.Equal(Path, d.Location.GetLineSpan().Path));
        Assert.Empty(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void RuntimeNotReferenced_ReportsDcz007()
    {
        var (result, _) = GeneratorHarness.Run([new ModelFile(Path, Valid)], withRuntime: false);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DCZ007", diagnostic.Id);
        Assert.Equal(Path, diagnostic.Location.GetLineSpan().Path);
    }

    [Fact]
    public void CompactPayloadOverLimit_ReportsDcz008()
    {
        // 9,000,000 kept weights with a 256-entry codebook: over 8 MiB of Huffman-coded weights.
        const int Inputs = 3000, Outputs = 3000;
        var rng = new Random(5);
        var codes = new byte[Inputs * Outputs];
        rng.NextBytes(codes);
        var weights = new SparseWeights(Inputs * Outputs, DczTestModels.RandomFloats(rng, 256), 8, 1, Enumerable.Range(0, Inputs * Outputs).ToArray(), codes);
        var info = new ModelInfo("big", [Inputs], Preprocessing.Identity, Enumerable.Range(0, Outputs).Select(i => "c" + i).ToArray(), null, "tests", 0);
        byte[] bytes = DczFile.Write(new DczModel(info, [new DenseLayer("fc", Inputs, Outputs, weights, new float[Outputs])]));
        Assert.True(bytes.Length > DczGenerator.MaxEmbeddedBytes);
        AssertSingle("DCZ008", new ModelFile(Path, bytes, EmissionMode: "Compact"), "Compact mode embeds at most");
    }

    [Fact]
    public void TwoClassesDifferingOnlyInCase_BothGenerated()
    {
        var (result, output) = GeneratorHarness.Run([new ModelFile("/a/x.dcz", Valid, ClassName: "Net"), new ModelFile("/b/y.dcz", Valid, ClassName: "NET")]);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(["Test.Models.NET_2.g.cs", "Test.Models.Net.g.cs"], result.Results.Single().GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        GeneratorHarness.Load(output);
    }

    [Fact]
    public void AdditionalTextThatThrows_ReportsDcz900NotAnException()
    {
        const string TextPath = "/obj/dcz/net.1234abcd.dcz.txt";
        var result = GeneratorHarness.RunTexts([new ThrowingAdditionalText(TextPath)], GeneratorHarness.Options([]));
        AssertSingle(result, "DCZ900", "IOException: disk gone", TextPath);
    }

    [Fact]
    public void EveryDescriptor_IsListedInDocs()
    {
        string docs = File.ReadAllText(System.IO.Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        foreach (string id in DiagnosticDescriptors.ById.Keys)
        {
            Assert.Contains("| " + id + " |", docs);
        }
    }

    internal static string RepositoryRoot() =>
        typeof(DiagnosticTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private sealed class ThrowingAdditionalText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) => throw new IOException("disk gone");
    }

    private static void AssertSingle(string id, ModelFile file, string messagePart, string? path = null)
    {
        var (result, _) = GeneratorHarness.Run([file]);
        AssertSingle(result, id, messagePart, path ?? file.OriginalPath);
    }

    private static void AssertSingle(GeneratorDriverRunResult result, string id, string messagePart, string path)
    {
        Assert.Null(result.Results.Single().Exception);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(path, diagnostic.Location.GetLineSpan().Path);
        Assert.Contains(messagePart, diagnostic.GetMessage());
        Assert.Empty(result.Results.Single().GeneratedSources);
    }
}
