using System.Globalization;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Training;

/// <summary>Loss and accuracy of one epoch.</summary>
internal readonly record struct EpochResult(double TrainLoss, int TestCorrect, int TestCount)
{
    public double TestAccuracy => TestCount == 0 ? 0 : (double)TestCorrect / TestCount;
}

/// <summary>
/// SGD with momentum over a <see cref="SpecNetwork"/>, respecting each layer's state:
/// pruned weights get no gradient and stay zero; shared weights are updated through their
/// centroids only (the weights are always <c>codebook[assignment]</c>); batch-norm parameters
/// take plain steps.
/// </summary>
internal sealed class Trainer
{
    private const int EvalBatch = 1000;

    /// <summary>Mixed into an epoch's shuffle seed for the augmentation offsets, so they are independent of the order.</summary>
    private const ulong ShiftStream = 0x5348494654UL; // "SHIFT"

    private readonly SpecNetwork _network;
    private readonly IReadOnlyList<LayerState> _states;

    public Trainer(SpecNetwork network, IReadOnlyList<LayerState> states)
    {
        _network = network;
        _states = states;
    }

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (0-based) of a stage.</summary>
    public static double LearningRate(TrainingStageConfig stage, int epoch)
    {
        if (stage.Schedule == LearningRateSchedule.Constant || stage.Epochs <= 1)
        {
            return stage.LearningRate;
        }

        double min = stage.LearningRate * stage.MinLearningRateFraction;
        double t = epoch / (double)(stage.Epochs - 1);
        return min + ((stage.LearningRate - min) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }

    /// <summary>
    /// One pass over <paramref name="train"/> in an order fixed by <paramref name="shuffleSeed"/>
    /// (which also fixes the augmentation offsets when the stage shifts images);
    /// <paramref name="onBatch"/> (optional) hears the fraction of the epoch done after each batch.
    /// Returns the mean training loss.
    /// </summary>
    public double TrainEpoch(TensorSet train, int batchSize, TrainingStageConfig stage, double learningRate, ulong shuffleSeed, Action<double>? onBatch = null)
    {
        _network.train();
        long[] order = new SplitMix64(shuffleSeed).Permutation(train.Count);
        using Tensor permutation = OwnedTensors.From(order, new long[] { order.Length });
        var shifts = new SplitMix64(SplitMix64.Combine(shuffleSeed, ShiftStream));
        double lossSum = 0;
        for (int start = 0; start < train.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, train.Count - start);
            using (NewDisposeScope())
            {
                Tensor index = permutation.narrow(0, start, n);
                Tensor x = stage.ShiftPixels > 0
                    ? train.ShiftedBatch(order.AsSpan(start, n), stage.ShiftPixels, ref shifts)
                    : train.Inputs.index_select(0, index);
                Tensor y = train.Targets.index_select(0, index);
                _network.zero_grad();
                Tensor loss = nn.functional.cross_entropy(_network.Logits(x), y);
                if (stage is PruneConfig { GroupLasso: > 0 } prune)
                {
                    loss = loss + GroupPenalty(prune.GroupLasso);
                }

                float batchLoss = loss.item<float>();
                if (!float.IsFinite(batchLoss))
                {
                    throw new TrainingDivergedException($"the loss of batch {(start / batchSize) + 1} is {batchLoss} ({Describe(x)})");
                }

                loss.backward();
                Step(stage, learningRate);
                lossSum += batchLoss * n;
            }

            onBatch?.Invoke((start + n) / (double)train.Count);
        }

        return lossSum / train.Count;
    }

    /// <summary>One optimizer step for every weighted layer and every plain parameter (batch-norm γ, β), from the gradients now in place.</summary>
    public void Step(TrainingStageConfig stage, double learningRate)
    {
        float lr = (float)learningRate;
        float momentum = (float)stage.Momentum;
        float decay = (float)stage.WeightDecay;

        // Scalars the step owns for its whole length. Passing the floats directly converts each to
        // a temporary Scalar that nothing references while libtorch runs, so a collection started
        // by another thread may finalize it mid-call (seen once, as a garbage Scalar inside
        // libtorch, in the benchmarks' TorchSharp engine).
        using Scalar negativeRate = (-lr).ToScalar();
        using Scalar momentumFactor = momentum.ToScalar();
        using Scalar decayFactor = decay.ToScalar();
        using (no_grad())
        {
            if (stage.MaxGradientNorm > 0)
            {
                ClipGradients(stage.MaxGradientNorm);
            }

            foreach (LayerState state in _states)
            {
                using var scope = NewDisposeScope();
                Tensor weight = state.Layer.Weight;
                Tensor grad = weight.grad ?? throw new InvalidOperationException($"layer {state.Name}: no gradient after backward");
                if (state.IsQuantized)
                {
                    // Trained quantization: only the centroids move; weights are rewritten from them.
                    Tensor centroidGrad = state.CentroidGradient(grad);
                    state.CentroidVelocity!.mul_(momentumFactor).add_(centroidGrad, LayerState.One);
                    state.Centroids!.add_(state.CentroidVelocity, negativeRate);
                    state.WriteSharedWeights();
                }
                else
                {
                    Tensor direction = decay > 0 ? grad.add(weight, decayFactor) : grad;
                    if (state.Mask is not null)
                    {
                        // Masked gradient: a pruned connection receives no update...
                        direction = direction.mul(state.Mask);
                    }

                    state.WeightVelocity.mul_(momentumFactor).add_(direction, LayerState.One);
                    weight.add_(state.WeightVelocity, negativeRate);
                    if (state.Mask is not null)
                    {
                        // ...and is re-zeroed after the step, so it stays exactly 0.
                        weight.mul_(state.Mask);
                    }
                }

                Tensor biasGrad = state.Layer.Bias.grad ?? throw new InvalidOperationException($"layer {state.Name}: no bias gradient after backward");
                state.BiasVelocity.mul_(momentumFactor).add_(biasGrad, LayerState.One);
                state.Layer.Bias.add_(state.BiasVelocity, negativeRate);
            }

            // Batch-norm scale and shift: plain SGD with momentum, no weight decay (as biases).
            foreach (PlainParameter p in _network.PlainParameters)
            {
                if (p.Parameter.grad is Tensor grad)
                {
                    p.Velocity.mul_(momentumFactor).add_(grad, LayerState.One);
                    p.Parameter.add_(p.Velocity, negativeRate);
                }
            }
        }
    }

