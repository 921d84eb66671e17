using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Compressor.Tests.Datasets;

public sealed class DatasetLoaderTests : IDisposable
{
    private static readonly string s_base = AppContext.BaseDirectory;

    private readonly TempFolder _dir = new("dcz-dataset");

    public void Dispose() => _dir.Dispose();

    private static LabelledSet Numbered(int count) =>
        new("all.csv", [2], Enumerable.Range(0, count * 2).Select(i => (float)i).ToArray(), Enumerable.Range(0, count).Select(i => i % 3).ToArray());

    [Theory]
    [InlineData("mnist-slice", DataKind.Mnist)]
    [InlineData("numpy/mnist8.npz", DataKind.Numpy)]
    [InlineData("numpy/folder", DataKind.Numpy)]
    [InlineData("images/train", DataKind.ImageFolder)]
    public void Detect_EachKind_IsRecognised(string relative, DataKind kind)
    {
        Assert.Equal(kind, DatasetLoader.Detect(Path.Combine(s_base, relative)));
    }

    [Fact]
    public void Detect_Csv_ByExtension()
    {
        string path = Path.Combine(_dir.FullPath, "data.CSV");
        File.WriteAllText(path, "a,label\n1,0\n");

        Assert.Equal(DataKind.Csv, DatasetLoader.Detect(path));
    }

    [Fact]
    public void Detect_LoneNpyFile_SaysToGiveTheFolderOrAnNpz()
    {
        string path = Path.Combine(s_base, "numpy", "folder", "x.npy");

        var e = Assert.Throws<NotSupportedException>(() => DatasetLoader.Detect(path));

        Assert.Equal($"{path}: give the folder holding x.npy and y.npy, or an .npz file with arrays x and y", e.Message);
    }

