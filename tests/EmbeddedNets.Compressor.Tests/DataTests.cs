using System.Buffers.Binary;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Data;

namespace EmbeddedNets.Compressor.Tests;

public sealed class DataTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dcz-data-tests-" + Guid.NewGuid().ToString("N"));

    public DataTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static byte[] Images(int count) => IdxWriter.Images(2, 3, new byte[count * 6]);

    [Fact]
    public void ReadImages_BadMagic_SaysNotAnIdxFile()
    {
        byte[] file = Images(2);
        file[0] = 0x12;
        string path = Write("bad-magic", file);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.StartsWith(path + ": not an IDX file", e.Message);
    }

    [Fact]
    public void ReadLabels_GivenAnImagesFile_SaysWhichKindItHolds()
    {
        string path = Write("images-as-labels", Images(2));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("file holds images (3 dimensions)", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_Truncated_SaysHowManyImagesTheFileHolds(bool gzip)
    {
        byte[] file = Images(3)[..^4];
        string path = Write("truncated", gzip ? DeterministicGzip.Compress(file) : file);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains("header says 3 images of 2×3 but file holds 2 and 2 bytes of one more", e.Message);
    }

    [Fact]
    public void ReadImages_TruncatedHeader_SaysWhere()
    {
        string path = Write("short-header", Images(1)[..10]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains("file ends after 10 bytes, inside the 16-byte IDX images header", e.Message);
    }

    [Fact]
    public void ReadImages_ExtraBytes_AreReported()
    {
        string path = Write("extra", [.. Images(2), 1, 2, 3]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains("file holds 3 more bytes after them", e.Message);
    }

    [Fact]
    public void ReadLabels_LabelOutOfRange_NamesTheIndexAndValue()
    {
        string path = Write("labels", IdxWriter.Labels([1, 2, 10, 3]));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("label 10 at index 2 is outside 0..9", e.Message);
    }

    [Fact]
    public void LoadSet_ImageAndLabelCountsDiffer_NamesBothFiles()
    {
        string images = Write("i", Images(3));
        string labels = Write("l", IdxWriter.Labels([1, 2]));

        var e = Assert.Throws<InvalidDataException>(() => Mnist.LoadSet(images, labels));

        Assert.Contains("holds 3 images but", e.Message);
        Assert.Contains("holds 2 labels", e.Message);
    }

    [Fact]
    public void Load_MissingFile_ListsTheNamesLookedFor()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(_dir));

        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
    }

    [Fact]
    public void MnistSlice_WritesTheFirstImages_Deterministically()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "mnist-slice");
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");

        MnistSlice.Write(source, a, 100, 20);
        MnistSlice.Write(source, b, 100, 20);

        MnistDataset full = Mnist.Load(source);
        MnistDataset slice = Mnist.Load(a);
        Assert.Equal(full.Train.Images.AsSpan(0, 100 * 784).ToArray(), slice.Train.Images);
        Assert.Equal(full.Test.Labels.AsSpan(0, 20).ToArray(), slice.Test.Labels);
        foreach (string name in Mnist.FileNames)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, name + ".gz")), File.ReadAllBytes(Path.Combine(b, name + ".gz")));
        }
    }

    [Fact]
    public void CommittedSlice_HasTheDocumentedSize()
    {
        MnistDataset slice = Mnist.Load(Path.Combine(AppContext.BaseDirectory, "mnist-slice"));

        Assert.Equal(4000, slice.Train.Count);
        Assert.Equal(1000, slice.Test.Count);
        Assert.Equal(28, slice.Train.Rows);
    }

    [Fact]
    public void DeterministicGzip_HeaderHasNoTimeOrOs_AndRoundTrips()
    {
        byte[] content = Images(5);

        byte[] gz = DeterministicGzip.Compress(content);

        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(4)));
        Assert.Equal(0xFF, gz[9]);
        using var inflate = new System.IO.Compression.GZipStream(new MemoryStream(gz), System.IO.Compression.CompressionMode.Decompress);
        using var back = new MemoryStream();
        inflate.CopyTo(back);
        Assert.Equal(content, back.ToArray());
    }
}
