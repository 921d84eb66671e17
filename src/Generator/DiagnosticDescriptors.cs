using Microsoft.CodeAnalysis;

namespace EmbeddedNets.Generator;

/// <summary>The generator's diagnostics. IDs are stable; docs/diagnostics.md lists each one.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "EmbeddedNets";
    private const string HelpLink = "https://github.com/embeddednets/embeddednets/blob/main/docs/diagnostics.md";

    public static readonly DiagnosticDescriptor CorruptFile = Create(
        "DCZ001",
        "The .dcz file is corrupt",
        "'{0}' is not a valid .dcz file: {1}");

    public static readonly DiagnosticDescriptor UnsupportedFile = Create(
        "DCZ002",
        "The .dcz file uses a version or operation this generator does not support",
        "'{0}' cannot be compiled by this version of EmbeddedNets.Generator: {1}");

    public static readonly DiagnosticDescriptor InvalidMetadata = Create(
        "DCZ003",
        "Invalid item metadata on a .dcz file",
        "'{0}': {1}");

    public static readonly DiagnosticDescriptor BinaryWithoutBuildLogic = Create(
        "DCZ004",
        "A .dcz file reached the compiler without the EmbeddedNets build logic",
        "'{0}' reached the generator as a binary file; the EmbeddedNets.Generator build logic (build/EmbeddedNets.Generator.props and .targets, imported automatically by the NuGet package) must convert it first: import both files when referencing the generator project directly (see docs/generator.md)");

    public static readonly DiagnosticDescriptor DamagedTextForm = Create(
        "DCZ005",
        "The text form of a .dcz file is damaged",
        "The text form of '{0}' is damaged: {1}; rebuild so the build logic writes it again");

    public static readonly DiagnosticDescriptor DuplicateClass = Create(
        "DCZ006",
        "Two .dcz files generate the same class",
        "'{0}' would generate class '{1}', which '{2}' already generates; give one of them a different ClassName or Namespace metadata");

    public static readonly DiagnosticDescriptor RuntimeMissing = Create(
        "DCZ007",
        "EmbeddedNets.Runtime is not referenced",
        "The class generated from '{0}' calls EmbeddedNets.Runtime, which this project does not reference; add a reference to the EmbeddedNets.Runtime package or project");

    public static readonly DiagnosticDescriptor TooLargeToEmbed = Create(
        "DCZ008",
        "The model is too large to embed",
        "'{0}' is too large to embed: {1}");

    public static readonly DiagnosticDescriptor ListedMoreThanOnce = Create(
        "DCZ009",
        "A .dcz file is listed more than once",
        "'{0}' is listed {1} times in AdditionalFiles; one file generates one class (the compiler keeps only one listing's metadata), so remove the extra items, or copy the file to get another class from the same model");

    public static readonly DiagnosticDescriptor TooLargeToUnroll = Create(
        "DCZ010",
        "The model is too large for Unrolled mode",
        "'{0}' would unroll into {1} constants (kept weights, biases and other per-element values), over the {2} Unrolled mode allows; use EmissionMode Compact (Auto chooses it)");

    public static readonly DiagnosticDescriptor TooMuchLayerData = Create(
        "DCZ011",
        "The model's codebooks and code-length tables are too large",
        "'{0}' has {1} codebook entries and Huffman code lengths in its weighted layers, over the {2} the generated class may hold as constant data");

    public static readonly DiagnosticDescriptor InternalError = Create(
        "DCZ900",
        "The EmbeddedNets generator failed",
        "EmbeddedNets.Generator failed on '{0}': {1}. Please report this with the file.");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new[]
    {
        CorruptFile, UnsupportedFile, InvalidMetadata, BinaryWithoutBuildLogic, DamagedTextForm,
        DuplicateClass, RuntimeMissing, TooLargeToEmbed, ListedMoreThanOnce, TooLargeToUnroll, TooMuchLayerData, InternalError,
    }.ToDictionary(d => d.Id, StringComparer.Ordinal);

    /// <summary>Every descriptor, by ID.</summary>
    public static IReadOnlyDictionary<string, DiagnosticDescriptor> ById => s_byId;

    private static DiagnosticDescriptor Create(string id, string title, string format) =>
        new(id, title, format, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink);
}
