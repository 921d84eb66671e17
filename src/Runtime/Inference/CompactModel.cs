using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>
/// A <c>.dcz</c> model decoded once into compact sparse form and run with the Runtime's kernels:
/// dense layers as kept weights grouped by input column (or bitmasks), conv layers as lists of
/// kept kernel taps, every other op through its kernel; activations live in the buffers of an
/// <see cref="ExecutionPlan"/>. This is the Runtime's own inference: the compressor records the
/// accuracy it measures with this class, and generated code in both emission modes computes
/// bit-identical results (same operations, same order).
/// </summary>
/// <remarks>
/// Thread-safe. Each thread gets its own workspace on its first call; later calls allocate nothing.
/// </remarks>
public sealed partial class CompactModel
{
    [ThreadStatic]
    private static float[]? t_workspace;

    private readonly CompiledLayer[] _layers;
    private readonly ExecutionPlan _plan;
    private readonly int[] _outputLengths;
    private readonly int[][] _inputLengths;
    private readonly int _inputOffset;
    private readonly int _workspaceLength;
    private readonly int _planeLength;

    private CompactModel(DczModel model, ModelShapes shapes, ExecutionPlan plan, CompiledLayer[] layers)
    {
        Model = model;
        Shapes = shapes;
        Plan = plan;
        _plan = plan;
        _layers = layers;
        InputLength = shapes.InputLength;
        OutputLength = shapes.OutputLength;
        _outputLengths = shapes.Layers.Select(l => l.OutputLength).ToArray();
        _inputLengths = shapes.Layers.Select(l => l.InputShapes.Select(s => ShapeLength(s)).ToArray()).ToArray();

        // The workspace: the plan's buffers, then room for a preprocessed input. Both are capped
        // by the format (ModelShapes), so the sum fits an int.
        _inputOffset = plan.WorkspaceLength;
        _workspaceLength = checked(plan.WorkspaceLength + InputLength);
        _planeLength = InputLength / model.Info.InputShape[0];
    }

    /// <summary>The model this was built from.</summary>
    public DczModel Model { get; }

    /// <summary>The shapes around every layer.</summary>
    public ModelShapes Shapes { get; }

    /// <summary>Which buffer each layer reads and writes.</summary>
    public ExecutionPlan Plan { get; }

    /// <summary>Number of input values.</summary>
    public int InputLength { get; }

    /// <summary>Number of output values (classes).</summary>
    public int OutputLength { get; }

    /// <summary>Floats of per-thread workspace a call needs (allocated on a thread's first call).</summary>
    public int WorkspaceLength => _workspaceLength;

    /// <summary>Reads a <c>.dcz</c> file's bytes (see <see cref="DczFile.Read(ReadOnlySpan{byte})"/>) and builds the compact form.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid <c>.dcz</c> file.</exception>
    /// <exception cref="NotSupportedException">The file uses a newer version or an op this Runtime cannot run.</exception>
    public static CompactModel Load(ReadOnlySpan<byte> dczFileBytes)
    {
        DczModel model = DczFile.Read(dczFileBytes);
        try
        {
            return Create(model);
        }
        catch (ArgumentException ex)
        {
            // A file the reader accepted always passes the same rules again; say so if not.
            throw new InvalidDataException("the model's shapes do not fit together: " + ex.Message, ex);
        }
    }

    /// <summary>Builds the compact form of <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">The model breaks a rule of the format (shapes, caps).</exception>
    /// <exception cref="NotSupportedException">An op has no kernel in this Runtime.</exception>
    public static CompactModel Create(DczModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelShapes shapes = ModelShapes.Compute(model);
        var layers = new CompiledLayer[model.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = RuntimeOps.For(model.Layers[i], i).Compile(model.Layers[i], shapes.Layers[i]);
        }

        return new CompactModel(model, shapes, ExecutionPlan.Create(model, shapes), layers);
    }

