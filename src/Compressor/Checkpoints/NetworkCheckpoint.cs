using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Training;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Checkpoints;

/// <summary>
/// Saves and restores the complete training state of a network: parameters, momentum, masks,
/// weight sharing, and every other node's tensors (batch-norm γ, β and running statistics) under
/// <c>node.key</c>. Shuffles are derived from (seed, stage, epoch), so with this state a resumed
/// run continues exactly as an uninterrupted one would.
/// </summary>
internal static class NetworkCheckpoint
{
    public static TensorArchive Capture(SpecNetwork network, IReadOnlyList<LayerState> states, string header)
    {
        var archive = new TensorArchive(header);
        foreach ((string key, Tensor tensor) in NodeTensors(network))
        {
            AddFloat(archive, key, tensor);
        }

        foreach (LayerState s in states)
        {
            AddFloat(archive, s.Name + ".weight", s.Layer.Weight);
            AddFloat(archive, s.Name + ".bias", s.Layer.Bias);
            AddFloat(archive, s.Name + ".weight.velocity", s.WeightVelocity);
            AddFloat(archive, s.Name + ".bias.velocity", s.BiasVelocity);
            if (s.Mask is not null)
            {
                AddFloat(archive, s.Name + ".mask", s.Mask);
            }

            if (s.IsQuantized)
            {
                AddFloat(archive, s.Name + ".centroids", s.Centroids!);
                AddFloat(archive, s.Name + ".centroids.velocity", s.CentroidVelocity!);
                AddLong(archive, s.Name + ".kept", s.KeptIndex!);
                AddLong(archive, s.Name + ".assignment", s.Assignment!);
                archive.Add(s.Name + ".bits", new long[] { s.Bits }, new long[] { 1 });
            }
        }

        return archive;
    }

    /// <summary>
    /// Loads <paramref name="archive"/> into <paramref name="states"/>. With
    /// <paramref name="parametersOnly"/>, only weights and biases are taken (a dense starting point).
    /// </summary>
    /// <exception cref="InvalidDataException">An entry is missing or has the wrong shape for this architecture.</exception>
    public static void Restore(SpecNetwork network, IReadOnlyList<LayerState> states, TensorArchive archive, bool parametersOnly = false)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach ((string key, Tensor tensor) in NodeTensors(network))
            {
                tensor.copy_(Float(archive, key, tensor.shape));
            }

            foreach (LayerState s in states)
            {
                s.Layer.Weight.copy_(Float(archive, s.Name + ".weight", s.Layer.Weight.shape));
                s.Layer.Bias.copy_(Float(archive, s.Name + ".bias", s.Layer.Bias.shape));
                if (parametersOnly)
                {
                    continue;
                }

                Tensor? centroidVelocity = null;
                if (archive.Contains(s.Name + ".mask"))
                {
                    s.SetMask(Float(archive, s.Name + ".mask", s.Layer.Weight.shape));
                }

                if (archive.Contains(s.Name + ".centroids"))
                {
                    float[] centroids = archive.GetFloats(s.Name + ".centroids", out long[] cshape);
                    long[] kept = archive.GetLongs(s.Name + ".kept", out long[] kshape);
                    long[] assignment = archive.GetLongs(s.Name + ".assignment", out long[] ashape);
                    int bits = (int)archive.GetLongs(s.Name + ".bits", out _)[0];
                    if (kshape.Length != 1 || ashape.Length != 1 || kept.Length != assignment.Length
                        || kept.Any(k => k < 0 || k >= s.Layer.Weight.numel()) || assignment.Any(a => a < 0 || a >= centroids.Length))
                    {
                        throw new InvalidDataException($"checkpoint: layer {s.Name}: inconsistent weight-sharing entries");
                    }

                    s.SetQuantization(OwnedTensors.From(kept, kshape), OwnedTensors.From(centroids, cshape), OwnedTensors.From(assignment, ashape), bits);
                    centroidVelocity = Float(archive, s.Name + ".centroids.velocity", new[] { (long)centroids.Length }).clone();
                }

                s.ReplaceVelocities(
                    Float(archive, s.Name + ".weight.velocity", s.Layer.Weight.shape).clone(),
                    Float(archive, s.Name + ".bias.velocity", s.Layer.Bias.shape).clone(),
                    centroidVelocity);
            }
        }
    }

    /// <summary>The tensors of every node module beyond the weighted layers' state, keyed <c>node.key</c>.</summary>
    private static IEnumerable<(string Key, Tensor Tensor)> NodeTensors(SpecNetwork network) =>
        network.Architecture.Resolved.SelectMany(n => network.Modules[n.Index].CheckpointTensors.Select(t => (n.Name + "." + t.Key, t.Tensor)));

    private static Tensor Float(TensorArchive archive, string name, long[] expected)
    {
        float[] values = archive.GetFloats(name, out long[] shape);
        if (!shape.SequenceEqual(expected))
        {
            throw new InvalidDataException($"checkpoint entry '{name}' has shape [{string.Join(", ", shape)}] but this architecture needs [{string.Join(", ", expected)}]");
        }

        return OwnedTensors.From(values, shape);
    }

    private static void AddFloat(TensorArchive archive, string name, Tensor t)
    {
        using var scope = NewDisposeScope();
        archive.Add(name, t.detach().contiguous().data<float>().ToArray(), t.shape);
    }

    private static void AddLong(TensorArchive archive, string name, Tensor t)
    {
        using var scope = NewDisposeScope();
        archive.Add(name, t.detach().contiguous().data<long>().ToArray(), t.shape);
    }
}
