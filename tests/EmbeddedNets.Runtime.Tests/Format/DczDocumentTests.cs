using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

/// <summary>
/// The structure-aware fuzzer's own parser (<see cref="DczDocument"/>, written from the spec apart
/// from the reader) agrees with the writer and the reader, so its mutations hit the fields they name.
/// </summary>
public sealed class DczDocumentTests
{
    [Fact]
    public void ParseEncode_WrittenFiles_GiveTheSameBytes()
    {
        var files = new List<byte[]> { DczTestModels.SpecExampleV1Bytes() };
        files.AddRange(DczTestModels.EdgeCases().Select(c => DczFile.Write(c.Model)));
        files.AddRange(Enumerable.Range(0, 200).Select(seed => DczFile.Write(DczTestModels.Random(seed))));
        files.Add(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "v1", "lenet-5.dcz")));

        foreach (byte[] file in files)
        {
            Assert.Equal(file, DczDocument.Parse(file).Encode());
        }
    }

    [Fact]
    public void Parse_SpecExample_NamesTheFieldsAtTheirOffsets()
    {
        DczDocument doc = DczDocument.Parse(DczFile.Write(DczTestModels.SpecExample()));

        Assert.Equal(4, doc.Layers.Count);
        Assert.Equal(new ulong[] { 0, 1, 0, 2, 3 }, doc.Layers.SelectMany(l => l.Inputs).Select(f => f.Value));
        DczRecord skip = doc.Layers[2];
        Assert.Equal(
            "inputs = 4, outputs = 2, WeightBits = 0, GapBits = 2, entry count = 3, value = 2, value = 0, value = -0.75, gap table symbol count = 4, gap table tokens = 3 bytes, gap stream bit length = 5, gap stream = 1 bytes, bias = 0, bias = 0.5",
            string.Join(", ", skip.Body));
    }

    [Fact]
    public void ToVersion1_RandomChains_ReadAsTheSameModel()
    {
        // An encoder of version 1 written from §12, checked against the reader: the chains of the
        // first six ops come back identical, so reading version 1 is tested beyond the two LeNets.
        int converted = 0;
        for (int seed = 0; seed < 300; seed++)
        {
            DczModel model = DczTestModels.Random(seed);
            DczDocument? v1 = DczDocument.Parse(DczFile.Write(model)).ToVersion1();
            if (v1 is null)
            {
                continue;
            }

            DczInspection read = DczFile.Inspect(v1.Encode());

            Assert.Equal(1, read.Version);
            string? difference = DczTestModels.FirstDifference(model, read.Model);
            Assert.True(difference is null, $"seed {seed}: {difference}");
            converted++;
        }

        Assert.True(converted >= 50, $"only {converted} random models are version-1 chains");
    }

    [Fact]
    public void Parse_EveryOp_HasABodyLayout()
    {
        // Part of the op enumeration: the fuzzer must know every op's body to mutate its fields.
        foreach (LayerKind kind in Enum.GetValues<LayerKind>())
        {
            Assert.True(DczDocument.KnowsBodyOf(kind), $"{kind}: DczDocument has no body layout (tests/Shared/DczDocument.cs)");
        }
    }
}
