namespace EmbeddedNets.Compressor.Onnx;

/// <summary>
/// The one place that creates the ONNX importer's exceptions, so every message reads
/// <c>source: node 'name' (OpType): what is wrong; what is supported</c>.
/// A well-formed model that uses something dcz does not import is a
/// <see cref="NotSupportedException"/>; a model that breaks the ONNX rules is an
/// <see cref="InvalidDataException"/>.
/// </summary>
internal static class OnnxErrors
{
    /// <summary>The model is not valid ONNX.</summary>
    public static InvalidDataException Invalid(string source, string message) => new(source + ": " + message);

    /// <summary>A node breaks the ONNX rules of its op.</summary>
    public static InvalidDataException Invalid(string source, OnnxNode node, string message) => new($"{source}: {node.Label}: {message}");

    /// <summary>The model is valid but uses something dcz does not import.</summary>
    public static NotSupportedException Unsupported(string source, string message) => new(source + ": " + message);

    /// <summary>A node is valid ONNX but uses something dcz does not import.</summary>
    public static NotSupportedException Unsupported(string source, OnnxNode node, string message) => new($"{source}: {node.Label}: {message}");
}
