using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Compressor.Pipeline;

/// <summary>
/// Accuracy of a .dcz model as the Runtime computes it: each raw sample goes through the
/// preprocessing recorded in the file and the Runtime's inference, as an app's
/// <c>Predict</c> would see it.
/// </summary>
public static class RuntimeAccuracy
{
    /// <summary>How many samples of <paramref name="set"/> <paramref name="model"/> predicts as their label.</summary>
    /// <exception cref="InvalidDataException">The samples do not fit the model's input.</exception>
    public static int CountCorrect(CompactModel model, LabelledSet set)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(set);
        if (set.SampleLength != model.InputLength)
        {
            throw new InvalidDataException($"{set.Name}: samples of shape {LabelledSet.Shape(set.SampleShape)} have {set.SampleLength} values but the model takes {model.InputLength} inputs");
        }

        Preprocessing p = model.Model.Info.Preprocessing;
        int channels = Math.Max(p.Mean.Count, p.Std.Count);
        int plane = model.InputLength / channels;
        var input = new float[set.SampleLength];
        int correct = 0;
        for (int i = 0; i < set.Count; i++)
        {
            // The Runtime's arithmetic (CompactModel.Preprocess): multiply, subtract, divide, per channel.
            ReadOnlySpan<float> raw = set.Sample(i);
            for (int j = 0; j < input.Length; j++)
            {
                input[j] = p.Apply(raw[j], j / plane);
            }

            if (model.Predict(input) == set.Labels[i])
            {
                correct++;
            }
        }

        return correct;
    }
}
