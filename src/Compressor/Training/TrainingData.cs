using EmbeddedNets.Compressor.Models;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Training;

/// <summary>
/// A labelled image set as preprocessed float tensors, shaped for one architecture:
/// inputs [n, ...InputShape] with <c>(raw × scale − mean) / std</c> applied, labels int64 [n].
/// </summary>
internal sealed class TensorSet : IDisposable
{
    public TensorSet(string name, byte[] pixels, byte[] labels, int count, ArchitectureSpec architecture)
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

        // The same float arithmetic as Preprocessing.Apply in the Runtime, so the network is
        // trained on exactly the values the shipped model will see.
        var values = new float[pixels.Length];
        float scale = architecture.Scale, mean = architecture.Mean, std = architecture.Std;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ((pixels[i] * scale) - mean) / std;
        }

        var shape = new long[architecture.InputShape.Length + 1];
        shape[0] = count;
        for (int d = 0; d < architecture.InputShape.Length; d++)
        {
            shape[d + 1] = architecture.InputShape[d];
        }

        Inputs = OwnedTensors.From(values, shape);
        Targets = OwnedTensors.From(labels.Select(l => (long)l).ToArray(), new long[] { count });
    }

    public string Name { get; }

    public int Count { get; }

    public byte[] Labels { get; }

    public Tensor Inputs { get; }

    public Tensor Targets { get; }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}
