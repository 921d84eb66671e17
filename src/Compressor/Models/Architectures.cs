namespace EmbeddedNets.Compressor.Models;

/// <summary>The built-in architectures, by <c>--model</c> name.</summary>
public static class Architectures
{
    // The network sees pixel / 255, as Caffe's LeNet examples (scale only, no mean subtraction).
    // Keeping the background at exactly 0 matters at run time: the sparse dense-layer kernel skips
    // zero inputs, and ~81 % of MNIST pixels are background. Subtracting the MNIST mean (0.1307)
    // would turn every one of them into a nonzero input.
    private const float PixelScale = 1f / 255f;
    private const float MnistMean = 0f;
    private const float MnistStd = 1f;

    private static readonly string[] s_digits = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

    /// <summary>LeNet-300-100 (paper Table 2): 784-300-100-10 fully connected with ReLU.</summary>
    public static ArchitectureSpec LeNet300100 { get; } = new(
        "lenet-300-100",
        new[] { 784 },
        new[]
        {
            LayerSpec.Dense("ip1", 300), LayerSpec.Relu(),
            LayerSpec.Dense("ip2", 100), LayerSpec.Relu(),
            LayerSpec.Dense("ip3", 10),
        },
        s_digits,
        PixelScale,
        MnistMean,
        MnistStd);

    /// <summary>
    /// LeNet-5, Caffe variant (paper Table 3): conv 20@5×5, max-pool 2, conv 50@5×5, max-pool 2,
    /// fc 500, ReLU, fc 10.
    /// </summary>
    public static ArchitectureSpec LeNet5 { get; } = new(
        "lenet-5",
        new[] { 1, 28, 28 },
        new[]
        {
            LayerSpec.Conv("conv1", 20, 5), LayerSpec.MaxPool(2, 2),
            LayerSpec.Conv("conv2", 50, 5), LayerSpec.MaxPool(2, 2),
            LayerSpec.Flatten(),
            LayerSpec.Dense("ip1", 500), LayerSpec.Relu(),
            LayerSpec.Dense("ip2", 10),
        },
        s_digits,
        PixelScale,
        MnistMean,
        MnistStd);

    /// <summary>All built-in architectures.</summary>
    public static IReadOnlyList<ArchitectureSpec> All { get; } = new[] { LeNet300100, LeNet5 };

    /// <summary>Finds an architecture by name (ordinal, case-insensitive), or null.</summary>
    public static ArchitectureSpec? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}
