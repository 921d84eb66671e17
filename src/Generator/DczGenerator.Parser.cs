using System.Text;
using EmbeddedNets.Format;
using EmbeddedNets.Generator.Emitters;
using Microsoft.CodeAnalysis.CSharp;
using static EmbeddedNets.Generator.CodeText;

namespace EmbeddedNets.Generator;

public sealed partial class DczGenerator
{
    /// <summary>
    /// Validates the item metadata and the file, and turns the file into plain data. Bad input
    /// becomes diagnostics; nothing escapes as an exception.
    /// </summary>
    internal static ModelResult Parse(DczInput input, CancellationToken cancellationToken)
    {
        try
        {
            return ParseCore(input, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failure(InternalError(input.OriginalPath, ex));
        }
    }

    private static ModelResult ParseCore(DczInput input, CancellationToken cancellationToken)
    {
        string path = input.OriginalPath;
        if (input.InternalError is not null)
        {
            return Failure(new DiagnosticInfo(DiagnosticDescriptors.InternalError.Id, path, EquatableArray.From(new[] { path, input.InternalError })));
        }

        if (input.IsBinary)
        {
            return Failure(Info(DiagnosticDescriptors.BinaryWithoutBuildLogic.Id, path, path));
        }

        if (input.TextError is not null)
        {
            return Failure(Info(DiagnosticDescriptors.DamagedTextForm.Id, path, path, input.TextError));
        }

        var problems = new List<DiagnosticInfo>();
        string fileName = FileName(path);
        string className = ResolveClassName(input.ClassName, fileName, path, problems);
        string? ns = ResolveNamespace(input.Namespace, input.RootNamespace, path, problems);
        bool isPublic = ResolveVisibility(input.Visibility, path, problems);
        EmissionMode requested = ResolveMode(input.EmissionMode, path, problems);
        if (problems.Count > 0)
        {
            return new ModelResult(null, new EquatableArray<DiagnosticInfo>(problems.ToArray()));
        }

        cancellationToken.ThrowIfCancellationRequested();
        ReadOnlySpan<byte> bytes = input.Bytes.AsSpan();
        DczInspection inspection;
        try
        {
            inspection = DczFile.Inspect(bytes);
        }
        catch (InvalidDataException ex)
        {
            return Failure(Info(DiagnosticDescriptors.CorruptFile.Id, path, path, ex.Message));
        }
        catch (NotSupportedException ex)
        {
            return Failure(Info(DiagnosticDescriptors.UnsupportedFile.Id, path, path, ex.Message));
        }

        long layerData = 0;
        foreach (DczLayerInspection layer in inspection.Layers)
        {
            layerData = checked(layerData + (layer.Layer.WeightTensor?.Codebook.Length ?? 0) + layer.WeightCodeLengths.Count + layer.GapCodeLengths.Count);
        }

        if (layerData > MaxLayerDataValues)
        {
            return Failure(Info(DiagnosticDescriptors.TooMuchLayerData.Id, path, path, Grouped(layerData), Grouped(MaxLayerDataValues)));
        }

        // Unrolled code needs every op's emitter and grows with the constants it holds.
        DczLayerInspection? missingLayer = null;
        long unrolledValues = 0;
        foreach (DczLayerInspection layer in inspection.Layers)
        {
            OpEmitter? emitter = OpEmitters.Find(layer.Kind);
            if (emitter is null)
            {
                missingLayer ??= layer;
                continue;
            }

            unrolledValues = checked(unrolledValues + emitter.UnrolledValues(layer.Layer));
        }

        EmissionMode mode = requested != EmissionMode.Auto
            ? requested
            : missingLayer is null && unrolledValues <= MaxUnrolledValues && inspection.KeptWeightCount <= AutoUnrollMaxKeptWeights
                && !inspection.Layers.Any(l => l.Kind == LayerKind.Conv2d)
                ? EmissionMode.Unrolled
                : EmissionMode.Compact;
        if (mode == EmissionMode.Unrolled && missingLayer is not null)
        {
            return Failure(Info(
                DiagnosticDescriptors.UnsupportedFile.Id,
                path,
                path,
                DczErrors.LayerLabel(missingLayer.Index, missingLayer.Name, missingLayer.Kind) + ": this version of EmbeddedNets.Generator has no Unrolled code for the op; use EmissionMode Compact"));
        }

        if (mode == EmissionMode.Unrolled && unrolledValues > MaxUnrolledValues)
        {
            return Failure(Info(
                DiagnosticDescriptors.TooLargeToUnroll.Id,
                path,
                path,
                Grouped(unrolledValues),
                Grouped(MaxUnrolledValues)));
        }

        if (mode == EmissionMode.Compact && bytes.Length > MaxEmbeddedBytes)
        {
            return Failure(Info(
                DiagnosticDescriptors.TooLargeToEmbed.Id,
                path,
                path,
                "Compact mode embeds at most " + Grouped(MaxEmbeddedBytes) + " bytes per model (a string literal in the assembly's metadata), and the file is " + Grouped(bytes.Length) + " bytes"));
        }

        var spec = new ModelSpec(path, fileName, className, ns, isPublic, mode, input.Bytes);
        return new ModelResult(spec, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>
    /// The class name from a file name: split on every character that is not a letter or digit,
    /// capitalise the first letter of each part, join (<c>lenet-300-100.dcz</c> → <c>Lenet300100</c>,
    /// <c>my_net v2.dcz</c> → <c>MyNetV2</c>); a leading digit gets an underscore (<c>5x.dcz</c> → <c>_5x</c>).
    /// </summary>
    internal static string ClassNameFromFileName(string fileName)
    {
        string stem = fileName.EndsWith(".dcz", StringComparison.OrdinalIgnoreCase) ? fileName.Substring(0, fileName.Length - 4) : fileName;
        string name = Pascal(stem);
        return name.Length > 0 && char.IsDigit(name[0]) ? "_" + name : name;
    }

    private static string FileName(string path)
    {
        int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return slash < 0 ? path : path.Substring(slash + 1);
    }

    private static string ResolveClassName(string? metadata, string fileName, string path, List<DiagnosticInfo> problems)
    {
        if (metadata is not null)
        {
            if (!IsIdentifier(metadata))
            {
                problems.Add(Info(DiagnosticDescriptors.InvalidMetadata.Id, path, path, "ClassName '" + metadata + "' is not a valid C# identifier"));
            }

            return metadata;
        }

        string derived = ClassNameFromFileName(fileName);
        if (!IsIdentifier(derived))
        {
            problems.Add(Info(DiagnosticDescriptors.InvalidMetadata.Id, path, path, "the file name gives no valid C# class name ('" + derived + "'); set the ClassName metadata"));
        }

        return derived;
    }

    private static string? ResolveNamespace(string? metadata, string? rootNamespace, string path, List<DiagnosticInfo> problems)
    {
        if (metadata is not null)
        {
            string trimmed = metadata.StartsWith("global::", StringComparison.Ordinal) ? metadata.Substring(8) : metadata;
            if (!trimmed.Split('.').All(IsIdentifier))
            {
                problems.Add(Info(DiagnosticDescriptors.InvalidMetadata.Id, path, path, "Namespace '" + metadata + "' is not a valid C# namespace"));
            }

            return trimmed;
        }

        if (rootNamespace is null)
        {
            return null;
        }

        // RootNamespace comes from the project name and may hold characters C# does not allow
        // (my-app): replace them with '_', as the project templates do.
        string[] parts = rootNamespace.Split('.');
        for (int i = 0; i < parts.Length; i++)
        {
            var part = new StringBuilder(parts[i].Length + 1);
            foreach (char c in parts[i])
            {
                part.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
            }

            if (part.Length == 0 || char.IsDigit(part[0]) || SyntaxFacts.GetKeywordKind(part.ToString()) != SyntaxKind.None)
            {
                part.Insert(0, '_');
            }

            parts[i] = part.ToString();
        }

        return string.Join(".", parts);
    }

    private static bool ResolveVisibility(string? metadata, string path, List<DiagnosticInfo> problems)
    {
        if (metadata is null || string.Equals(metadata, "public", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(metadata, "internal", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        problems.Add(Info(DiagnosticDescriptors.InvalidMetadata.Id, path, path, "Visibility '" + metadata + "' is not 'public' or 'internal'"));
        return true;
    }

    private static EmissionMode ResolveMode(string? metadata, string path, List<DiagnosticInfo> problems)
    {
        if (metadata is null)
        {
            return EmissionMode.Auto;
        }

        foreach (EmissionMode mode in new[] { EmissionMode.Auto, EmissionMode.Compact, EmissionMode.Unrolled })
        {
            if (string.Equals(metadata, mode.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return mode;
            }
        }

        problems.Add(Info(DiagnosticDescriptors.InvalidMetadata.Id, path, path, "EmissionMode '" + metadata + "' is not one of Auto, Compact, Unrolled"));
        return EmissionMode.Auto;
    }

    private static DiagnosticInfo Info(string id, string path, params string[] arguments) =>
        new(id, path, new EquatableArray<string>(arguments));

    private static ModelResult Failure(DiagnosticInfo info) => new(null, new EquatableArray<DiagnosticInfo>(new[] { info }));
}
