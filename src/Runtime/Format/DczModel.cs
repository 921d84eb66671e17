namespace EmbeddedNets.Format;

/// <summary>
/// A compressed model as the <c>.dcz</c> format carries it: metadata plus a chain of layers.
/// This is the in-memory form that <see cref="DczFile"/> writes and reads; it holds the sparse,
/// weight-shared structure (codebook indices at kept positions), not decoded dense tensors.
/// </summary>
/// <remarks>
/// This file is compiled into the Runtime (net10.0) and into the source generator
/// (netstandard2.0): keep it free of APIs that netstandard2.0 lacks.
/// </remarks>
public sealed class DczModel
{
    /// <summary>Creates a model from its metadata and its layers, in execution order.</summary>
    public DczModel(ModelInfo info, IReadOnlyList<DczLayer> layers)
    {
        Info = info ?? throw new ArgumentNullException(nameof(info));
        Layers = layers ?? throw new ArgumentNullException(nameof(layers));
    }

    /// <summary>Name, input shape, preprocessing, labels, recorded metrics.</summary>
    public ModelInfo Info { get; }

    /// <summary>The layers in execution order (a chain: each layer's output feeds the next).</summary>
    public IReadOnlyList<DczLayer> Layers { get; }
}

/// <summary>Model-level metadata. Carries no timestamps: the same model gives the same bytes.</summary>
public sealed class ModelInfo
{
    /// <summary>Creates the metadata block.</summary>
    public ModelInfo(
        string name,
        int[] inputShape,
        Preprocessing preprocessing,
        string[] classLabels,
        RecordedMetrics? metrics,
        string producer,
        ulong seed)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        InputShape = inputShape ?? throw new ArgumentNullException(nameof(inputShape));
        Preprocessing = preprocessing;
        ClassLabels = classLabels ?? throw new ArgumentNullException(nameof(classLabels));
        Metrics = metrics;
        Producer = producer ?? throw new ArgumentNullException(nameof(producer));
        Seed = seed;
    }

    /// <summary>Model name, e.g. <c>lenet-300-100</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// Shape of one input sample without the batch dimension: <c>[features]</c> for a flat input
    /// or <c>[channels, height, width]</c> for an image.
    /// </summary>
    public int[] InputShape { get; }

    /// <summary>How raw input values (e.g. 0–255 pixels) become the network's input.</summary>
    public Preprocessing Preprocessing { get; }

    /// <summary>One label per output class, in output order.</summary>
    public string[] ClassLabels { get; }

    /// <summary>Accuracy measured on the file as written, or null when none was recorded.</summary>
    public RecordedMetrics? Metrics { get; }

    /// <summary>What produced the file, e.g. <c>EmbeddedNets.Compressor 0.1.0</c>.</summary>
    public string Producer { get; }

    /// <summary>The seed the producer ran with.</summary>
    public ulong Seed { get; }
}

/// <summary>
/// Input preprocessing: <c>x = (raw * Scale - Mean) / Std</c>, applied element-wise.
/// </summary>
public readonly struct Preprocessing : IEquatable<Preprocessing>
{
    /// <summary>Creates a preprocessing step.</summary>
    public Preprocessing(float scale, float mean, float std)
    {
        Scale = scale;
        Mean = mean;
        Std = std;
    }

    /// <summary>The identity: raw values are fed unchanged.</summary>
    public static Preprocessing Identity => new(1f, 0f, 1f);

    /// <summary>Multiplier applied to the raw value first (e.g. 1/255 for bytes).</summary>
    public float Scale { get; }

    /// <summary>Subtracted after scaling.</summary>
    public float Mean { get; }

    /// <summary>Divisor applied last; never zero in a valid file.</summary>
    public float Std { get; }

    /// <summary>Applies the step to one raw value.</summary>
    public float Apply(float raw) => (raw * Scale - Mean) / Std;

    /// <inheritdoc/>
    public bool Equals(Preprocessing other) =>
        Scale.Equals(other.Scale) && Mean.Equals(other.Mean) && Std.Equals(other.Std);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Preprocessing other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        ((Scale.GetHashCode() * 397) ^ Mean.GetHashCode()) * 397 ^ Std.GetHashCode();
}

