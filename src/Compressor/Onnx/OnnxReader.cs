using System.Buffers.Binary;
using System.Globalization;
using EmbeddedNets.Compressor.Onnx.Proto;
using Google.Protobuf;

namespace EmbeddedNets.Compressor.Onnx;

/// <summary>
/// Reads an ONNX model (protobuf, parsed with Google.Protobuf through classes generated from
/// <c>onnx-subset.proto</c>) and resolves it into an <see cref="OnnxGraph"/>: checks the operator
/// set, reads the constant tensors, removes Dropout and Identity, turns Constant nodes into
/// initializers, drops nodes that do not reach the output, and checks every remaining node against
/// <see cref="OnnxOps"/>, computing each value's shape on the way.
/// </summary>
public static class OnnxReader
{
    /// <summary>The oldest default-domain operator set dcz imports.</summary>
    public const int MinOpset = 11;

    /// <summary>The newest default-domain operator set dcz imports.</summary>
    public const int MaxOpset = 18;

    /// <summary>The largest model file read (protobuf itself stops at 2 GiB).</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>The most elements one constant tensor may hold (256 MiB of float32).</summary>
    public const long MaxTensorElements = 1L << 26;

    private const int FloatType = (int)TensorProto.Types.DataType.Float;
    private const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    /// <summary>Reads and resolves the model in <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid ONNX model.</exception>
    /// <exception cref="NotSupportedException">The model uses an op, attribute, type or opset dcz does not import.</exception>
    public static OnnxGraph Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        }

        if (info.Length > MaxFileBytes)
        {
            throw OnnxErrors.Unsupported(path, $"the file is {info.Length:N0} bytes; dcz reads ONNX files up to {MaxFileBytes:N0} bytes");
        }

        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses and resolves a model held in memory; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid ONNX model.</exception>
    /// <exception cref="NotSupportedException">The model uses an op, attribute, type or opset dcz does not import.</exception>
    public static OnnxGraph Read(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentException.ThrowIfNullOrEmpty(source);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw OnnxErrors.Invalid(source, "not an ONNX model (protobuf: " + e.Message + ")");
        }

        return Resolve(model, source);
    }

    internal static OnnxGraph Resolve(ModelProto model, string source)
    {
        GraphProto graph = model.Graph ?? throw OnnxErrors.Invalid(source, "not an ONNX model: it has no graph");
        int opset = DefaultOpset(model, source);

        // Constant tensors: the initializers, then (below) the values of Constant nodes. Each is
        // decoded only if a node the output depends on reads it, so an unused tensor of a type dcz
        // does not read is no error.
        var constants = new Dictionary<string, Func<OnnxTensor>>(StringComparer.Ordinal);
        foreach (TensorProto t in graph.Initializer)
        {
            if (t.Name.Length == 0)
            {
                throw OnnxErrors.Invalid(source, "an initializer has no name");
            }

            if (!constants.TryAdd(t.Name, () => ReadTensor(t, t.Name, $"initializer '{t.Name}'", source)))
            {
                throw OnnxErrors.Invalid(source, $"two initializers are named '{t.Name}'");
            }
        }

        (string inputName, int[] inputShape, int? fixedBatch) = ReadInput(graph, constants.Keys.ToHashSet(StringComparer.Ordinal), source);
        if (graph.Output.Count != 1)
        {
            throw OnnxErrors.Unsupported(source, $"the graph has {graph.Output.Count} outputs ({string.Join(", ", graph.Output.Select(o => "'" + o.Name + "'"))}); dcz imports models with one output");
        }

        // Pass 1, structure: which value each name stands for once Dropout and Identity are gone,
        // which node defines each value, and that every input is defined before it is used.
        var alias = new Dictionary<string, string>(StringComparer.Ordinal);
        var removedOutputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var defined = new HashSet<string>(StringComparer.Ordinal) { inputName };
        defined.UnionWith(constants.Keys);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<(NodeProto Proto, OnnxNode Node)>();
        string Canonical(string value) => alias.TryGetValue(value, out string? target) ? target : value;

        for (int index = 0; index < graph.Node.Count; index++)
        {
            NodeProto proto = graph.Node[index];
            string name = proto.Name.Length > 0 && names.Add(proto.Name) ? proto.Name : UniqueName(names, proto.OpType, index);
            var inputs = proto.Input.Select(i => i.Length == 0 ? i : Canonical(i)).ToArray();
            var bare = new OnnxNode(source, index, name, proto.OpType, inputs, proto.Output.ToArray(), new Dictionary<string, OnnxAttribute>());
            if (proto.Output.Count == 0 || proto.Output[0].Length == 0)
            {
                throw OnnxErrors.Invalid(source, bare, "has no output");
            }

            if (proto.Domain is not ("" or "ai.onnx"))
            {
                throw OnnxErrors.Unsupported(source, bare, $"is in the operator domain '{proto.Domain}'; dcz imports ops of the default domain (ai.onnx): {OnnxOps.SupportedList}");
            }

            for (int i = 0; i < inputs.Length; i++)
            {
                if (inputs[i].Length == 0 || defined.Contains(inputs[i]))
                {
                    continue;
                }

                throw removedOutputs.TryGetValue(inputs[i], out string? why)
                    ? OnnxErrors.Unsupported(source, bare, $"input '{inputs[i]}' is {why}")
                    : OnnxErrors.Invalid(source, bare, $"input '{inputs[i]}' is not a graph input, an initializer or the output of an earlier node (ONNX nodes are in topological order)");
            }

            foreach (string output in proto.Output.Where(o => o.Length > 0))
            {
                if (defined.Contains(output) || alias.ContainsKey(output) || removedOutputs.ContainsKey(output))
                {
                    throw OnnxErrors.Invalid(source, bare, $"output '{output}' is already defined (each ONNX value has one producer)");
                }
            }

            switch (proto.OpType)
            {
                case "Constant":
                    constants.Add(proto.Output[0], () => ConstantValue(proto, bare, source));
                    defined.Add(proto.Output[0]);
                    break;
                case "Identity":
                case "Dropout":
                    if (proto.OpType == "Dropout" && inputs.Length > 2 && inputs[2].Length > 0)
                    {
                        throw OnnxErrors.Unsupported(source, bare, "has a training_mode input; dcz removes Dropout as inference does, so export the model in eval mode (model.eval())");
                    }

                    alias[proto.Output[0]] = inputs[0];
                    for (int o = 1; o < proto.Output.Count; o++)
                    {
                        removedOutputs[proto.Output[o]] = $"output {o} of {bare.Label}, which dcz removes (it passes its input through at inference)";
                    }

                    break;
                default:
                    kept.Add((proto, bare));
                    defined.UnionWith(proto.Output.Where(o => o.Length > 0));
                    break;
            }
        }

        string outputName = Canonical(graph.Output[0].Name);
        if (outputName == inputName || constants.ContainsKey(outputName))
        {
            throw OnnxErrors.Unsupported(source, $"the output '{graph.Output[0].Name}' is not computed by any node");
        }

        if (!defined.Contains(outputName))
        {
            throw OnnxErrors.Invalid(source, $"the output '{graph.Output[0].Name}' is produced by no node");
        }

        // Pass 2: keep only the nodes the output depends on.
        var needed = new HashSet<string>(StringComparer.Ordinal) { outputName };
        var live = new List<(NodeProto Proto, OnnxNode Node)>();
        for (int i = kept.Count - 1; i >= 0; i--)
        {
            if (kept[i].Node.Outputs.Any(needed.Contains))
            {
                live.Add(kept[i]);
                needed.UnionWith(kept[i].Node.Inputs.Where(v => v.Length > 0));
            }
        }

        live.Reverse();

        // Pass 3: every op is one dcz imports (before anything else is said about the model, so an
        // unsupported op is the first thing a user hears), the input's rank, then each node against
        // its op's rule, computing shapes in order.
        foreach ((NodeProto _, OnnxNode bare) in live)
        {
            if (!OnnxOps.IsImported(bare.OpType))
            {
                throw OnnxErrors.Unsupported(source, bare, $"the op {bare.OpType} is not supported; dcz imports {OnnxOps.SupportedList}");
            }
        }

        if (inputShape.Length is not (1 or 3))
        {
            throw OnnxErrors.Unsupported(source, $"input '{inputName}' has {inputShape.Length + 1} dimensions; dcz imports inputs of shape [batch, features] or [batch, channels, height, width]");
        }

        var usedConstants = constants.Where(c => needed.Contains(c.Key)).ToDictionary(c => c.Key, c => c.Value(), StringComparer.Ordinal);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal) { [inputName] = inputShape };
        var context = new OpContext(source, opset, fixedBatch, shapes, usedConstants);
        var nodes = new List<OnnxNode>(live.Count);
        foreach ((NodeProto proto, OnnxNode bare) in live)
        {
            var node = new OnnxNode(source, bare.Index, bare.Name, bare.OpType, bare.Inputs, bare.Outputs, ReadAttributes(proto, bare, source));
            for (int o = 1; o < node.Outputs.Count; o++)
            {
                if (node.Outputs[o].Length > 0 && needed.Contains(node.Outputs[o]))
                {
                    throw OnnxErrors.Unsupported(source, node, $"its output {o} ('{node.Outputs[o]}') is used; dcz imports the first output of {node.OpType} only");
                }
            }

            (int[] shape, IReadOnlyDictionary<string, OnnxAttribute> attributes) = OnnxOps.Resolve(node, context);
            shapes[node.Output] = shape;
            nodes.Add(new OnnxNode(source, node.Index, node.Name, node.OpType, node.Inputs, [node.Output], attributes));
        }

        string producer = (model.ProducerName + " " + model.ProducerVersion).Trim();
        return new OnnxGraph(source, graph.Name, producer, opset, inputName, inputShape, outputName, nodes, usedConstants, shapes);
    }

    private static int DefaultOpset(ModelProto model, string source)
    {
        OperatorSetIdProto? entry = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (entry is null)
        {
            throw OnnxErrors.Invalid(source, "the model imports no default (ai.onnx) operator set");
        }

        if (entry.Version < MinOpset || entry.Version > MaxOpset)
        {
            throw OnnxErrors.Unsupported(source, string.Create(CultureInfo.InvariantCulture,
                $"the model uses ai.onnx opset {entry.Version}; dcz imports opsets {MinOpset}–{MaxOpset} (re-export with e.g. torch.onnx.export(..., opset_version=13))"));
        }

        return (int)entry.Version;
    }

    private static (string Name, int[] Shape, int? FixedBatch) ReadInput(GraphProto graph, HashSet<string> constants, string source)
    {
        // IR versions before 4 list the initializers among the inputs too.
        var inputs = graph.Input.Where(i => !constants.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw OnnxErrors.Unsupported(source, $"the graph has {inputs.Count} inputs that are not initializers ({string.Join(", ", inputs.Select(i => "'" + i.Name + "'"))}); dcz imports models with one input");
        }

        ValueInfoProto input = inputs[0];
        string what = $"input '{input.Name}'";
        TypeProto.Types.Tensor? tensor = input.Type?.TensorType;
        if (tensor is null)
        {
            throw OnnxErrors.Unsupported(source, $"{what} is not a tensor");
        }

        if (tensor.ElemType != FloatType)
        {
            throw OnnxErrors.Unsupported(source, $"{what} has element type {TypeName(tensor.ElemType)}; dcz imports models with a float32 input");
        }

        if (tensor.Shape is null || tensor.Shape.Dim.Count == 0)
        {
            throw OnnxErrors.Unsupported(source, $"{what} has no shape; dcz imports inputs of shape [batch, features] or [batch, channels, height, width]");
        }

        var dims = tensor.Shape.Dim;
        int? batch = null;
        if (dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
        {
            batch = dims[0].DimValue is >= 1 and <= int.MaxValue
                ? (int)dims[0].DimValue
                : throw OnnxErrors.Invalid(source, $"{what} has batch dimension {dims[0].DimValue}");
        }

        var shape = new int[dims.Count - 1];
        for (int d = 1; d < dims.Count; d++)
        {
            var dim = dims[d];
            if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                string label = dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? $"is symbolic ('{dim.DimParam}')" : "is unknown";
                throw OnnxErrors.Unsupported(source, $"dimension {d} of {what} {label}; dcz needs a fixed size for every dimension after the batch");
            }

            shape[d - 1] = dim.DimValue is >= 1 and <= int.MaxValue
                ? (int)dim.DimValue
                : throw OnnxErrors.Invalid(source, $"dimension {d} of {what} is {dim.DimValue}");
        }

        return (input.Name, shape, batch);
    }

    private static OnnxTensor ReadTensor(TensorProto t, string name, string what, string source)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw OnnxErrors.Unsupported(source, $"{what} keeps its data in an external file; dcz reads models with the weights inside the .onnx file");
        }

        var shape = new int[t.Dims.Count];
        long count = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            long dim = t.Dims[d];
            if (dim < 0)
            {
                throw OnnxErrors.Invalid(source, $"{what} has dimension {dim}");
            }

            count *= dim;
            if (count > MaxTensorElements)
            {
                throw OnnxErrors.Unsupported(source, $"{what} of shape {OnnxTensor.FormatShape(t.Dims)} has more than {MaxTensorElements:N0} elements");
            }

            shape[d] = (int)dim;
        }

        int n = (int)count;
        switch (t.DataType)
        {
            case FloatType:
                float[] floats;
                if (!t.RawData.IsEmpty)
                {
                    ExpectLength(t.RawData.Length, checked(n * sizeof(float)), what, source);
                    floats = new float[n];
                    ReadOnlySpan<byte> raw = t.RawData.Span;
                    for (int i = 0; i < n; i++)
                    {
                        floats[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * sizeof(float)));
                    }
                }
                else
                {
                    ExpectCount(t.FloatData.Count, n, "float_data", what, source);
                    floats = t.FloatData.ToArray();
                }

                return new OnnxTensor(name, shape, floats, null);
            case Int64Type:
                long[] longs;
                if (!t.RawData.IsEmpty)
                {
                    ExpectLength(t.RawData.Length, checked(n * sizeof(long)), what, source);
                    longs = new long[n];
                    ReadOnlySpan<byte> raw = t.RawData.Span;
                    for (int i = 0; i < n; i++)
                    {
                        longs[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * sizeof(long)));
                    }
                }
                else
                {
                    ExpectCount(t.Int64Data.Count, n, "int64_data", what, source);
                    longs = t.Int64Data.ToArray();
                }

                return new OnnxTensor(name, shape, null, longs);
            default:
                throw OnnxErrors.Unsupported(source, $"{what} holds {TypeName(t.DataType)} values; dcz reads float32 weights (and int64 shapes)");
        }
    }

    private static void ExpectLength(int actual, int expected, string what, string source)
    {
        if (actual != expected)
        {
            throw OnnxErrors.Invalid(source, $"{what} has {actual} bytes of raw_data; its shape needs {expected}");
        }
    }

    private static void ExpectCount(int actual, int expected, string field, string what, string source)
    {
        if (actual != expected)
        {
            throw OnnxErrors.Invalid(source, $"{what} has {actual} values in {field}; its shape needs {expected}");
        }
    }

    private static OnnxTensor ConstantValue(NodeProto proto, OnnxNode node, string source)
    {
        if (proto.Attribute.Count != 1)
        {
            throw OnnxErrors.Invalid(source, node, $"has {proto.Attribute.Count} attributes; a Constant has exactly one value");
        }

        AttributeProto a = proto.Attribute[0];
        string name = proto.Output[0];
        return a.Name switch
        {
            "value" when a.T is not null => ReadTensor(a.T, name, $"{node.Label} value", source),
            "value_float" => new OnnxTensor(name, [], [a.F], null),
            "value_floats" => new OnnxTensor(name, [a.Floats.Count], a.Floats.ToArray(), null),
            "value_int" => new OnnxTensor(name, [], null, [a.I]),
            "value_ints" => new OnnxTensor(name, [a.Ints.Count], null, a.Ints.ToArray()),
            _ => throw OnnxErrors.Unsupported(source, node, $"attribute '{a.Name}' is not supported; dcz reads Constant values given as value (a float32 or int64 tensor), value_float(s) or value_int(s)"),
        };
    }

    private static Dictionary<string, OnnxAttribute> ReadAttributes(NodeProto proto, OnnxNode node, string source)
    {
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        foreach (AttributeProto a in proto.Attribute)
        {
            if (a.RefAttrName.Length > 0)
            {
                throw OnnxErrors.Unsupported(source, node, $"attribute '{a.Name}' refers to a function attribute; dcz imports plain graphs");
            }

            OnnxAttribute value = a.Type switch
            {
                AttributeProto.Types.AttributeType.Float => new(a.Name, OnnxAttributeKind.Float, f: a.F),
                AttributeProto.Types.AttributeType.Int => new(a.Name, OnnxAttributeKind.Int, i: a.I),
                AttributeProto.Types.AttributeType.String => new(a.Name, OnnxAttributeKind.String, s: a.S.ToStringUtf8()),
                AttributeProto.Types.AttributeType.Floats => new(a.Name, OnnxAttributeKind.Floats, floats: a.Floats.ToArray()),
                AttributeProto.Types.AttributeType.Ints => new(a.Name, OnnxAttributeKind.Ints, ints: a.Ints.ToArray()),
                _ => throw OnnxErrors.Unsupported(source, node, $"attribute '{a.Name}' has type {a.Type}; dcz reads float, int, string, floats and ints attributes"),
            };
            if (!attributes.TryAdd(a.Name, value))
            {
                throw OnnxErrors.Invalid(source, node, $"attribute '{a.Name}' is given twice");
            }
        }

        return attributes;
    }

    private static string UniqueName(HashSet<string> names, string opType, int index)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"{opType}_{index}");
        for (int suffix = 1; !names.Add(name); suffix++)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{opType}_{index}_{suffix}");
        }

        return name;
    }

    private static string TypeName(int dataType) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType)
            ? ((TensorProto.Types.DataType)dataType).ToString().ToUpperInvariant()
            : "type " + dataType.ToString(CultureInfo.InvariantCulture);
}
