using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Data;
using EmbeddedNets.Tests.Shared;
using static EmbeddedNets.Compressor.Tests.Datasets.NpyTestFiles;

namespace EmbeddedNets.Compressor.Tests.Datasets;

public sealed class NumpyDataTests : IDisposable
{
    private static readonly string s_numpy = Path.Combine(AppContext.BaseDirectory, "numpy");
    private static readonly MnistSet s_mnistTest = Mnist.LoadTest(Path.Combine(AppContext.BaseDirectory, "mnist-slice"));

    private readonly TempFolder _dir = new("dcz-npy");

    public void Dispose() => _dir.Dispose();

    private string Temp(string name) => Path.Combine(_dir.FullPath, name);

    [Fact]
    public void Load_NpzFromNumpySavez_ReadsUInt8ImagesAndInt64Labels()
    {
        (LabelledSet train, LabelledSet? test) = NumpyData.Load(Path.Combine(s_numpy, "mnist8.npz"));

        Assert.Equal([1, 28, 28], train.SampleShape);
        Assert.Equal(8, train.Count);
        Assert.Equal(s_mnistTest.Images.AsSpan(0, 8 * 784).ToArray().Select(b => (float)b), train.Values);
        Assert.Equal(s_mnistTest.Labels.AsSpan(0, 8).ToArray().Select(b => (int)b), train.Labels);
        Assert.Null(test);
    }

    [Fact]
    public void Load_NpzFromSavezCompressed_ReadsFloat32FeaturesAndTheTestArrays()
    {
        (LabelledSet train, LabelledSet? test) = NumpyData.Load(Path.Combine(s_numpy, "mnist8-compressed.npz"));

        Assert.Equal([784], train.SampleShape);
        Assert.Equal(s_mnistTest.Images[300] / 255f, train.Values[300]);
        Assert.Equal(4, test!.Count);
        Assert.Equal(s_mnistTest.Labels.AsSpan(8, 4).ToArray().Select(b => (int)b), test.Labels);
        Assert.EndsWith("mnist8-compressed.npz:x_test", test.Name);
    }

    [Fact]
    public void Load_FolderOfNpyFiles_ReadsFloat64FeaturesAndInt64Labels()
    {
        (LabelledSet train, _) = NumpyData.Load(Path.Combine(s_numpy, "folder"));

        Assert.Equal([4], train.SampleShape);
        Assert.Equal([5.1f, 3.5f, 1.4f, 0.2f], train.Values[..4]);
        Assert.Equal([0, 0, 1, 1, 2, 2], train.Labels);
    }

    [Fact]
    public void Read_PyTorchFixtureInputs_HaveTheShapeNumpyWrote()
    {
        NpyArray a = NpyReader.Read(Path.Combine(AppContext.BaseDirectory, "onnx", "mlp-bn.inputs.npy"));

        Assert.Equal([16, 784], a.Shape);
        Assert.Equal(NpyType.Float32, a.Type);
        float expected = ((s_mnistTest.Images[200] / 255f) - 0.1307f) / 0.3081f;
        Assert.Equal(expected, (float)a.Values[200], 5);
    }

    [Theory]
    [InlineData("big-endian.npy", "dtype '>f4' is big-endian; dcz reads little-endian arrays")]
    [InlineData("fortran.npy", "the array is in Fortran order; dcz reads C-order arrays")]
    [InlineData("complex.npy", "dtype '<c8' is not supported; dcz reads float32, float64, uint8, int32 and int64 arrays")]
    public void Read_ArraysDczDoesNotRead_SayWhy(string file, string message)
    {
        string path = Path.Combine(s_numpy, "bad", file);

        var e = Assert.Throws<NotSupportedException>(() => NpyReader.Read(path));

        Assert.Equal($"{path}: {message}", e.Message.Split(" (save")[0]);
    }

    [Fact]
    public void Read_TruncatedData_SaysHowManyBytesTheShapeNeeds()
    {
        byte[] npy = Float32([2, 3], 1, 2, 3, 4, 5, 6)[..^4];

        var e = Assert.Throws<InvalidDataException>(() => NpyReader.Read(npy, "x.npy"));

        Assert.Equal("x.npy: an array of shape [2, 3] and dtype '<f4' needs 24 data bytes but the file has 20", e.Message);
    }

