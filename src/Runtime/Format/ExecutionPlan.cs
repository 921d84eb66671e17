namespace EmbeddedNets.Format;

/// <summary>
/// Where every activation of a model lives while it runs: one workspace of float32, cut into
/// buffers that layers reuse once their values are no longer needed. The Runtime's
/// <c>CompactModel</c> and the generator's Unrolled code follow the same plan, so both run the
/// same steps on the same buffers.
/// </summary>
/// <remarks>
/// Rules: the model input is the caller's span and is never written. A layer writes a buffer
/// that none of its inputs occupies, except an op that <see cref="DczLayer.CanRunInPlace"/>,
/// which writes over its first input when that input is a buffer read by no later layer.
/// A buffer becomes free after the last layer that reads it; a new output takes the free buffer
/// of the smallest sufficient capacity, else the largest free one (grown), else a new one.
/// Everything is decided at load time; running the plan allocates nothing.
/// </remarks>
public sealed class ExecutionPlan
{
    /// <summary>The reference to the model input in <see cref="PlanStep.InputBuffers"/>.</summary>
    public const int ModelInputBuffer = -1;

    private ExecutionPlan(int[] bufferOffsets, int[] bufferLengths, PlanStep[] steps, int workspaceLength)
    {
        BufferOffsets = bufferOffsets;
        BufferLengths = bufferLengths;
        Steps = steps;
        WorkspaceLength = workspaceLength;
    }

    /// <summary>Start of each buffer in the workspace.</summary>
    public IReadOnlyList<int> BufferOffsets { get; }

    /// <summary>Capacity of each buffer (floats).</summary>
    public IReadOnlyList<int> BufferLengths { get; }

    /// <summary>One step per layer, in execution order.</summary>
    public IReadOnlyList<PlanStep> Steps { get; }

    /// <summary>Floats of workspace all buffers need together.</summary>
    public int WorkspaceLength { get; }

    /// <summary>The buffer holding the model's output (the last layer's).</summary>
    public int OutputBuffer => Steps[Steps.Count - 1].OutputBuffer;

    /// <summary>Plans <paramref name="model"/> with its computed <paramref name="shapes"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ExecutionPlan Create(DczModel model, ModelShapes shapes)
    {
        if (model is null)
        {
            throw new ArgumentNullException(nameof(model));
        }

        if (shapes is null)
        {
            throw new ArgumentNullException(nameof(shapes));
        }

        int count = model.Layers.Count;
        var lastUse = new int[count];
        for (int i = 0; i < count; i++)
        {
            lastUse[i] = i == count - 1 ? int.MaxValue : -1;
            foreach (int source in shapes.Layers[i].InputLayers)
            {
                if (source >= 0)
                {
                    lastUse[source] = Math.Max(lastUse[source], i);
                }
            }
        }

        var capacities = new List<int>();
        var free = new List<int>();
        var bufferOf = new int[count];
        var steps = new PlanStep[count];
        for (int i = 0; i < count; i++)
        {
            LayerShape shape = shapes.Layers[i];
            var inputs = new int[shape.InputLayers.Count];
            for (int k = 0; k < inputs.Length; k++)
            {
                int source = shape.InputLayers[k];
                inputs[k] = source < 0 ? ModelInputBuffer : bufferOf[source];
            }

            int first = shape.InputLayers[0];
            int output;
            if (model.Layers[i].CanRunInPlace && first >= 0 && lastUse[first] == i && !ReadTwice(shape.InputLayers, first))
            {
                output = inputs[0];
                capacities[output] = Math.Max(capacities[output], shape.OutputLength);
            }
            else
            {
                output = Take(capacities, free, shape.OutputLength);
            }

            bufferOf[i] = output;
            steps[i] = new PlanStep(i, inputs, output);

            // Inputs read for the last time are free for the layers after this one.
            foreach (int source in shape.InputLayers)
            {
                if (source >= 0 && lastUse[source] == i && bufferOf[source] != output && !free.Contains(bufferOf[source]))
                {
                    free.Add(bufferOf[source]);
                }
            }
        }

        var offsets = new int[capacities.Count];
        long total = 0;
        for (int b = 0; b < offsets.Length; b++)
        {
            offsets[b] = checked((int)total);
            total += capacities[b];
        }

        // Bounded by the sum of all activations (ModelShapes caps it), so it fits an int.
        return new ExecutionPlan(offsets, capacities.ToArray(), steps, checked((int)total));
    }

    private static bool ReadTwice(IReadOnlyList<int> inputs, int source)
    {
        int n = 0;
        foreach (int s in inputs)
        {
            n += s == source ? 1 : 0;
        }

        return n > 1;
    }

    private static int Take(List<int> capacities, List<int> free, int length)
    {
        int best = -1;
        foreach (int b in free)
        {
            if (capacities[b] >= length && (best < 0 || capacities[b] < capacities[best]))
            {
                best = b;
            }
        }

        if (best < 0)
        {
            foreach (int b in free)
            {
                if (best < 0 || capacities[b] > capacities[best])
                {
                    best = b;
                }
            }
        }

        if (best < 0)
        {
            capacities.Add(length);
            return capacities.Count - 1;
        }

        free.Remove(best);
        capacities[best] = Math.Max(capacities[best], length);
        return best;
    }
}

/// <summary>One layer's place in an <see cref="ExecutionPlan"/>.</summary>
public sealed class PlanStep
{
    internal PlanStep(int layer, int[] inputBuffers, int outputBuffer)
    {
        Layer = layer;
        InputBuffers = inputBuffers;
        OutputBuffer = outputBuffer;
    }

    /// <summary>The layer's index.</summary>
    public int Layer { get; }

    /// <summary>The buffer of each input, or <see cref="ExecutionPlan.ModelInputBuffer"/>.</summary>
    public IReadOnlyList<int> InputBuffers { get; }

    /// <summary>The buffer the layer writes.</summary>
    public int OutputBuffer { get; }

    /// <summary>True when the layer writes over its first input.</summary>
    public bool InPlace => InputBuffers[0] == OutputBuffer;
}
