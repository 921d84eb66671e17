using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// A TorchSharp network built from an <see cref="ArchitectureSpec"/>: one registered module per
/// weighted layer (under the layer's name), functional ops for the rest.
/// </summary>
internal sealed class SpecNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ArchitectureSpec _architecture;
    private readonly nn.Module<Tensor, Tensor>?[] _modules;
    private readonly List<WeightedLayer> _weighted = new();

    public SpecNetwork(ArchitectureSpec architecture)
        : base(architecture.Name)
    {
        _architecture = architecture;
        _modules = new nn.Module<Tensor, Tensor>?[architecture.Resolved.Count];
        foreach (ResolvedLayer layer in architecture.Resolved)
        {
            switch (layer.Spec.Op)
            {
                case LayerOp.Dense:
                {
                    Linear linear = nn.Linear(layer.InputLength, layer.Spec.Outputs);
                    _modules[layer.Index] = linear;
                    register_module(layer.Name, linear);
                    _weighted.Add(new WeightedLayer(layer, linear.weight!, linear.bias!));
                    break;
                }

                case LayerOp.Conv2d:
                {
                    Conv2d conv = nn.Conv2d(layer.InputShape[0], layer.Spec.Outputs, layer.Spec.Kernel, stride: layer.Spec.Stride, padding: layer.Spec.Padding);
                    _modules[layer.Index] = conv;
                    register_module(layer.Name, conv);
                    _weighted.Add(new WeightedLayer(layer, conv.weight!, conv.bias!));
                    break;
                }
            }
        }
    }

    public ArchitectureSpec Architecture => _architecture;

    /// <summary>The weighted layers, in order, with their parameters.</summary>
    public IReadOnlyList<WeightedLayer> Weighted => _weighted;

    /// <summary>Runs a batch of preprocessed inputs shaped [batch, ...InputShape]; returns logits [batch, classes].</summary>
    public override Tensor forward(Tensor input)
    {
        Tensor x = input;
        foreach (ResolvedLayer layer in _architecture.Resolved)
        {
            x = layer.Spec.Op switch
            {
                LayerOp.Dense => _modules[layer.Index]!.forward(x.dim() == 2 ? x : x.flatten(1)),
                LayerOp.Conv2d => Convolve(x, layer, (Conv2d)_modules[layer.Index]!),
                LayerOp.MaxPool2d => nn.functional.max_pool2d(x, layer.Spec.Kernel, layer.Spec.Stride),
                LayerOp.ReLU => nn.functional.relu(x),
                LayerOp.Flatten => x.flatten(1),
                _ => throw new InvalidOperationException("unknown op " + layer.Spec.Op),
            };
        }

        return x;
    }

    /// <summary>
    /// The layer's convolution with its own parameters (so autograd, pruning masks and weight
    /// sharing apply unchanged). It relies on <see cref="Training.NativeSettings"/>: libtorch's
    /// oneDNN computes wrong float32 convolutions for 20 input channels (LeNet-5's conv2) on this
    /// project's AVX-512 machines unless capped at SSE4.1; ConvolutionTests checks both.
    /// </summary>
    private static Tensor Convolve(Tensor x, ResolvedLayer layer, Conv2d conv) =>
        nn.functional.conv2d(x, conv.weight!, conv.bias, strides: new long[] { layer.Spec.Stride }, padding: new long[] { layer.Spec.Padding });
}

/// <summary>A weighted layer's parameters.</summary>
internal sealed class WeightedLayer
{
    public WeightedLayer(ResolvedLayer layer, Parameter weight, Parameter bias)
    {
        Layer = layer;
        Weight = weight;
        Bias = bias;
    }

    public ResolvedLayer Layer { get; }

    public string Name => Layer.Name;

    public Parameter Weight { get; }

    public Parameter Bias { get; }
}
