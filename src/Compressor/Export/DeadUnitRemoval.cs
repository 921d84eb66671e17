using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Export;

/// <summary>A weighted layer's output units (Dense outputs, Conv2d output channels) before and after dead-unit removal.</summary>
internal sealed record UnitCount(string Layer, int Before, int After);

/// <summary>
/// Structured pruning of a finished model: removes the output units of Dense and ungrouped
/// Conv2d layers that provably change nothing, with the matching input columns of the layers that
/// read them, so layers get smaller in shape and the file and the inference with them. A unit goes
/// when every consumer's weights reading it are zero (nothing reads it), or when its own incoming
/// weights are all zero, so it outputs a constant that every consumer can fold into its bias
/// exactly (ReLU of a bias ≤ 0 is a zero that even a padded convolution drops). Between a unit
/// and its consumers only ops that keep channels apart may stand (activations, pools, flatten,
/// per-channel scale-and-shift, depthwise convolution); each op says so itself
/// (<see cref="DczLayer.PassesChannels"/> and its neighbours), and one that does not — an Add, a
/// Softmax, the model output — keeps the unit. Removing units can kill others, so passes repeat
/// until nothing changes. The model's input and output shapes never change. Deterministic: a pure
/// function of the model.
/// </summary>
internal static class DeadUnitRemoval
{
    /// <summary>The model with every removable unit removed; <paramref name="counts"/> has one entry per weighted layer, in order.</summary>
    public static DczModel Apply(DczModel model, out IReadOnlyList<UnitCount> counts)
    {
        var layers = model.Layers.ToList();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int p = 0; p < layers.Count; p++)
            {
                if (layers[p].RemovableUnits > 1 && TryRemove(model.Info, layers, p))
                {
                    changed = true;
                }
            }
        }

        var result = new DczModel(model.Info, layers);
        counts = Units(model).Zip(Units(result), (a, b) => new UnitCount(a.Layer, a.Units, b.Units)).ToList();
        if (counts.Any(c => c.After < c.Before) && model.Info.TrainedDenseFloat32Bytes == 0)
        {
            // The file records what the network took before the removal, so its ratio compares
            // with the network as trained, as the run's own figures do.
            long before = DczFile.Inspect(DczFile.Write(model)).LayersDenseFloat32Bytes;
            result = new DczModel(model.Info.WithTrainedDenseFloat32Bytes(before), layers);
        }

        return result;
    }

    /// <summary>Each weighted layer's output units (the first dimension of its weights), in order.</summary>
    private static IEnumerable<(string Layer, int Units)> Units(DczModel model)
    {
        for (int i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i].WeightShape is { } shape)
            {
                string name = model.Layers[i].Name.Length > 0 ? model.Layers[i].Name : "layer " + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                yield return (name, shape[0]);
            }
        }
    }

    /// <summary>Removes what it can of producer <paramref name="p"/>'s units in one step; false when nothing goes.</summary>
    private static bool TryRemove(ModelInfo info, List<DczLayer> layers, int p)
    {
        var model = new DczModel(info, layers);
        ModelShapes shapes = ModelShapes.Compute(model);
        int channels = layers[p].RemovableUnits;
        var readers = new List<int>[layers.Count];
        for (int j = 0; j < layers.Count; j++)
        {
            readers[j] = new List<int>();
        }

        for (int j = 0; j < layers.Count; j++)
        {
            foreach (int k in model.InputsOf(j).Where(k => k >= 0).Distinct())
            {
                readers[k].Add(j);
            }
        }

        int[] InputShape(int j) => shapes.Layers[j].InputShape.ToArray();

        // The region the producer's channels flow through: ops that keep them apart, in reading
        // order (each after the layer it reads), ending at consumers that read them with weights.
        var passes = new List<int>();
        var consumers = new List<int>();
        var queue = new Queue<int>();
        queue.Enqueue(p);
        while (queue.Count > 0)
        {
            int x = queue.Dequeue();
            if (x == layers.Count - 1 || readers[x].Count == 0)
            {
                // The model output (or an output nobody reads): its shape is fixed.
                return false;
            }

            foreach (int r in readers[x])
            {
                if (model.InputsOf(r).Count != 1)
                {
                    return false;
                }

                int[] input = InputShape(r);
                if (layers[r].ReadsChannels(input, channels))
                {
                    consumers.Add(r);
                }
                else if (layers[r].PassesChannels(input, channels))
                {
                    passes.Add(r);
                    queue.Enqueue(r);
                }
                else
                {
                    return false;
                }
            }
        }

        var keep = new bool[channels];
        var constants = consumers.ToDictionary(q => q, _ => new float[channels]);
        var value = new Dictionary<int, float?>();
        for (int c = 0; c < channels; c++)
        {
            keep[c] = !Unread(c) && !FoldsAway(c);
        }

        bool Unread(int c) => consumers.All(q => !layers[q].ReadsChannel(InputShape(q), channels, c));

        bool FoldsAway(int c)
        {
            if (layers[p].ConstantUnit(c) is not float bias)
            {
                return false;
            }

            value.Clear();
            value[p] = bias;
            foreach (int r in passes)
            {
                float? v = value[model.InputsOf(r)[0]];
                value[r] = v is float f ? layers[r].PassConstant(InputShape(r), c, f) : null;
            }

            foreach (int q in consumers)
            {
                if (value[model.InputsOf(q)[0]] is not float v || !layers[q].CanFoldChannel(InputShape(q), channels, c, v))
                {
                    return false;
                }

                constants[q][c] = v;
            }

            return true;
        }

        if (keep.All(k => k))
        {
            return false;
        }

        if (!keep.Any(k => k))
        {
            // A layer needs one unit; the first one stays (it changes nothing either way).
            keep[0] = true;
        }

        // Every layer is cut against the shapes of the model before the cut.
        var inputs = passes.Concat(consumers).ToDictionary(j => j, InputShape);
        layers[p] = layers[p].KeepUnits(keep);
        foreach (int r in passes)
        {
            layers[r] = layers[r].KeepChannels(inputs[r], keep);
        }

        foreach (int q in consumers)
        {
            float[] folded = constants[q];
            for (int c = 0; c < channels; c++)
            {
                if (keep[c])
                {
                    folded[c] = 0;
                }
            }

            layers[q] = layers[q].DropChannels(inputs[q], keep, folded);
        }

        return true;
    }
}
