using System.Text.Json.Serialization;

namespace EmbeddedNets.Compressor.Pipeline;

/// <summary>
/// Every setting of a compression run. Defaults come from <see cref="DefaultConfigs"/> per model;
/// a JSON file (<c>--config</c>) overrides any subset of them (objects merge key by key).
/// </summary>
public sealed class CompressionConfig
{
    /// <summary>Mini-batch size for every training stage.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>The validation split held out of the training set for every choice the run makes.</summary>
    public ValidationConfig Validation { get; set; } = new();

    /// <summary>Dense training.</summary>
    public TrainingStageConfig Baseline { get; set; } = new();

    /// <summary>Iterative pruning with retraining.</summary>
    public PruneConfig Prune { get; set; } = new();

    /// <summary>Weight sharing by k-means and centroid fine-tuning.</summary>
    public QuantizeConfig Quantize { get; set; } = new();

    /// <summary>How the .dcz is encoded.</summary>
    public EncodeConfig Encode { get; set; } = new();
}

/// <summary>
/// The validation split: samples of the training set held out from training, picked by the run's
/// seed. Every per-epoch accuracy, every pruning and quantization log line and every choice a
/// search makes is measured on them; the test set is read only for the dense baseline's reported
/// error and for the accuracy recorded in the written file.
/// </summary>
public sealed class ValidationConfig
{
    /// <summary>The default fraction held out.</summary>
    public const double DefaultFraction = 0.1;

    /// <summary>The default cap: 5,000 of MNIST's 60,000 training images, its customary validation split.</summary>
    public const int DefaultMaxCount = 5000;

    /// <summary>
    /// Fraction of the training samples held out (0–0.5). 0 turns the split off: training then
    /// sees every training sample and the per-epoch figures are measured on the test set, as
    /// before the split existed.
    /// </summary>
    public double Fraction { get; set; } = DefaultFraction;

    /// <summary>Most samples held out, whatever the fraction gives.</summary>
    public int MaxCount { get; set; } = DefaultMaxCount;

    /// <summary>Samples held out of <paramref name="trainingSamples"/>: the fraction (rounded down), at most <see cref="MaxCount"/>.</summary>
    public int CountFor(int trainingSamples) =>
        Fraction <= 0 ? 0 : (int)Math.Min(MaxCount, Math.Floor(Fraction * trainingSamples));
}

/// <summary>Learning-rate schedule over the epochs of one stage.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LearningRateSchedule>))]
public enum LearningRateSchedule
{
    /// <summary>The same rate every epoch.</summary>
    Constant,

    /// <summary>Half-cosine from the rate down to <c>MinLearningRateFraction</c> × rate over the stage.</summary>
    Cosine,
}

/// <summary>Settings of a stage that trains with SGD + momentum.</summary>
public class TrainingStageConfig
{
    /// <summary>Epochs (passes over the training set).</summary>
    public int Epochs { get; set; }

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>How the rate changes across the stage's epochs.</summary>
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Cosine;

    /// <summary>Final rate as a fraction of <see cref="LearningRate"/> (cosine schedule).</summary>
    public double MinLearningRateFraction { get; set; } = 0.01;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>L2 weight decay on weights (not biases or centroids).</summary>
    public double WeightDecay { get; set; }

    /// <summary>
    /// Largest L2 norm of all gradients of a step (weights and biases, kept positions only); a
    /// larger gradient is scaled down to it. 0 turns clipping off. Guards the steps right after a
    /// pruning round, when the damaged network's loss and gradients spike.
    /// </summary>
    public double MaxGradientNorm { get; set; }

    /// <summary>
    /// Data augmentation: every training image is translated by a random whole-pixel offset of at
    /// most this many pixels along each axis (uniform in −n … n, drawn afresh every epoch from the
    /// run's seed; uncovered pixels take the background value, raw 0). 0 trains on the images as
    /// they are. Not written when 0, so configurations without it keep their checkpoint keys.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ShiftPixels { get; set; }
}

/// <summary>Pruning: per-layer threshold = quality × std of the layer's dense baseline weights.</summary>
public sealed class PruneConfig : TrainingStageConfig
{
    /// <summary>
    /// Prune → retrain rounds. Round r (1-based) prunes with quality × r / Iterations, so the
    /// threshold rises to its final value; pruned weights stay pruned. <see cref="TrainingStageConfig.Epochs"/> is per round.
    /// </summary>
    public int Iterations { get; set; } = 3;

    /// <summary>Final quality parameter per weighted layer (a missing layer is not pruned).</summary>
    public Dictionary<string, double> Quality { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Group-sparsity penalty λ of the retraining between pruning rounds: λ × Σ over the units of
    /// every weighted layer but the last of the L2 norm of the unit's incoming (masked) weights is
    /// added to the loss, pushing whole units to zero so that <see cref="RemoveDeadUnits"/> can
    /// remove them. 0 (the default) adds nothing. Not written when 0, so configurations without
    /// it keep their checkpoint keys.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double GroupLasso { get; set; }

    /// <summary>
    /// Remove dead units when the file is written (the default): output units of Dense and
    /// Conv2d layers that nothing reads, or whose incoming weights are all zero so that their
    /// constant output folds exactly into the layers that read them, go with the matching input
    /// columns, leaving smaller layers and the same outputs. Applied to the finished network, so it
    /// is not part of any checkpoint key.
    /// </summary>
    public bool RemoveDeadUnits { get; set; } = true;
}

/// <summary>Centroid initialisation for k-means (paper Section 3.2).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CentroidInit>))]
public enum CentroidInit
{
    /// <summary>Evenly spaced between the smallest and largest kept weight (the paper's default and best).</summary>
    Linear,

    /// <summary>Evenly spaced on the cumulative distribution of the kept weights.</summary>
    Density,

    /// <summary>k kept weights drawn at random (seeded).</summary>
    Random,
}

/// <summary>Weight sharing: k-means per layer, then centroid fine-tuning.</summary>
public sealed class QuantizeConfig : TrainingStageConfig
{
    /// <summary>Bits per weight index per layer (codebook of up to 2^bits shared weights), 1–8.</summary>
    public Dictionary<string, int> Bits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Centroid initialisation.</summary>
    public CentroidInit Init { get; set; } = CentroidInit.Linear;

    /// <summary>Cap on Lloyd iterations.</summary>
    public int KMeansIterations { get; set; } = 500;
}

/// <summary>Encoding settings.</summary>
public sealed class EncodeConfig
{
    /// <summary>
    /// Bits per relative index per layer, 1–12; a layer that is missing (or 0) gets the width
    /// that makes its record smallest, found by encoding every width.
    /// </summary>
    public Dictionary<string, int> GapBits { get; set; } = new(StringComparer.Ordinal);
}
