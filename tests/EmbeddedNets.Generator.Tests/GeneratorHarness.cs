extern alias RuntimeAsm;

using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using EmbeddedNets.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using CompactModel = RuntimeAsm::EmbeddedNets.Inference.CompactModel;

namespace EmbeddedNets.Generator.Tests;

/// <summary>An additional file held in memory.</summary>
internal sealed class InMemoryAdditionalText : AdditionalText
{
    private readonly SourceText? _text;

    public InMemoryAdditionalText(string path, string? text)
    {
        Path = path;
        _text = text is null ? null : SourceText.From(text, Encoding.UTF8);
    }

    public override string Path { get; }

    public override SourceText? GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Analyzer config options from dictionaries (global, and per additional file path).</summary>
internal sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly Dictionary<string, Dictionary<string, string>> _perFile;

    public TestOptionsProvider(Dictionary<string, string> global, Dictionary<string, Dictionary<string, string>> perFile)
    {
        GlobalOptions = new DictionaryOptions(global);
        _perFile = perFile;
    }

    public override AnalyzerConfigOptions GlobalOptions { get; }

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new DictionaryOptions(new Dictionary<string, string>());

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        new DictionaryOptions(_perFile.TryGetValue(textFile.Path, out var options) ? options : new Dictionary<string, string>());

    private sealed class DictionaryOptions(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}

/// <summary>A model file as the build logic hands it to the compiler: the text form plus item metadata.</summary>
internal sealed record ModelFile(string OriginalPath, byte[] Bytes, string? ClassName = null, string? EmissionMode = null, string? Namespace = null, string? Visibility = null)
{
    public string TextPath => "/obj/dcz/" + System.IO.Path.GetFileNameWithoutExtension(OriginalPath) + ".0000abcd" + DczTextForm.Suffix;

    public AdditionalText ToAdditionalText() => new InMemoryAdditionalText(TextPath, DczTextForm.Encode(Bytes));

    public Dictionary<string, string> Metadata()
    {
        var metadata = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.DczOriginalPath"] = OriginalPath };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                metadata["build_metadata.AdditionalFiles." + name] = value;
            }
        }

        Add("ClassName", ClassName);
        Add("EmissionMode", EmissionMode);
        Add("Namespace", Namespace);
        Add("Visibility", Visibility);
        return metadata;
    }
}

/// <summary>Runs the generator the way the compiler does, and compiles and loads its output.</summary>
internal static class GeneratorHarness
{
    public const string RootNamespace = "Test.Models";

    private static readonly ImmutableArray<MetadataReference> s_references =
        [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(CompactModel).Assembly.Location)];

    public static CSharpCompilation Compilation(string source = "namespace User { public static class Marker { } }", bool withRuntime = true) =>
        CSharpCompilation.Create(
            "GeneratedModels",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "User.cs")],
            withRuntime ? s_references : [.. Basic.Reference.Assemblies.Net100.References.All],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(IEnumerable<AdditionalText> texts, TestOptionsProvider options) =>
        CSharpGeneratorDriver.Create(
            [new DczGenerator().AsSourceGenerator()],
            texts,
            new CSharpParseOptions(LanguageVersion.Latest),
            options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static TestOptionsProvider Options(IEnumerable<ModelFile> files, string? rootNamespace = RootNamespace)
    {
        var global = new Dictionary<string, string>();
        if (rootNamespace is not null)
        {
            global["build_property.RootNamespace"] = rootNamespace;
        }

        // A file listed twice has one options entry, the last listing's (as in the editorconfig the SDK writes).
        return new TestOptionsProvider(global, files.GroupBy(f => f.TextPath).ToDictionary(g => g.Key, g => g.Last().Metadata()));
    }

    /// <summary>Runs the generator over <paramref name="files"/>; returns the run result and the compilation with generated sources.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(IReadOnlyList<ModelFile> files, bool withRuntime = true, string? rootNamespace = RootNamespace)
    {
        GeneratorDriver driver = Driver(files.Select(f => f.ToAdditionalText()), Options(files, rootNamespace));
        driver = driver.RunGeneratorsAndUpdateCompilation(Compilation(withRuntime: withRuntime), out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>Runs the generator on raw additional texts (for inputs the build logic would not produce).</summary>
    public static GeneratorDriverRunResult RunTexts(IEnumerable<AdditionalText> texts, TestOptionsProvider options) =>
        Driver(texts, options).RunGenerators(Compilation()).GetRunResult();

    /// <summary>Emits <paramref name="compilation"/> to memory, asserting no errors or warnings, and loads it in a collectible context.</summary>
    public static Assembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(result.Success && problems.Length == 0, "generated code does not compile:\n" + string.Join("\n", problems.Take(20).Select(d => d.ToString())));
        stream.Position = 0;
        var context = new AssemblyLoadContext("generated-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        context.Resolving += (ctx, name) => name.Name == typeof(CompactModel).Assembly.GetName().Name ? typeof(CompactModel).Assembly : null;
        return context.LoadFromStream(stream);
    }
}
