namespace EmbeddedNets.Generator;

/// <summary>How a model's layers become code.</summary>
internal enum EmissionMode
{
    /// <summary>Unrolled for small models without convolutions (see <see cref="DczGenerator.AutoUnrollMaxKeptWeights"/>), Compact otherwise.</summary>
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

/// <summary>
/// Everything the emitter needs to write one model's class: the resolved item metadata, the
/// chosen mode, and the file's bytes, which passed the reader and the generator's caps. The
/// emitter reads them again with <c>DczFile.Inspect</c>, so the model travels as the format's own
/// layer classes, not as a copy of them; the bytes compare by content, so an unchanged file stays cached.
/// </summary>
internal sealed record ModelSpec(
    string OriginalPath,
    string SourceFileName,
    string ClassName,
    string? Namespace,
    bool IsPublic,
    EmissionMode Mode,
    EquatableArray<byte> Bytes)
{
    /// <summary>Fully qualified name, used for duplicate detection and the hint name.</summary>
    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;
}
