using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// The plain reference: every layer decoded to dense weights and computed with textbook loops,
/// accumulating in double. Slow and allocating; it exists so that the fast paths
/// (<see cref="CompactModel"/>, generated code) can be checked against an independent implementation.
/// </summary>
public static class ReferenceInference
{
    /// <summary>Runs <paramref name="model"/> on <paramref name="input"/> and returns the last layer's values.</summary>
    /// <exception cref="ArgumentException">The input length does not match the model, or the model breaks a rule of the format.</exception>
    /// <exception cref="NotSupportedException">An op has no reference in this Runtime.</exception>
    public static double[] Run(DczModel model, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelShapes shapes = ModelShapes.Compute(model);
        if (input.Length != shapes.InputLength)
        {
            throw new ArgumentException($"The model takes {shapes.InputLength} input values, but {input.Length} were given.", nameof(input));
        }

        double[] x = new double[input.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = input[i];
        }

        var outputs = new double[model.Layers.Count][];
        for (int l = 0; l < model.Layers.Count; l++)
        {
            LayerShape shape = shapes.Layers[l];
            double[][] inputs = shape.InputLayers.Select(source => source < 0 ? x : outputs[source]).ToArray();
            outputs[l] = RuntimeOps.For(model.Layers[l], l).Reference(model.Layers[l], shape, inputs);
        }

        return outputs[outputs.Length - 1];
    }
}
