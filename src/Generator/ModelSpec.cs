using EmbeddedNets.Format;

namespace EmbeddedNets.Generator;

/// <summary>How a model's layers become code.</summary>
internal enum EmissionMode
{
    /// <summary>Unrolled up to <see cref="DczGenerator.AutoUnrollMaxKeptWeights"/> kept weights, Compact above.</summary>
    Auto,

    /// <summary>The .dcz bytes are embedded and decoded once, at first use, by <c>CompactModel</c>.</summary>
    Compact,

    /// <summary>Every kept weight is a statement with constant indices and value; nothing is decoded.</summary>
    Unrolled,
}

/// <summary>One .dcz as it reaches the generator: where it came from, its bytes and its item metadata.</summary>
internal sealed record DczInput(
    string Path,
    string OriginalPath,
    bool IsBinary,
    EquatableArray<byte> Bytes,
    string? TextError,
    string? ClassName,
    string? Namespace,
    string? Visibility,
    string? EmissionMode,
    string? RootNamespace,
    string? InternalError);

/// <summary>A diagnostic as plain data (a <c>Diagnostic</c> is made only at output).</summary>
internal sealed record DiagnosticInfo(string Id, string FilePath, EquatableArray<string> Arguments);

/// <summary>What parsing one input gave: a model to emit, or the diagnostics that say why not.</summary>
internal sealed record ModelResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Everything the emitter needs to write one model's class.</summary>
internal sealed record ModelSpec(
    string OriginalPath,
    string SourceFileName,
    string ClassName,
    string? Namespace,
    bool IsPublic,
    EmissionMode RequestedMode,
    EmissionMode Mode,
    string ModelName,
    string Producer,
    ulong Seed,
    EquatableArray<int> InputShape,
    int InputLength,
    int OutputLength,
    int MaxActivationLength,
    int ScaleBits,
    int MeanBits,
    int StdBits,
    EquatableArray<string> ClassLabels,
    bool HasMetrics,
    string TestSetName,
    int TestCount,
    int TestCorrect,
    int PayloadBytes,
    long DenseBytes,
    long DenseWeightCount,
    long KeptWeightCount,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<byte> Payload)
{
    /// <summary>Fully qualified name, used for duplicate detection and the hint name.</summary>
    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;

    /// <summary>True when the last layer is a softmax, so scores are probabilities.</summary>
    public bool EndsInSoftmax => Layers.Count > 0 && Layers[Layers.Count - 1].Kind == LayerKind.Softmax;
}

/// <summary>
/// One layer: shapes, parameters and byte accounting; for Unrolled emission also the kept
/// weights (flat positions ascending, float bit patterns) and the bias bit patterns.
/// Floats travel as bit patterns so that −0 and 0 compare as different.
/// </summary>
internal sealed record LayerSpec(
    int Index,
    LayerKind Kind,
    string Name,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    int InputLength,
    int OutputLength,
    int InChannels,
    int OutChannels,
    int KernelHeight,
    int KernelWidth,
    int StrideHeight,
    int StrideWidth,
    int PaddingHeight,
    int PaddingWidth,
    long DenseWeightCount,
    int KeptCount,
    int CodebookSize,
    int TotalBytes,
    double KeptFraction,
    double WeightBitsPerKeptWeight,
    double IndexBitsPerKeptWeight,
    EquatableArray<int> Positions,
    EquatableArray<int> WeightBits,
    EquatableArray<int> BiasBits);
