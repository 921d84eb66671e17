using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Data;
using EmbeddedNets.Tests.Shared;
using SkiaSharp;

namespace EmbeddedNets.Compressor.Tests.Datasets;

public sealed class ImageFolderDataTests : IDisposable
{
    private static readonly string s_images = Path.Combine(AppContext.BaseDirectory, "images");
    private static readonly MnistSet s_mnistTest = Mnist.LoadTest(Path.Combine(AppContext.BaseDirectory, "mnist-slice"));

    private readonly TempFolder _dir = new("dcz-images");

    public void Dispose() => _dir.Dispose();

    private static float[] MnistPixels(int index) => s_mnistTest.Images.AsSpan(index * 784, 784).ToArray().Select(b => (float)b).ToArray();

    /// <summary>The MNIST test index in a fixture's file name (t10k-00017.png → 17).</summary>
    private static int IndexOf(string file) => int.Parse(Path.GetFileName(file).AsSpan(5, 5), provider: null);

    private static string[] Files(string split) =>
        ImageFolderData.Classes(Path.Combine(s_images, split))
            .SelectMany(c => Directory.GetFiles(Path.Combine(s_images, split, c)).Where(f => !f.EndsWith(".txt", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            .ToArray();

    [Fact]
    public void Load_PillowPngs_GivesTheExactMnistPixelsAndFolderLabels()
    {
        string[] classes = ImageFolderData.Classes(Path.Combine(s_images, "train"));

        LabelledSet set = ImageFolderData.Load(Path.Combine(s_images, "train"), classes, 1, 28, 28);

        Assert.Equal(["one", "seven", "two"], classes);
        string[] files = Files("train");
        Assert.Equal(files.Length, set.Count);
        Assert.Equal(11, set.Count);
        Assert.Equal([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], set.Labels);
        for (int i = 0; i < files.Length; i++)
        {
            if (files[i].EndsWith(".png", StringComparison.Ordinal) && !files[i].Contains("green", StringComparison.Ordinal))
            {
                Assert.Equal(MnistPixels(IndexOf(files[i])), set.Sample(i).ToArray());
            }
        }
    }

    [Fact]
    public void Load_Jpeg_DecodesCloseToTheOriginalPixels()
    {
        string[] files = Files("train");
        int jpeg = Array.FindIndex(files, f => f.EndsWith(".jpg", StringComparison.Ordinal));
        LabelledSet set = ImageFolderData.Load(Path.Combine(s_images, "train"), ImageFolderData.Classes(Path.Combine(s_images, "train")), 1, 28, 28);

        float[] original = MnistPixels(IndexOf(files[jpeg]));
        float[] decoded = set.Sample(jpeg).ToArray();

        double meanError = original.Zip(decoded, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanError < 3, $"mean absolute error {meanError} of a quality-95 JPEG");
    }

    [Fact]
    public void Load_LargerRgbImage_IsResizedAndConvertedToLuma()
    {
        string[] files = Files("train");
        int green = Array.FindIndex(files, f => f.Contains("green", StringComparison.Ordinal));
        LabelledSet set = ImageFolderData.Load(Path.Combine(s_images, "train"), ImageFolderData.Classes(Path.Combine(s_images, "train")), 1, 28, 28);

        // Each original pixel became a 2×2 block in the green channel only: halving the size gives
        // the original back, and grey is the green channel's luma weight (0.587) of it.
        float[] expected = MnistPixels(IndexOf(files[green])).Select(v => MathF.Round(v * 0.587f)).ToArray();
        float[] decoded = set.Sample(green).ToArray();

        double meanError = expected.Zip(decoded, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanError < 4, $"mean absolute error {meanError}");
    }

    [Fact]
    public void Load_ThreeChannels_GivesRgbPlanes()
    {
        string train = Path.Combine(s_images, "train");
        LabelledSet set = ImageFolderData.Load(train, ImageFolderData.Classes(train), 3, 28, 28);

        Assert.Equal([3, 28, 28], set.SampleShape);
        float[] grey = MnistPixels(IndexOf(Files("train")[0]));
        ReadOnlySpan<float> sample = set.Sample(0);
        Assert.Equal(grey, sample[..784].ToArray());
        Assert.Equal(grey, sample[784..1568].ToArray());
        Assert.Equal(grey, sample[1568..].ToArray());
    }

    [Fact]
    public void Load_SmallerSize_ResizesEveryImage()
    {
        string train = Path.Combine(s_images, "train");

        LabelledSet set = ImageFolderData.Load(train, ImageFolderData.Classes(train), 1, 14, 12);

        Assert.Equal([1, 14, 12], set.SampleShape);
        Assert.Equal(11 * 14 * 12, set.Values.Length);
        Assert.Contains(set.Values, v => v > 100);
    }

    [Fact]
    public void Load_TestFolder_UsesTheTrainingClassIndices()
    {
        string[] classes = ["eight", "one", "seven", "two"];

        LabelledSet test = ImageFolderData.Load(Path.Combine(s_images, "test"), classes, 1, 28, 28);

        Assert.Equal([1, 2, 3], test.Labels);
    }

    [Fact]
    public void Load_TestClassNotInTraining_NamesTheClass()
    {
        string test = Path.Combine(s_images, "test");

        var e = Assert.Throws<InvalidDataException>(() => ImageFolderData.Load(test, ["one", "two"], 1, 28, 28));

        Assert.Equal($"{Path.Combine(test, "seven")}: class 'seven' is not one of the training classes (one, two)", e.Message);
    }

    [Fact]
    public void Load_FileThatIsNotAnImage_NamesTheFile()
    {
        string cls = Path.Combine(_dir.FullPath, "cat");
        Directory.CreateDirectory(cls);
        string bad = Path.Combine(cls, "broken.png");
        File.WriteAllText(bad, "not a png");

        var e = Assert.Throws<InvalidDataException>(() => ImageFolderData.Load(_dir.FullPath, ["cat"], 1, 8, 8));

        Assert.Equal($"{bad}: cannot be decoded as a PNG or JPEG image", e.Message);
    }

    [Fact]
    public void Load_EmptyClassFolder_NamesIt()
    {
        string cls = Path.Combine(_dir.FullPath, "dog");
        Directory.CreateDirectory(cls);
        File.WriteAllText(Path.Combine(cls, "readme.txt"), "no images");

        var e = Assert.Throws<InvalidDataException>(() => ImageFolderData.Load(_dir.FullPath, ["dog"], 1, 8, 8));

        Assert.Equal($"{cls}: no images (.png, .jpg, .jpeg) in class folder 'dog'", e.Message);
    }

    [Fact]
    public void Classes_FolderWithoutSubfolders_SaysWhatAnImageFolderHolds()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderData.Classes(_dir.FullPath));

        Assert.Equal($"{_dir.FullPath}: no class subfolders; an image folder holds one subfolder of images per class", e.Message);
    }

    [Fact]
    public void Decode_TransparentPixels_CountAsBlack()
    {
        string path = Path.Combine(_dir.FullPath, "alpha.png");
        using (var bitmap = new SKBitmap(new SKImageInfo(2, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            bitmap.SetPixel(0, 0, new SKColor(255, 255, 255, 255));
            bitmap.SetPixel(1, 0, new SKColor(255, 255, 255, 0));
            using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, png.ToArray());
        }

        var pixels = new float[2];
        ImageFolderData.Decode(path, 1, 1, 2, pixels);

        Assert.Equal([255f, 0f], pixels);
    }
}
