using System.Globalization;
using BenchmarkDotNet.Running;
using EmbeddedNets.Benchmarks.Engines;

namespace EmbeddedNets.Benchmarks;

internal static class Program
{
    /// <summary>
    /// <c>check</c>: builds every engine for every model and checks each against the reference
    /// (fast, no timing). <c>info</c>: prints each model's sizes. Anything else goes to
    /// BenchmarkDotNet (e.g. <c>--filter *</c>).
    /// </summary>
    private static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "check")
        {
            foreach (string name in BenchCase.Names)
            {
                BenchCase c = BenchCase.Get(name);
                using var engines = new EngineSet(c);
                engines.VerifyAll(GeneratedModels.Engines(name));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: every engine within {Agreement.Tolerance:G3} of the reference on {BenchCase.ImageCount} MNIST test images"));
                foreach ((string engine, Action<int, float[]> run) in GeneratedModels.Engines(name))
                {
                    // Per-thread count: BenchmarkDotNet's in-process figure is process-wide and
                    // picks up other threads (finalizers, tiering) at long operations.
                    for (int i = 0; i < 200; i++)
                    {
                        run(i % BenchCase.ImageCount, engines.SingleOutput);
                    }

                    long before = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < 1000; i++)
                    {
                        run(i % BenchCase.ImageCount, engines.SingleOutput);
                    }

                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {engine}: {allocated} bytes allocated by 1000 calls on the calling thread"));
                }

                // The batch path: its classes were checked against Predict's in VerifyAll.
                for (int i = 0; i < 5; i++)
                {
                    engines.Runtime.PredictBatch(c.Inputs, engines.Predictions);
                }

                long batchBefore = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++)
                {
                    engines.Runtime.PredictBatch(c.Inputs, engines.Predictions);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: CompactModel.PredictBatch: Predict's class for all {BenchCase.ImageCount} images; {GC.GetAllocatedBytesForCurrentThread() - batchBefore} bytes allocated by 100 batches on the calling thread"));

                if (engines.TorchNote is not null)
                {
                    Console.WriteLine($"{name}: TorchSharp: {engines.TorchNote}");
                }
            }

            return 0;
        }

        if (args.Length == 1 && args[0] == "info")
        {
            foreach (string name in BenchCase.Names)
            {
                BenchCase c = BenchCase.Get(name);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}\t{c.FileBytes.Length}\t{c.Nonzeros}\t{c.DenseWeights}\t{c.Model.Info.Producer}"));
            }

            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
