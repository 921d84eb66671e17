namespace EmbeddedNets.Benchmarks;

/// <summary>The generated classes of each model, as engines for <see cref="Engines.EngineSet.VerifyAll"/>.</summary>
internal static class GeneratedModels
{
    public static IReadOnlyList<(string Name, Action<int, float[]> RunOne)> Engines(string model) => [];
}
