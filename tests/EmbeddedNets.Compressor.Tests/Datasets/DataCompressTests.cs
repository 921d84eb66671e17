using System.Globalization;
using System.Text;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Data;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;
using SkiaSharp;
using static EmbeddedNets.Compressor.Tests.Datasets.NpyTestFiles;

namespace EmbeddedNets.Compressor.Tests.Datasets;

/// <summary>Real (short) compressions fed by each kind of data beyond IDX.</summary>
[Collection("torch")]
public sealed class DataCompressTests : IDisposable
{
    // Bits are set here: the defaults' 2 bits are for a fully trained network, and these runs
    // train for seconds on 1,000 images.
    private const string Quick = """
        {
          "baseline": { "epochs": 3, "learningRate": 0.05, "shiftPixels": SHIFT },
          "prune": { "iterations": 1, "epochs": 1, "quality": { "ip1": 1.0, "ip2": 1.0, "ip3": 0.8 }, "shiftPixels": SHIFT },
          "quantize": { "epochs": 1, "bits": { "ip1": 6, "ip2": 6, "ip3": 6 }, "shiftPixels": SHIFT }
        }
        """;

    private static readonly MnistSet s_train = Mnist.LoadTrain(Path.Combine(AppContext.BaseDirectory, "mnist-slice"));
    private static readonly MnistSet s_test = Mnist.LoadTest(Path.Combine(AppContext.BaseDirectory, "mnist-slice"));

    private readonly TempFolder _dir = new("dcz-data-compress");

    public void Dispose() => _dir.Dispose();

    private (CompressionResult Result, Dataset Data) Compress(DataOptions options, int shift, InputPreprocessing? preprocessing = null)
    {
        ArchitectureSpec arch = Architectures.LeNet300100;
        Dataset data = DatasetLoader.Load(options, arch.InputShape);
        CompressionResult result = CompressionPipeline.Run(new CompressionOptions
        {
            Architecture = arch,
            Config = ConfigLoader.Load(arch, Quick.Replace("SHIFT", shift.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)),
            Data = data,
            Preprocessing = preprocessing,
            OutputPath = Path.Combine(_dir.FullPath, "out.dcz"),
            Seed = 5,
            Threads = 1,
            Resume = false,
        });
        return (result, data);
    }

    /// <summary>The recorded accuracy is the Runtime's on the written file, counted on the dataset's test samples.</summary>
    private static RecordedMetrics CheckRecorded(CompressionResult result, Dataset data)
    {
        byte[] bytes = File.ReadAllBytes(result.OutputPath!);
        RecordedMetrics metrics = DczFile.Read(bytes).Info.Metrics!;
        Assert.Equal(data.Test.Count, metrics.Count);
        Assert.Equal(metrics.Correct, RuntimeAccuracy.CountCorrect(CompactModel.Load(bytes), data.Test));
        Assert.True(metrics.Accuracy > 0.5, $"accuracy {metrics.Accuracy} should be far above chance (0.1)");
        return metrics;
    }

    [Fact]
    public void Compress_CsvWithLabelColumnByName_HoldsOutATestSetAndRecordsItsName()
    {
        string path = Path.Combine(_dir.FullPath, "mnist.csv");
        var csv = new StringBuilder("digit," + string.Join(',', Enumerable.Range(0, 784).Select(i => "p" + i)) + "\n");
        for (int i = 0; i < 1000; i++)
        {
            csv.Append(s_train.Labels[i]).Append(',').AppendJoin(',', s_train.Images.AsSpan(i * 784, 784).ToArray()).Append('\n');
        }

        File.WriteAllText(path, csv.ToString());

        (CompressionResult result, Dataset data) = Compress(new DataOptions { Path = path, LabelColumn = "digit", Seed = 5 }, shift: 0);

        RecordedMetrics metrics = CheckRecorded(result, data);
        Assert.Equal(200, metrics.Count);
        Assert.Equal("mnist.csv held-out 20 % (seed 5)", metrics.TestSetName);
    }

