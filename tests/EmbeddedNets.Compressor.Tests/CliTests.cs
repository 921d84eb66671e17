using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Tests;

public sealed class CliTests : IDisposable
{
    private static readonly string s_slice = Path.Combine(AppContext.BaseDirectory, "mnist-slice");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dcz-cli-" + Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The codebook index of kept weight position <paramref name="p"/>: a multiplicative hash, so the ten rows differ.</summary>
    private static int Code(int p) => (int)(unchecked((uint)p * 2654435761u) >> 30);

    /// <summary>A small valid model with recorded metrics: a 784→10 dense layer, 2-bit codebook, every 7th weight kept.</summary>
    private string WriteModel(string name)
    {
        int n = 784 * 10;
        int[] positions = Enumerable.Range(0, n).Where(i => i % 7 == 0).ToArray();
        byte[] codes = positions.Select(p => (byte)Code(p)).ToArray();
        var weights = new SparseWeights(n, new[] { -0.02f, -0.01f, 0.01f, 0.02f }, 2, 4, positions, codes);
        var model = new DczModel(
            new ModelInfo("test-model", new[] { 784 }, new Preprocessing(1f / 255, 0, 1), Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), new RecordedMetrics("mnist-test", 1000, 123), "tests", 1),
            new DczLayer[] { new DenseLayer("fc", 784, 10, weights, new float[10]) });
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, DczFile.Write(model));
        return path;
    }

    [Fact]
    public void Inspect_Json_HasTheDocumentedFields()
    {
        string file = WriteModel("m.dcz");

        (int code, string output, _) = Run("inspect", file, "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(784 * 10 * 4 + 40, root.GetProperty("denseBytes").GetInt64());
        Assert.Equal(new FileInfo(file).Length, root.GetProperty("payloadBytes").GetInt64());
        Assert.Equal((784 * 10 * 4 + 40) / (double)new FileInfo(file).Length, root.GetProperty("compressionRatio").GetDouble(), 3);
        Assert.Equal(12.3, root.GetProperty("testAccuracy").GetDouble(), 6);
        Assert.Equal(1000, root.GetProperty("testCount").GetInt32());
        JsonElement layer = Assert.Single(root.GetProperty("layers").EnumerateArray());
        Assert.Equal("fc", layer.GetProperty("name").GetString());
        Assert.Equal("10×784", layer.GetProperty("shape").GetString());
        Assert.Equal(1120, layer.GetProperty("kept").GetInt32());
        Assert.Equal(2, layer.GetProperty("weightBits").GetInt32());
        Assert.Equal(4, layer.GetProperty("indexBits").GetInt32());
    }

    [Fact]
    public void Inspect_Text_PrintsTheTableWithTotalsAndAccuracy()
    {
        string file = WriteModel("m.dcz");

        (int code, string output, _) = Run("inspect", file);

        Assert.Equal(0, code);
        Assert.Contains("huffman bits/w", output);
        Assert.Matches(@"fc\s+Dense\s+10×784\s", output);
        Assert.Contains("total", output);
        Assert.Contains("recorded accuracy: 12.30 % (123/1000 of mnist-test", output);
    }

    [Fact]
    public void Eval_RunsTheFileOnTheTestSet()
    {
        string file = WriteModel("m.dcz");

        (int code, string output, string err) = Run("eval", file, "--data", s_slice);

        Assert.True(code == 0, err);

        // The count computed here from the model's definition (WriteModel), not by the Runtime:
        // logits[o] = Σ_i codebook[Code(p)] · pixel/255 over kept p = o·784 + i (p % 7 == 0), bias 0.
        float[] codebook = [-0.02f, -0.01f, 0.01f, 0.02f];
        EmbeddedNets.Data.MnistSet test = EmbeddedNets.Data.Mnist.LoadTest(s_slice);
        int correct = 0, ambiguous = 0;
        var logits = new double[10];
        for (int n = 0; n < test.Count; n++)
        {
            Array.Clear(logits);
            for (int o = 0; o < 10; o++)
            {
                for (int i = 0; i < 784; i++)
                {
                    int p = (o * 784) + i;
                    if (p % 7 == 0)
                    {
                        logits[o] += codebook[Code(p)] * (double)(test.Images[(n * 784) + i] * (1f / 255));
                    }
                }
            }

            int best = Array.IndexOf(logits, logits.Max());
            if (logits.Where((_, o) => o != best).Any(l => logits[best] - l < 1e-6))
            {
                ambiguous++; // a near-tie float32 may break either way
            }
            else if (best == test.Labels[n])
            {
                correct++;
            }
        }

        Match m = Regex.Match(output, @"(\d+)/1000 correct = (\d+\.\d\d) % accuracy");
        Assert.True(m.Success, output);
        int reported = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(ambiguous <= 10, $"{ambiguous} near-ties: the check would be too loose");
        Assert.InRange(reported, correct, correct + ambiguous);
        Assert.Equal((reported / 10.0).ToString("F2", CultureInfo.InvariantCulture), m.Groups[2].Value);
        Assert.Contains("recorded accuracy: 12.30 % (123/1000 of mnist-test", output);
    }

    [Fact]
    public void Inspect_UnderOddCulture_PrintsTheInvariantText()
    {
        // What scripts parse (.ci/run reads --json): a user's culture must not change a character.
        string file = WriteModel("m.dcz");
        (_, string text, _) = Run("inspect", file);
        (_, string json, _) = Run("inspect", file, "--json");
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            var odd = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            odd.NumberFormat.NegativeSign = "\u2212";
            odd.NumberFormat.NumberDecimalSeparator = ",";
            odd.NumberFormat.NumberGroupSeparator = ".";
            odd.NumberFormat.PercentDecimalSeparator = ",";
            CultureInfo.CurrentCulture = odd;

            Assert.Equal(text, Run("inspect", file).Out);
            Assert.Equal(json, Run("inspect", file, "--json").Out);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        Assert.Contains("31,400", text); // dense bytes with the invariant group separator
        Assert.Contains("12.30 %", text);
    }

    [Theory]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "compres", "--model", "lenet-5" }, "unknown command 'compres'; did you mean 'compress'?")]
    [InlineData(new[] { "inspect", "--jsn", "a.dcz" }, "unknown option '--jsn'; did you mean '--json'?")]
    [InlineData(new[] { "compress", "--model", "lenet-5", "--model", "lenet-5", "--data", "x", "--out", "y.dcz" }, "--model given 2 times")]
    [InlineData(new[] { "compress", "--model", "lenet-5", "--data", "x", "--out", "y.dcz", "--seed" }, "--seed needs a value")]
    [InlineData(new[] { "help", "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "inspect" }, "missing FILE.dcz")]
    [InlineData(new[] { "inspect", "nope.dcz" }, "model file 'nope.dcz' does not exist")]
    [InlineData(new[] { "compress", "--data", "x", "--out", "y.dcz" }, "missing --model")]
    [InlineData(new[] { "compress", "--model", "alexnet", "--data", "x", "--out", "y.dcz" }, "unknown model 'alexnet' (known: lenet-300-100, lenet-5, ds-cnn, an architecture file ending in .json, or an ONNX model ending in .onnx)")]
    [InlineData(new[] { "compress", "--model", "nope.json", "--data", "x", "--out", "y.dcz" }, "architecture file 'nope.json' does not exist")]
    [InlineData(new[] { "compress", "--model", "lenet-5", "--data", "/no/such/dir", "--out", "y.dcz" }, "--data '/no/such/dir' does not exist (give a data folder or file)")]
    [InlineData(new[] { "compress", "--model", "lenet-5", "--data", "x", "--out", "y.dcz", "--seed", "-3" }, "--seed must be a non-negative integer")]
    [InlineData(new[] { "compress", "--model", "lenet-5", "--data", "x", "--out", "y.dcz", "--threads", "0" }, "--threads must be an integer in 1–256")]
    [InlineData(new[] { "compress", "--model", "lenet-5", "--data", "x", "--out", "y.txt" }, "should end in .dcz")]
    [InlineData(new[] { "compress", "--model", "lenet-5", "--data", "x", "--out", "y.dcz", "--bogus" }, "unknown option '--bogus'")]
    [InlineData(new[] { "compress", "--model", "lenet-5", "--data", "x", "--out", "y.dcz", "--config", "/no/such.json" }, "config file '/no/such.json' does not exist")]
    [InlineData(new[] { "eval", "x.dcz" }, "missing --data")]
    [InlineData(new[] { "inspect", "a.dcz", "--json", "extra" }, "unexpected argument 'extra'")]
    public void UsageErrors_Exit2_WithAMessageNamingTheProblem(string[] args, string expected)
    {
        (int code, _, string err) = Run(args);

        Assert.Equal(2, code);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void Compress_BadConfigFile_Exits2NamingTheSetting()
    {
        string config = Path.Combine(_dir, "bad.json");
        File.WriteAllText(config, """{ "quantize": { "bits": { "ip1": 0 } } }""");

        (int code, _, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", Path.Combine(_dir, "o.dcz"), "--config", config);

        Assert.Equal(2, code);
        Assert.Contains("quantize.bits.ip1 must be 1–8 (is 0)", err);
    }

    [Fact]
    public void Compress_DataFolderWithoutMnist_Exits1NamingTheMissingFile()
    {
        (int code, _, string err) = Run("compress", "--model", "lenet-300-100", "--data", _dir, "--out", Path.Combine(_dir, "o.dcz"));

        Assert.Equal(1, code);
        Assert.Contains("train-images-idx3-ubyte.gz", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Inspect_CorruptFile_Exits1WithoutAStackTrace()
    {
        string file = WriteModel("m.dcz");
        byte[] bytes = File.ReadAllBytes(file);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(file, bytes);

        (int code, _, string err) = Run("inspect", file);

        Assert.Equal(1, code);
        Assert.StartsWith("dcz: ", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_ListsEveryCommand_Exit0(string option)
    {
        (int code, string output, _) = Run(option);

        Assert.Equal(0, code);
        foreach (string command in new[] { "compress", "convert", "inspect", "eval", "download-mnist", "slice" })
        {
            Assert.Contains("  " + command, output);
        }

        Assert.Contains("130 interrupted", output);
    }

    [Theory]
    [InlineData("help", "compress")]
    [InlineData("compress", "--help")]
    public void Help_OfACommand_ListsItsOptions(string first, string second)
    {
        (int code, string output, _) = Run(first, second);

        Assert.Equal(0, code);
        foreach (string option in new[] { "--model <NAME|FILE.json|FILE.onnx>", "--data <PATH>", "--test <PATH>", "--label-column <NAME>", "--test-fraction <F>", "--out <FILE.dcz>", "--seed <N>", "--config <FILE.json>", "--report <DIR>", "--work <DIR>", "--threads <N>", "--no-resume", "--verbose" })
        {
            Assert.Contains(option, output);
        }

        Assert.DoesNotContain("--stop-after-steps", output);
    }

    [Fact]
    public void UsageError_IsOneLine()
    {
        (int code, string output, string err) = Run("compress", "--model", "lenet-5");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal("dcz: missing --data; missing --out (see 'dcz compress --help')" + Environment.NewLine, err);
    }
}
