using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Format;

public sealed class ModelShapesTests
{
    private static SparseWeights Empty(int length) => new(length, new[] { 1f }, 1, 1, Array.Empty<int>(), Array.Empty<byte>());

    [Fact]
    public void Compute_LeNet5_GivesPyTorchShapes()
    {
        // Caffe LeNet-5: 1×28×28 → conv 20@5×5 → pool 2 → conv 50@5×5 → pool 2 → 800 → 500 → 10.
        var model = new DczModel(
            new ModelInfo("lenet5", new[] { 1, 28, 28 }, Preprocessing.Identity, DczTestModels.Digits(10), null, "t", 0),
            new DczLayer[]
            {
                new Conv2dLayer("conv1", 1, 20, 5, 5, 1, 1, 0, 0, Empty(500), new float[20]),
                new MaxPool2dLayer("pool1", 2, 2, 2, 2),
                new Conv2dLayer("conv2", 20, 50, 5, 5, 1, 1, 0, 0, Empty(25000), new float[50]),
                new MaxPool2dLayer("pool2", 2, 2, 2, 2),
                new FlattenLayer(),
                new DenseLayer("ip1", 800, 500, Empty(400000), new float[500]),
                new ReLULayer(),
                new DenseLayer("ip2", 500, 10, Empty(5000), new float[10]),
                new SoftmaxLayer(),
            });

        ModelShapes shapes = ModelShapes.Compute(model);

        Assert.Equal(new[] { 20, 24, 24 }, shapes.Layers[0].OutputShape);
        Assert.Equal(new[] { 20, 12, 12 }, shapes.Layers[1].OutputShape);
        Assert.Equal(new[] { 50, 8, 8 }, shapes.Layers[2].OutputShape);
        Assert.Equal(new[] { 50, 4, 4 }, shapes.Layers[3].OutputShape);
        Assert.Equal(new[] { 800 }, shapes.Layers[4].OutputShape);
        Assert.Equal(new[] { 500 }, shapes.Layers[5].OutputShape);
        Assert.Equal(new[] { 50, 4, 4 }, shapes.Layers[4].InputShape);
        Assert.Equal(new[] { 800 }, shapes.Layers[5].InputShape);
        Assert.Equal(new[] { 10 }, shapes.OutputShape);
        Assert.Equal(784, shapes.InputLength);
        Assert.Equal(10, shapes.OutputLength);
        Assert.Equal(20 * 24 * 24, shapes.MaxActivationLength);
    }

    [Fact]
    public void Compute_StrideAndPadding_UseFloorFormula()
    {
        // h: (7 + 2·1 − 3) / 2 + 1 = 4; w: (6 + 2·0 − 2) / 3 + 1 = 2 (floor).
        var model = new DczModel(
            new ModelInfo("c", new[] { 2, 7, 6 }, Preprocessing.Identity, DczTestModels.Digits(3 * 4 * 2), null, "t", 0),
            new DczLayer[] { new Conv2dLayer("c", 2, 3, 3, 2, 2, 3, 1, 0, Empty(36), new float[3]) });

        Assert.Equal(new[] { 3, 4, 2 }, ModelShapes.Compute(model).OutputShape);
    }

    [Theory]
    [InlineData(28, 5, 1, 0, 24)]
    [InlineData(24, 2, 2, 0, 12)]
    [InlineData(7, 3, 2, 1, 4)]
    [InlineData(8, 3, 3, 0, 2)]
    [InlineData(4, 5, 1, 0, 0)]
    [InlineData(4, 5, 1, 1, 2)]
    public void SlidingWindowOutput_IsTheFloorFormula_OrZeroWhenTheWindowDoesNotFit(long size, long kernel, long stride, long padding, long expected)
    {
        Assert.Equal(expected, ModelShapes.SlidingWindowOutput(size, kernel, stride, padding));
    }

    [Theory]
    [InlineData(28, 5, 0, 0, "stride")]
    [InlineData(28, 0, 1, 0, "kernel")]
    [InlineData(-1, 5, 1, 0, "size")]
    [InlineData(28, 5, 1, -1, "padding")]
    public void SlidingWindowOutput_OutOfRangeArgument_ThrowsNamingIt(long size, long kernel, long stride, long padding, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ModelShapes.SlidingWindowOutput(size, kernel, stride, padding));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Compute_ReadFileShapes_MatchInspection()
    {
        foreach ((string name, DczModel model) in DczTestModels.EdgeCases())
        {
            DczInspection inspection = DczFile.Inspect(DczFile.Write(model));
            ModelShapes shapes = ModelShapes.Compute(model);

            for (int i = 0; i < model.Layers.Count; i++)
            {
                Assert.Equal(shapes.Layers[i].InputShape, inspection.Shapes.Layers[i].InputShape);
                Assert.Equal(shapes.Layers[i].OutputShape, inspection.Shapes.Layers[i].OutputShape);
            }

            Assert.True(shapes.MaxActivationLength == inspection.Shapes.MaxActivationLength, name);
        }
    }

    [Fact]
    public void Compute_DenseAfterConvWithoutFlatten_FlattensImplicitly()
    {
        var model = new DczModel(
            new ModelInfo("c", new[] { 2, 3, 3 }, Preprocessing.Identity, DczTestModels.Digits(5), null, "t", 0),
            new DczLayer[] { new DenseLayer("fc", 18, 5, Empty(90), new float[5]) });

        Assert.Equal(18, ModelShapes.Compute(model).Layers[0].InputLength);
    }

    [Fact]
    public void Compute_MismatchedChain_ThrowsArgumentExceptionNamingTheLayer()
    {
        var model = new DczModel(
            new ModelInfo("m", new[] { 10 }, Preprocessing.Identity, DczTestModels.Digits(3), null, "t", 0),
            new DczLayer[] { new DenseLayer("ip1", 10, 6, Empty(60), new float[6]), new ReLULayer("relu"), new DenseLayer("ip2", 5, 3, Empty(15), new float[3]) });

        var e = Assert.Throws<ArgumentException>(() => ModelShapes.Compute(model));

        Assert.StartsWith("layer 2 (ip2, Dense): expects 5 inputs but receives [6] (6 values)", e.Message, StringComparison.Ordinal);
    }
}
