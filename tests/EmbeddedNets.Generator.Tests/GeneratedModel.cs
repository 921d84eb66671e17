using System.Reflection;

namespace EmbeddedNets.Generator.Tests;

internal delegate int ClassifyFn(ReadOnlySpan<float> input);

internal delegate void ScoresFn(ReadOnlySpan<float> input, Span<float> scores);

internal delegate int PixelsFn(ReadOnlySpan<byte> pixels);

internal delegate void PreprocessFn(ReadOnlySpan<byte> raw, Span<float> input);

internal delegate void BatchSpanFn(ReadOnlySpan<float> inputs, Span<int> predictions);

/// <summary>A generated model class seen through delegates (spans cannot go through reflection's Invoke).</summary>
internal sealed class GeneratedModel
{
    public GeneratedModel(Type type)
    {
        Type = type;
        Classify = Method<ClassifyFn>("Predict", typeof(ReadOnlySpan<float>));
        Scores = Method<ScoresFn>("Predict", typeof(ReadOnlySpan<float>), typeof(Span<float>));
        Pixels = Method<PixelsFn>("Predict", typeof(ReadOnlySpan<byte>));
        Preprocess = Method<PreprocessFn>("Preprocess", typeof(ReadOnlySpan<byte>), typeof(Span<float>));
        BatchSpan = Method<BatchSpanFn>("PredictBatch", typeof(ReadOnlySpan<float>), typeof(Span<int>));
        BatchArray = Method<Action<float[], int[]>>("PredictBatch", typeof(float[]), typeof(int[]));
    }

    public Type Type { get; }

    public ClassifyFn Classify { get; }

    public ScoresFn Scores { get; }

    public PixelsFn Pixels { get; }

    public PreprocessFn Preprocess { get; }

    public BatchSpanFn BatchSpan { get; }

    public Action<float[], int[]> BatchArray { get; }

    public int InputLength => Constant<int>("InputLength");

    public int OutputLength => Constant<int>("OutputLength");

    public static GeneratedModel From(Assembly assembly, string fullName) =>
        new(assembly.GetType(fullName, throwOnError: true)!);

    public T Constant<T>(string name) => (T)Type.GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    public T Property<T>(string name) => (T)Type.GetProperty(name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private T Method<T>(string name, params Type[] parameters)
        where T : Delegate =>
        Type.GetMethod(name, BindingFlags.Public | BindingFlags.Static, parameters)!.CreateDelegate<T>();
}
