using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Training;

/// <summary>
/// A labelled set as preprocessed float tensors, shaped for one architecture: inputs
/// [n, ...InputShape] with <see cref="InputPreprocessing"/> applied, labels int64 [n].
/// The samples keep the shape they were loaded with (<see cref="LabelledSet.SampleShape"/>):
/// image samples ([channels, height, width]) can be translated for augmentation by
/// <see cref="ShiftedBatch"/>, whatever shape the architecture gives its input.
/// </summary>
internal sealed class TensorSet : IDisposable
{
    private readonly float[] _values;
    private readonly long[] _sampleShape;
    private readonly float[] _background;

    /// <summary>Preprocesses <paramref name="data"/> with the architecture's own preprocessing.</summary>
    public TensorSet(LabelledSet data, ArchitectureSpec architecture)
        : this(data, architecture, InputPreprocessing.From(architecture.Preprocessing))
    {
    }

    /// <summary>Preprocesses <paramref name="data"/> with <paramref name="preprocessing"/> for <paramref name="architecture"/>.</summary>
    /// <exception cref="InvalidDataException">The samples do not fit the architecture's input or classes.</exception>
    public TensorSet(LabelledSet data, ArchitectureSpec architecture, InputPreprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(preprocessing);
        data.CheckFits(architecture.InputShape, architecture.ClassLabels.Length, architecture.Name);
        preprocessing.CheckFits(architecture.InputShape);

        Name = data.Name;
        Count = data.Count;
        Labels = data.Labels;

        // Channels for preprocessing follow the model's input (the first dimension, as the format
        // records it); images shift per plane of the data's own shape (an MLP's [784] input still
        // holds one 28 × 28 image).
        Channels = preprocessing.Channels == 1 ? 1 : architecture.InputShape[0];
        (Planes, Height, Width) = data.IsImage ? (data.SampleShape[0], data.SampleShape[1], data.SampleShape[2]) : (1, 1, data.SampleLength);

        // The same float arithmetic as the Runtime's preprocessing, so the network is trained on
        // exactly the values the shipped model will see.
        var values = new float[data.Values.Length];
        int length = data.SampleLength;
        for (int i = 0; i < data.Count; i++)
        {
            preprocessing.Apply(data.Sample(i), Channels, values.AsSpan(i * length, length));
        }

        _values = values;

        // Pixels shifted in are raw 0 after preprocessing at their own position (whose channel is
        // its index along the model input's first dimension).
        _background = new float[length];
        preprocessing.Apply(new float[length], Channels, _background);

        var shape = new long[architecture.InputShape.Length + 1];
        shape[0] = data.Count;
        for (int d = 0; d < architecture.InputShape.Length; d++)
        {
            shape[d + 1] = architecture.InputShape[d];
        }

        _sampleShape = shape[1..];
        Inputs = OwnedTensors.From(values, shape);
        Targets = OwnedTensors.From(data.Labels.Select(l => (long)l).ToArray(), new long[] { data.Count });
        CanShift = data.IsImage;
    }

    public string Name { get; }

    public int Count { get; }

    public int[] Labels { get; }

    /// <summary>Channels the preprocessing distinguishes (the model input's first dimension, or 1).</summary>
    public int Channels { get; }

    /// <summary>Image planes per sample (1 for feature vectors).</summary>
    public int Planes { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>True when the samples are images that <see cref="ShiftedBatch"/> can translate.</summary>
    public bool CanShift { get; }

    public Tensor Inputs { get; }

    public Tensor Targets { get; }

    /// <summary>
    /// The inputs of <paramref name="samples"/> (indices into the set), each image translated by
    /// its own random offset (dy, dx), both uniform in −<paramref name="maxShift"/> … <paramref name="maxShift"/>
    /// and drawn from <paramref name="rng"/> in sample order; pixels moved in from outside the
    /// image take the background value (raw 0 after preprocessing). Every plane (channel) of an
    /// image moves by the same offset.
    /// </summary>
    /// <exception cref="InvalidOperationException">The samples are feature vectors, not images.</exception>
    public Tensor ShiftedBatch(ReadOnlySpan<long> samples, int maxShift, ref SplitMix64 rng)
    {
        if (!CanShift)
        {
            throw new InvalidOperationException($"{Name}: the samples are feature vectors, not images, so they cannot be shifted; set shiftPixels to 0");
        }

        int plane = Height * Width;
        int length = Planes * plane;
        var batch = new float[samples.Length * length];
        for (int s = 0; s < samples.Length; s++)
        {
            int dy = rng.NextInt((2 * maxShift) + 1) - maxShift;
            int dx = rng.NextInt((2 * maxShift) + 1) - maxShift;
            int from = checked((int)samples[s] * length);
            for (int p = 0; p < Planes; p++)
            {
                Translate(_values.AsSpan(from + (p * plane), plane), batch.AsSpan((s * length) + (p * plane), plane), Height, Width, dy, dx, _background.AsSpan(p * plane, plane));
            }
        }

        var shape = new long[_sampleShape.Length + 1];
        shape[0] = samples.Length;
        _sampleShape.CopyTo(shape, 1);
        return OwnedTensors.From(batch, shape);
    }

    /// <summary>
    /// Writes <paramref name="source"/> (a height × width image in row order) moved down by
    /// <paramref name="dy"/> and right by <paramref name="dx"/> pixels (negative: up, left) into
    /// <paramref name="destination"/>; uncovered pixels get <paramref name="fill"/>.
    /// </summary>
    public static void Translate(ReadOnlySpan<float> source, Span<float> destination, int height, int width, int dy, int dx, float fill)
    {
        destination.Fill(fill);
        CopyShifted(source, destination, height, width, dy, dx);
    }

    /// <summary>As the other overload; uncovered pixels get their value in <paramref name="fill"/> (an image of the same size).</summary>
    public static void Translate(ReadOnlySpan<float> source, Span<float> destination, int height, int width, int dy, int dx, ReadOnlySpan<float> fill)
    {
        fill.CopyTo(destination);
        CopyShifted(source, destination, height, width, dy, dx);
    }

    private static void CopyShifted(ReadOnlySpan<float> source, Span<float> destination, int height, int width, int dy, int dx)
    {
        int columns = width - Math.Abs(dx);
        if (columns <= 0 || Math.Abs(dy) >= height)
        {
            return;
        }

        int fromColumn = Math.Max(0, -dx), toColumn = Math.Max(0, dx);
        for (int row = Math.Max(0, -dy); row < Math.Min(height, height - dy); row++)
        {
            source.Slice((row * width) + fromColumn, columns).CopyTo(destination.Slice(((row + dy) * width) + toColumn, columns));
        }
    }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}
