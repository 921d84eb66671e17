using EmbeddedNets.Benchmarks.Onnx;
using EmbeddedNets.Format;
using Microsoft.ML.OnnxRuntime;

namespace EmbeddedNets.Benchmarks.Engines;

/// <summary>
/// ONNX Runtime on the dense model (<see cref="OnnxModelWriter"/>), CPU execution provider, all
/// graph optimisations, one intra-op thread (the comparison is single-core, like the C# paths).
/// Inputs and outputs are bound once as <see cref="OrtValue"/>s over pinned managed memory, so a
/// call copies nothing in or out; what it still allocates is ONNX Runtime's own doing.
/// </summary>
internal sealed class OnnxEngine : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue[] _single;
    private readonly OrtValue _singleOutput;
    private readonly OrtValue _batch;
    private readonly OrtValue _batchOutput;
    private readonly string[] _inputNames = [OnnxModelWriter.InputName];
    private readonly string[] _outputNames = [OnnxModelWriter.OutputName];
    private readonly OrtValue[] _inputSlot = new OrtValue[1];
    private readonly OrtValue[] _outputSlot = new OrtValue[1];

    public OnnxEngine(DczModel model, float[] inputs, int count, float[] singleOutput, float[] batchOutput)
    {
        ModelShapes shapes = ModelShapes.Compute(model);
        int inLength = shapes.InputLength, outLength = shapes.OutputLength;
        if (inputs.Length != count * inLength || singleOutput.Length != outLength || batchOutput.Length != count * outLength)
        {
            throw new ArgumentException($"Buffers do not fit {count} samples of {inLength} inputs and {outLength} outputs.");
        }

        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(OnnxModelWriter.Write(model), options);

        long[] sampleShape = [.. model.Info.InputShape.Select(v => (long)v)];
        OrtMemoryInfo cpu = OrtMemoryInfo.DefaultInstance;
        _single = new OrtValue[count];
        for (int i = 0; i < count; i++)
        {
            _single[i] = OrtValue.CreateTensorValueFromMemory(cpu, inputs.AsMemory(i * inLength, inLength), [1, .. sampleShape]);
        }

        _batch = OrtValue.CreateTensorValueFromMemory(cpu, inputs.AsMemory(), [count, .. sampleShape]);
        _singleOutput = OrtValue.CreateTensorValueFromMemory(singleOutput, [1, outLength]);
        _batchOutput = OrtValue.CreateTensorValueFromMemory(batchOutput, [count, outLength]);
    }

    /// <summary>Runs sample <paramref name="index"/> alone (batch 1) into the single-output buffer.</summary>
    public void RunOne(int index)
    {
        _inputSlot[0] = _single[index];
        _outputSlot[0] = _singleOutput;
        _session.Run(_runOptions, _inputNames, _inputSlot, _outputNames, _outputSlot);
    }

    /// <summary>Runs all samples as one batch into the batch-output buffer.</summary>
    public void RunAll()
    {
        _inputSlot[0] = _batch;
        _outputSlot[0] = _batchOutput;
        _session.Run(_runOptions, _inputNames, _inputSlot, _outputNames, _outputSlot);
    }

    public void Dispose()
    {
        foreach (OrtValue v in _single)
        {
            v.Dispose();
        }

        _batch.Dispose();
        _singleOutput.Dispose();
        _batchOutput.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
