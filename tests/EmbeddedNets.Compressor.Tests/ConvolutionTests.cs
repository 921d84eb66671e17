using EmbeddedNets.Compressor.Models;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Tests;

// In the "torch" collection: these tests seed libtorch's global generator, and must not do so
// while an end-to-end compression between its own seeding and its weight initialisation runs
// (that made a same-seed-same-bytes test fail once).
[Collection("torch")]
public sealed class ConvolutionTests
{
    /// <summary>
    /// The network must compute the convolution the Runtime computes. libtorch's float32 conv2d is
    /// wrong for 20 input channels on AVX-512 machines (LeNet-5's conv2) unless oneDNN is capped
    /// (Training.NativeSettings); this checks the network against libtorch's float64 convolution.
    /// </summary>
    [Fact]
    public void Forward_LeNet5Convolutions_MatchFloat64Reference()
    {
        random.manual_seed(7);
        using var network = new SpecNetwork(Architectures.LeNet5);
        using Tensor x = rand(3, 1, 28, 28);
        using Tensor logits = network.forward(x);

        // The same graph in float64, through each op's own forward.
        var outputs = new Tensor[network.Modules.Count];
        foreach (ResolvedNode node in Architectures.LeNet5.Resolved)
        {
            Tensor[] inputs = node.InputIndexes.Select(k => k < 0 ? x.to_type(ScalarType.Float64) : outputs[k]).ToArray();
            WeightedLayer? weighted = network.Weighted.FirstOrDefault(w => w.Node.Index == node.Index);
            outputs[node.Index] = node.Node switch
            {
                WeightedNode w => w.Forward(inputs[0], weighted!.Weight.detach().to_type(ScalarType.Float64), weighted.Bias.detach().to_type(ScalarType.Float64)),
                StatelessNode s => s.Forward(inputs),
                _ => throw new InvalidOperationException(node.Label + " has parameters this test does not know"),
            };
        }

        Tensor h = outputs[^1];
        double scale = h.abs().max().item<double>();
        double error = (logits.detach().to_type(ScalarType.Float64) - h).abs().max().item<double>();
        Assert.True(error <= 1e-5 * scale, $"largest deviation {error} of logits up to {scale}");
    }

    /// <summary>
    /// The oneDNN cap is in force in this process: without it this convolution (20 input channels,
    /// as LeNet-5's conv2) comes out ~40 % off on the project's AVX-512 machines.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(24)]
    [InlineData(32)]
    public void Conv2d_Float32_MatchesFloat64(int channels)
    {
        Assert.Equal(Training.NativeSettings.OneDnnIsa, Environment.GetEnvironmentVariable(Training.NativeSettings.OneDnnIsaVariable));
        random.manual_seed(channels);
        using Tensor x = randn(64, channels, 12, 12);
        using Tensor w = randn(50, channels, 5, 5) * 0.1;
        using Tensor b = randn(50);
        using Tensor y32 = nn.functional.conv2d(x, w, b);
        using Tensor y64 = nn.functional.conv2d(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64));
        double error = ((y32.to_type(ScalarType.Float64) - y64).abs().max() / y64.abs().max()).item<double>();
        Assert.True(error <= 1e-5, $"float32 conv2d with {channels} input channels is off by {error:E2} (relative)");
    }
}
