using System.Globalization;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Models;

/// <summary>The operations an architecture may chain; each maps to a TorchSharp op and to a .dcz layer.</summary>
public enum LayerOp
{
    /// <summary>Fully connected layer (flattens its input implicitly).</summary>
    Dense,

    /// <summary>2-D convolution.</summary>
    Conv2d,

    /// <summary>2-D max pooling, no padding, floor mode.</summary>
    MaxPool2d,

    /// <summary>Element-wise max(x, 0).</summary>
    ReLU,

    /// <summary>[c, h, w] → [c·h·w].</summary>
    Flatten,
}

/// <summary>
/// One layer of an architecture, as data. Input sizes are not stated: they follow from the
/// previous layer's output, so a spec list cannot contradict itself.
/// </summary>
/// <param name="Op">The operation.</param>
/// <param name="Name">Name of a weighted layer (the paper's <c>ip1</c>, <c>conv2</c>…); empty for others.</param>
/// <param name="Outputs">Dense: output features. Conv2d: output channels. Unused otherwise.</param>
/// <param name="Kernel">Conv2d / MaxPool2d: square window size.</param>
/// <param name="Stride">Conv2d / MaxPool2d: stride.</param>
/// <param name="Padding">Conv2d: zero padding on each side.</param>
public sealed record LayerSpec(LayerOp Op, string Name = "", int Outputs = 0, int Kernel = 0, int Stride = 1, int Padding = 0)
{
    /// <summary>A fully connected layer.</summary>
    public static LayerSpec Dense(string name, int outputs) => new(LayerOp.Dense, name, outputs);

    /// <summary>A square convolution.</summary>
    public static LayerSpec Conv(string name, int outChannels, int kernel, int stride = 1, int padding = 0) =>
        new(LayerOp.Conv2d, name, outChannels, kernel, stride, padding);

    /// <summary>Square max pooling.</summary>
    public static LayerSpec MaxPool(int kernel, int stride) => new(LayerOp.MaxPool2d, Kernel: kernel, Stride: stride);

    /// <summary>ReLU.</summary>
    public static LayerSpec Relu() => new(LayerOp.ReLU);

    /// <summary>Flatten.</summary>
    public static LayerSpec Flatten() => new(LayerOp.Flatten);

    /// <summary>True for the ops that carry weights (and are pruned and quantized).</summary>
    public bool IsWeighted => Op is LayerOp.Dense or LayerOp.Conv2d;
}

/// <summary>
/// A network architecture as data: input shape, layer list, class labels and the input
/// preprocessing it is trained with. New architectures are new instances, not new code paths.
/// </summary>
public sealed class ArchitectureSpec
{
    /// <summary>Creates a spec and resolves every layer's shapes; throws <see cref="ArgumentException"/> when the chain does not fit.</summary>
    public ArchitectureSpec(string name, int[] inputShape, IReadOnlyList<LayerSpec> layers, string[] classLabels, float scale, float mean, float std)
    {
        Name = name;
        InputShape = inputShape;
        Layers = layers;
        ClassLabels = classLabels;
        Scale = scale;
        Mean = mean;
        Std = std;
        Resolved = Resolve(name, inputShape, layers, classLabels.Length);
    }

    /// <summary>Model name (also the <c>--model</c> value).</summary>
    public string Name { get; }

    /// <summary>Shape of one sample: <c>[features]</c> or <c>[channels, height, width]</c>.</summary>
    public int[] InputShape { get; }

    /// <summary>The layers in execution order.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }

    /// <summary>One label per output.</summary>
    public string[] ClassLabels { get; }

    /// <summary>Preprocessing scale (raw × scale − mean) / std.</summary>
    public float Scale { get; }

    /// <summary>Preprocessing mean.</summary>
    public float Mean { get; }

    /// <summary>Preprocessing std.</summary>
    public float Std { get; }

    /// <summary>Every layer with its input and output shape.</summary>
    public IReadOnlyList<ResolvedLayer> Resolved { get; }

    /// <summary>The weighted layers (Dense, Conv2d) in order.</summary>
    public IEnumerable<ResolvedLayer> WeightedLayers => Resolved.Where(l => l.Spec.IsWeighted);

    /// <summary>Weights + biases of all weighted layers.</summary>
    public long ParameterCount => WeightedLayers.Sum(l => l.WeightCount + l.BiasCount);

