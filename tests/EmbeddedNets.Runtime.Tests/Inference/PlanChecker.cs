using EmbeddedNets.Format;

namespace EmbeddedNets.Runtime.Tests.Inference;

/// <summary>
/// Simulates an <see cref="ExecutionPlan"/> step by step, tracking which layer's output every
/// buffer holds, and reports the first step that would read a value already overwritten (or any
/// other broken rule of the plan), or null when the plan is sound.
/// </summary>
internal static class PlanChecker
{
    public static string? FirstProblem(DczModel model, ModelShapes shapes, ExecutionPlan plan)
    {
        int buffers = plan.BufferOffsets.Count;
        if (plan.BufferLengths.Count != buffers || plan.Steps.Count != model.Layers.Count)
        {
            return $"{buffers} offsets, {plan.BufferLengths.Count} lengths, {plan.Steps.Count} steps for {model.Layers.Count} layers";
        }

        // Buffers tile the workspace without overlapping.
        long end = 0;
        for (int b = 0; b < buffers; b++)
        {
            if (plan.BufferOffsets[b] != end || plan.BufferLengths[b] < 1)
            {
                return $"buffer {b} starts at {plan.BufferOffsets[b]} with capacity {plan.BufferLengths[b]}; the previous one ends at {end}";
            }

            end += plan.BufferLengths[b];
        }

        if (end != plan.WorkspaceLength || end > shapes.TotalActivationLength)
        {
            return $"the buffers end at {end}, the workspace is {plan.WorkspaceLength}, all activations hold {shapes.TotalActivationLength}";
        }

        // holds[b] = the layer whose output buffer b holds now (−2: nothing yet).
        var holds = Enumerable.Repeat(-2, buffers).ToArray();
        for (int i = 0; i < plan.Steps.Count; i++)
        {
            PlanStep step = plan.Steps[i];
            IReadOnlyList<int> sources = shapes.Layers[i].InputLayers;
            if (step.Layer != i || step.InputBuffers.Count != sources.Count)
            {
                return $"step {i} is for layer {step.Layer} with {step.InputBuffers.Count} inputs; layer {i} reads {sources.Count}";
            }

            for (int k = 0; k < sources.Count; k++)
            {
                int buffer = step.InputBuffers[k];
                if (sources[k] == DczLayer.ModelInput)
                {
                    if (buffer != ExecutionPlan.ModelInputBuffer)
                    {
                        return $"layer {i} input {k} is the model input but the plan reads buffer {buffer}";
                    }

                    continue;
                }

                if (buffer < 0 || buffer >= buffers)
                {
                    return $"layer {i} input {k} reads buffer {buffer}, which does not exist";
                }

                if (holds[buffer] != sources[k])
                {
                    return $"layer {i} input {k} reads buffer {buffer} for the output of layer {sources[k]}, but the buffer holds {(holds[buffer] == -2 ? "nothing" : "the output of layer " + holds[buffer])}";
                }
            }

            int output = step.OutputBuffer;
            if (output < 0 || output >= buffers || plan.BufferLengths[output] < shapes.Layers[i].OutputLength)
            {
                return $"layer {i} writes buffer {output}, which cannot hold its {shapes.Layers[i].OutputLength} values";
            }

            // Writing over an input is allowed only for an op that may run in place, over its first
            // input, and only when no other input of the step is that same buffer.
            for (int k = 0; k < step.InputBuffers.Count; k++)
            {
                if (step.InputBuffers[k] == output && (k != 0 || !model.Layers[i].CanRunInPlace))
                {
                    return $"layer {i} ({model.Layers[i].Kind}) writes over its input {k} (buffer {output})";
                }
            }

            if (step.InPlace && step.InputBuffers.Skip(1).Contains(output))
            {
                return $"layer {i} runs in place over buffer {output}, which another of its inputs reads";
            }

            holds[output] = i;
        }

        int last = model.Layers.Count - 1;
        return holds[plan.OutputBuffer] == last ? null : $"the output buffer {plan.OutputBuffer} does not hold the last layer's output";
    }
}
