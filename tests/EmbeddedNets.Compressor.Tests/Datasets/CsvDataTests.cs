using System.Text;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Compressor.Tests.Datasets;

public sealed class CsvDataTests : IDisposable
{
    private readonly TempFolder _dir = new("dcz-csv");

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text, bool bom = false)
    {
        string path = Path.Combine(_dir.FullPath, name);
        File.WriteAllText(path, text, new UTF8Encoding(bom));
        return path;
    }

    [Fact]
    public void Load_HeaderAndNumbers_TakesTheLastColumnAsLabel()
    {
        string path = Write("d.csv", "a,b,label\n1,2,0\n3.5,-4e-1,2\n\n");

        (LabelledSet train, LabelledSet? test, string[]? names) = CsvData.Load(path, null, null);

        Assert.Equal([2], train.SampleShape);
        Assert.Equal([1f, 2f, 3.5f, -0.4f], train.Values);
        Assert.Equal([0, 2], train.Labels);
        Assert.Null(test);
        Assert.Null(names);
    }

    [Fact]
    public void Load_LabelColumnByName_KeepsTheOtherColumnsInOrder()
    {
        string path = Write("d.csv", "x1,species,x2\r\n0.5,1,7\r\n1.5,0,8\r\n", bom: true);

        LabelledSet set = CsvData.Load(path, null, "species").Train;

        Assert.Equal([0.5f, 7f, 1.5f, 8f], set.Values);
        Assert.Equal([1, 0], set.Labels);
    }

    [Fact]
    public void Load_QuotedFields_AreUnquoted()
    {
        string path = Write("d.csv", "\"width, cm\",\"say \"\"hi\"\"\",label\n\"1.25\", 2 ,\"0\"\n");

        LabelledSet set = CsvData.Load(path, null, null).Train;

        Assert.Equal([1.25f, 2f], set.Values);
        Assert.Equal([0], set.Labels);
    }

    [Fact]
    public void Load_NamedClasses_MapToOrdinalIndicesAcrossTrainAndTest()
    {
        string train = Write("train.csv", "f,class\n1,virginica\n2,setosa\n3,versicolor\n");
        string test = Write("test.csv", "f,class\n4,versicolor\n5,setosa\n");

        (LabelledSet trainSet, LabelledSet? testSet, string[]? names) = CsvData.Load(train, test, null);

        Assert.Equal(["setosa", "versicolor", "virginica"], names!);
        Assert.Equal([2, 0, 1], trainSet.Labels);
        Assert.Equal([1, 0], testSet!.Labels);
    }

    [Fact]
    public void Load_RowWithTooFewValues_NamesTheFileAndLine()
    {
        string path = Write("d.csv", "a,b,label\n1,2,0\n\n3,1\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvData.Load(path, null, null));

        Assert.Equal($"{path}: line 4 has 2 values but the header names 3 columns", e.Message);
    }

    [Fact]
    public void Load_TextInAFeature_NamesTheLineAndColumn()
    {
        string path = Write("d.csv", "a,b,label\n1,2,0\n1,n/a,1\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvData.Load(path, null, null));

        Assert.Equal($"{path}: line 3, column 'b': 'n/a' is not a finite number", e.Message);
    }

    [Fact]
    public void Load_InfiniteFeature_IsRejected()
    {
        string path = Write("d.csv", "a,label\nInfinity,0\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvData.Load(path, null, null));

        Assert.Contains("line 2, column 'a': 'Infinity' is not a finite number", e.Message);
    }

    [Fact]
    public void Load_UnknownLabelColumn_ListsTheColumns()
    {
        string path = Write("d.csv", "a,b\n1,0\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvData.Load(path, null, "target"));

        Assert.Equal($"{path}: no column named 'target' for the labels (the header names 'a', 'b')", e.Message);
    }

    [Fact]
    public void Load_NoHeader_SaysTheFirstLineMustNameTheColumns()
    {
        string path = Write("d.csv", "1,2,0\n3,4,1\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvData.Load(path, null, null));

        Assert.Equal($"{path}: line 1 is all numbers, not a header; the first line must name the columns", e.Message);
    }

    [Fact]
    public void Load_EmptyLabel_NamesTheLine()
    {
        string path = Write("d.csv", "a,label\n1,0\n2, \n");

        var e = Assert.Throws<InvalidDataException>(() => CsvData.Load(path, null, null));

        Assert.Equal($"{path}: line 3: the label ('label') is empty", e.Message);
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("a,label\n", "the file has a header but no rows")]
    [InlineData("label\n1\n", "the header names 1 column")]
    [InlineData("a,label\n\"1,0\n", "line 2 ends inside a quoted field")]
    public void Load_MalformedFile_SaysWhatIsWrong(string text, string message)
    {
        string path = Write("d.csv", text);

        var e = Assert.Throws<InvalidDataException>(() => CsvData.Load(path, null, null));

        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Load_TestFileWithOtherColumns_NamesBoth()
    {
        string train = Write("train.csv", "a,b,label\n1,2,0\n");
        string test = Write("test.csv", "a,c,label\n1,2,0\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvData.Load(train, test, null));

        Assert.Equal($"{test}: feature columns (a, c) differ from {train}'s (a, b)", e.Message);
    }

    [Fact]
    public void Load_MissingFile_IsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => CsvData.Load(Path.Combine(_dir.FullPath, "none.csv"), null, null));
    }
}
