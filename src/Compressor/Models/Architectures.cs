using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Models;

/// <summary>The built-in architectures, by <c>--model</c> name.</summary>
public static class Architectures
{
    // The network sees pixel / 255, as Caffe's LeNet examples (scale only, no mean subtraction).
    // Keeping the background at exactly 0 matters at run time: the sparse dense-layer kernel skips
    // zero inputs, and ~81 % of MNIST pixels are background. Subtracting the MNIST mean (0.1307)
    // would turn every one of them into a nonzero input.
    private const float PixelScale = 1f / 255f;

    private static readonly string[] s_digits = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

    private static Preprocessing MnistPixels => new(PixelScale, 0f, 1f);

    /// <summary>LeNet-300-100 (paper Table 2): 784-300-100-10 fully connected with ReLU.</summary>
    public static ArchitectureSpec LeNet300100 { get; } = new(
        "lenet-300-100",
        new[] { 784 },
        new ArchitectureNode[]
        {
            new DenseNode("ip1", 300), new ReLUNode(),
            new DenseNode("ip2", 100), new ReLUNode(),
            new DenseNode("ip3", 10),
        },
        s_digits,
        MnistPixels);

    /// <summary>
    /// LeNet-5, Caffe variant (paper Table 3): conv 20@5×5, max-pool 2, conv 50@5×5, max-pool 2,
    /// fc 500, ReLU, fc 10.
    /// </summary>
    public static ArchitectureSpec LeNet5 { get; } = new(
        "lenet-5",
        new[] { 1, 28, 28 },
        new ArchitectureNode[]
        {
            new Conv2dNode("conv1", 20, 5), new MaxPool2dNode(2, 2),
            new Conv2dNode("conv2", 50, 5), new MaxPool2dNode(2, 2),
            new FlattenNode(),
            new DenseNode("ip1", 500), new ReLUNode(),
            new DenseNode("ip2", 10),
        },
        s_digits,
        MnistPixels);

    /// <summary>
    /// A small depthwise-separable CNN with batch norm and one residual block, the shape of
    /// keyword-spotting and visual-wake-word models: a strided 3×3 convolution (32 channels) + BN
    /// + ReLU; a residual block [depthwise 3×3 + BN + ReLU6 → pointwise 1×1 + BN] + Add → ReLU;
    /// average pooling 2×2; two depthwise-separable stages (depthwise 3×3 + BN + ReLU6 → pointwise
    /// 1×1 64 + BN + ReLU, the second depthwise strided); global average pooling and a dense 10.
    /// Every batch norm folds into the convolution before it.
    /// </summary>
    public static ArchitectureSpec DsCnn { get; } = new(
        "ds-cnn",
        new[] { 1, 28, 28 },
        new ArchitectureNode[]
        {
            new Conv2dNode("conv1", 32, 3, stride: 2, padding: 1), new BatchNormNode("bn1"), new ReLUNode("relu1"),
            new Conv2dNode("dw1", 32, 3, padding: 1, groups: 32), new BatchNormNode("dw1_bn"), new ReLU6Node("dw1_relu"),
            new Conv2dNode("pw1", 32, 1), new BatchNormNode("pw1_bn"),
            new AddNode("res1", new[] { "relu1", "pw1_bn" }), new ReLUNode("res1_relu"),
            new AvgPool2dNode("pool1", (2, 2), (2, 2)),
            new Conv2dNode("dw2", 32, 3, padding: 1, groups: 32), new BatchNormNode("dw2_bn"), new ReLU6Node("dw2_relu"),
            new Conv2dNode("pw2", 64, 1), new BatchNormNode("pw2_bn"), new ReLUNode("pw2_relu"),
            new Conv2dNode("dw3", 64, 3, stride: 2, padding: 1, groups: 64), new BatchNormNode("dw3_bn"), new ReLU6Node("dw3_relu"),
            new Conv2dNode("pw3", 64, 1), new BatchNormNode("pw3_bn"), new ReLUNode("pw3_relu"),
            new GlobalAvgPoolNode("gap"), new FlattenNode("flatten"),
            new DenseNode("fc", 10),
        },
        s_digits,
        MnistPixels);

    /// <summary>All built-in architectures.</summary>
    public static IReadOnlyList<ArchitectureSpec> All { get; } = new[] { LeNet300100, LeNet5, DsCnn };

    /// <summary>Finds an architecture by name (ordinal, case-insensitive), or null.</summary>
    public static ArchitectureSpec? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}
