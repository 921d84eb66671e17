using BenchmarkDotNet.Attributes;
using EmbeddedNets.Benchmarks.Engines;

namespace EmbeddedNets.Benchmarks;

/// <summary>
/// The generated classes (both emission modes), dense C#, ONNX Runtime and TorchSharp on the same
/// model and the same real MNIST images. Batch 1 runs one image per
/// operation, cycling through <see cref="BenchCase.ImageCount"/> images so that no single image's
/// sparsity pattern decides the result; batch 64 runs all of them per operation (the C# paths as a
/// loop over samples, ONNX Runtime and TorchSharp as one [64, …] tensor). Everything is
/// single-threaded (the generated classes' <c>PredictBatch</c>, which goes parallel from 64 samples,
/// is not used). Outputs are checked against the reference in <see cref="Setup"/>; the Runtime's
/// CompactModel is checked there too but not timed: the Compact class runs exactly it.
/// </summary>
[Config(typeof(BenchConfig))]
public class LeNetBenchmarks
{
    private EngineSet _engines = null!;
    private BenchCase _case = null!;
    private int _next;
    private bool _lenet5;

    public static IEnumerable<string> Models => BenchCase.Names;

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "";

    [Params(1, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _case = BenchCase.Get(Model);
        _lenet5 = Model == "lenet-5";
        _engines = new EngineSet(_case);
        _engines.VerifyAll(GeneratedModels.Engines(Model));
    }

    [GlobalCleanup]
    public void Cleanup() => _engines.Dispose();

    [Benchmark(Baseline = true, Description = "Generated, Compact")]
    public float GeneratedCompact()
    {
        float[] o = _engines.SingleOutput;
        if (Batch == 1)
        {
            int i = NextImage();
            if (_lenet5)
            {
                LeNet5Compact.Predict(_case.Input(i), o);
            }
            else
            {
                LeNet300100Compact.Predict(_case.Input(i), o);
            }

            return o[0];
        }

        for (int i = 0; i < BenchCase.ImageCount; i++)
        {
            if (_lenet5)
            {
                LeNet5Compact.Predict(_case.Input(i), _engines.BatchSlot(i));
            }
            else
            {
                LeNet300100Compact.Predict(_case.Input(i), _engines.BatchSlot(i));
            }
        }

        return _engines.BatchOutput[0];
    }

    [Benchmark(Description = "Generated, Unrolled")]
    public float GeneratedUnrolled()
    {
        float[] o = _engines.SingleOutput;
        if (Batch == 1)
        {
            int i = NextImage();
            if (_lenet5)
            {
                LeNet5Unrolled.Predict(_case.Input(i), o);
            }
            else
            {
                LeNet300100Unrolled.Predict(_case.Input(i), o);
            }

            return o[0];
        }

        for (int i = 0; i < BenchCase.ImageCount; i++)
        {
            if (_lenet5)
            {
                LeNet5Unrolled.Predict(_case.Input(i), _engines.BatchSlot(i));
            }
            else
            {
                LeNet300100Unrolled.Predict(_case.Input(i), _engines.BatchSlot(i));
            }
        }

        return _engines.BatchOutput[0];
    }

    /// <summary>
    /// The Runtime's batch path on one thread: at batch 64, <c>CompactModel.PredictBatch</c> (dense
    /// layers on tiles of 16 images, weights read once per tile; predictions out); at batch 1, the
    /// same model's <c>Predict</c>. The generated Compact class's own <c>PredictBatch</c> calls the
    /// same code but goes parallel from 64 images, so it is not what is timed here.
    /// </summary>
    [Benchmark(Description = "Compact, PredictBatch (1 thread)")]
    public float CompactBatch()
    {
        if (Batch == 1)
        {
            return _engines.Runtime.Predict(_case.Input(NextImage()));
        }

        _engines.Runtime.PredictBatch(_case.Inputs, _engines.Predictions);
        return _engines.Predictions[0];
    }

    [Benchmark(Description = "Dense C# (TensorPrimitives)")]
    public float DenseTensorPrimitives()
    {
        if (Batch == 1)
        {
            _engines.Dense.Run(_case.Input(NextImage()), _engines.SingleOutput);
            return _engines.SingleOutput[0];
        }

        for (int i = 0; i < BenchCase.ImageCount; i++)
        {
            _engines.Dense.Run(_case.Input(i), _engines.BatchSlot(i));
        }

        return _engines.BatchOutput[0];
    }

    [Benchmark(Description = "ONNX Runtime (dense)")]
    public float OnnxRuntime()
    {
        if (Batch == 1)
        {
            _engines.Onnx.RunOne(NextImage());
            return _engines.SingleOutput[0];
        }

        _engines.Onnx.RunAll();
        return _engines.BatchOutput[0];
    }

    [Benchmark(Description = "TorchSharp (dense)")]
    public float TorchSharp()
    {
        if (Batch == 1)
        {
            _engines.Torch.RunOne(NextImage());
            return _engines.SingleOutput[0];
        }

        _engines.Torch.RunAll();
        return _engines.BatchOutput[0];
    }

    private int NextImage()
    {
        int i = _next;
        _next = (i + 1) % BenchCase.ImageCount;
        return i;
    }
}