    [Fact]
    public void HoldOut_SameSeed_SameSplit_AndEverySampleOnOneSide()
    {
        LabelledSet all = Numbered(50);

        Dataset a = Dataset.HoldOut(all, 0.2, seed: 7);
        Dataset b = Dataset.HoldOut(all, 0.2, seed: 7);
        Dataset c = Dataset.HoldOut(all, 0.2, seed: 8);

        Assert.Equal(10, a.Test.Count);
        Assert.Equal(40, a.Train.Count);
        Assert.Equal(a.Test.Values, b.Test.Values);
        Assert.NotEqual(a.Test.Values, c.Test.Values);
        var firsts = a.Train.Values.Where((_, i) => i % 2 == 0).Concat(a.Test.Values.Where((_, i) => i % 2 == 0)).Order();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)(2 * i)), firsts);
        Assert.Equal("all.csv held-out 20 % (seed 7)", a.TestName);
    }

    [Fact]
    public void HoldOut_OneSample_CannotBeSplit()
    {
        var e = Assert.Throws<InvalidDataException>(() => Dataset.HoldOut(Numbered(1), 0.2, 1));

        Assert.Equal("all.csv: 1 sample(s) cannot be split into training and held-out test samples (20 % held out)", e.Message);
    }

    [Fact]
    public void Load_CsvWithoutTestFile_HoldsOutASeededPart()
    {
        string path = Path.Combine(_dir.FullPath, "iris.csv");
        File.WriteAllLines(path, ["a,b,species", .. Enumerable.Range(0, 20).Select(i => $"{i},{i * 0.5},{(i % 2 == 0 ? "even" : "odd")}")]);

        Dataset data = DatasetLoader.Load(new DataOptions { Path = path, TestFraction = 0.25, Seed = 3 }, [2]);

        Assert.Equal(15, data.Train.Count);
        Assert.Equal(5, data.Test.Count);
        Assert.Equal(["even", "odd"], data.ClassNames);
        Assert.Equal("iris.csv held-out 25 % (seed 3)", data.TestName);
    }

    [Fact]
    public void Load_ImageFolderWithTestFolder_ResizesToTheModelInput()
    {
        var options = new DataOptions { Path = Path.Combine(s_base, "images", "train"), TestPath = Path.Combine(s_base, "images", "test") };

        Dataset data = DatasetLoader.Load(options, [1, 20, 20]);

        Assert.Equal([1, 20, 20], data.Train.SampleShape);
        Assert.Equal(3, data.Test.Count);
        Assert.Equal(["one", "seven", "two"], data.ClassNames);
        Assert.Equal("test", data.TestName);
    }

    [Fact]
    public void Load_ImageFolderForAFlatSquareInput_ReadsGreyImages()
    {
        Dataset data = DatasetLoader.Load(new DataOptions { Path = Path.Combine(s_base, "images", "train") }, [784]);

        Assert.Equal([1, 28, 28], data.Train.SampleShape);
    }

    [Fact]
    public void Load_ImageFolderForAnInputThatIsNoImage_SaysWhichInputsImagesNeed()
    {
        string path = Path.Combine(s_base, "images", "train");

        var e = Assert.Throws<NotSupportedException>(() => DatasetLoader.Load(new DataOptions { Path = path }, [10]));

        Assert.StartsWith($"{path}: images need a model input of [1 or 3 channels, height, width]", e.Message);
    }

    [Fact]
    public void Load_Mnist_KeepsItsOwnTestSplit()
    {
        Dataset data = DatasetLoader.Load(new DataOptions { Path = Path.Combine(s_base, "mnist-slice") }, [784]);

        Assert.Equal(4000, data.Train.Count);
        Assert.Equal(1000, data.Test.Count);
        Assert.Equal("mnist-test", data.TestName);
    }

    [Fact]
    public void Load_TestOfAnotherKind_NamesBoth()
    {
        string train = Path.Combine(s_base, "numpy", "mnist8.npz");
        string test = Path.Combine(s_base, "images", "test");

        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(new DataOptions { Path = train, TestPath = test }, [784]));

        Assert.Equal($"{test}: the test data is ImageFolder but the training data ({train}) is Numpy", e.Message);
    }

    [Fact]
    public void CheckFits_LabelBeyondTheModelsClasses_NamesTheSample()
    {
        var set = new LabelledSet("d.npz:x", [2], [1, 2, 3, 4], [1, 5]);

        var e = Assert.Throws<InvalidDataException>(() => set.CheckFits([2], 3, "mlp"));

        Assert.Equal("d.npz:x: sample 1 has the label 5 but mlp has 3 classes (labels 0–2)", e.Message);
    }

    [Fact]
    public void CheckFits_OtherSampleLength_NamesBothShapes()
    {
        var set = new LabelledSet("d.csv", [4], new float[8], [0, 1]);

        var e = Assert.Throws<InvalidDataException>(() => set.CheckFits([1, 28, 28], 10, "lenet-5"));

        Assert.Equal("d.csv: samples of shape [4] have 4 values but lenet-5 takes [1, 28, 28] = 784 inputs", e.Message);
    }

    [Fact]
    public void Preprocessing_ParsedFromTheCommandLine_AppliesPerChannel()
    {
        InputPreprocessing p = InputPreprocessing.Parse("1/255", "0.5,0.25", "0.5,2");
        float[] output = new float[4];

        p.Apply([255f, 0f, 51f, 102f], 2, output);

        Assert.Equal(1f / 255f, p.Scale);
        Assert.Equal([(1f - 0.5f) / 0.5f, (0f - 0.5f) / 0.5f, ((51f * (1f / 255f)) - 0.25f) / 2f, ((102f * (1f / 255f)) - 0.25f) / 2f], output);
    }

    [Theory]
    [InlineData("abc", null, null, "--scale: 'abc' is not a number (write e.g. 0.5 or 1/255)")]
    [InlineData(null, "0.1,x", null, "--mean: 'x' is not a number")]
    [InlineData(null, null, "0", "every std must be a finite number other than 0")]
    [InlineData(null, "0.1,0.2", "1,2,3", "2 mean value(s) and 3 std value(s)")]
    public void Preprocessing_BadValues_NameTheOption(string? scale, string? mean, string? std, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => InputPreprocessing.Parse(scale, mean, std));

        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Preprocessing_OneValue_IsRecordedForEveryChannel()
    {
        EmbeddedNets.Format.Preprocessing p = InputPreprocessing.Parse("1/255", "0.5", "0.25").ToFormat();

        Assert.Equal([0.5f], p.Mean);
        Assert.Equal([0.25f], p.Std);
    }

    [Fact]
    public void Preprocessing_PerChannelValuesForAnotherChannelCount_SayBoth()
    {
        InputPreprocessing p = InputPreprocessing.Parse(null, "0.485,0.456,0.406", "0.229,0.224,0.225");

        var e = Assert.Throws<ArgumentException>(() => p.CheckFits([1, 28, 28]));

        Assert.Equal("preprocessing has 3 per-channel values but the model input [1, 28, 28] has 1 channel(s)", e.Message);
    }
}
