using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace EmbeddedNets.Generator;

/// <summary>
/// Turns every <c>.dcz</c> model listed in AdditionalFiles (as the text form the build logic
/// writes, see <see cref="DczTextForm"/>) into a static class with an allocation-free
/// <c>Predict</c>. Pipeline: text + item metadata → <see cref="DczInput"/> (bytes) →
/// <see cref="ModelResult"/> (parsed, plain data) → all models with their <see cref="DczListing"/>s
/// (files listed twice, duplicate class names, Runtime check) → source.
/// Every step passes equatable records, so an unrelated source edit reruns nothing.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class DczGenerator : IIncrementalGenerator
{
    /// <summary>Tracking name of the step that reads each additional file and its metadata.</summary>
    public const string InputsStep = "DczInputs";

    /// <summary>Tracking name of the step that parses each model.</summary>
    public const string ModelsStep = "DczModels";

    /// <summary>Tracking name of the step that gathers all models with the project facts.</summary>
    public const string ProjectStep = "DczProject";

    /// <summary>Tracking name of the step that records how often each model file is listed.</summary>
    public const string ListingsStep = "DczListings";

    /// <summary>Tracking name of the step that checks for the Runtime reference.</summary>
    public const string RuntimeStep = "DczRuntime";

    /// <summary>
    /// Auto emits Unrolled code only for small models without convolutions (at most this many
    /// kept weights), Compact otherwise. On the real LeNet-300-100 (11,008 kept weights) the two were within the
    /// spread between runs (Unrolled 3.4–4.3 µs per image, Compact 3.2–5.1 µs) while Unrolled adds
    /// 17× the .dcz size to the DLL, ~4 s to a clean build and ~0.2 s of JIT time to the first call
    /// (docs/benchmarks.md); unrolled conv layers still call the conv kernel once per weight and
    /// gain nothing.
    /// </summary>
    public const long AutoUnrollMaxKeptWeights = 4_096;

    /// <summary>
    /// The most constants Unrolled code may hold: kept weights (one statement or kernel call each)
    /// plus biases and other per-element values (<c>OpEmitter.UnrolledValues</c>). Bounds the
    /// generated code and its compile time (docs/generator.md); above it Auto chooses Compact and
    /// an explicit Unrolled is DCZ010.
    /// </summary>
    public const long MaxUnrolledValues = 65_536;

    /// <summary>
    /// The most values the per-layer data members may hold together, in both modes: each weighted
    /// layer's codebook (≤ 256 floats) and Huffman code lengths (≤ 257 + 4,096 bytes). Room for 56
    /// weighted layers with the largest tables (a ResNet-50 has 54); a hostile file of 1,024 such
    /// layers would make ~25 MB of array literals and minutes of compilation instead (DCZ011).
    /// </summary>
    public const long MaxLayerDataValues = 262_144;

    /// <summary>The largest payload Compact mode embeds (the string literal goes to the #US metadata heap, 16 MiB in all).</summary>
    public const int MaxEmbeddedBytes = 8 * 1024 * 1024;

    /// <summary>
    /// The most bytes of string literals all generated classes of a project may add to the
    /// assembly's user-string heap together (Compact payloads, class labels, layer lines): 14 MiB
    /// of the heap's 16 MiB, leaving the rest to the project's own code. Past the heap's end the
    /// compiler fails (CS8103); the generator reports DCZ008 at the model that would cross the line.
    /// </summary>
    public const long MaxUserStringBytes = 14 * 1024 * 1024;

    private const string MetadataPrefix = "build_metadata.AdditionalFiles.";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<string?> rootNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.RootNamespace", out string? value) ? value : null);

        IncrementalValuesProvider<ModelResult> models = context.AdditionalTextsProvider
            .Where(static text => IsModelFile(text.Path))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Combine(rootNamespace)
            .Select(static (pair, cancellationToken) => ReadInputSafely(pair.Left.Left, pair.Left.Right, pair.Right, cancellationToken))
            .WithTrackingName(InputsStep)
            .Select(static (input, cancellationToken) => Parse(input, cancellationToken))
            .WithTrackingName(ModelsStep);

        IncrementalValueProvider<ImmutableArray<DczListing>> listings = context.AdditionalTextsProvider
            .Where(static text => IsModelFile(text.Path))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, _) => Listing(pair.Left, pair.Right))
            .WithTrackingName(ListingsStep)
            .Collect();

        IncrementalValueProvider<bool> runtimeReferenced = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName("EmbeddedNets.Inference.SparseKernels") is not null)
            .WithTrackingName(RuntimeStep);

        IncrementalValueProvider<((ImmutableArray<ModelResult> Models, ImmutableArray<DczListing> Listings) Files, bool RuntimeReferenced)> project = models
            .Collect()
            .Combine(listings)
            .Combine(runtimeReferenced)
            .WithTrackingName(ProjectStep);

        context.RegisterSourceOutput(project, static (spc, project) => Produce(spc, project.Files.Models, project.Files.Listings, project.RuntimeReferenced));
    }

    private static bool IsModelFile(string path) =>
        path.EndsWith(DczTextForm.Suffix, StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".dcz", StringComparison.OrdinalIgnoreCase);

    private static DczInput ReadInputSafely(AdditionalText text, AnalyzerConfigOptionsProvider optionsProvider, string? rootNamespace, CancellationToken cancellationToken)
    {
        try
        {
            return ReadInput(text, optionsProvider, rootNamespace, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Last resort: reported as DCZ900 by Parse, never thrown into the compiler.
            return new DczInput(text.Path, text.Path, false, EquatableArray<byte>.Empty, null, null, null, null, null, null, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static DczInput ReadInput(AdditionalText text, AnalyzerConfigOptionsProvider optionsProvider, string? rootNamespace, CancellationToken cancellationToken)
    {
        AnalyzerConfigOptions options = optionsProvider.GetOptions(text);
        string? Metadata(string name) =>
            options.TryGetValue(MetadataPrefix + name, out string? value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        string originalPath = Metadata("DczOriginalPath") ?? text.Path;
        bool isBinary = !text.Path.EndsWith(DczTextForm.Suffix, StringComparison.OrdinalIgnoreCase);
        EquatableArray<byte> bytes = EquatableArray<byte>.Empty;
        string? textError = null;
        if (!isBinary)
        {
            SourceText? source = text.GetText(cancellationToken);
            if (source is null)
            {
                textError = "the compiler could not read '" + text.Path + "'";
            }
            else if (DczTextForm.TryDecode(source.ToString(), out byte[] decoded, out string error))
            {
                bytes = new EquatableArray<byte>(decoded);
            }
            else
            {
                textError = error + " (in '" + text.Path + "')";
            }
        }

        return new DczInput(
            text.Path,
            originalPath,
            isBinary,
            bytes,
            textError,
            Metadata("ClassName"),
            Metadata("Namespace"),
            Metadata("Visibility"),
            Metadata("EmissionMode"),
            string.IsNullOrWhiteSpace(rootNamespace) ? null : rootNamespace!.Trim(),
            null);
    }

    private static void Produce(SourceProductionContext context, ImmutableArray<ModelResult> results, ImmutableArray<DczListing> listings, bool runtimeReferenced)
    {
        // A file listed more than once: one diagnostic at it, then it counts once.
        foreach (DiagnosticInfo info in ListedMoreThanOnce(listings))
        {
            context.ReportDiagnostic(ToDiagnostic(info));
        }

        // Deterministic order whatever order the compiler lists the files in.
        var byName = new Dictionary<string, ModelSpec>(StringComparer.Ordinal);
        var hintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // Roslyn compares hint names ignoring case
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        bool runtimeReported = false;
        long userStringBytes = 0;
        foreach (ModelResult result in results.OrderBy(r => r.Spec?.OriginalPath ?? r.Diagnostics.FirstOrDefault()?.FilePath ?? string.Empty, StringComparer.Ordinal))
        {
            if (!seenFiles.Add(result.Spec?.OriginalPath ?? result.Diagnostics.FirstOrDefault()?.FilePath ?? string.Empty))
            {
                continue; // the same file again: reported above, generated once
            }

            foreach (DiagnosticInfo info in result.Diagnostics)
            {
                context.ReportDiagnostic(ToDiagnostic(info));
            }

            ModelSpec? spec = result.Spec;
            if (spec is null)
            {
                continue;
            }

            if (byName.TryGetValue(spec.FullName, out ModelSpec? first))
            {
                context.ReportDiagnostic(ToDiagnostic(new DiagnosticInfo(
                    DiagnosticDescriptors.DuplicateClass.Id,
                    spec.OriginalPath,
                    EquatableArray.From(new[] { spec.OriginalPath, spec.FullName, first.OriginalPath }))));
                continue;
            }

            byName.Add(spec.FullName, spec);
            if (!runtimeReferenced && !runtimeReported)
            {
                runtimeReported = true;
                context.ReportDiagnostic(ToDiagnostic(new DiagnosticInfo(
                    DiagnosticDescriptors.RuntimeMissing.Id, spec.OriginalPath, EquatableArray.From(new[] { spec.OriginalPath }))));
            }

            ClassEmission emission;
            try
            {
                emission = EmitClass(spec);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The last resort: a generator must never throw into the compiler.
                context.ReportDiagnostic(ToDiagnostic(InternalError(spec.OriginalPath, ex)));
                continue;
            }

            if (emission.Reserves(spec.ClassName))
            {
                // A member with its class's name does not compile (CS0542).
                context.ReportDiagnostic(ToDiagnostic(new DiagnosticInfo(
                    DiagnosticDescriptors.InvalidMetadata.Id,
                    spec.OriginalPath,
                    EquatableArray.From(new[] { spec.OriginalPath, "the class name '" + spec.ClassName + "' is also the name of one of the generated class's members; set another ClassName metadata" }))));
                continue;
            }

            string source = emission.Writer.ToString();
            if (ShadowsANameInUse(source, spec.FullName))
            {
                // A class named like a namespace or type the code reaches through global:: hides it (CS0437, CS0436).
                context.ReportDiagnostic(ToDiagnostic(new DiagnosticInfo(
                    DiagnosticDescriptors.InvalidMetadata.Id,
                    spec.OriginalPath,
                    EquatableArray.From(new[] { spec.OriginalPath, "the class's full name '" + spec.FullName + "' is also a namespace or type the generated code uses; set another ClassName or Namespace metadata" }))));
                continue;
            }

            if (userStringBytes + emission.UserStringBytes > MaxUserStringBytes)
            {
                context.ReportDiagnostic(ToDiagnostic(new DiagnosticInfo(
                    DiagnosticDescriptors.TooLargeToEmbed.Id,
                    spec.OriginalPath,
                    EquatableArray.From(new[]
                    {
                        spec.OriginalPath,
                        "its class needs " + CodeText.Grouped(emission.UserStringBytes) + " bytes of string literals (class labels, layer lines, the Compact payload), and "
                            + CodeText.Grouped(userStringBytes) + " are taken by the models before it; all generated classes of a project may use "
                            + CodeText.Grouped(MaxUserStringBytes) + " bytes together (the assembly's user-string heap holds 16 MiB)",
                    }))));
                continue;
            }

            userStringBytes += emission.UserStringBytes;
            string hintName = spec.FullName;
            for (int n = 2; !hintNames.Add(hintName); n++)
            {
                hintName = spec.FullName + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            context.AddSource(hintName + ".g.cs", SourceText.From(source, System.Text.Encoding.UTF8));
        }
    }

    /// <summary>
    /// True when the generated code names <paramref name="fullName"/> (or, for an attribute, the
    /// name without its suffix) as <c>global::…</c>: a class of that name would shadow it.
    /// </summary>
    private static bool ShadowsANameInUse(string source, string fullName)
    {
        string[] names = fullName.EndsWith("Attribute", StringComparison.Ordinal) && fullName.Length > 9
            ? new[] { fullName, fullName.Substring(0, fullName.Length - 9) }
            : new[] { fullName };
        foreach (string name in names)
        {
            string needle = "global::" + name;
            for (int at = source.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = source.IndexOf(needle, at + 1, StringComparison.Ordinal))
            {
                int end = at + needle.Length;
                if (end == source.Length || !(char.IsLetterOrDigit(source[end]) || source[end] == '_'))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal static DiagnosticInfo InternalError(string path, Exception ex) =>
        new(DiagnosticDescriptors.InternalError.Id, path, EquatableArray.From(new[] { path, ex.GetType().Name + ": " + ex.Message }));

    private static Diagnostic ToDiagnostic(DiagnosticInfo info)
    {
        // The location is the user's .dcz file (no span: it is binary).
        Location location = Location.Create(info.FilePath, default, default);
        return Diagnostic.Create(DiagnosticDescriptors.ById[info.Id], location, info.Arguments.Cast<object>().ToArray());
    }
}
