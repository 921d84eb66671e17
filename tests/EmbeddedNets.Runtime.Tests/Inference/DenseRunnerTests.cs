using EmbeddedNets.Format;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Runtime.Tests.Inference;

public sealed class DenseRunnerTests
{
    public static TheoryData<KernelPath> Paths => new(KernelAgreement.AllPaths);

    [Theory]
    [MemberData(nameof(Paths))]
    public void Run_EveryKernelOnEveryPath_AgreesWithDenseColumns(KernelPath path)
    {
        if (!KernelPaths.IsSupported(path))
        {
            return; // KernelPathTests runs the narrower paths in child processes
        }

        foreach ((int inputs, int outputs, double keep) in KernelAgreement.MaskedShapes)
        {
            KernelAgreement.DenseRunnerKernels(path, inputs, outputs, keep);
        }
    }

    [Fact]
    public void Create_LayerAfterAConvolution_GathersWhenMostInputsAreNonzero()
    {
        // LeNet-5's ip1: 800 → 500 at 4.7 %; its inputs (pooled conv outputs) are all nonzero.
        DenseRunner runner = DenseRunner.Create(MaskedDenseTests.Layer(new Random(1), 800, 500, 0.047));
        Assert.InRange(runner.GatherFrom, 1, 800);
    }

    [Fact]
    public void Create_SparseLayer_KeepsColumnsForSparseInputs()
    {
        // LeNet-300-100's ip1: 784 → 300 at 3.7 %; an MNIST digit has ~140 nonzero pixels.
        DenseRunner runner = DenseRunner.Create(MaskedDenseTests.Layer(new Random(2), 784, 300, 0.037));
        Assert.Equal(DenseKernel.Columns, runner.SparseKernel);
        Assert.True(runner.GatherFrom > 140, $"gathers from {runner.GatherFrom} nonzero inputs");
    }

    [Fact]
    public void Run_WrongLengths_ThrowArgumentException()
    {
        DenseRunner runner = DenseRunner.Create(MaskedDenseTests.Layer(new Random(3), 20, 30, 0.5));
        Assert.Throws<ArgumentException>(() => runner.Run(new float[19], new float[30]));
        Assert.Throws<ArgumentException>(() => runner.Run(new float[20], new float[31]));
    }

    [Fact]
    public void GatheredDense_SlicesHoldEveryKeptWeightInRowOrder()
    {
        DenseLayer layer = MaskedDenseTests.Layer(new Random(4), 37, 21, 0.3);
        GatheredDense g = GatheredDense.FromLayer(layer);
        Assert.Equal(3, g.Slices);
        var rebuilt = new float[21 * 37];
        var seen = new int[21];
        for (int s = 0; s < g.Slices; s++)
        {
            int previousLength = int.MaxValue;
            for (int lane = 0; lane < GatheredDense.Lanes; lane++)
            {
                int row = g.RowOrder[(s * GatheredDense.Lanes) + lane];
                if (row < 0)
                {
                    Assert.True(s == g.Slices - 1, "padding lanes only in the last slice");
                    continue;
                }

                int lastColumn = -1, length = 0;
                for (int k = g.SliceStarts[s]; k < g.SliceStarts[s + 1]; k++)
                {
                    int slot = (k * GatheredDense.Lanes) + lane;
                    if (g.Values[slot] == 0f && (k - g.SliceStarts[s]) >= CountKept(layer, row))
                    {
                        continue; // padding
                    }

                    Assert.True(g.Columns[slot] > lastColumn, "columns ascend along a row");
                    lastColumn = g.Columns[slot];
                    rebuilt[(row * 37) + g.Columns[slot]] = g.Values[slot];
                    length++;
                }

                Assert.True(length <= previousLength, "rows are sorted longest first");
                previousLength = length;
                seen[row]++;
                Assert.Equal(layer.Bias[row], g.Bias[(s * GatheredDense.Lanes) + lane]);
            }
        }

        Assert.All(seen, count => Assert.Equal(1, count));
        Assert.Equal(layer.Weights.ToDense().Select(BitConverter.SingleToInt32Bits), rebuilt.Select(BitConverter.SingleToInt32Bits));
    }

    private static int CountKept(DenseLayer layer, int row) => layer.Weights.Positions.Count(p => p / layer.Inputs == row);
}
