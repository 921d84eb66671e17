using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

public sealed class DczInspectionTests
{
    private static IEnumerable<(string Name, DczModel Model)> Models() =>
        DczTestModels.EdgeCases().Concat(Enumerable.Range(0, 60).Select(s => ("random " + s, DczTestModels.Random(s))));

    [Fact]
    public void Inspect_AnyFile_PartsSumToFileLength()
    {
        foreach ((string name, DczModel model) in Models())
        {
            byte[] bytes = DczFile.Write(model);

            DczInspection inspection = DczFile.Inspect(bytes);

            Assert.Equal(bytes.Length, inspection.FileBytes);
            Assert.True(
                inspection.HeaderBytes + inspection.MetadataBytes + inspection.LayerCountBytes + inspection.Layers.Sum(l => l.TotalBytes) == bytes.Length,
                name);
            foreach (DczLayerInspection layer in inspection.Layers)
            {
                int parts = layer.RecordHeaderBytes + layer.ParameterBytes + layer.CodebookBytes + layer.WeightTableBytes
                    + layer.WeightStreamBytes + layer.GapTableBytes + layer.GapStreamBytes + layer.BiasBytes;
                Assert.True(parts == layer.TotalBytes, $"{name}, layer {layer.Index}: parts {parts}, total {layer.TotalBytes}");
                Assert.True(layer.RecordHeaderBytes >= 3 && layer.ParameterBytes >= 0, $"{name}, layer {layer.Index}");
            }

            // Layers follow one another without gaps.
            for (int i = 1; i < inspection.Layers.Count; i++)
            {
                Assert.Equal(inspection.Layers[i - 1].Offset + inspection.Layers[i - 1].TotalBytes, inspection.Layers[i].Offset);
            }

            Assert.Equal(bytes.Length, inspection.Layers[^1].Offset + inspection.Layers[^1].TotalBytes);
        }
    }

    [Fact]
    public void Inspect_WeightedLayers_CountsMatchTheModel()
    {
        foreach ((string name, DczModel model) in Models())
        {
            DczInspection inspection = DczFile.Inspect(DczFile.Write(model));

            for (int i = 0; i < model.Layers.Count; i++)
            {
                DczLayerInspection layer = inspection.Layers[i];
                SparseWeights? weights = model.Layers[i] switch
                {
                    DenseLayer d => d.Weights,
                    Conv2dLayer c => c.Weights,
                    _ => null,
                };
                if (weights is null)
                {
                    Assert.Equal(0, layer.DenseWeightCount + layer.CodebookBytes + layer.BiasBytes + layer.EntryCount);
                    continue;
                }

                Assert.Equal(weights.Length, layer.DenseWeightCount);
                Assert.Equal(weights.Count, layer.KeptCount);
                Assert.Equal(ExpectedFillers(weights), layer.FillerCount);
                Assert.Equal(weights.Codebook.Length * 4, layer.CodebookBytes);
                Assert.Equal(weights.Codebook.Length, layer.CodebookSize);
                Assert.Equal(weights.WeightBits, layer.WeightBits);
                Assert.Equal(weights.GapBits, layer.GapBits);
                Assert.Equal((layer.WeightStreamBits + 7) / 8, layer.WeightStreamBytes);
                Assert.Equal((layer.GapStreamBits + 7) / 8, layer.GapStreamBytes);

                // Every entry costs at least one bit per stream; Huffman never beats 1 bit/entry.
                Assert.True(layer.WeightStreamBits >= layer.EntryCount && layer.GapStreamBits >= layer.EntryCount, name);
                if (layer.KeptCount > 0)
                {
                    Assert.Equal(layer.WeightStreamBits / (double)layer.KeptCount, layer.WeightBitsPerKeptWeight);
                    Assert.Equal(layer.GapStreamBits / (double)layer.KeptCount, layer.IndexBitsPerKeptWeight);
                }
                else
                {
                    Assert.Equal(0, layer.WeightBitsPerKeptWeight);
                }
            }

            Assert.Equal(inspection.Layers.Sum(l => l.KeptCount), inspection.KeptWeightCount);
        }
    }

    [Fact]
    public void Inspect_SameFile_GivesTheModelReadReturns()
    {
        foreach ((string name, DczModel model) in DczTestModels.EdgeCases())
        {
            byte[] bytes = DczFile.Write(model);

            Assert.True(DczTestModels.FirstDifference(DczFile.Read(bytes), DczFile.Inspect(bytes).Model) is null, name);
        }
    }

    private static int ExpectedFillers(SparseWeights weights)
    {
        long maxGap = (1L << weights.GapBits) - 1;
        long previous = -1;
        int fillers = 0;
        foreach (int p in weights.Positions)
        {
            fillers += (int)((p - previous - 1) / (maxGap + 1));
            previous = p;
        }

        return fillers;
    }
}
