using EmbeddedNets.Compressor.Onnx.Proto;
using Google.Protobuf;

namespace EmbeddedNets.Compressor.Tests.Onnx;

/// <summary>Builds small ONNX models in memory with the generated protobuf classes, and finds the committed fixtures.</summary>
internal static class OnnxModels
{
    /// <summary>The folder holding the committed fixtures (tests/data/onnx, copied next to the tests).</summary>
    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "onnx");

    public static string Fixture(string name) => Path.Combine(FixtureDirectory, name);

    public static ModelProto Model(GraphProto graph, long opset = 13, string domain = "")
    {
        var model = new ModelProto { IrVersion = 7, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = opset });
        return model;
    }

    /// <summary>A graph with one float input of <paramref name="inputShape"/> (null = symbolic batch) and one output.</summary>
    public static GraphProto Graph(long?[] inputShape, string output, params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Input.Add(Value("input", inputShape));
        graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        graph.Node.AddRange(nodes);
        return graph;
    }

    public static ValueInfoProto Value(string name, long?[] shape, int elemType = 1)
    {
        var tensorShape = new TensorShapeProto();
        foreach (long? d in shape)
        {
            tensorShape.Dim.Add(d is long v ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = tensorShape } } };
    }

    public static NodeProto Node(string opType, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A float32 tensor with its values in raw_data (as PyTorch writes them) or in float_data.</summary>
    public static TensorProto Floats(string name, long[] dims, float[] values, bool raw = true)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        if (raw)
        {
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), values[i]);
            }

            t.RawData = ByteString.CopyFrom(bytes);
        }
        else
        {
            t.FloatData.AddRange(values);
        }

        return t;
    }

    public static TensorProto Int64s(string name, long[] dims, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = 7 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        return t;
    }

    public static float[] Range(int count, float scale = 0.01f) => Enumerable.Range(0, count).Select(i => (i % 7 - 3) * scale).ToArray();

    /// <summary>input [batch, 4] → Gemm (W [3, 4], transB) → Relu.</summary>
    public static ModelProto SmallGemm(bool rawData = true)
    {
        GraphProto graph = Graph([null, 4], "y",
            Node("Gemm", "fc", ["input", "W", "B"], ["g"], Int("transB", 1)),
            Node("Relu", "relu", ["g"], ["y"]));
        graph.Initializer.Add(Floats("W", [3, 4], Range(12), rawData));
        graph.Initializer.Add(Floats("B", [3], [0.5f, -0.5f, 0.25f], rawData));
        return Model(graph);
    }

    /// <summary>input [batch, 1, 6, 6] → the given node (reading "input", writing "y").</summary>
    public static ModelProto SingleNode(NodeProto node, params TensorProto[] initializers)
    {
        GraphProto graph = Graph([null, 1, 6, 6], "y", node);
        graph.Initializer.AddRange(initializers);
        return Model(graph);
    }

    public static byte[] Bytes(this ModelProto model) => model.ToByteArray();
}