    /// <summary>Runs the model: <paramref name="output"/> receives the last layer's values (probabilities when the model ends in softmax).</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckLengths(input.Length, output.Length);
        ReadOnlySpan<float> result = Execute(input, Workspace());
        result.CopyTo(output);
    }

    /// <summary>Runs the model and returns the index of the largest output (the first when equal).</summary>
    /// <exception cref="ArgumentException">The input has the wrong length.</exception>
    public int Predict(ReadOnlySpan<float> input)
    {
        CheckLengths(input.Length, OutputLength);
        return SparseKernels.ArgMax(Execute(input, Workspace()));
    }

    /// <summary>Applies the model's recorded preprocessing to raw bytes (e.g. pixels), runs it and returns the predicted class.</summary>
    /// <exception cref="ArgumentException">The input has the wrong length.</exception>
    public int Predict(ReadOnlySpan<byte> raw)
    {
        CheckLengths(raw.Length, OutputLength);
        float[] workspace = Workspace();
        Span<float> input = workspace.AsSpan(_inputOffset, InputLength);
        Preprocess(raw, input);
        return SparseKernels.ArgMax(Execute(input, workspace));
    }

    /// <summary>Applies the model's recorded preprocessing (<see cref="Preprocessing"/>) to raw values.</summary>
    /// <exception cref="ArgumentException">A span does not hold <see cref="InputLength"/> values.</exception>
    public void Preprocess(ReadOnlySpan<byte> raw, Span<float> input)
    {
        if (raw.Length != InputLength || input.Length != InputLength)
        {
            CheckLengths(raw.Length != InputLength ? raw.Length : input.Length, OutputLength);
        }

        Preprocessing p = Model.Info.Preprocessing;
        if (p.IsUniform)
        {
            SparseKernels.Preprocess(raw, p.Scale, p.Mean[0], p.Std[0], input);
        }
        else
        {
            LayerKernels.Preprocess(raw, p.Scale, p.MeanArray, p.StdArray, _planeLength, input);
        }
    }

    /// <summary>
    /// Counts how many of <paramref name="count"/> raw samples (concatenated in <paramref name="raw"/>)
    /// are predicted as their label.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not describe <paramref name="count"/> samples.</exception>
    public int CountCorrect(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> labels, int count)
    {
        if (count < 0 || labels.Length != count || raw.Length != (long)count * InputLength)
        {
            throw new ArgumentException($"{count} samples need {(long)count * InputLength} input bytes and {count} labels; got {raw.Length} bytes and {labels.Length} labels.");
        }

        int correct = 0;
        for (int i = 0; i < count; i++)
        {
            if (Predict(raw.Slice(i * InputLength, InputLength)) == labels[i])
            {
                correct++;
            }
        }

        return correct;
    }

    private static int ShapeLength(IReadOnlyList<int> shape)
    {
        int n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        return n;
    }

    private void CheckLengths(int inputLength, int outputLength)
    {
        if (inputLength != InputLength)
        {
            throw new ArgumentException($"The model '{DczErrors.Printable(Model.Info.Name)}' takes {InputLength} input values, but {inputLength} were given.", "input");
        }

        if (outputLength != OutputLength)
        {
            throw new ArgumentException($"The model '{DczErrors.Printable(Model.Info.Name)}' produces {OutputLength} output values, but the output span holds {outputLength}.", "output");
        }
    }

    private float[] Workspace()
    {
        float[]? workspace = t_workspace;
        if (workspace is null || workspace.Length < _workspaceLength)
        {
            workspace = new float[_workspaceLength];
            t_workspace = workspace;
        }

        return workspace;
    }

    private ReadOnlySpan<float> Execute(ReadOnlySpan<float> input, float[] workspace)
    {
        Execute(input, workspace, _layers.Length);
        return workspace.AsSpan(_plan.BufferOffsets[_plan.OutputBuffer], OutputLength);
    }

    /// <summary>Runs layers <c>0 .. layerCount − 1</c> (the batch path runs the rest on tiles).</summary>
    private void Execute(ReadOnlySpan<float> input, float[] workspace, int layerCount)
    {
        IReadOnlyList<PlanStep> steps = _plan.Steps;
        for (int i = 0; i < layerCount; i++)
        {
            PlanStep step = steps[i];
            IReadOnlyList<int> inputs = step.InputBuffers;
            int[] lengths = _inputLengths[i];
            ReadOnlySpan<float> a = Buffer(inputs[0], lengths[0], input, workspace);
            ReadOnlySpan<float> b = inputs.Count > 1 ? Buffer(inputs[1], lengths[1], input, workspace) : default;
            Span<float> y = workspace.AsSpan(_plan.BufferOffsets[step.OutputBuffer], _outputLengths[i]);
            _layers[i].Run(a, b, y);
        }
    }

    private ReadOnlySpan<float> Buffer(int buffer, int length, ReadOnlySpan<float> input, float[] workspace) =>
        buffer == ExecutionPlan.ModelInputBuffer ? input : workspace.AsSpan(_plan.BufferOffsets[buffer], length);
}