    /// <summary>
    /// The group-sparsity penalty λ × Σ_units ‖incoming weights‖₂ over every weighted layer but the
    /// last (its units are the model's outputs, which are never removed). Pruned weights are
    /// already zero, so the norms are of the kept weights. A tiny constant under the square root
    /// keeps the gradient of a unit that is already all zero finite (it is then zero).
    /// </summary>
    private Tensor GroupPenalty(double lambda)
    {
        // Scalars held for the whole computation, as in Step: a temporary one may be finalized
        // while libtorch still reads it.
        using Scalar epsilon = 1e-12f.ToScalar();
        using Scalar factor = ((float)lambda).ToScalar();
        Tensor total = zeros(1);
        for (int i = 0; i < _states.Count - 1; i++)
        {
            Tensor weight = _states[i].Layer.Weight;
            total = total + weight.reshape(weight.shape[0], -1).square().sum(1).add(epsilon).sqrt().sum();
        }

        return total.mul(factor).squeeze();
    }

    /// <summary>Scales every gradient by one factor so that their joint L2 norm (pruned positions excluded) is at most <paramref name="maxNorm"/>.</summary>
    private void ClipGradients(double maxNorm)
    {
        using var scope = NewDisposeScope();
        double sumSquares = 0;
        foreach (LayerState state in _states)
        {
            Tensor grad = state.Layer.Weight.grad!;
            Tensor live = state.Mask is null ? grad : grad.mul(state.Mask);
            sumSquares += live.square().sum().to_type(ScalarType.Float64).item<double>();
            sumSquares += state.Layer.Bias.grad!.square().sum().to_type(ScalarType.Float64).item<double>();
        }

        foreach (PlainParameter p in _network.PlainParameters)
        {
            if (p.Parameter.grad is Tensor grad)
            {
                sumSquares += grad.square().sum().to_type(ScalarType.Float64).item<double>();
            }
        }

        double norm = Math.Sqrt(sumSquares);
        if (norm > maxNorm)
        {
            using Scalar factor = ((float)(maxNorm / norm)).ToScalar();
            foreach (LayerState state in _states)
            {
                state.Layer.Weight.grad!.mul_(factor);
                state.Layer.Bias.grad!.mul_(factor);
            }

            foreach (PlainParameter p in _network.PlainParameters)
            {
                p.Parameter.grad?.mul_(factor);
            }
        }
    }

    /// <summary>Where non-finite or extreme values are, for the divergence message.</summary>
    private string Describe(Tensor batch)
    {
        var parts = new List<string>();
        if (!batch.isfinite().all().item<bool>())
        {
            parts.Add("the input batch holds non-finite values");
        }

        foreach (LayerState s in _states)
        {
            bool weights = s.Layer.Weight.isfinite().all().item<bool>();
            bool bias = s.Layer.Bias.isfinite().all().item<bool>();
            double max = weights ? s.Layer.Weight.abs().max().item<float>() : double.NaN;
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{s.Name}: max |w| {max:G3}{(weights ? string.Empty : ", non-finite weights")}{(bias ? string.Empty : ", non-finite biases")}"));
        }

        return string.Join("; ", parts);
    }

    /// <summary>Number of samples of <paramref name="set"/> the network classifies correctly.</summary>
    public int CountCorrect(TensorSet set)
    {
        _network.eval();
        int correct = 0;
        using (no_grad())
        {
            for (int start = 0; start < set.Count; start += EvalBatch)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(EvalBatch, set.Count - start);
                Tensor logits = _network.forward(set.Inputs.narrow(0, start, n));
                correct += (int)logits.argmax(1).eq(set.Targets.narrow(0, start, n)).sum().item<long>();
            }
        }

        return correct;
    }
}

/// <summary>Training produced a non-finite loss; the message says at which batch.</summary>
internal sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException(string message)
        : base(message)
    {
    }
}
