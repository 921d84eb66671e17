using System.Globalization;
using System.Runtime.InteropServices;
using EmbeddedNets.Format;

namespace EmbeddedNets.Benchmarks.Onnx;

/// <summary>
/// Writes a <c>.dcz</c> model as a dense ONNX model (opset 17, IR version 8): every pruned weight
/// tensor decoded to its dense float32 form (zeros where pruned), so that ONNX Runtime runs the
/// network the way it would run the uncompressed original. Input <c>input</c> is
/// <c>[N, …InputShape]</c>, output <c>output</c> is <c>[N, classes]</c>, N a free dimension.
/// </summary>
internal static class OnnxModelWriter
{
    public const string InputName = "input";
    public const string OutputName = "output";

    // onnx.proto field numbers (onnx/onnx.proto, IR version 8).
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelGraph = 7, ModelOpsetImport = 8;
    private const int OpsetDomain = 1, OpsetVersion = 2;
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttrName = 1, AttrI = 3, AttrInts = 8, AttrType = 20;
    private const int AttrTypeInt = 2, AttrTypeInts = 7;
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    private const int TensorFloat = 1;
    private const int ValueInfoName = 1, ValueInfoType = 2;
    private const int TypeTensorType = 1, TensorTypeElemType = 1, TensorTypeShape = 2;
    private const int ShapeDim = 1, DimValue = 1, DimParam = 2;

    private const long IrVersion = 8;
    private const long OpsetVersionNumber = 17;

    /// <summary>Encodes <paramref name="model"/> as an ONNX <c>ModelProto</c>.</summary>
    /// <exception cref="NotSupportedException">The model has an op this writer does not map.</exception>
    public static byte[] Write(DczModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelShapes shapes = ModelShapes.Compute(model);
        var graph = new ProtoWriter().WriteString(GraphName, model.Info.Name);
        var initializers = new List<ProtoWriter>();
        string current = InputName;
        int rank = model.Info.InputShape.Length;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            DczLayer layer = model.Layers[i];
            string id = "l" + i.ToString(CultureInfo.InvariantCulture);
            string output = i == model.Layers.Count - 1 ? OutputName : id + "_out";
            switch (layer)
            {
                case DenseLayer d:
                {
                    if (rank > 1)
                    {
                        // A dense layer straight after a conv: ONNX's Gemm needs the [N, features] view.
                        string flat = id + "_flat";
                        graph.WriteMessage(GraphNode, Node("Flatten", id + "_flatten", [current], flat).WriteMessage(NodeAttribute, IntAttribute("axis", 1)));
                        current = flat;
                        rank = 1;
                    }

                    initializers.Add(Tensor(id + "_W", [d.Outputs, d.Inputs], d.Weights.ToDense()));
                    initializers.Add(Tensor(id + "_B", [d.Outputs], d.Bias));
                    graph.WriteMessage(GraphNode, Node("Gemm", id, [current, id + "_W", id + "_B"], output).WriteMessage(NodeAttribute, IntAttribute("transB", 1)));
                    break;
                }

                case Conv2dLayer c:
                    initializers.Add(Tensor(id + "_W", [c.OutChannels, c.InChannels, c.KernelHeight, c.KernelWidth], c.Weights.ToDense()));
                    initializers.Add(Tensor(id + "_B", [c.OutChannels], c.Bias));
                    graph.WriteMessage(GraphNode, Node("Conv", id, [current, id + "_W", id + "_B"], output)
                        .WriteMessage(NodeAttribute, IntsAttribute("kernel_shape", c.KernelHeight, c.KernelWidth))
                        .WriteMessage(NodeAttribute, IntsAttribute("strides", c.StrideHeight, c.StrideWidth))
                        .WriteMessage(NodeAttribute, IntsAttribute("pads", c.PadTop, c.PadLeft, c.PadBottom, c.PadRight)));
                    break;
                case MaxPool2dLayer p:
                    graph.WriteMessage(GraphNode, Node("MaxPool", id, [current], output)
                        .WriteMessage(NodeAttribute, IntsAttribute("kernel_shape", p.KernelHeight, p.KernelWidth))
                        .WriteMessage(NodeAttribute, IntsAttribute("strides", p.StrideHeight, p.StrideWidth)));
                    break;
                case ReLULayer:
                    graph.WriteMessage(GraphNode, Node("Relu", id, [current], output));
                    break;
                case FlattenLayer:
                    graph.WriteMessage(GraphNode, Node("Flatten", id, [current], output).WriteMessage(NodeAttribute, IntAttribute("axis", 1)));
                    rank = 1;
                    break;
                case SoftmaxLayer:
                    // Opset 13+: softmax along the last axis only; the input here is [N, classes].
                    graph.WriteMessage(GraphNode, Node("Softmax", id, [current], output).WriteMessage(NodeAttribute, IntAttribute("axis", -1)));
                    break;
                default:
                    throw new NotSupportedException($"layer {i} ('{layer.Name}'): op {layer.Kind} has no ONNX mapping in the benchmarks.");
            }

            current = output;
        }

