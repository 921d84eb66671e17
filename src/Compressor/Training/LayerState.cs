using EmbeddedNets.Compressor.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Training;

/// <summary>
/// Everything about one weighted layer that training must respect besides its parameters:
/// the pruning mask, the weight-sharing codebook and assignment, and the optimizer's momentum.
/// </summary>
internal sealed class LayerState : IDisposable
{
    /// <summary>
    /// The alpha 1 of every in-place add in training, held for the process's lifetime: an implicit
    /// conversion would make a temporary Scalar that may be finalized during the native call.
    /// </summary>
    public static readonly Scalar One = 1.ToScalar();

    public LayerState(WeightedLayer layer)
    {
        Layer = layer;
        WeightVelocity = zeros_like(layer.Weight).DetachFromDisposeScope();
        BiasVelocity = zeros_like(layer.Bias).DetachFromDisposeScope();
    }

    public WeightedLayer Layer { get; }

    public string Name => Layer.Name;

    /// <summary>1 where a weight is kept, 0 where pruned (same shape as the weight); null while dense.</summary>
    public Tensor? Mask { get; private set; }

    /// <summary>Flat positions of the kept weights, ascending (int64); set with the quantization.</summary>
    public Tensor? KeptIndex { get; private set; }

    /// <summary>Shared weights [k]; null until quantized.</summary>
    public Tensor? Centroids { get; private set; }

    /// <summary>Codebook index of each kept weight (int64, aligned with <see cref="KeptIndex"/>).</summary>
    public Tensor? Assignment { get; private set; }

    /// <summary>Bits per index the layer was quantized with.</summary>
    public int Bits { get; set; }

    public Tensor WeightVelocity { get; private set; }

    public Tensor BiasVelocity { get; private set; }

    public Tensor? CentroidVelocity { get; private set; }

    public bool IsQuantized => Centroids is not null;

    /// <summary>Number of kept weights (all of them while dense).</summary>
    public long KeptCount => Mask is null ? Layer.Weight.numel() : (long)Mask.sum().item<float>();

    public void SetMask(Tensor mask)
    {
        Mask?.Dispose();
        Mask = mask.to_type(ScalarType.Float32).detach().clone().DetachFromDisposeScope();
        using (no_grad())
        {
            Layer.Weight.mul_(Mask);
            WeightVelocity.mul_(Mask);
        }
    }

    /// <summary>Starts weight sharing: the weights at <paramref name="keptIndex"/> become <c>centroids[assignment]</c>.</summary>
    public void SetQuantization(Tensor keptIndex, Tensor centroids, Tensor assignment, int bits)
    {
        KeptIndex?.Dispose();
        Centroids?.Dispose();
        Assignment?.Dispose();
        CentroidVelocity?.Dispose();
        KeptIndex = keptIndex.to_type(ScalarType.Int64).detach().clone().DetachFromDisposeScope();
        Centroids = centroids.to_type(ScalarType.Float32).detach().clone().DetachFromDisposeScope();
        Assignment = assignment.to_type(ScalarType.Int64).detach().clone().DetachFromDisposeScope();
        CentroidVelocity = zeros_like(Centroids).DetachFromDisposeScope();
        Bits = bits;
        WriteSharedWeights();
    }

    /// <summary>Writes <c>centroids[assignment]</c> into the kept positions; pruned positions stay zero.</summary>
    public void WriteSharedWeights()
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            Tensor flat = Layer.Weight.view(-1);
            flat.zero_();
            flat.index_copy_(0, KeptIndex!, Centroids!.index_select(0, Assignment!));
        }
    }

    /// <summary>
    /// The gradient of each centroid: the sum of the gradients of the weights that share it
    /// (paper, Section 3.3 / Fig. 3). Pruned positions are not in <see cref="KeptIndex"/> and
    /// contribute nothing.
    /// </summary>
    public Tensor CentroidGradient(Tensor weightGradient)
    {
        Tensor memberGradients = weightGradient.reshape(-1).index_select(0, KeptIndex!);
        return zeros_like(Centroids!).index_add_(0, Assignment!, memberGradients, One);
    }

    public void ReplaceVelocities(Tensor weightVelocity, Tensor biasVelocity, Tensor? centroidVelocity)
    {
        WeightVelocity.Dispose();
        BiasVelocity.Dispose();
        CentroidVelocity?.Dispose();
        WeightVelocity = weightVelocity.DetachFromDisposeScope();
        BiasVelocity = biasVelocity.DetachFromDisposeScope();
        CentroidVelocity = centroidVelocity?.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        Mask?.Dispose();
        KeptIndex?.Dispose();
        Centroids?.Dispose();
        Assignment?.Dispose();
        WeightVelocity.Dispose();
        BiasVelocity.Dispose();
        CentroidVelocity?.Dispose();
    }
}