    [Fact]
    public void Read_NotNpy_SaysSo()
    {
        var e = Assert.Throws<InvalidDataException>(() => NpyReader.Read("PK\u0003\u0004 zip"u8, "x.npy"));

        Assert.StartsWith("x.npy: not a .npy file", e.Message);
    }

    [Fact]
    public void Read_EveryTruncatedHeader_IsInvalidData()
    {
        byte[] npy = Float32([1], 1f);
        int dataStart = npy.Length - 4;
        for (int length = 0; length < dataStart; length++)
        {
            byte[] prefix = npy[..length];
            Assert.Throws<InvalidDataException>(() => NpyReader.Read(prefix, "cut.npy"));
        }
    }

    [Fact]
    public void Load_LabelCountDiffers_NamesBothArrays()
    {
        string path = Temp("d.npz");
        WriteNpz(path, ("x", Float32([3, 2], 1, 2, 3, 4, 5, 6)), ("y", Int64([2], 0, 1)));

        var e = Assert.Throws<InvalidDataException>(() => NumpyData.Load(path));

        Assert.Equal($"{path}:y: 2 labels but {path}:x holds 3 samples", e.Message);
    }

    [Fact]
    public void Load_FractionalLabel_NamesTheIndex()
    {
        string path = Temp("d.npz");
        WriteNpz(path, ("x", Float32([2, 1], 1, 2)), ("y", Float32([2], 1, 0.5f)));

        var e = Assert.Throws<InvalidDataException>(() => NumpyData.Load(path));

        Assert.Equal($"{path}:y: label 1 is 0.5, not a class index (an integer 0–65535)", e.Message);
    }

    [Fact]
    public void Load_NaNSample_NamesTheSampleAndValue()
    {
        string path = Temp("d.npz");
        WriteNpz(path, ("x", Float32([2, 3], 1, 2, 3, 4, float.NaN, 6)), ("y", UInt8([2], 0, 1)));

        var e = Assert.Throws<InvalidDataException>(() => NumpyData.Load(path));

        Assert.Equal($"{path}:x: sample 1, value 1 is NaN, not a finite number", e.Message);
    }

    [Fact]
    public void Load_MissingLabels_ListsTheArraysFound()
    {
        string path = Temp("d.npz");
        WriteNpz(path, ("x", Float32([1, 1], 1)), ("labels", UInt8([1], 0)));

        var e = Assert.Throws<FileNotFoundException>(() => NumpyData.Load(path));

        Assert.StartsWith($"{path}: no array 'y' (arrays found: labels, x)", e.Message);
    }

    [Fact]
    public void Load_TestSamplesWithoutTestLabels_IsInvalid()
    {
        string path = Temp("d.npz");
        WriteNpz(path, ("x", Float32([1, 1], 1)), ("y", UInt8([1], 0)), ("x_test", Float32([1, 1], 2)));

        var e = Assert.Throws<InvalidDataException>(() => NumpyData.Load(path));

        Assert.Equal($"{path}: has 'x_test' without 'y_test'; give both or neither", e.Message);
    }

    [Fact]
    public void Load_ScalarSamples_SayWhichShapesAreRead()
    {
        string path = Temp("d.npz");
        WriteNpz(path, ("x", Float32([3], 1, 2, 3)), ("y", UInt8([3], 0, 1, 0)));

        var e = Assert.Throws<InvalidDataException>(() => NumpyData.Load(path));

        Assert.Equal($"{path}:x: shape [3]; dcz reads samples of shape [n, features], [n, height, width] or [n, channels, height, width]", e.Message);
    }

    [Fact]
    public void Load_ZipThatIsNotAZip_IsInvalidData()
    {
        string path = Temp("d.npz");
        File.WriteAllText(path, "not a zip");

        var e = Assert.Throws<InvalidDataException>(() => NumpyData.Load(path));

        Assert.StartsWith($"{path}: not an .npz (zip) file", e.Message);
    }
}