/// <summary>
/// Accuracy measured by running the written file through the Runtime's own inference.
/// Stored as counts, so the percentage is exact.
/// </summary>
public sealed class RecordedMetrics
{
    /// <summary>Creates a record of <paramref name="correct"/> right out of <paramref name="count"/>.</summary>
    public RecordedMetrics(string testSetName, int count, int correct)
    {
        TestSetName = testSetName ?? throw new ArgumentNullException(nameof(testSetName));
        Count = count;
        Correct = correct;
    }

    /// <summary>Name of the test set, e.g. <c>mnist-t10k</c>.</summary>
    public string TestSetName { get; }

    /// <summary>Number of test samples.</summary>
    public int Count { get; }

    /// <summary>Number classified correctly.</summary>
    public int Correct { get; }

    /// <summary>Accuracy as a fraction in [0, 1] (0 when <see cref="Count"/> is 0).</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}

/// <summary>Layer operations. The numeric values are the format's op tags.</summary>
public enum LayerKind : byte
{
    /// <summary>Fully connected: <c>y = W x + b</c>, W of shape [outputs, inputs].</summary>
    Dense = 1,

    /// <summary>2-D convolution (cross-correlation, as PyTorch), W of shape [out, in, kh, kw].</summary>
    Conv2d = 2,

    /// <summary>2-D max pooling, no padding.</summary>
    MaxPool2d = 3,

    /// <summary>Rectified linear unit, element-wise.</summary>
    ReLU = 4,

    /// <summary>Reshapes [c, h, w] to [c*h*w] (row-major, as PyTorch).</summary>
    Flatten = 5,

    /// <summary>Softmax over the flat vector.</summary>
    Softmax = 6,
}

/// <summary>One operation of the chain.</summary>
public abstract class DczLayer
{
    /// <summary>Creates a layer with a (possibly empty) name.</summary>
    protected DczLayer(string name) => Name = name ?? throw new ArgumentNullException(nameof(name));

    /// <summary>The op tag.</summary>
    public abstract LayerKind Kind { get; }

    /// <summary>Layer name as the producer called it (e.g. <c>ip1</c>, <c>conv2</c>); may be empty.</summary>
    public string Name { get; }
}

/// <summary>A fully connected layer with pruned, weight-shared weights.</summary>
public sealed class DenseLayer : DczLayer
{
    /// <summary>Creates a dense layer; <paramref name="weights"/> covers outputs × inputs positions.</summary>
    public DenseLayer(string name, int inputs, int outputs, SparseWeights weights, float[] bias)
        : base(name)
    {
        Inputs = inputs;
        Outputs = outputs;
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        Bias = bias ?? throw new ArgumentNullException(nameof(bias));
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Dense;

    /// <summary>Input features.</summary>
    public int Inputs { get; }

    /// <summary>Output features.</summary>
    public int Outputs { get; }

    /// <summary>Weights, row-major [outputs, inputs]: position = output * Inputs + input.</summary>
    public SparseWeights Weights { get; }

    /// <summary>One bias per output.</summary>
    public float[] Bias { get; }
}

/// <summary>A 2-D convolution with pruned, weight-shared kernels.</summary>
public sealed class Conv2dLayer : DczLayer
{
    /// <summary>Creates a convolution; <paramref name="weights"/> covers out × in × kh × kw positions.</summary>
    public Conv2dLayer(
        string name,
        int inChannels,
        int outChannels,
        int kernelHeight,
        int kernelWidth,
        int strideHeight,
        int strideWidth,
        int paddingHeight,
        int paddingWidth,
        SparseWeights weights,
        float[] bias)
        : base(name)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        PaddingHeight = paddingHeight;
        PaddingWidth = paddingWidth;
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        Bias = bias ?? throw new ArgumentNullException(nameof(bias));
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Conv2d;

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }

    /// <summary>Vertical stride (≥ 1).</summary>
    public int StrideHeight { get; }