        if (model.Layers.Count == 0)
        {
            throw new NotSupportedException("A model without layers has nothing to run.");
        }

        foreach (ProtoWriter init in initializers)
        {
            graph.WriteMessage(GraphInitializer, init);
        }

        long[] inputDims = [-1, .. model.Info.InputShape.Select(v => (long)v)];
        graph.WriteMessage(GraphInput, ValueInfo(InputName, inputDims));
        graph.WriteMessage(GraphOutput, ValueInfo(OutputName, [-1, shapes.OutputLength]));

        return new ProtoWriter()
            .WriteInt64(ModelIrVersion, IrVersion)
            .WriteString(ModelProducerName, "EmbeddedNets.Benchmarks")
            .WriteMessage(ModelGraph, graph)
            .WriteMessage(ModelOpsetImport, new ProtoWriter().WriteString(OpsetDomain, string.Empty).WriteInt64(OpsetVersion, OpsetVersionNumber))
            .ToArray();
    }

    private static ProtoWriter Node(string opType, string name, string[] inputs, string output)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs)
        {
            node.WriteString(NodeInput, input);
        }

        return node.WriteString(NodeOutput, output).WriteString(NodeName, name).WriteString(NodeOpType, opType);
    }

    private static ProtoWriter IntAttribute(string name, long value) =>
        new ProtoWriter().WriteString(AttrName, name).WriteInt64(AttrI, value).WriteInt64(AttrType, AttrTypeInt);

    private static ProtoWriter IntsAttribute(string name, params long[] values) =>
        new ProtoWriter().WriteString(AttrName, name).WritePackedInt64(AttrInts, values).WriteInt64(AttrType, AttrTypeInts);

    private static ProtoWriter Tensor(string name, long[] dims, float[] values)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        if (count != values.Length)
        {
            throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", dims)}] = {count} values but {values.Length} were given.", nameof(values));
        }

        // raw_data is little-endian float32, which is what MemoryMarshal gives on every platform .NET runs on here.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The ONNX writer assumes a little-endian machine.");
        }

        return new ProtoWriter()
            .WritePackedInt64(TensorDims, dims)
            .WriteInt64(TensorDataType, TensorFloat)
            .WriteString(TensorName, name)
            .WriteBytes(TensorRawData, MemoryMarshal.AsBytes(values.AsSpan()));
    }

    /// <summary>A float tensor value description; a negative dimension is the free batch dimension "N".</summary>
    private static ProtoWriter ValueInfo(string name, long[] dims)
    {
        var shape = new ProtoWriter();
        foreach (long d in dims)
        {
            shape.WriteMessage(ShapeDim, d < 0 ? new ProtoWriter().WriteString(DimParam, "N") : new ProtoWriter().WriteInt64(DimValue, d));
        }

        var tensorType = new ProtoWriter().WriteInt64(TensorTypeElemType, TensorFloat).WriteMessage(TensorTypeShape, shape);
        return new ProtoWriter().WriteString(ValueInfoName, name).WriteMessage(ValueInfoType, new ProtoWriter().WriteMessage(TypeTensorType, tensorType));
    }
}
