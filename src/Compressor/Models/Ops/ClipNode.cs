using System.Text.Json;
using EmbeddedNets.Format;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// Element-wise clamp to [<c>min</c>, <c>max</c>] (both required, finite, min ≤ max). Format layer
/// <see cref="ClipLayer"/>. <see cref="ReLU6Node"/> is Clip(0, 6) under its own name.
/// </summary>
public class ClipNode : StatelessNode
{
    /// <summary>Creates the node.</summary>
    public ClipNode(string name, float min, float max, IReadOnlyList<string>? inputs = null)
        : base(name, inputs)
    {
        Min = min;
        Max = max;
    }

    /// <inheritdoc/>
    public override string Op => "Clip";

    /// <summary>Lower bound.</summary>
    public float Min { get; }

    /// <summary>Upper bound.</summary>
    public float Max { get; }

    internal static ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a)
    {
        float min = a.Float("min");
        float max = a.Float("max");
        return min <= max ? new ClipNode(name, min, max, inputs) : throw a.Error("max", $"must be ≥ min ({Format(max)} < {Format(min)})");
    }

    internal override void WriteAttributes(Utf8JsonWriter writer)
    {
        writer.WriteNumber("min", Min);
        writer.WriteNumber("max", Max);
    }

    internal override Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        using Scalar min = Min.ToScalar();
        using Scalar max = Max.ToScalar();
        return inputs[0].clamp(min, max);
    }

    internal override DczLayer ToLayer(IReadOnlyList<int[]> inputShapes, IReadOnlyList<int>? inputLayers) => new ClipLayer(Name, Min, Max, inputLayers);

    private static string Format(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary><c>min(max(x, 0), 6)</c>: <see cref="ClipNode"/> with fixed bounds, no attributes. Format layer <see cref="ClipLayer"/>.</summary>
public sealed class ReLU6Node : ClipNode
{
    /// <summary>Creates the node.</summary>
    public ReLU6Node(string name = "", IReadOnlyList<string>? inputs = null)
        : base(name, 0f, 6f, inputs)
    {
    }

    /// <inheritdoc/>
    public override string Op => "ReLU6";

    internal static new ArchitectureNode Read(string name, IReadOnlyList<string>? inputs, NodeAttributes a) => new ReLU6Node(name, inputs);

    internal override void WriteAttributes(Utf8JsonWriter writer)
    {
    }
}
