using EmbeddedNets.Compressor.Models;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Tests;

public sealed class ConvolutionTests
{
    /// <summary>
    /// The network must compute the convolution the Runtime computes. libtorch's float32 conv2d is
    /// wrong for 20 input channels on AVX-512 machines (LeNet-5's conv2), so SpecNetwork uses
    /// zero-padded channels; this checks it against libtorch's float64 convolution, which is right.
    /// </summary>
    [Fact]
    public void Forward_LeNet5Convolutions_MatchFloat64Reference()
    {
        random.manual_seed(7);
        using var network = new SpecNetwork(Architectures.LeNet5);
        using Tensor x = rand(3, 1, 28, 28);
        using Tensor logits = network.forward(x);

        Tensor h = x.to_type(ScalarType.Float64);
        foreach (ResolvedLayer layer in Architectures.LeNet5.Resolved)
        {
            WeightedLayer? weighted = network.Weighted.FirstOrDefault(w => w.Layer.Index == layer.Index);
            h = layer.Spec.Op switch
            {
                LayerOp.Conv2d => nn.functional.conv2d(h, weighted!.Weight.to_type(ScalarType.Float64), weighted.Bias.to_type(ScalarType.Float64), strides: [layer.Spec.Stride], padding: [layer.Spec.Padding]),
                LayerOp.MaxPool2d => nn.functional.max_pool2d(h, layer.Spec.Kernel, layer.Spec.Stride),
                LayerOp.ReLU => nn.functional.relu(h),
                LayerOp.Flatten => h.flatten(1),
                LayerOp.Dense => nn.functional.linear(h.dim() == 2 ? h : h.flatten(1), weighted!.Weight.to_type(ScalarType.Float64), weighted.Bias.to_type(ScalarType.Float64)),
                _ => throw new InvalidOperationException(layer.Spec.Op.ToString()),
            };
        }

        double scale = h.abs().max().item<double>();
        double error = (logits.detach().to_type(ScalarType.Float64) - h).abs().max().item<double>();
        Assert.True(error <= 1e-5 * scale, $"largest deviation {error} of logits up to {scale}");
    }
}