    /// <summary>Bytes of all weights and biases as dense float32: the denominator of the compression ratio.</summary>
    public long DenseFloat32Bytes => ParameterCount * 4;

    private static ResolvedLayer[] Resolve(string name, int[] input, IReadOnlyList<LayerSpec> layers, int labelCount)
    {
        if (input.Length is not (1 or 3) || input.Any(d => d < 1))
        {
            throw new ArgumentException($"architecture {name}: input shape must be [features] or [channels, height, width] with every dimension ≥ 1");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var resolved = new ResolvedLayer[layers.Count];
        int[] shape = input;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec spec = layers[i];
            string where = string.Create(CultureInfo.InvariantCulture, $"architecture {name}: layer {i} ({spec.Op})");
            int[] output;
            switch (spec.Op)
            {
                case LayerOp.Dense:
                    Require(spec.Outputs >= 1, where, "needs outputs ≥ 1");
                    output = new[] { spec.Outputs };
                    break;
                case LayerOp.Conv2d:
                case LayerOp.MaxPool2d:
                    Require(shape.Length == 3, where, "needs a [channels, height, width] input");
                    Require(spec.Kernel >= 1 && spec.Stride >= 1 && spec.Padding >= 0, where, "needs kernel ≥ 1, stride ≥ 1, padding ≥ 0");
                    Require(spec.Op == LayerOp.MaxPool2d || spec.Outputs >= 1, where, "needs output channels ≥ 1");
                    int pad = spec.Op == LayerOp.Conv2d ? spec.Padding : 0;
                    long h = ModelShapes.SlidingWindowOutput(shape[1], spec.Kernel, spec.Stride, pad);
                    long w = ModelShapes.SlidingWindowOutput(shape[2], spec.Kernel, spec.Stride, pad);
                    Require(h >= 1 && w >= 1, where, "window does not fit the input");
                    output = new[] { spec.Op == LayerOp.Conv2d ? spec.Outputs : shape[0], (int)h, (int)w };
                    break;
                case LayerOp.Flatten:
                    output = new[] { shape.Aggregate(1, (a, b) => a * b) };
                    break;
                default:
                    output = shape;
                    break;
            }

            if (spec.IsWeighted)
            {
                Require(spec.Name.Length > 0, where, "a weighted layer needs a name");
                Require(names.Add(spec.Name), where, "duplicate layer name '" + spec.Name + "'");
            }

            resolved[i] = new ResolvedLayer(i, spec, shape, output);
            shape = output;
        }

        int outputs = shape.Aggregate(1, (a, b) => a * b);
        if (outputs != labelCount)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"architecture {name}: {labelCount} class labels but the network outputs {outputs} values"));
        }

        return resolved;
    }

    private static void Require(bool condition, string where, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(where + ": " + message);
        }
    }
}

/// <summary>A layer with the shapes it receives and produces.</summary>
public sealed class ResolvedLayer
{
    internal ResolvedLayer(int index, LayerSpec spec, int[] input, int[] output)
    {
        Index = index;
        Spec = spec;
        InputShape = input;
        OutputShape = output;
    }

    /// <summary>Position in the chain.</summary>
    public int Index { get; }

    /// <summary>The layer as specified.</summary>
    public LayerSpec Spec { get; }

    /// <summary>Name (empty for unweighted layers).</summary>
    public string Name => Spec.Name;

    /// <summary>Input shape (without batch).</summary>
    public int[] InputShape { get; }

    /// <summary>Output shape (without batch).</summary>
    public int[] OutputShape { get; }

    /// <summary>Dense: input features (flattened input).</summary>
    public int InputLength => InputShape.Aggregate(1, (a, b) => a * b);

    /// <summary>The weight tensor's shape: Dense [out, in]; Conv2d [out, in, k, k]; empty otherwise.</summary>
    public long[] WeightShape => Spec.Op switch
    {
        LayerOp.Dense => new long[] { Spec.Outputs, InputLength },
        LayerOp.Conv2d => new long[] { Spec.Outputs, InputShape[0], Spec.Kernel, Spec.Kernel },
        _ => Array.Empty<long>(),
    };

    /// <summary>Number of weights (0 for unweighted layers).</summary>
    public long WeightCount => Spec.IsWeighted ? WeightShape.Aggregate(1L, (a, b) => a * b) : 0;

    /// <summary>Number of biases (0 for unweighted layers).</summary>
    public long BiasCount => Spec.IsWeighted ? Spec.Outputs : 0;
}
