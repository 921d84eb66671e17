using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Training;

/// <summary>
/// A labelled image set as preprocessed float tensors, shaped for one architecture:
/// inputs [n, ...InputShape] with <c>(raw × scale − mean) / std</c> applied, labels int64 [n].
/// Each sample is an image of <c>height × width</c> values in row order (however the
/// architecture shapes it), which <see cref="ShiftedBatch"/> translates for augmentation.
/// </summary>
internal sealed class TensorSet : IDisposable
{
    private readonly float[] _values;
    private readonly long[] _sampleShape;
    private readonly float[] _background;

    public TensorSet(string name, byte[] pixels, byte[] labels, int count, int height, int width, ArchitectureSpec architecture)
    {
        int sampleLength = architecture.InputShape.Aggregate(1, (a, b) => a * b);
        if ((long)count * sampleLength != pixels.LongLength)
        {
            throw new ArgumentException($"{name}: {count} samples of {sampleLength} values need {(long)count * sampleLength} pixels but {pixels.LongLength} were given");
        }

        if (labels.Length != count)
        {
            throw new ArgumentException($"{name}: {count} samples but {labels.Length} labels");
        }

        if (height < 1 || width < 1 || (long)height * width != sampleLength)
        {
            throw new ArgumentException($"{name}: images of {height} × {width} pixels do not fill the {sampleLength} inputs of {architecture.Name}");
        }

        int classes = architecture.ClassLabels.Length;
        foreach (byte label in labels)
        {
            if (label >= classes)
            {
                throw new ArgumentException($"{name}: label {label} is outside the model's {classes} classes");
            }
        }

        Name = name;
        Count = count;
        Labels = labels;
        Height = height;
        Width = width;

        // Preprocessing.Apply is the Runtime's own arithmetic, so the network is trained on
        // exactly the values the shipped model will see. The channel of an element is its index
        // along the input's first dimension.
        Preprocessing preprocessing = architecture.Preprocessing;
        int perChannel = sampleLength / architecture.InputShape[0];
        var values = new float[pixels.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = preprocessing.Apply(pixels[i], (i % sampleLength) / perChannel);
        }

        _values = values;
        _background = new float[sampleLength];
        for (int i = 0; i < sampleLength; i++)
        {
            _background[i] = preprocessing.Apply(0, i / perChannel);
        }

        var shape = new long[architecture.InputShape.Length + 1];
        shape[0] = count;
        for (int d = 0; d < architecture.InputShape.Length; d++)
        {
            shape[d + 1] = architecture.InputShape[d];
        }

        _sampleShape = shape[1..];
        Inputs = OwnedTensors.From(values, shape);
        Targets = OwnedTensors.From(labels.Select(l => (long)l).ToArray(), new long[] { count });
    }

    public string Name { get; }

    public int Count { get; }

    public byte[] Labels { get; }

    public int Height { get; }

    public int Width { get; }

    public Tensor Inputs { get; }

    public Tensor Targets { get; }

    /// <summary>
    /// The inputs of <paramref name="samples"/> (indices into the set), each image translated by
    /// its own random offset (dy, dx), both uniform in −<paramref name="maxShift"/> … <paramref name="maxShift"/>
    /// and drawn from <paramref name="rng"/> in sample order; pixels moved in from outside the
    /// image take the background value (raw 0 after preprocessing, at their own position).
    /// </summary>
    public Tensor ShiftedBatch(ReadOnlySpan<long> samples, int maxShift, ref SplitMix64 rng)
    {
        int length = Height * Width;
        var batch = new float[samples.Length * length];
        for (int s = 0; s < samples.Length; s++)
        {
            int dy = rng.NextInt((2 * maxShift) + 1) - maxShift;
            int dx = rng.NextInt((2 * maxShift) + 1) - maxShift;
            Translate(_values.AsSpan(checked((int)samples[s] * length), length), batch.AsSpan(s * length, length), Height, Width, dy, dx, _background);
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
