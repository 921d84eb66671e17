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
                LayerOp.Conv2d => ConvolveAsMatmul(x, layer, (Conv2d)_modules[layer.Index]!),
                LayerOp.MaxPool2d => nn.functional.max_pool2d(x, layer.Spec.Kernel, layer.Spec.Stride),
                LayerOp.ReLU => nn.functional.relu(x),
                LayerOp.Flatten => x.flatten(1),
                _ => throw new InvalidOperationException("unknown op " + layer.Spec.Op),
            };
        }

        return x;
    }

    /// <summary>
    /// A convolution computed as unfold + matrix product with the layer's own parameters (so
    /// autograd, pruning masks and weight sharing apply unchanged). libtorch 2.10's oneDNN
    /// <c>conv2d</c> returns wrong float32 results on this project's AVX-512 build machines for some
    /// channel counts — LeNet-5's conv2 (20 input channels) comes out ~14 % off, while 1, 3, 8 and
    /// 16 channels, float64, or the SSE4.1 code path are right — and the network must be trained on
    /// the convolution the Runtime will compute. The GEMM path is correct everywhere.
    /// </summary>
    private static Tensor ConvolveAsMatmul(Tensor x, ResolvedLayer layer, Conv2d conv)
    {
        long batch = x.shape[0];
        Tensor columns = nn.functional.unfold(x, layer.Spec.Kernel, padding: layer.Spec.Padding, stride: layer.Spec.Stride);
        Tensor weight = conv.weight!.view(layer.Spec.Outputs, -1);
        Tensor y = weight.matmul(columns).add(conv.bias!.view(1, -1, 1));
        return y.view(batch, layer.Spec.Outputs, layer.OutputShape[1], layer.OutputShape[2]);
    }
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