    [Fact]
    public void Compress_CsvWithShiftingConfigured_SaysFeatureVectorsCannotBeShifted()
    {
        string path = Path.Combine(_dir.FullPath, "small.csv");
        File.WriteAllLines(path, ["label," + string.Join(',', Enumerable.Range(0, 784).Select(i => "p" + i)), .. Enumerable.Range(0, 10).Select(i => (i % 10) + string.Concat(Enumerable.Repeat(",0", 784)))]);

        var e = Assert.Throws<InvalidDataException>(() => Compress(new DataOptions { Path = path, LabelColumn = "label" }, shift: 2));

        Assert.Equal($"{path} (training part): the samples are feature vectors of shape [784], not images, so training cannot shift them; set shiftPixels to 0 in every stage of the config", e.Message);
    }

    [Fact]
    public void Compress_NpzWithItsOwnTestArrays_TrainsOnImagesWithShifting()
    {
        string path = Path.Combine(_dir.FullPath, "mnist.npz");
        WriteNpz(path,
            ("x", UInt8([1000, 28, 28], s_train.Images[..(1000 * 784)])),
            ("y", Int64([1000], s_train.Labels[..1000].Select(l => (long)l).ToArray())),
            ("x_test", UInt8([300, 28, 28], s_test.Images[..(300 * 784)])),
            ("y_test", Int64([300], s_test.Labels[..300].Select(l => (long)l).ToArray())));

        (CompressionResult result, Dataset data) = Compress(new DataOptions { Path = path }, shift: 2);

        RecordedMetrics metrics = CheckRecorded(result, data);
        Assert.Equal(300, metrics.Count);
        Assert.Equal("mnist.npz:x_test", metrics.TestSetName);
    }

    [Fact]
    public void Compress_PreprocessingFromTheCommandLine_IsTrainedWithAndRecorded()
    {
        string path = Path.Combine(_dir.FullPath, "mnist.npz");
        WriteNpz(path,
            ("x", UInt8([1000, 1, 28, 28], s_train.Images[..(1000 * 784)])),
            ("y", UInt8([1000], s_train.Labels[..1000])));

        (CompressionResult result, Dataset data) = Compress(new DataOptions { Path = path }, shift: 2, InputPreprocessing.Parse("1/255", "0.1307", "0.3081"));

        CheckRecorded(result, data);
        Preprocessing recorded = DczFile.Read(File.ReadAllBytes(result.OutputPath!)).Info.Preprocessing;
        Assert.Equal(1f / 255f, recorded.Scale);
        Assert.Equal([0.1307f], recorded.Mean);
        Assert.Equal([0.3081f], recorded.Std);
    }

    [Fact]
    public void Compress_ImageFolders_ReadsPngsPerClass()
    {
        string train = Path.Combine(_dir.FullPath, "train"), test = Path.Combine(_dir.FullPath, "test");
        WritePngs(train, s_train, 1000);
        WritePngs(test, s_test, 200);

        (CompressionResult result, Dataset data) = Compress(new DataOptions { Path = train, TestPath = test }, shift: 2);

        RecordedMetrics metrics = CheckRecorded(result, data);
        Assert.Equal(200, metrics.Count);
        Assert.Equal("test", metrics.TestSetName);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => "digit-" + d), data.ClassNames!);
    }

    /// <summary>Writes the first <paramref name="count"/> images as grey PNGs in folders digit-0 … digit-9.</summary>
    private static void WritePngs(string folder, MnistSet set, int count)
    {
        for (int i = 0; i < count; i++)
        {
            string classFolder = Path.Combine(folder, "digit-" + set.Labels[i]);
            Directory.CreateDirectory(classFolder);
            using var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
            set.Images.AsSpan(i * 784, 784).CopyTo(bitmap.GetPixelSpan());
            using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(classFolder, $"{i:D5}.png"), png.ToArray());
        }
    }
}
