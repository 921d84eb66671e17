using System.Globalization;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// How raw sample values become the network's input: <c>x = (raw × Scale − Mean[c]) / Std[c]</c>,
/// with one mean and standard deviation for all values or one per input channel <c>c</c>: the
/// index along the input's first dimension (the channels of <c>[channels, height, width]</c>, the
/// features of <c>[features]</c>), as the .dcz format records it. The arithmetic is the Runtime's
/// (multiply, subtract, divide in float32), so training sees exactly the values the shipped model
/// computes from the same raw input.
/// </summary>
public sealed class InputPreprocessing
{
    /// <summary>Creates a preprocessing step.</summary>
    /// <exception cref="ArgumentException">A value is not finite, a std is 0, or the lists are empty or of different lengths (other than 1).</exception>
    public InputPreprocessing(float scale, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (!float.IsFinite(scale))
        {
            throw new ArgumentException($"scale {Format(scale)} is not a finite number", nameof(scale));
        }

        if (mean.Count == 0 || std.Count == 0 || (mean.Count != std.Count && mean.Count != 1 && std.Count != 1))
        {
            throw new ArgumentException($"{mean.Count} mean value(s) and {std.Count} std value(s): give one value, or one per channel for both", nameof(mean));
        }

        if (mean.Any(m => !float.IsFinite(m)))
        {
            throw new ArgumentException("every mean must be a finite number", nameof(mean));
        }

        if (std.Any(s => !float.IsFinite(s) || s == 0))
        {
            throw new ArgumentException("every std must be a finite number other than 0", nameof(std));
        }

        Scale = scale;
        Mean = mean.ToArray();
        Std = std.ToArray();
    }

    /// <summary>Raw values fed unchanged.</summary>
    public static InputPreprocessing Identity { get; } = new(1f, [0f], [1f]);

    /// <summary>Multiplier applied to every raw value first (e.g. 1/255 for bytes).</summary>
    public float Scale { get; }

    /// <summary>Subtracted after scaling: one value, or one per channel.</summary>
    public float[] Mean { get; }

    /// <summary>Divisor applied last: one value, or one per channel.</summary>
    public float[] Std { get; }

    /// <summary>Number of channels the step distinguishes (1 when it treats every value alike).</summary>
    public int Channels => Math.Max(Mean.Length, Std.Length);

    /// <summary>
    /// Parses command-line values: <paramref name="scale"/> a number or a fraction such as
    /// <c>1/255</c>; <paramref name="mean"/> and <paramref name="std"/> one number or a
    /// comma-separated list, one per channel. Null leaves the identity's value (scale 1, mean 0, std 1).
    /// </summary>
    /// <exception cref="ArgumentException">A value does not parse or breaks a rule; the message names the option.</exception>
    public static InputPreprocessing Parse(string? scale, string? mean, string? std) =>
        new(scale is null ? 1f : ParseNumber(scale, "--scale"), ParseList(mean, "--mean", 0f), ParseList(std, "--std", 1f));

    /// <summary>Checks that the step fits a model input of <paramref name="inputShape"/>.</summary>
    /// <exception cref="ArgumentException">Per-channel values given for an input with another number of channels.</exception>
    public void CheckFits(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        int channels = inputShape.Length > 0 ? inputShape[0] : 1;
        if (Channels != 1 && Channels != channels)
        {
            string what = inputShape.Length == 3 ? $"{channels} channel(s)" : $"{channels} feature(s)";
            throw new ArgumentException($"preprocessing has {Channels} per-channel values but the model input {LabelledSet.Shape(inputShape)} has {what}");
        }
    }

    /// <summary>The step the .dcz format records, for training.</summary>
    public static InputPreprocessing From(Format.Preprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        return new(preprocessing.Scale, preprocessing.Mean, preprocessing.Std);
    }

    /// <summary>The step as the .dcz format records it.</summary>
    public Format.Preprocessing ToFormat() =>
        new(Scale, Mean.Length == Channels ? Mean : Enumerable.Repeat(Mean[0], Channels).ToArray(), Std.Length == Channels ? Std : Enumerable.Repeat(Std[0], Channels).ToArray());

    /// <summary>The preprocessed value of a raw value in channel <paramref name="channel"/>.</summary>
    public float Apply(float raw, int channel) =>
        ((raw * Scale) - Mean[Mean.Length == 1 ? 0 : channel]) / Std[Std.Length == 1 ? 0 : channel];

    /// <summary>
    /// Preprocesses one sample of <paramref name="channels"/> equal planes (1 for a flat input)
    /// from <paramref name="raw"/> into <paramref name="output"/>.
    /// </summary>
    public void Apply(ReadOnlySpan<float> raw, int channels, Span<float> output)
    {
        if (output.Length != raw.Length || channels < 1 || raw.Length % channels != 0)
        {
            throw new ArgumentException($"{raw.Length} raw values in {channels} channel(s) into {output.Length} outputs");
        }

        int plane = raw.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            float mean = Mean[Mean.Length == 1 ? 0 : c], std = Std[Std.Length == 1 ? 0 : c];
            for (int i = c * plane; i < (c + 1) * plane; i++)
            {
                output[i] = ((raw[i] * Scale) - mean) / std;
            }
        }
    }

    /// <summary>The step as text: <c>scale 0.003921569, mean [0.1307], std [0.3081]</c>.</summary>
    public override string ToString() =>
        $"scale {Format(Scale)}, mean [{string.Join(", ", Mean.Select(Format))}], std [{string.Join(", ", Std.Select(Format))}]";

    private static float[] ParseList(string? text, string option, float fallback) =>
        text is null ? [fallback] : text.Split(',').Select(part => ParseNumber(part.Trim(), option)).ToArray();

    private static float ParseNumber(string text, string option)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && double.TryParse(text.AsSpan(0, slash), NumberStyles.Float, CultureInfo.InvariantCulture, out double numerator)
            && double.TryParse(text.AsSpan(slash + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double denominator)
            && denominator != 0)
        {
            return (float)(numerator / denominator);
        }

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value)
            ? value
            : throw new ArgumentException($"{option}: '{text}' is not a number (write e.g. 0.5 or 1/255)");
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
