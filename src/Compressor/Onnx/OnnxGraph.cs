using System.Globalization;

namespace EmbeddedNets.Compressor.Onnx;

/// <summary>
/// An ONNX model resolved into the plain form that importers work from: the nodes dcz supports in
/// topological order (Dropout and Identity removed, Constant nodes turned into initializers, nodes
/// that do not reach the output dropped), the constant tensors by name, and the shape of every
/// value for one sample (the batch dimension removed). Produced by <see cref="OnnxReader"/>, which
/// has checked every node against <see cref="OnnxOps"/>; nothing here refers to protobuf types.
/// </summary>
public sealed class OnnxGraph
{
    internal OnnxGraph(
        string source,
        string name,
        string producer,
        int opsetVersion,
        string inputName,
        int[] inputShape,
        string outputName,
        IReadOnlyList<OnnxNode> nodes,
        IReadOnlyDictionary<string, OnnxTensor> initializers,
        IReadOnlyDictionary<string, int[]> shapes)
    {
        Source = source;
        Name = name;
        Producer = producer;
        OpsetVersion = opsetVersion;
        InputName = inputName;
        InputShape = inputShape;
        OutputName = outputName;
        Nodes = nodes;
        Initializers = initializers;
        Shapes = shapes;
    }

    /// <summary>Where the model came from (a file path or a name given by the caller), for messages.</summary>
    public string Source { get; }

    /// <summary>The graph's name (may be empty).</summary>
    public string Name { get; }

    /// <summary>The producer recorded in the model, e.g. <c>pytorch 1.13.1</c> (may be empty).</summary>
    public string Producer { get; }

    /// <summary>The version of the default (<c>ai.onnx</c>) operator set, 11–18.</summary>
    public int OpsetVersion { get; }

    /// <summary>Name of the one graph input that is not an initializer.</summary>
    public string InputName { get; }

    /// <summary>Shape of one input sample: the graph input's dimensions after the batch dimension.</summary>
    public int[] InputShape { get; }

    /// <summary>Name of the graph's one output value.</summary>
    public string OutputName { get; }

    /// <summary>The nodes in topological order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>Constant tensors by value name: the initializers and the values of Constant nodes.</summary>
    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

    /// <summary>Shape of every non-constant value for one sample (batch dimension removed).</summary>
    public IReadOnlyDictionary<string, int[]> Shapes { get; }

    /// <summary>The shape of <see cref="OutputName"/> for one sample.</summary>
    public int[] OutputShape => Shapes[OutputName];

    /// <summary>True when <paramref name="value"/> is a constant tensor.</summary>
    public bool IsConstant(string value) => Initializers.ContainsKey(value);

    /// <summary>The nodes that read <paramref name="value"/>, in graph order.</summary>
    public IEnumerable<OnnxNode> Consumers(string value) => Nodes.Where(n => n.Inputs.Contains(value, StringComparer.Ordinal));

    /// <summary>The node that writes <paramref name="value"/>, or null for the graph input and constants.</summary>
    public OnnxNode? ProducerOf(string value) => Nodes.FirstOrDefault(n => n.Outputs.Contains(value, StringComparer.Ordinal));
}

/// <summary>One operator application, with its attributes already typed.</summary>
public sealed class OnnxNode
{
    internal OnnxNode(string source, int index, string name, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, IReadOnlyDictionary<string, OnnxAttribute> attributes)
    {
        Source = source;
        Index = index;
        Name = name;
        OpType = opType;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
    }

    /// <summary>The model the node belongs to (a file path or a caller's name), for messages.</summary>
    public string Source { get; }

    /// <summary>Position of the node in the ONNX file's node list.</summary>
    public int Index { get; }

    /// <summary>
    /// The node's name: the file's name when it gave one that no earlier node uses, otherwise
    /// <c>OpType_Index</c>. Unique within the graph.
    /// </summary>
    public string Name { get; }

    /// <summary>The ONNX operator, e.g. <c>Conv</c>.</summary>
    public string OpType { get; }

    /// <summary>Input value names in operator order; an empty string is an omitted optional input.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Output value names.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Attributes by name.</summary>
    public IReadOnlyDictionary<string, OnnxAttribute> Attributes { get; }

    /// <summary>The first output.</summary>
    public string Output => Outputs[0];

    /// <summary>How messages name the node: <c>node 'conv1' (Conv)</c>.</summary>
    public string Label => $"node '{Name}' ({OpType})";

    /// <summary>The input at <paramref name="position"/>, or null when the node omits it.</summary>
    public string? OptionalInput(int position) =>
        position < Inputs.Count && Inputs[position].Length > 0 ? Inputs[position] : null;

    /// <summary>An integer attribute, or <paramref name="fallback"/> when absent.</summary>
    public long Int(string name, long fallback) =>
        Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Expect(this, OnnxAttributeKind.Int).Int : fallback;

    /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
    public float Float(string name, float fallback) =>
        Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Expect(this, OnnxAttributeKind.Float).Float : fallback;

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    public string String(string name, string fallback) =>
        Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Expect(this, OnnxAttributeKind.String).String : fallback;

