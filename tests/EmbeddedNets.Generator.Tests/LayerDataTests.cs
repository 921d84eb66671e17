using System.Reflection;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Generator.Tests;

internal delegate ReadOnlySpan<T> SpanGetter<T>();

/// <summary>
/// Each weighted layer's codebook and Huffman code-length tables are static members of the
/// generated class, in both modes: equal to the file's, documented with their sizes, and
/// readable without allocating.
/// </summary>
public sealed class LayerDataTests
{
    public static TheoryData<string> Modes => new() { "Compact", "Unrolled" };

    /// <summary>
    /// Layers named so that every naming rule shows: a name made PascalCase (<c>conv 1</c> →
    /// <c>Conv1</c>), an empty name, a name two layers share and a name of the reserved form
    /// <c>Layer</c>+digits all fall back to <c>Layer</c>+index.
    /// </summary>
    private static DczModel Model()
    {
        var rng = new Random(17);
        SparseWeights Shared(int length) => DczTestModels.RandomWeights(rng, length);
        SparseWeights shared = Shared(64 * 10);
        DczLayer[] layers =
        [
            new Conv2dLayer("conv 1", 2, 4, 3, 3, 1, 1, 0, 0, Shared(4 * 2 * 9), DczTestModels.RandomFloats(rng, 4)),
            new ReLULayer("relu"),
            new FlattenLayer("flatten"),
            new DenseLayer(string.Empty, 64, 10, SparseWeights.Unshared(640, shared.GapBits, shared.Positions, DczTestModels.RandomFloats(rng, shared.Count)), DczTestModels.RandomFloats(rng, 10)),
            new DenseLayer("dup", 10, 10, Shared(100), DczTestModels.RandomFloats(rng, 10)),
            new DenseLayer("dup", 10, 10, Shared(100), DczTestModels.RandomFloats(rng, 10)),
            new DenseLayer("Layer0", 10, 3, Shared(30), DczTestModels.RandomFloats(rng, 3)),
        ];
        var info = new ModelInfo("data", [2, 6, 6], Preprocessing.Identity, DczTestModels.Digits(3), null, "tests", 1);
        return new DczModel(info, layers);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void LayerData_EqualsTheFilesCodebooksAndCodeLengths(string mode)
    {
        byte[] bytes = DczFile.Write(Model());
        DczInspection inspection = DczFile.Inspect(bytes);
        var (result, output) = GeneratorHarness.Run([new ModelFile("/src/data.dcz", bytes, EmissionMode: mode)]);
        Assert.Empty(result.Diagnostics);
        Type type = GeneratorHarness.Load(output).GetType(GeneratorHarness.RootNamespace + ".Data", throwOnError: true)!;

        string?[] expectedNames = ["Conv1", null, null, "Layer3", "Layer4", "Layer5", "Layer6"];
        Assert.Equal(
            expectedNames.Where(n => n is not null).SelectMany(n => new[] { n + "Codebook", n + "GapCodeLengths", n + "WeightCodeLengths" }).Order(StringComparer.Ordinal),
            type.GetProperties(BindingFlags.Public | BindingFlags.Static).Select(p => p.Name).Where(n => n.EndsWith("Codebook", StringComparison.Ordinal) || n.EndsWith("CodeLengths", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        for (int i = 0; i < expectedNames.Length; i++)
        {
            if (expectedNames[i] is not { } name)
            {
                continue;
            }

            DczLayerInspection layer = inspection.Layers[i];
            SparseWeights weights = layer.Layer.WeightTensor!;
            Assert.Equal(weights.Codebook.Select(BitConverter.SingleToInt32Bits), Get<float>(type, name + "Codebook").ToArray().Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(layer.WeightCodeLengths, Get<byte>(type, name + "WeightCodeLengths").ToArray());
            Assert.Equal(layer.GapCodeLengths, Get<byte>(type, name + "GapCodeLengths").ToArray());
            Assert.Equal(1 << weights.GapBits, layer.GapCodeLengths.Count);
            Assert.Equal(weights.IsShared, layer.WeightCodeLengths.Count > 0);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void LayerData_XmlDocsStateEachTablesSize(string mode)
    {
        byte[] bytes = DczFile.Write(Model());
        DczInspection inspection = DczFile.Inspect(bytes);
        var (result, _) = GeneratorHarness.Run([new ModelFile("/src/data.dcz", bytes, EmissionMode: mode)]);
        string source = result.Results.Single().GeneratedSources.Single().SourceText.ToString();
        DczLayerInspection conv = inspection.Layers[0];
        Assert.Contains("/// <summary>Layer 0 (conv 1, Conv2d " + conv.Layer.Attributes + "): the " + conv.CodebookSize + " shared weights (the codebook), in index order; " + conv.CodebookBytes + " bytes in the file.</summary>", source);
        Assert.Contains("In the file: this table " + Bytes(conv.WeightTableBytes) + ", the coded weight stream " + Bytes(conv.WeightStreamBytes) + ".</summary>", source);
        Assert.Contains("each of the " + conv.GapCodeLengths.Count + " gap symbols", source);
        Assert.Contains("In the file: this table " + Bytes(conv.GapTableBytes) + ", the coded gap stream " + Bytes(conv.GapStreamBytes) + ".</summary>", source);
        Assert.Contains("/// <summary>Layer 3 (Dense 64→10): empty — the layer's weights are not shared", source);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void LayerData_ReadingAllocatesNothing(string mode)
    {
        byte[] bytes = DczFile.Write(Model());
        var (_, output) = GeneratorHarness.Run([new ModelFile("/src/data.dcz", bytes, EmissionMode: mode)]);
        Type type = GeneratorHarness.Load(output).GetType(GeneratorHarness.RootNamespace + ".Data", throwOnError: true)!;
        SpanGetter<float>[] floats = [.. new[] { "Conv1Codebook", "Layer4Codebook", "PreprocessMean", "PreprocessStd" }.Select(n => Getter<float>(type, n))];
        SpanGetter<byte>[] bytesGetters = [.. new[] { "Conv1WeightCodeLengths", "Conv1GapCodeLengths", "Layer6GapCodeLengths" }.Select(n => Getter<byte>(type, n))];
        SpanGetter<int> shape = Getter<int>(type, "InputShape");

        float sum = 0;
        int total = 0;
        void ReadAll()
        {
            foreach (SpanGetter<float> get in floats)
            {
                foreach (float v in get())
                {
                    sum += v;
                }
            }

            foreach (SpanGetter<byte> get in bytesGetters)
            {
                foreach (byte v in get())
                {
                    total += v;
                }
            }

            total += shape()[0];
        }

        ReadAll();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            ReadAll();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(total > 0 && !float.IsNaN(sum));
    }

    private static string Bytes(int count) => count + (count == 1 ? " byte" : " bytes");

    private static ReadOnlySpan<T> Get<T>(Type type, string name) => Getter<T>(type, name)();

    private static SpanGetter<T> Getter<T>(Type type, string name) =>
        type.GetProperty(name, BindingFlags.Public | BindingFlags.Static)!.GetMethod!.CreateDelegate<SpanGetter<T>>();
}
