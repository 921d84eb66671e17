namespace EmbeddedNets.Benchmarks;

/// <summary>
/// The classes EmbeddedNets.Generator emitted for each model (see the AdditionalFiles in the
/// project file): <c>Compact</c> decodes the embedded payload on first use and runs the Runtime's
/// sparse kernels; <c>Unrolled</c> is straight-line code with every kept weight as a constant.
/// </summary>
internal static class GeneratedModels
{
    /// <summary>The generated classes of <paramref name="model"/> as engines for <see cref="Engines.EngineSet.VerifyAll"/>.</summary>
    public static IReadOnlyList<(string Name, Action<int, float[]> RunOne)> Engines(string model)
    {
        BenchCase c = BenchCase.Get(model);
        return model switch
        {
            "lenet-300-100" =>
            [
                ("Generated Compact", (i, o) => LeNet300100Compact.Predict(c.Input(i), o)),
                ("Generated Unrolled", (i, o) => LeNet300100Unrolled.Predict(c.Input(i), o)),
            ],
            "lenet-5" =>
            [
                ("Generated Compact", (i, o) => LeNet5Compact.Predict(c.Input(i), o)),
                ("Generated Unrolled", (i, o) => LeNet5Unrolled.Predict(c.Input(i), o)),
            ],
            _ => throw new ArgumentException($"No generated classes for model '{model}'.", nameof(model)),
        };
    }
}
