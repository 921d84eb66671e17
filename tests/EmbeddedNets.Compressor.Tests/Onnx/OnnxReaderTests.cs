using EmbeddedNets.Compressor.Onnx;
using EmbeddedNets.Compressor.Onnx.Proto;
using Google.Protobuf;
using static EmbeddedNets.Compressor.Tests.Onnx.OnnxModels;

namespace EmbeddedNets.Compressor.Tests.Onnx;

public sealed class OnnxReaderTests
{
    private static OnnxGraph Read(ModelProto model) => OnnxReader.Read(model.Bytes(), "m.onnx");

    private static string[] Ops(OnnxGraph graph) => graph.Nodes.Select(n => n.OpType).ToArray();

    [Fact]
    public void Load_PyTorchMlp_ResolvesGemmBatchNormReluGemm()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("mlp-bn.onnx"));

        Assert.Equal(["Gemm", "BatchNormalization", "Relu", "Gemm"], Ops(graph));
        Assert.Equal(13, graph.OpsetVersion);
        Assert.StartsWith("pytorch", graph.Producer);
        Assert.Equal([784], graph.InputShape);
        Assert.Equal([10], graph.OutputShape);
        Assert.Equal([48], graph.Shapes[graph.Nodes[1].Output]);
        OnnxTensor w = graph.Initializers[graph.Nodes[0].Inputs[1]];
        Assert.Equal([48, 784], w.Shape);
        Assert.Equal(48 * 784, w.Floats!.Length);
        Assert.Contains(w.Floats, v => v != 0);
        Assert.Equal(1, graph.Nodes[0].Int("transB", 0));
    }

    [Fact]
    public void Load_PyTorchCnn_FoldsConstantsIntoInitializersAndInfersEveryShape()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("cnn-residual.onnx"));

        Assert.DoesNotContain("Constant", Ops(graph));
        Assert.Equal([1, 28, 28], graph.InputShape);
        Assert.Equal([10], graph.OutputShape);
        OnnxNode clip = graph.Nodes.First(n => n.OpType == "Clip");
        Assert.Equal(0f, graph.Initializers[clip.Inputs[1]].Floats!.Single());
        Assert.Equal(6f, graph.Initializers[clip.Inputs[2]].Floats!.Single());
        OnnxNode depthwise = graph.Nodes.Where(n => n.OpType == "Conv").ElementAt(1);
        Assert.Equal(8, depthwise.Int("group", 1));
        Assert.Equal([8, 14, 14], graph.Shapes[depthwise.Output]);
        OnnxNode add = graph.Nodes.Single(n => n.OpType == "Add");
        Assert.False(graph.IsConstant(add.Inputs[0]));
        Assert.False(graph.IsConstant(add.Inputs[1]));
        Assert.Equal([32, 1, 1], graph.Shapes[graph.Nodes.Single(n => n.OpType == "GlobalAveragePool").Output]);
        Assert.Equal(4, graph.Nodes.Count(n => n.OpType == "BatchNormalization"));
    }

    [Fact]
    public void Load_PyTorchOpsMix_NormalisesWindowsAndResolvesReshape()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("ops-mix.onnx"));

        OnnxNode conv = graph.Nodes.Single(n => n.OpType == "Conv");
        Assert.Equal([1, 2, 1, 2], conv.Ints("pads")!);
        Assert.Equal([2, 2], conv.Ints("strides")!);
        Assert.Equal([5, 5], conv.Ints("kernel_shape")!);
        Assert.Equal([4, 13, 14], graph.Shapes[conv.Output]);
        OnnxNode pool = graph.Nodes.Single(n => n.OpType == "AveragePool");
        Assert.Equal(0, pool.Int("count_include_pad", -1));
        Assert.Equal([4, 7, 7], graph.Shapes[pool.Output]);
        Assert.Equal([196], graph.Shapes[graph.Nodes.Single(n => n.OpType == "Reshape").Output]);
        Assert.Equal([12], graph.Shapes[graph.Nodes.Single(n => n.OpType == "Add").Output]);
        Assert.Equal("input", graph.Nodes[0].Inputs[0]);
        Assert.Equal("BatchNormalization", graph.Nodes[0].OpType);
    }

    [Fact]
    public void Load_IdentityAndDropout_RemovesBothAndRewiresTheirConsumers()
    {
        OnnxGraph graph = OnnxReader.Load(Fixture("gemm-identity-dropout.onnx"));

        Assert.Equal(["Gemm", "Relu"], Ops(graph));
        Assert.Equal("input", graph.Nodes[0].Inputs[0]);
        Assert.Equal(graph.Nodes[0].Output, graph.Nodes[1].Inputs[0]);
        Assert.Equal("output", graph.OutputName);
    }

    [Fact]
    public void Load_Lstm_NamesTheNodeItsOpAndWhatIsSupported()
    {
        var e = Assert.Throws<NotSupportedException>(() => OnnxReader.Load(Fixture("unsupported-lstm.onnx")));

        Assert.Contains("node 'lstm1' (LSTM): the op LSTM is not supported; dcz imports Add, AveragePool, BatchNormalization, Clip, Constant, Conv, Dropout, Flatten, Gemm, GlobalAveragePool, Identity, MatMul, MaxPool, Relu, Reshape, Sigmoid, Softmax, Tanh", e.Message);
        Assert.StartsWith(Fixture("unsupported-lstm.onnx"), e.Message);
    }

    [Fact]
    public void Load_DilatedConv_NamesTheAttributeAndWhatIsSupported()
    {
        var e = Assert.Throws<NotSupportedException>(() => OnnxReader.Load(Fixture("unsupported-dilation.onnx")));

        Assert.Contains("node 'dilated' (Conv): dilations [2, 2] are not supported; dcz imports Conv with dilations of 1 only", e.Message);
    }

    [Fact]
    public void Read_FloatDataAndRawData_GiveTheSameWeights()
    {
        OnnxGraph raw = Read(SmallGemm(rawData: true));
        OnnxGraph typed = Read(SmallGemm(rawData: false));

        Assert.Equal(Range(12), raw.Initializers["W"].Floats);
        Assert.Equal(raw.Initializers["W"].Floats, typed.Initializers["W"].Floats);
        Assert.Equal(raw.Initializers["B"].Floats, typed.Initializers["B"].Floats);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(19)]
    public void Read_OpsetOutsideRange_SaysWhichOpsetsAreSupported(long opset)
    {
        ModelProto model = SmallGemm();
        model.OpsetImport[0].Version = opset;

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal($"m.onnx: the model uses ai.onnx opset {opset}; dcz imports opsets 11–18 (re-export with e.g. torch.onnx.export(..., opset_version=13))", e.Message);
    }

    [Fact]
    public void Read_NoDefaultOpset_IsInvalid()
    {
        ModelProto model = SmallGemm();
        model.OpsetImport[0].Domain = "com.example";

        var e = Assert.Throws<InvalidDataException>(() => Read(model));

        Assert.Contains("imports no default (ai.onnx) operator set", e.Message);
    }

    [Fact]
    public void Read_Int32Weights_NamesTheInitializerAndItsType()
    {
        ModelProto model = SmallGemm();
        model.Graph.Initializer[0].DataType = 6;

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal("m.onnx: initializer 'W' holds INT32 values; dcz reads float32 weights (and int64 shapes)", e.Message);
    }

    [Fact]
    public void Read_UnusedInitializerOfAnotherType_IsIgnored()
    {
        ModelProto model = SmallGemm();
        model.Graph.Initializer.Add(new TensorProto { Name = "unused", DataType = 11, Dims = { 2 }, DoubleData = { 1, 2 } });

        OnnxGraph graph = Read(model);

        Assert.False(graph.IsConstant("unused"));
    }

    [Fact]
    public void Read_RawDataOfWrongLength_SaysHowManyBytesTheShapeNeeds()
    {
        ModelProto model = SmallGemm();
        model.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[44]);

        var e = Assert.Throws<InvalidDataException>(() => Read(model));

        Assert.Equal("m.onnx: initializer 'W' has 44 bytes of raw_data; its shape needs 48", e.Message);
    }

    [Fact]
    public void Read_FloatDataOfWrongCount_SaysHowManyValuesTheShapeNeeds()
    {
        ModelProto model = SmallGemm(rawData: false);
        model.Graph.Initializer[1].FloatData.Add(1f);

        var e = Assert.Throws<InvalidDataException>(() => Read(model));

        Assert.Equal("m.onnx: initializer 'B' has 4 values in float_data; its shape needs 3", e.Message);
    }

    [Fact]
    public void Read_ExternalData_IsNotSupported()
    {
        ModelProto model = SmallGemm();
        model.Graph.Initializer[0].DataLocation = TensorProto.Types.DataLocation.External;

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Contains("initializer 'W' keeps its data in an external file", e.Message);
    }

    [Fact]
    public void Read_NodesOutOfOrder_SaysTopologicalOrder()
    {
        ModelProto model = SmallGemm();
        NodeProto relu = model.Graph.Node[1];
        model.Graph.Node.RemoveAt(1);
        model.Graph.Node.Insert(0, relu);

        var e = Assert.Throws<InvalidDataException>(() => Read(model));

        Assert.Equal("m.onnx: node 'relu' (Relu): input 'g' is not a graph input, an initializer or the output of an earlier node (ONNX nodes are in topological order)", e.Message);
    }

    [Fact]
    public void Read_UnsupportedNodeTheOutputDoesNotNeed_IsDropped()
    {
        ModelProto model = SmallGemm();
        model.Graph.Node.Add(Node("LSTM", "dead", ["input", "W", "W"], ["unused"]));

        OnnxGraph graph = Read(model);

        Assert.Equal(["Gemm", "Relu"], Ops(graph));
    }

    [Fact]
    public void Read_UnnamedNodes_GetUniqueNamesFromOpAndIndex()
    {
        ModelProto model = SmallGemm();
        model.Graph.Node[0].Name = string.Empty;
        model.Graph.Node[1].Name = "Gemm_0"; // taken by then: falls back to its own op and index

        OnnxGraph graph = Read(model);

        Assert.Equal("Gemm_0", graph.Nodes[0].Name);
        Assert.Equal("Relu_1", graph.Nodes[1].Name);
    }

    [Fact]
    public void Read_CustomDomainNode_NamesTheDomain()
    {
        ModelProto model = SmallGemm();
        model.Graph.Node[1].Domain = "com.microsoft";

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.StartsWith("m.onnx: node 'relu' (Relu): is in the operator domain 'com.microsoft'", e.Message);
    }

    [Fact]
    public void Read_TwoInputs_IsNotSupported()
    {
        ModelProto model = SmallGemm();
        model.Graph.Input.Add(Value("mask", [null, 4]));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal("m.onnx: the graph has 2 inputs that are not initializers ('input', 'mask'); dcz imports models with one input", e.Message);
    }

    [Fact]
    public void Read_InitializersListedAsInputs_AreNotInputs()
    {
        ModelProto model = SmallGemm();
        model.Graph.Input.Add(Value("W", [3, 4]));

        Assert.Equal("input", Read(model).InputName);
    }

    [Fact]
    public void Read_SymbolicImageSize_NamesTheDimension()
    {
        ModelProto model = SingleNode(Node("Relu", "r", ["input"], ["y"]));
        model.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimParam = "height";

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal("m.onnx: dimension 2 of input 'input' is symbolic ('height'); dcz needs a fixed size for every dimension after the batch", e.Message);
    }

    [Fact]
    public void Read_SequenceInput_SaysWhichInputShapesAreSupported()
    {
        ModelProto model = Model(Graph([null, 5, 3], "y", Node("Relu", "r", ["input"], ["y"])));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal("m.onnx: input 'input' has 3 dimensions; dcz imports inputs of shape [batch, features] or [batch, channels, height, width]", e.Message);
    }

    [Fact]
    public void Read_Int64Input_IsNotSupported()
    {
        ModelProto model = SmallGemm();
        model.Graph.Input[0].Type.TensorType.ElemType = 7;

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Contains("input 'input' has element type INT64; dcz imports models with a float32 input", e.Message);
    }

    [Fact]
    public void Read_GemmWithTransA_SaysWhatIsSupported()
    {
        ModelProto model = SmallGemm();
        model.Graph.Node[0].Attribute.Add(Int("transA", 1));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.StartsWith("m.onnx: node 'fc' (Gemm): transA 1 is not supported", e.Message);
    }

    [Fact]
    public void Read_GemmWithComputedWeights_SaysTheyMustBeInitializers()
    {
        ModelProto model = SmallGemm();
        model.Graph.Node[0].Input[1] = "input";

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Contains("node 'fc' (Gemm): input B ('input') is computed by the graph; dcz imports Gemm with B as an initializer", e.Message);
    }

    [Fact]
    public void Read_GemmWeightsOfWrongWidth_IsInvalid()
    {
        ModelProto model = SmallGemm();
        model.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue = 5;

        var e = Assert.Throws<InvalidDataException>(() => Read(model));

        Assert.Equal("m.onnx: node 'fc' (Gemm): B 'W' of shape [3, 4] (transB 1) takes 4 features but the input has 5", e.Message);
    }

    [Fact]
    public void Read_UnknownAttribute_ListsTheAttributesRead()
    {
        ModelProto model = SmallGemm();
        model.Graph.Node[1].Attribute.Add(Float("alpha", 0.1f));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal("m.onnx: node 'relu' (Relu): attribute 'alpha' is not supported (dcz reads these Relu attributes: none)", e.Message);
    }

    [Fact]
    public void Read_AttributeOfWrongType_IsInvalid()
    {
        ModelProto model = SmallGemm();
        model.Graph.Node[0].Attribute[0] = Float("transB", 1);

        var e = Assert.Throws<InvalidDataException>(() => Read(model));

        Assert.Equal("m.onnx: node 'fc' (Gemm): attribute 'transB' is a float but Gemm takes an integer", e.Message);
    }

    [Fact]
    public void Read_MaxPoolCeilMode_IsNotSupported()
    {
        ModelProto model = SingleNode(Node("MaxPool", "pool", ["input"], ["y"], Ints("kernel_shape", 2, 2), Int("ceil_mode", 1)));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.StartsWith("m.onnx: node 'pool' (MaxPool): ceil_mode 1 is not supported", e.Message);
    }

    [Theory]
    [InlineData("SAME_UPPER", new long[] { 0, 0, 1, 1 }, 3)]
    [InlineData("SAME_LOWER", new long[] { 1, 1, 0, 0 }, 3)]
    [InlineData("VALID", new long[] { 0, 0, 0, 0 }, 2)]
    public void Read_MaxPoolAutoPad_BecomesExplicitPads(string autoPad, long[] pads, int size)
    {
        // 6×6 input, 3×3 window, stride 2: SAME gives ceil(6 / 2) = 3 outputs from one pixel of padding.
        ModelProto model = SingleNode(Node("MaxPool", "pool", ["input"], ["y"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", autoPad)));

        OnnxGraph graph = Read(model);

        Assert.Equal(pads, graph.Nodes[0].Ints("pads")!);
        Assert.False(graph.Nodes[0].Attributes.ContainsKey("auto_pad"));
        Assert.Equal([1, size, size], graph.OutputShape);
    }

    [Fact]
    public void Read_ConvGroupsThatDoNotDivideTheChannels_IsInvalid()
    {
        ModelProto model = SingleNode(Node("Conv", "c", ["input", "W"], ["y"], Int("group", 2)), Floats("W", [2, 1, 3, 3], Range(18)));

        var e = Assert.Throws<InvalidDataException>(() => Read(model));

        Assert.Equal("m.onnx: node 'c' (Conv): group 2 does not divide the 1 input and 2 output channels", e.Message);
    }

    [Fact]
    public void Read_ReshapeThatMovesTheBatch_IsNotSupported()
    {
        ModelProto model = SingleNode(Node("Reshape", "r", ["input", "shape"], ["y"]), Int64s("shape", [2], [36, -1]));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.StartsWith("m.onnx: node 'r' (Reshape): shape [36, -1] does not keep the batch dimension first", e.Message);
    }

    [Fact]
    public void Read_ReshapeWithWrongVolume_IsInvalid()
    {
        ModelProto model = SingleNode(Node("Reshape", "r", ["input", "shape"], ["y"]), Int64s("shape", [2], [0, 35]));

        var e = Assert.Throws<InvalidDataException>(() => Read(model));

        Assert.Equal("m.onnx: node 'r' (Reshape): cannot reshape [1, 6, 6] (36 values) to [0, 35]", e.Message);
    }

    [Fact]
    public void Read_SoftmaxOverChannels_IsNotSupported()
    {
        ModelProto model = SingleNode(Node("Softmax", "s", ["input"], ["y"], Int("axis", 1)));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.StartsWith("m.onnx: node 's' (Softmax): axis 1 over an input of shape [1, 6, 6]", e.Message);
    }

    [Fact]
    public void Read_SoftmaxOpset11OverTheWholeSample_IsSupported()
    {
        ModelProto model = SingleNode(Node("Softmax", "s", ["input"], ["y"]));
        model.OpsetImport[0].Version = 11;

        Assert.Equal([1, 6, 6], Read(model).OutputShape);
    }

    [Fact]
    public void Read_DropoutMaskUsed_SaysTheMaskIsNotAvailable()
    {
        ModelProto model = SingleNode(Node("Dropout", "d", ["input"], ["x", "mask"]));
        model.Graph.Node.Add(Node("Add", "a", ["x", "mask"], ["y"]));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal("m.onnx: node 'a' (Add): input 'mask' is output 1 of node 'd' (Dropout), which dcz removes (it passes its input through at inference)", e.Message);
    }

    [Fact]
    public void Read_MaxPoolIndicesUsed_IsNotSupported()
    {
        ModelProto model = SingleNode(Node("MaxPool", "p", ["input"], ["x", "idx"], Ints("kernel_shape", 2, 2)));
        model.Graph.Node.Add(Node("Relu", "r", ["idx"], ["y"]));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal("m.onnx: node 'p' (MaxPool): its output 1 ('idx') is used; dcz imports the first output of MaxPool only", e.Message);
    }

    [Fact]
    public void Read_OutputIsTheInput_IsNotSupported()
    {
        ModelProto model = SingleNode(Node("Identity", "i", ["input"], ["y"]));

        var e = Assert.Throws<NotSupportedException>(() => Read(model));

        Assert.Equal("m.onnx: the output 'y' is not computed by any node", e.Message);
    }

    [Fact]
    public void Read_NotProtobuf_IsInvalid()
    {
        byte[] text = "this is not an ONNX model"u8.ToArray();

        var e = Assert.Throws<InvalidDataException>(() => OnnxReader.Read(text, "notes.txt"));

        Assert.StartsWith("notes.txt: not an ONNX model", e.Message);
    }

    [Fact]
    public void Read_EveryTruncatedPrefix_FailsWithADataOrSupportError()
    {
        byte[] bytes = SmallGemm().Bytes();
        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes[..length];
            Exception? e = Record.Exception(() => OnnxReader.Read(prefix, "cut.onnx"));
            Assert.True(e is InvalidDataException or NotSupportedException, $"prefix of {length} bytes: {e?.GetType().Name ?? "no exception"}: {e?.Message}");
        }
    }

    [Fact]
    public void Load_MissingFile_IsFileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N") + ".onnx");

        Assert.Throws<FileNotFoundException>(() => OnnxReader.Load(path));
    }
}
