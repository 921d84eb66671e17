using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Training;

/// <summary>
/// Tensors made from .NET arrays that own their memory. <c>torch.tensor(array, shape)</c> may
/// wrap the managed array instead of copying it; a tensor that outlives that array (or is used
/// after the garbage collector moved or freed it) then reads garbage. With LeNet-5 this showed as
/// a NaN loss with every weight finite, at a different batch on each run. Cloning right away
/// gives the tensor native storage of its own.
/// </summary>
internal static class OwnedTensors
{
    public static Tensor From(float[] values, long[] shape)
    {
        using var scope = NewDisposeScope();
        return tensor(values, shape).clone().MoveToOuterDisposeScope();
    }

    public static Tensor From(long[] values, long[] shape)
    {
        using var scope = NewDisposeScope();
        return tensor(values, shape).clone().MoveToOuterDisposeScope();
    }
}