    /// <summary>Horizontal stride (≥ 1).</summary>
    public int StrideWidth { get; }

    /// <summary>Zero padding added above and below.</summary>
    public int PaddingHeight { get; }

    /// <summary>Zero padding added left and right.</summary>
    public int PaddingWidth { get; }

    /// <summary>
    /// Weights, row-major [out, in, kh, kw]:
    /// position = ((o * InChannels + i) * KernelHeight + ky) * KernelWidth + kx.
    /// </summary>
    public SparseWeights Weights { get; }

    /// <summary>One bias per output channel.</summary>
    public float[] Bias { get; }
}

/// <summary>2-D max pooling over [c, h, w], no padding, floor mode (as PyTorch's default).</summary>
public sealed class MaxPool2dLayer : DczLayer
{
    /// <summary>Creates a pooling layer.</summary>
    public MaxPool2dLayer(string name, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth)
        : base(name)
    {
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.MaxPool2d;

    /// <summary>Window height.</summary>
    public int KernelHeight { get; }

    /// <summary>Window width.</summary>
    public int KernelWidth { get; }

    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }

    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }
}

/// <summary>Element-wise max(x, 0).</summary>
public sealed class ReLULayer : DczLayer
{
    /// <summary>Creates the layer.</summary>
    public ReLULayer(string name = "") : base(name)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.ReLU;
}

/// <summary>Reshape [c, h, w] → [c·h·w]; a no-op on data.</summary>
public sealed class FlattenLayer : DczLayer
{
    /// <summary>Creates the layer.</summary>
    public FlattenLayer(string name = "") : base(name)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Flatten;
}

/// <summary>Softmax over the whole (flat) vector.</summary>
public sealed class SoftmaxLayer : DczLayer
{
    /// <summary>Creates the layer.</summary>
    public SoftmaxLayer(string name = "") : base(name)
    {
    }

    /// <inheritdoc/>
    public override LayerKind Kind => LayerKind.Softmax;
}

/// <summary>
/// A pruned, weight-shared weight tensor: the kept positions (flat, row-major, strictly
/// increasing) and, for each, an index into a codebook of shared float32 weights.
/// Every other position is zero. How positions are stored (relative gaps of
/// <see cref="GapBits"/> bits with filler zeros, Huffman-coded) is the writer's business:
/// fillers never appear here.
/// </summary>
public sealed class SparseWeights
{
    /// <summary>Creates the tensor. Validation happens in the writer and reader.</summary>
    public SparseWeights(int length, float[] codebook, int weightBits, int gapBits, int[] positions, byte[] codes)
    {
        Length = length;
        Codebook = codebook ?? throw new ArgumentNullException(nameof(codebook));
        WeightBits = weightBits;
        GapBits = gapBits;
        Positions = positions ?? throw new ArgumentNullException(nameof(positions));
        Codes = codes ?? throw new ArgumentNullException(nameof(codes));
    }

    /// <summary>Number of positions in the dense tensor (product of its shape).</summary>
    public int Length { get; }

    /// <summary>The shared weights, 1 to 2^<see cref="WeightBits"/> of them (at most 256).</summary>
    public float[] Codebook { get; }

    /// <summary>Bits per weight index before Huffman coding, 1–8.</summary>
    public int WeightBits { get; }

    /// <summary>Bits per relative index (gap) before Huffman coding; see the format spec for the range.</summary>
    public int GapBits { get; }

    /// <summary>Kept positions, strictly increasing, each below <see cref="Length"/>.</summary>
    public int[] Positions { get; }

    /// <summary>Codebook index of each kept position (same length as <see cref="Positions"/>).</summary>
    public byte[] Codes { get; }

    /// <summary>Number of kept (nonzero) weights.</summary>
    public int Count => Positions.Length;

    /// <summary>Decodes into a dense row-major array (zeros where pruned).</summary>
    public float[] ToDense()
    {
        var dense = new float[Length];
        for (int i = 0; i < Positions.Length; i++)
        {
            dense[Positions[i]] = Codebook[Codes[i]];
        }

        return dense;
    }
}
