using EmbeddedNets.Compressor.Models;

namespace EmbeddedNets.Compressor.Pipeline;

/// <summary>The default settings per built-in model (see docs/results.md for how they were chosen).</summary>
public static class DefaultConfigs
{
    /// <summary>The defaults for <paramref name="architecture"/>.</summary>
    public static CompressionConfig For(ArchitectureSpec architecture) => architecture.Name switch
    {
        "lenet-300-100" => LeNet300100(),
        "lenet-5" => LeNet5(),
        "ds-cnn" when architecture.Fingerprint == Architectures.DsCnn.Fingerprint => DsCnn(),
        _ => Generic(architecture),
    };

    // LeNet-300-100 takes ~2 s per epoch. Every stage trains on images shifted by up to 2 pixels:
    // the dense baseline then reaches 1.00 % validation error (docs/search.md). The qualities
    // and bits are what `dcz compress --target-error 1.6` chose on the validation split with this
    // schedule (docs/search.md: candidate 5 of that search, 8,766 bytes, 1.56 % validation error):
    // seven prune rounds of 8 epochs raise the thresholds in small steps, which left the pruned
    // network 0.4-0.5 points more accurate on validation than three rounds at the same qualities.
    private static CompressionConfig LeNet300100() => new()
    {
        BatchSize = 64,
        Baseline = new TrainingStageConfig { Epochs = 20, LearningRate = 0.05, Momentum = 0.9, WeightDecay = 1e-4, ShiftPixels = 2 },
        Prune = new PruneConfig
        {
            Iterations = 7,
            Epochs = 8,
            LearningRate = 0.02,
            Momentum = 0.9,
            WeightDecay = 1e-4,
            ShiftPixels = 2,
            Quality = new(StringComparer.Ordinal) { ["ip1"] = 3.5, ["ip2"] = 1.667, ["ip3"] = 1.25 },
        },
        Quantize = new QuantizeConfig
        {
            Epochs = 4,
            LearningRate = 0.002,
            Momentum = 0.9,
            ShiftPixels = 2,
            Bits = new(StringComparer.Ordinal) { ["ip1"] = 2, ["ip2"] = 2, ["ip3"] = 2 },
        },
    };

    // LeNet-5 costs ~40 s per epoch on one thread here with oneDNN capped at SSE4.1 (see
    // Training.NativeSettings). Every stage trains on images shifted by up to 2 pixels: without
    // it the dense baseline stopped at 0.75-0.77 % error after 15 epochs (Caffe's LeNet solver runs
    // ~10.7; weight decay 5e-4 as there) and every pruning schedule tried ended at 0.83-0.90 %;
    // with it the baseline reaches 0.52-0.60 % and the network takes harsher thresholds. Four prune
    // rounds of 3 epochs raise the thresholds in small steps. Every stage clips the gradient norm
    // to 10 (the steps right after a pruning round spike). Centroid gradients are sums over their
    // members (paper, Section 3.3) and ip1 shares each value among hundreds of weights, so the
    // fine-tuning rate is a quarter of LeNet-300-100's.
    // Qualities and bits are what `dcz compress --model lenet-5 --target-ratio 200` chose on the
    // validation split (seed 1, one thread, bits by the knapsack): its candidate 4, the only one of
    // five at least 200x smaller (7,833 bytes, 220.1x, 1.12 % validation error, dead-unit removal
    // leaving 19 / 41 / 206 of conv1's, conv2's and ip1's units). They are pinned exactly as the
    // search rounded them, so the default command resumes that candidate's checkpoints
    // (docs/search.md, "Measured: LeNet-5").
    private static CompressionConfig LeNet5() => new()
    {
        BatchSize = 64,
        Baseline = new TrainingStageConfig { Epochs = 15, LearningRate = 0.02, Momentum = 0.9, WeightDecay = 5e-4, MaxGradientNorm = 10, ShiftPixels = 2 },
        Prune = new PruneConfig
        {
            Iterations = 4,
            Epochs = 3,
            LearningRate = 0.005,
            Momentum = 0.9,
            WeightDecay = 5e-4,
            MaxGradientNorm = 10,
            ShiftPixels = 2,
            Quality = new(StringComparer.Ordinal) { ["conv1"] = 1.25, ["conv2"] = 3, ["ip1"] = 3.25, ["ip2"] = 2.28 },
        },
        Quantize = new QuantizeConfig
        {
            Epochs = 3,
            LearningRate = 0.0005,
            Momentum = 0.9,
            MaxGradientNorm = 10,
            ShiftPixels = 2,
            Bits = new(StringComparer.Ordinal) { ["conv1"] = 4, ["conv2"] = 4, ["ip1"] = 2, ["ip2"] = 6 },
        },
    };

    // ds-cnn is ~9,200 weights in eight small layers; one thread takes ~25 s of CPU per epoch here.
    // Its batch norms fold into the convolutions when the 6 dense epochs end (0.77 % error).
    // Two prune rounds of 2 epochs with these qualities, then 4-bit codebooks: 5,030 bytes (7.6x)
    // at 1.20 % error trained on all 60,000 images, 5,002 bytes at 1.34 % with the default
    // validation split. Harsher qualities (pw 1.0, pw3 1.2, depthwise 0.5) gave 5,265 bytes at
    // 1.50 % with 5 bits; three rounds instead of two did not recover more (docs/results.md).
    private static CompressionConfig DsCnn() => new()
    {
        BatchSize = 64,
        Baseline = new TrainingStageConfig { Epochs = 6, LearningRate = 0.05, Momentum = 0.9, WeightDecay = 1e-4, MaxGradientNorm = 10, ShiftPixels = 2 },
        Prune = new PruneConfig
        {
            Iterations = 2,
            Epochs = 2,
            LearningRate = 0.01,
            Momentum = 0.9,
            WeightDecay = 1e-4,
            MaxGradientNorm = 10,
            ShiftPixels = 2,
            Quality = new(StringComparer.Ordinal)
            {
                ["conv1"] = 0.4, ["dw1"] = 0.4, ["pw1"] = 0.8, ["dw2"] = 0.4, ["pw2"] = 0.8, ["dw3"] = 0.5, ["pw3"] = 1.0, ["fc"] = 0.8,
            },
        },
        Quantize = new QuantizeConfig
        {
            Epochs = 2,
            LearningRate = 0.001,
            Momentum = 0.9,
            MaxGradientNorm = 10,
            ShiftPixels = 2,
            Bits = new(StringComparer.Ordinal)
            {
                ["conv1"] = 4, ["dw1"] = 4, ["pw1"] = 4, ["dw2"] = 4, ["pw2"] = 4, ["dw3"] = 4, ["pw3"] = 4, ["fc"] = 4,
            },
        },
    };

    private static CompressionConfig Generic(ArchitectureSpec architecture)
    {
        var config = new CompressionConfig
        {
            Baseline = new TrainingStageConfig { Epochs = 10, LearningRate = 0.05, WeightDecay = 1e-4 },
            Prune = new PruneConfig { Iterations = 3, Epochs = 4, LearningRate = 0.02, WeightDecay = 1e-4 },
            Quantize = new QuantizeConfig { Epochs = 3, LearningRate = 0.002 },
        };
        foreach (ResolvedNode node in architecture.WeightedNodes)
        {
            config.Prune.Quality[node.Name] = 1.0;
            config.Quantize.Bits[node.Name] = ((WeightedNode)node.Node).DefaultQuantizeBits;
        }

        return config;
    }
}
