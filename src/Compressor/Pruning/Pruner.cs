using EmbeddedNets.Compressor.Training;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Pruning;

/// <summary>
/// Magnitude pruning (paper Section 2; Han et al. 2015): a layer's threshold is a quality
/// parameter times the standard deviation of its weights; weights below it are removed for good.
/// </summary>
internal static class Pruner
{
    /// <summary>Population standard deviation of all the layer's weights.</summary>
    public static double StandardDeviation(Tensor weight)
    {
        using var scope = NewDisposeScope();
        return weight.to_type(ScalarType.Float64).std(unbiased: false).item<double>();
    }

    /// <summary>The pruning threshold: <paramref name="quality"/> × <paramref name="std"/>.</summary>
    public static double Threshold(double quality, double std) => quality * std;

    /// <summary>
    /// Removes every weight of <paramref name="state"/> whose magnitude is below
    /// <paramref name="threshold"/>; weights pruned before stay pruned (the new mask is the old
    /// mask AND the magnitude test). Returns the number of weights kept.
    /// </summary>
    public static long Prune(LayerState state, double threshold)
    {
        using var scope = NewDisposeScope();
        Tensor keep = state.Layer.Weight.detach().abs().ge(threshold);
        if (state.Mask is not null)
        {
            keep = keep.logical_and(state.Mask.gt(0));
        }

        state.SetMask(keep);
        return state.KeptCount;
    }
}