    /// <summary>An integer-list attribute, or null when absent.</summary>
    public long[]? Ints(string name) =>
        Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Expect(this, OnnxAttributeKind.Ints).Ints : null;
}

/// <summary>The kinds of attribute value dcz reads.</summary>
public enum OnnxAttributeKind
{
    /// <summary>One float.</summary>
    Float,

    /// <summary>One 64-bit integer.</summary>
    Int,

    /// <summary>A UTF-8 string.</summary>
    String,

    /// <summary>A list of floats.</summary>
    Floats,

    /// <summary>A list of 64-bit integers.</summary>
    Ints,

    /// <summary>A tensor (the value of a Constant node).</summary>
    Tensor,
}

/// <summary>A typed node attribute.</summary>
public sealed class OnnxAttribute
{
    internal OnnxAttribute(string name, OnnxAttributeKind kind, float f = 0, long i = 0, string s = "", float[]? floats = null, long[]? ints = null, OnnxTensor? tensor = null)
    {
        Name = name;
        Kind = kind;
        Float = f;
        Int = i;
        String = s;
        Floats = floats ?? Array.Empty<float>();
        Ints = ints ?? Array.Empty<long>();
        Tensor = tensor;
    }

    /// <summary>The attribute's name.</summary>
    public string Name { get; }

    /// <summary>Which value field holds the value.</summary>
    public OnnxAttributeKind Kind { get; }

    /// <summary>The value of a <see cref="OnnxAttributeKind.Float"/> attribute.</summary>
    public float Float { get; }

    /// <summary>The value of an <see cref="OnnxAttributeKind.Int"/> attribute.</summary>
    public long Int { get; }

    /// <summary>The value of a <see cref="OnnxAttributeKind.String"/> attribute.</summary>
    public string String { get; }

    /// <summary>The value of a <see cref="OnnxAttributeKind.Floats"/> attribute.</summary>
    public float[] Floats { get; }

    /// <summary>The value of an <see cref="OnnxAttributeKind.Ints"/> attribute.</summary>
    public long[] Ints { get; }

    /// <summary>The value of a <see cref="OnnxAttributeKind.Tensor"/> attribute.</summary>
    public OnnxTensor? Tensor { get; }

    /// <summary>The value formatted for messages.</summary>
    public override string ToString() => Kind switch
    {
        OnnxAttributeKind.Float => Float.ToString("R", CultureInfo.InvariantCulture),
        OnnxAttributeKind.Int => Int.ToString(CultureInfo.InvariantCulture),
        OnnxAttributeKind.String => "'" + String + "'",
        OnnxAttributeKind.Floats => "[" + string.Join(", ", Floats.Select(f => f.ToString("R", CultureInfo.InvariantCulture))) + "]",
        OnnxAttributeKind.Ints => "[" + string.Join(", ", Ints.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]",
        OnnxAttributeKind.Tensor => "tensor " + OnnxTensor.FormatShape(Tensor!.Shape),
        _ => throw new InvalidOperationException("unknown attribute kind " + Kind),
    };

    internal OnnxAttribute Expect(OnnxNode node, OnnxAttributeKind kind) =>
        Kind == kind ? this : throw OnnxErrors.Invalid(node.Source, node, $"attribute '{Name}' is {Describe(Kind)} but {node.OpType} takes {Describe(kind)}");

    private static string Describe(OnnxAttributeKind kind) => kind switch
    {
        OnnxAttributeKind.Float => "a float",
        OnnxAttributeKind.Int => "an integer",
        OnnxAttributeKind.String => "a string",
        OnnxAttributeKind.Floats => "a list of floats",
        OnnxAttributeKind.Ints => "a list of integers",
        OnnxAttributeKind.Tensor => "a tensor",
        _ => kind.ToString(),
    };
}

/// <summary>A constant tensor: float32 values (weights) or int64 values (shapes), row-major.</summary>
public sealed class OnnxTensor
{
    internal OnnxTensor(string name, int[] shape, float[]? floats, long[]? int64s)
    {
        Name = name;
        Shape = shape;
        Floats = floats;
        Int64s = int64s;
    }

    /// <summary>The value name.</summary>
    public string Name { get; }

    /// <summary>Dimensions; empty for a scalar.</summary>
    public int[] Shape { get; }

    /// <summary>The values of a float32 tensor, null for an int64 one.</summary>
    public float[]? Floats { get; }

    /// <summary>The values of an int64 tensor, null for a float32 one.</summary>
    public long[]? Int64s { get; }

    /// <summary>Number of elements.</summary>
    public int Count => Floats?.Length ?? Int64s!.Length;

    /// <summary>Formats a shape for messages: <c>[64, 1, 3, 3]</c>.</summary>
    public static string FormatShape(IEnumerable<int> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Formats a shape for messages: <c>[64, 1, 3, 3]</c>.</summary>
    public static string FormatShape(IEnumerable<long> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
