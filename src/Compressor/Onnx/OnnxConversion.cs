using System.Globalization;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Export;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Compressor.Onnx;

/// <summary>What <c>dcz convert</c> does, as a call: read an ONNX model, convert it, optionally measure it, write the .dcz.</summary>
public sealed class OnnxConversionRequest
{
    /// <summary>The ONNX model to read.</summary>
    public required string OnnxPath { get; init; }

    /// <summary>The .dcz to write.</summary>
    public required string OutputPath { get; init; }

    /// <summary>Name, labels and preprocessing to record.</summary>
    public OnnxConversionOptions Options { get; init; } = new();

    /// <summary>Data to measure the converted model on (its test set); null records no accuracy.</summary>
    public DataOptions? Data { get; init; }
}

/// <summary>The outcome of a conversion.</summary>
/// <param name="Graph">The ONNX graph as read.</param>
/// <param name="Model">The model written (as read back from the written bytes).</param>
/// <param name="FileBytes">Size of the .dcz.</param>
/// <param name="Metrics">The accuracy recorded, when data was given.</param>
public sealed record OnnxConversionResult(OnnxGraph Graph, DczModel Model, int FileBytes, RecordedMetrics? Metrics);

/// <summary>Runs a conversion and describes it in a few lines.</summary>
public static class OnnxConversion
{
    /// <summary>Reads, converts, measures (with data) and writes; <paramref name="log"/> hears what happens.</summary>
    /// <exception cref="FileNotFoundException">The model or the data is missing.</exception>
    /// <exception cref="InvalidDataException">The model or the data is invalid, or they do not fit together.</exception>
    /// <exception cref="NotSupportedException">The model uses something dcz does not import.</exception>
    public static OnnxConversionResult Run(OnnxConversionRequest request, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        OnnxGraph graph = OnnxReader.Load(request.OnnxPath);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"read {request.OnnxPath}: ai.onnx opset {graph.OpsetVersion}{(graph.Producer.Length > 0 ? ", from " + graph.Producer : string.Empty)}; input {OnnxTensor.FormatShape(graph.InputShape)}, output {OnnxTensor.FormatShape(graph.OutputShape)}; {graph.Nodes.Count} nodes: {Counts(graph.Nodes.Select(n => n.OpType))}"));

        Dataset? data = request.Data is null ? null : DatasetLoader.Load(request.Data, graph.InputShape);
        OnnxConversionOptions options = request.Options;
        if (options.ClassLabels is null && data?.ClassNames is { } names && names.Count == graph.OutputShape.Aggregate(1, (a, b) => a * b))
        {
            options = new OnnxConversionOptions { Name = options.Name, Preprocessing = options.Preprocessing, ClassLabels = names };
        }

        DczModel model = DczFile.Read(DczFile.Write(OnnxToDcz.Convert(graph, options)));
        RecordedMetrics? metrics = null;
        if (data is not null)
        {
            data.Test.CheckFits(model.Info.InputShape, model.Info.ClassLabels.Length, Path.GetFileName(request.OnnxPath));
            int correct = RuntimeAccuracy.CountCorrect(CompactModel.Create(model), data.Test);
            metrics = new RecordedMetrics(data.TestName, data.Test.Count, correct);
            model = DczExporter.WithMetrics(model, metrics);
        }

        byte[] bytes = DczFile.Write(model);
        AtomicFile.WriteAllBytes(request.OutputPath, bytes);
        DczInspection inspection = DczFile.Inspect(bytes);
        long weights = model.Layers.Sum(l => (long)(l.WeightTensor?.Count ?? 0));
        long positions = model.Layers.Sum(l => (long)(l.WeightTensor?.Length ?? 0));
        string stored = options.WeightBits is int bits
            ? string.Create(CultureInfo.InvariantCulture, $"{weights:N0} of {positions:N0} weights kept ({weights * 100.0 / positions:F1} %), shared: at most {1 << bits} values per layer")
            : string.Create(CultureInfo.InvariantCulture, $"{weights:N0} of {positions:N0} weights kept, stored as float32 (unshared)");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {request.OutputPath}: {bytes.Length:N0} bytes, {inspection.CompressionRatio:F1}× smaller than dense float32 ({inspection.DenseFloat32Bytes:N0} bytes); {model.Layers.Count} layers: {Counts(model.Layers.Select(l => l.Kind.ToString()))}; {stored}"));
        if (metrics is not null)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test accuracy {metrics.Accuracy * 100:F2} % ({metrics.Correct}/{metrics.Count} of {metrics.TestSetName}, Runtime inference on the written file)"));
        }

        return new OnnxConversionResult(graph, model, bytes.Length, metrics);
    }

    /// <summary><c>Conv ×4, Relu ×2, Add</c>: each name with its count, in order of first appearance.</summary>
    private static string Counts(IEnumerable<string> names) =>
        string.Join(", ", names.GroupBy(n => n, StringComparer.Ordinal).Select(g => g.Count() == 1 ? g.Key : string.Create(CultureInfo.InvariantCulture, $"{g.Key} ×{g.Count()}")));
}
