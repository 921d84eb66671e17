using System.Globalization;
using System.Text;
using EmbeddedNets.Format;
using Microsoft.CodeAnalysis.CSharp;

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
        byte[] bytes = input.Bytes.AsSpan().ToArray();
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

        EmissionMode mode = requested != EmissionMode.Auto
            ? requested
            : inspection.KeptWeightCount <= AutoUnrollMaxKeptWeights && !inspection.Layers.Any(l => l.Kind == LayerKind.Conv2d)
                ? EmissionMode.Unrolled
                : EmissionMode.Compact;
        if (mode == EmissionMode.Compact && bytes.Length > MaxEmbeddedBytes)
        {
            return Failure(Info(
                DiagnosticDescriptors.TooLargeToEmbed.Id,
                path,
                path,
                bytes.Length.ToString(CultureInfo.InvariantCulture),
                MaxEmbeddedBytes.ToString(CultureInfo.InvariantCulture)));
        }

        cancellationToken.ThrowIfCancellationRequested();
        DczModel model = inspection.Model;
        ModelInfo info = model.Info;
        var layers = new LayerSpec[model.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = ToLayerSpec(model.Layers[i], inspection.Layers[i], withWeights: mode == EmissionMode.Unrolled);
        }

        var spec = new ModelSpec(
            OriginalPath: path,
            SourceFileName: fileName,
            ClassName: className,
            Namespace: ns,
            IsPublic: isPublic,
            RequestedMode: requested,
            Mode: mode,
            ModelName: info.Name,
            Producer: info.Producer,
            Seed: info.Seed,
            InputShape: new EquatableArray<int>(info.InputShape.ToArray()),
            InputLength: inspection.Shapes.InputLength,
            OutputLength: inspection.Shapes.OutputLength,
            MaxActivationLength: Math.Max(1, inspection.Shapes.MaxActivationLength),
            ScaleBits: FloatBits.ToBits(info.Preprocessing.Scale),
            MeanBits: FloatBits.ToBits(info.Preprocessing.Mean[0]),
            StdBits: FloatBits.ToBits(info.Preprocessing.Std[0]),
            ClassLabels: new EquatableArray<string>(info.ClassLabels.ToArray()),
            HasMetrics: info.Metrics is not null,
            TestSetName: info.Metrics?.TestSetName ?? string.Empty,
            TestCount: info.Metrics?.Count ?? 0,
            TestCorrect: info.Metrics?.Correct ?? 0,
            PayloadBytes: bytes.Length,
            DenseBytes: inspection.DenseFloat32Bytes,
            DenseWeightCount: inspection.DenseWeightCount,
            KeptWeightCount: inspection.KeptWeightCount,
            Layers: new EquatableArray<LayerSpec>(layers),
            Payload: mode == EmissionMode.Compact ? input.Bytes : EquatableArray<byte>.Empty);
        return new ModelResult(spec, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static LayerSpec ToLayerSpec(DczLayer layer, DczLayerInspection inspection, bool withWeights)
    {
        LayerShape shape = inspection.Shape;
        int inChannels = 0, outChannels = 0, kh = 0, kw = 0, sh = 0, sw = 0, ph = 0, pw = 0;
        SparseWeights? weights = null;
        float[]? bias = null;
        switch (layer)
        {
            case DenseLayer dense:
                weights = dense.Weights;
                bias = dense.Bias;
                break;
            case Conv2dLayer conv:
                inChannels = conv.InChannels;
                outChannels = conv.OutChannels;
                kh = conv.KernelHeight;
                kw = conv.KernelWidth;
                sh = conv.StrideHeight;
                sw = conv.StrideWidth;
                ph = conv.PadTop;
                pw = conv.PadLeft;
                weights = conv.Weights;
                bias = conv.Bias;
                break;
            case MaxPool2dLayer pool:
                kh = pool.KernelHeight;
                kw = pool.KernelWidth;
                sh = pool.StrideHeight;
                sw = pool.StrideWidth;
                break;
        }

        EquatableArray<int> positions = EquatableArray<int>.Empty, values = EquatableArray<int>.Empty, biasBits = EquatableArray<int>.Empty;
        if (withWeights && weights is not null && bias is not null)
        {
            positions = new EquatableArray<int>((int[])weights.Positions.Clone());
            var bits = new int[weights.Count];
            for (int k = 0; k < bits.Length; k++)
            {
                bits[k] = FloatBits.ToBits(weights.Codebook[weights.Codes[k]]);
            }

            values = new EquatableArray<int>(bits);
            biasBits = new EquatableArray<int>(bias.Select(FloatBits.ToBits).ToArray());
        }

        return new LayerSpec(
            Index: shape.Index,
            Kind: layer.Kind,
            Name: layer.Name,
            InputShape: new EquatableArray<int>(shape.InputShape.ToArray()),
            OutputShape: new EquatableArray<int>(shape.OutputShape.ToArray()),
            InputLength: shape.InputLength,
            OutputLength: shape.OutputLength,
            InChannels: inChannels,
            OutChannels: outChannels,
            KernelHeight: kh,
            KernelWidth: kw,
            StrideHeight: sh,
            StrideWidth: sw,
            PaddingHeight: ph,
            PaddingWidth: pw,
            DenseWeightCount: inspection.DenseWeightCount,
            KeptCount: inspection.KeptCount,
            CodebookSize: inspection.CodebookSize,
            TotalBytes: inspection.TotalBytes,
            KeptFraction: inspection.KeptFraction,
            WeightBitsPerKeptWeight: inspection.WeightBitsPerKeptWeight,
            IndexBitsPerKeptWeight: inspection.IndexBitsPerKeptWeight,
            Positions: positions,
            WeightBits: values,
            BiasBits: biasBits);
    }

    /// <summary>
    /// The class name from a file name: split on every character that is not a letter or digit,
    /// capitalise the first letter of each part, join (<c>lenet-300-100.dcz</c> → <c>Lenet300100</c>,
    /// <c>my_net v2.dcz</c> → <c>MyNetV2</c>); a leading digit gets an underscore (<c>5x.dcz</c> → <c>_5x</c>).
    /// </summary>
    internal static string ClassNameFromFileName(string fileName)
    {
        string stem = fileName.EndsWith(".dcz", StringComparison.OrdinalIgnoreCase) ? fileName.Substring(0, fileName.Length - 4) : fileName;
        var name = new StringBuilder(stem.Length + 1);
        bool startOfPart = true;
        foreach (char c in stem)
        {
            if (!char.IsLetterOrDigit(c))
            {
                startOfPart = true;
                continue;
            }

            name.Append(startOfPart ? char.ToUpperInvariant(c) : c);
            startOfPart = false;
        }

        if (name.Length > 0 && char.IsDigit(name[0]))
        {
            name.Insert(0, '_');
        }

        return name.ToString();
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

    private static bool IsIdentifier(string name) =>
        SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

    private static DiagnosticInfo Info(string id, string path, params string[] arguments) =>
        new(id, path, new EquatableArray<string>(arguments));

    private static ModelResult Failure(DiagnosticInfo info) => new(null, new EquatableArray<DiagnosticInfo>(new[] { info }));
}
