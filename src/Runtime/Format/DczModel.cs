namespace EmbeddedNets.Format;

/// <summary>
/// A compressed model as the <c>.dcz</c> format carries it: metadata plus a graph of layers in
/// execution order, each naming the layers whose outputs it reads (<see cref="DczLayer.InputLayers"/>);
/// the last layer's output is the model's output. This is the in-memory form that
/// <see cref="DczFile"/> writes and reads; it holds the sparse, weight-shared structure (codebook
/// indices at kept positions), not decoded dense tensors.
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

    /// <summary>The layers in execution order; each reads only the model input and earlier layers.</summary>
    public IReadOnlyList<DczLayer> Layers { get; }

    /// <summary>
    /// The inputs of layer <paramref name="index"/> as explicit references: a layer index, or
    /// <see cref="DczLayer.ModelInput"/>. A layer built without inputs reads the previous layer
    /// (the model input for the first).
    /// </summary>
    public IReadOnlyList<int> InputsOf(int index)
    {
        IReadOnlyList<int> inputs = Layers[index].InputLayers;
        return inputs.Count > 0 ? inputs : new[] { index - 1 };
    }
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
        ulong seed,
        long trainedDenseFloat32Bytes = 0)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        InputShape = inputShape ?? throw new ArgumentNullException(nameof(inputShape));
        Preprocessing = preprocessing ?? throw new ArgumentNullException(nameof(preprocessing));
        ClassLabels = classLabels ?? throw new ArgumentNullException(nameof(classLabels));
        Metrics = metrics;
        Producer = producer ?? throw new ArgumentNullException(nameof(producer));
        Seed = seed;
        TrainedDenseFloat32Bytes = trainedDenseFloat32Bytes >= 0
            ? trainedDenseFloat32Bytes
            : throw new ArgumentOutOfRangeException(nameof(trainedDenseFloat32Bytes), trainedDenseFloat32Bytes, "must be 0 (not recorded) or positive");
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

    /// <summary>
    /// What the weights and biases of the network the file was compressed from took as float32,
    /// before whole units were removed (format version 3); 0 when not recorded, and then the
    /// file's own layers are the reference. The compression ratio compares with this network.
    /// </summary>
    public long TrainedDenseFloat32Bytes { get; }

    /// <summary>A copy with other recorded metrics (null for none).</summary>
    public ModelInfo WithMetrics(RecordedMetrics? metrics) =>
        new(Name, InputShape, Preprocessing, ClassLabels, metrics, Producer, Seed, TrainedDenseFloat32Bytes);

    /// <summary>A copy with another preprocessing step.</summary>
    public ModelInfo WithPreprocessing(Preprocessing preprocessing) =>
        new(Name, InputShape, preprocessing, ClassLabels, Metrics, Producer, Seed, TrainedDenseFloat32Bytes);

    /// <summary>A copy that records <paramref name="bytes"/> as the dense size of the network as trained (0: not recorded).</summary>
    public ModelInfo WithTrainedDenseFloat32Bytes(long bytes) =>
        new(Name, InputShape, Preprocessing, ClassLabels, Metrics, Producer, Seed, bytes);
}

/// <summary>
/// Input preprocessing: <c>x[i] = (raw[i] × Scale − Mean[c]) / Std[c]</c>, element-wise, where
/// <c>c</c> is the channel of element <c>i</c>: the index along the input's first dimension
/// (channels of <c>[c, h, w]</c>, features of <c>[n]</c>). <see cref="Mean"/> and
/// <see cref="Std"/> hold either one value for every element or one per channel.
/// </summary>
public sealed class Preprocessing : IEquatable<Preprocessing>
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates a step with one mean and one std for every element.</summary>
    public Preprocessing(float scale, float mean, float std)
        : this(scale, new[] { mean }, new[] { std })
    {
    }

    /// <summary>Creates a step with per-channel means and stds (equal lengths: 1, or the input's first dimension).</summary>
    public Preprocessing(float scale, float[] mean, float[] std)
    {
        Scale = scale;
        _mean = (float[])(mean ?? throw new ArgumentNullException(nameof(mean))).Clone();
        _std = (float[])(std ?? throw new ArgumentNullException(nameof(std))).Clone();
    }

    /// <summary>The identity: raw values are fed unchanged.</summary>
    public static Preprocessing Identity => new(1f, 0f, 1f);

    /// <summary>Multiplier applied to the raw value first (e.g. 1/255 for bytes).</summary>
    public float Scale { get; }

    /// <summary>Subtracted after scaling: one value, or one per channel.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>Divisor applied last (never zero in a valid file): one value, or one per channel.</summary>
    public IReadOnlyList<float> Std => _std;

    /// <summary>The means as stored (one, or one per channel).</summary>
    internal float[] MeanArray => _mean;

    /// <summary>The stds as stored (one, or one per channel).</summary>
    internal float[] StdArray => _std;

    /// <summary>True when one mean and one std apply to every element.</summary>
    public bool IsUniform => _mean.Length == 1 && _std.Length == 1;

    /// <summary>Applies the step to one raw value of channel <paramref name="channel"/> (ignored when uniform).</summary>
    public float Apply(float raw, int channel = 0)
    {
        int c = _mean.Length == 1 ? 0 : channel;
        return (raw * Scale - _mean[c]) / _std[_std.Length == 1 ? 0 : channel];
    }

    /// <inheritdoc/>
    public bool Equals(Preprocessing? other) =>
        other is not null && Scale.Equals(other.Scale) && _mean.SequenceEqual(other._mean) && _std.SequenceEqual(other._std);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Preprocessing other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        int hash = Scale.GetHashCode();
        foreach (float m in _mean)
        {
            hash = (hash * 397) ^ m.GetHashCode();
        }

        foreach (float s in _std)
        {
            hash = (hash * 397) ^ s.GetHashCode();
        }

        return hash;
    }
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
