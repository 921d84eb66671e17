using EmbeddedNets.Inference;

namespace EmbeddedNets.Benchmarks.Engines;

/// <summary>
/// Every engine that decodes the model at run time, built for one <see cref="BenchCase"/>, with
/// output buffers for batch 1 and for the whole image set. <see cref="VerifyAll"/> checks each
/// against the reference before anything is timed.
/// </summary>
internal sealed class EngineSet : IDisposable
{
    public EngineSet(BenchCase c)
    {
        Case = c;
        SingleOutput = new float[c.OutputLength];
        BatchOutput = new float[BenchCase.ImageCount * c.OutputLength];
        Predictions = new int[BenchCase.ImageCount];
        Runtime = CompactModel.Create(c.Model);
        Dense = new DenseNetwork(c.Model);
        Onnx = new OnnxEngine(c.Model, c.Inputs, BenchCase.ImageCount, SingleOutput, BatchOutput);
        Torch = new TorchEngine(c.Model, c.Inputs, BenchCase.ImageCount, SingleOutput, BatchOutput);
    }

    public BenchCase Case { get; }

    public float[] SingleOutput { get; }

    public float[] BatchOutput { get; }

    /// <summary>One predicted class per image, for <see cref="CompactModel.PredictBatch(ReadOnlySpan{float}, Span{int})"/>.</summary>
    public int[] Predictions { get; }

    public CompactModel Runtime { get; }

    public DenseNetwork Dense { get; }

    public OnnxEngine Onnx { get; }

    public TorchEngine Torch { get; private set; }

    /// <summary>Set when TorchSharp's <c>conv2d</c> failed the check and convolutions run as im2col + matmul; says by how much it failed.</summary>
    public string? TorchNote { get; private set; }

    /// <summary>Output slice of image <paramref name="index"/> in <see cref="BatchOutput"/>.</summary>
    public Span<float> BatchSlot(int index) => BatchOutput.AsSpan(index * Case.OutputLength, Case.OutputLength);

    /// <summary>
    /// Runs every engine on every image, one at a time and as one batch, and throws unless each
    /// output is within <see cref="Agreement.Tolerance"/> of the reference.
    /// <paramref name="extra"/> adds engines defined elsewhere (the generated classes).
    /// </summary>
    public void VerifyAll(IReadOnlyList<(string Name, Action<int, float[]> RunOne)> extra)
    {
        double[][] expected = Case.ReferenceOutputs();
        VerifySingle("Runtime CompactModel", i => Runtime.Run(Case.Input(i), SingleOutput), expected);
        VerifyPredictBatch();
        VerifySingle("Dense C# (TensorPrimitives)", i => Dense.Run(Case.Input(i), SingleOutput), expected);
        VerifySingle("ONNX Runtime", Onnx.RunOne, expected);
        VerifyBatch("ONNX Runtime", Onnx.RunAll, expected);
        foreach ((string name, Action<int, float[]> run) in extra)
        {
            VerifySingle(name, i => run(i, SingleOutput), expected);
        }

        try
        {
            VerifySingle("TorchSharp", Torch.RunOne, expected);
            VerifyBatch("TorchSharp", Torch.RunAll, expected);
        }
        catch (InvalidOperationException e) when (!Torch.ConvolutionAsIm2Col && Case.Model.Layers.Any(l => l is Format.Conv2dLayer))
        {
            // libtorch's conv2d is wrong here (see TorchEngine); time the same network through
            // unfold + matmul instead, and say so in the results.
            TorchNote = "nn.functional.conv2d failed the check (" + e.Message + "); convolutions run as unfold + matmul";
            Torch.Dispose();
            Torch = new TorchEngine(Case.Model, Case.Inputs, BenchCase.ImageCount, SingleOutput, BatchOutput, convolutionAsIm2Col: true);
            VerifySingle("TorchSharp (im2col)", Torch.RunOne, expected);
            VerifyBatch("TorchSharp (im2col)", Torch.RunAll, expected);
        }
    }

    /// <summary>The batch kernel's classes are <see cref="CompactModel.Predict(ReadOnlySpan{float})"/>'s, image by image.</summary>
    private void VerifyPredictBatch()
    {
        Array.Fill(Predictions, -1);
        Runtime.PredictBatch(Case.Inputs, Predictions);
        for (int i = 0; i < BenchCase.ImageCount; i++)
        {
            int single = Runtime.Predict(Case.Input(i));
            if (Predictions[i] != single)
            {
                throw new InvalidOperationException($"CompactModel.PredictBatch on {Case.Name}, image {i}: class {Predictions[i]}, Predict says {single}.");
            }
        }
    }

    private void VerifySingle(string name, Action<int> run, double[][] expected)
    {
        for (int i = 0; i < BenchCase.ImageCount; i++)
        {
            Array.Clear(SingleOutput);
            run(i);
            Agreement.Require(name + " (batch 1)", Case.Name, i, SingleOutput, expected[i]);
        }
    }

    private void VerifyBatch(string name, Action run, double[][] expected)
    {
        Array.Clear(BatchOutput);
        run();
        for (int i = 0; i < BenchCase.ImageCount; i++)
        {
            Agreement.Require(name + " (batch 64)", Case.Name, i, BatchSlot(i), expected[i]);
        }
    }

    public void Dispose()
    {
        Onnx.Dispose();
        Torch.Dispose();
    }
}
