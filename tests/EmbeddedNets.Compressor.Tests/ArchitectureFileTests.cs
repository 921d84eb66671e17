using EmbeddedNets.Compressor.Models;

namespace EmbeddedNets.Compressor.Tests;

/// <summary>Architecture files: every kind of mistake is reported with the node and the field; the canonical form round-trips and hashes the whole graph.</summary>
public sealed class ArchitectureFileTests
{
    private const string Valid = """
        {
          "name": "small",
          "inputShape": [1, 8, 8],
          "classLabels": ["a", "b", "c"],
          "preprocessing": { "scale": 0.5, "mean": 0.25, "std": 2 },
          "nodes": [
            { "op": "Conv2d", "name": "conv", "outChannels": 4, "kernel": 3, "padding": 1 },
            { "op": "BatchNorm", "name": "bn" },
            { "op": "ReLU", "name": "relu" },
            { "op": "Conv2d", "name": "dw", "outChannels": 4, "kernel": [3, 3], "padding": [1, 1], "groups": 4 },
            { "op": "Add", "name": "sum", "inputs": ["relu", "dw"] },
            { "op": "MaxPool2d", "kernel": 2 },
            { "op": "Flatten" },
            { "op": "Dense", "name": "fc", "outputs": 3 }
          ]
        }
        """;

    [Fact]
    public void Parse_ValidFile_GivesTheGraph()
    {
        ArchitectureSpec spec = ArchitectureFile.Parse(Valid, "small.json");

        Assert.Equal(new[] { "Conv2d", "BatchNorm", "ReLU", "Conv2d", "Add", "MaxPool2d", "Flatten", "Dense" }, spec.Nodes.Select(n => n.Op));
        Assert.Equal(new[] { 2, 3 }, spec.Resolved[4].InputIndexes);
        Assert.Equal(new[] { 4, 4, 4 }, spec.Resolved[6].InputShape);
        Assert.Equal(new[] { "conv", "dw", "fc" }, spec.WeightedNodes.Select(n => n.Name));
        Assert.Equal(0.5f, spec.Preprocessing.Scale);
        Assert.Equal(2f, spec.Preprocessing.Std[0]);
        var stride = ((MaxPool2dNode)spec.Nodes[5]).Stride;
        Assert.Equal((2, 2), stride);
    }

    [Fact]
    public void DocsExample_IsTheBuiltInDsCnn()
    {
        string doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "architecture-files.md"));
        int start = doc.LastIndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length;
        string json = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];

        ArchitectureSpec spec = ArchitectureFile.Parse(json, "docs/architecture-files.md");

        Assert.Equal(ArchitectureFile.ToJson(Architectures.DsCnn), ArchitectureFile.ToJson(spec));
        Assert.Equal(Architectures.DsCnn.Fingerprint, spec.Fingerprint);
        Assert.Contains($"the `.dcz` holds {Architectures.DsCnn.Nodes.Count(n => n is not BatchNormNode)} layers", doc);
    }

    [Fact]
    public void ToJson_ThenParse_GivesTheSameArchitecture_ForEveryBuiltIn()
    {
        foreach (ArchitectureSpec spec in Architectures.All.Append(ArchitectureFile.Parse(Valid, "small.json")))
        {
            string json = ArchitectureFile.ToJson(spec);
            ArchitectureSpec back = ArchitectureFile.Parse(json, spec.Name);

            Assert.Equal(json, ArchitectureFile.ToJson(back));
            Assert.Equal(spec.Fingerprint, back.Fingerprint);
        }
    }

    [Fact]
    public void Fingerprint_IgnoresSpellings_ButSeesEveryAttributeAndInput()
    {
        string spelledOut = Valid
            .Replace("\"kernel\": 3, \"padding\": 1 }", "\"kernel\": [3, 3], \"stride\": 1, \"padding\": [1, 1, 1, 1], \"groups\": 1 }", StringComparison.Ordinal)
            .Replace("{ \"op\": \"ReLU\", \"name\": \"relu\" }", "{ \"op\": \"ReLU\", \"name\": \"relu\", \"inputs\": [\"bn\"] }", StringComparison.Ordinal);
        Assert.NotEqual(Valid, spelledOut);
        Assert.Equal(ArchitectureFile.Parse(Valid, "a").Fingerprint, ArchitectureFile.Parse(spelledOut, "b").Fingerprint);

        // Same name, one attribute different: a different architecture (so no shared checkpoints).
        string otherStride = Valid.Replace("\"kernel\": 2 }", "\"kernel\": 2, \"stride\": 1 }", StringComparison.Ordinal);
        Assert.NotEqual(ArchitectureFile.Parse(Valid, "a").Fingerprint, ArchitectureFile.Parse(otherStride, "c").Fingerprint);
        string otherEpsilon = Valid.Replace("{ \"op\": \"BatchNorm\", \"name\": \"bn\" }", "{ \"op\": \"BatchNorm\", \"name\": \"bn\", \"epsilon\": 0.001 }", StringComparison.Ordinal);
        Assert.NotEqual(ArchitectureFile.Parse(Valid, "a").Fingerprint, ArchitectureFile.Parse(otherEpsilon, "d").Fingerprint);
    }

    [Theory]
    [InlineData("not json", null, null, "small.json: not valid JSON")]
    [InlineData("""{ "name": "x", "inputShape": [4], "classLabels": ["a"], "nodes": [], "extra": 1 }""", null, "extra", "unknown field 'extra'")]
    [InlineData("""{ "name": "x", "inputShape": [4], "classLabels": ["a"] }""", null, "nodes", "missing field 'nodes'")]
    [InlineData("""{ "name": "x", "inputShape": [4, 4], "classLabels": ["a"], "nodes": [] }""", null, "inputShape", "inputShape: rank 2, must be 1 ([features]) or 3")]
    [InlineData("""{ "name": "x", "inputShape": [2, 4, 4], "classLabels": ["a"], "preprocessing": { "mean": [0, 0, 0] }, "nodes": [ { "op": "Flatten" }, { "op": "Dense", "name": "fc", "outputs": 1 } ] }""", null, "preprocessing.mean", "preprocessing.mean: 3 values")]
    [InlineData("""{ "name": "x", "inputShape": [4], "classLabels": ["a"], "preprocessing": { "std": 0 }, "nodes": [ { "op": "Dense", "name": "fc", "outputs": 1 } ] }""", null, "preprocessing.std", "preprocessing.std: every value must be finite and nonzero")]
    public void Parse_TopLevelMistake_NamesTheField(string json, string? node, string? field, string expected)
    {
        var e = Assert.Throws<ArchitectureException>(() => ArchitectureFile.Parse(json, "small.json"));

        Assert.Contains(expected, e.Message);
        Assert.StartsWith("small.json: ", e.Message);
        Assert.Equal(node, e.Node);
        Assert.Equal(field, e.Field);
    }

    public static TheoryData<string, string, string?, string?, string> NodeMistakes => new()
    {
        // kind of mistake, original text, replacement, node, field, expected message part
        { "unknown op", Swap("\"op\": \"ReLU\", \"name\": \"relu\"", "\"op\": \"Relu\", \"name\": \"relu\""), "relu", "op", "node 'relu': unknown op 'Relu'; did you mean 'ReLU'?" },
        { "missing op", Swap("\"op\": \"ReLU\", \"name\": \"relu\"", "\"name\": \"relu\""), "relu", "op", "node 'relu': 'op' must be one of Dense, Conv2d" },
        { "missing attribute", Swap("\"name\": \"fc\", \"outputs\": 3", "\"name\": \"fc\""), "fc", "outputs", "node 'fc' (Dense): missing attribute 'outputs' (an integer ≥ 1)" },
        { "extra attribute", Swap("\"name\": \"fc\", \"outputs\": 3", "\"name\": \"fc\", \"outputs\": 3, \"kernel\": 2"), "fc", "kernel", "node 'fc' (Dense): unknown attribute 'kernel' (Dense takes outputs)" },
        { "attribute of an op without attributes", Swap("\"op\": \"ReLU\", \"name\": \"relu\"", "\"op\": \"ReLU\", \"name\": \"relu\", \"inplace\": true"), "relu", "inplace", "node 'relu' (ReLU): unknown attribute 'inplace' (ReLU takes no attributes)" },
        { "wrong-typed attribute", Swap("\"kernel\": 3, \"padding\": 1", "\"kernel\": \"3\", \"padding\": 1"), "conv", "kernel", "node 'conv' (Conv2d): attribute 'kernel' must be an integer ≥ 1 or [height, width] (is \"3\")" },
        { "attribute out of range", Swap("\"groups\": 4", "\"groups\": 0"), "dw", "groups", "node 'dw' (Conv2d): attribute 'groups' must be an integer ≥ 1 (is 0)" },
        { "bad padding list", Swap("\"padding\": [1, 1]", "\"padding\": [1, 1, 1]"), "dw", "padding", "node 'dw' (Conv2d): attribute 'padding' must be an integer ≥ 0, [height, width] or [top, left, bottom, right]" },
        { "unknown input", Swap("\"inputs\": [\"relu\", \"dw\"]", "\"inputs\": [\"relu\", \"dww\"]"), "sum", "inputs", "node 'sum' (Add): 'inputs' names 'dww', which is not an earlier node" },
        { "later input", Swap("{ \"op\": \"ReLU\", \"name\": \"relu\" }", "{ \"op\": \"ReLU\", \"name\": \"relu\", \"inputs\": [\"fc\"] }"), "relu", "inputs", "node 'relu' (ReLU): 'inputs' names 'fc', which is not an earlier node" },
        { "input count", Swap("\"inputs\": [\"relu\", \"dw\"]", "\"inputs\": [\"dw\"]"), "sum", "inputs", "node 'sum' (Add): takes 2 input(s) but 'inputs' names 1" },
        { "inputs not strings", Swap("\"inputs\": [\"relu\", \"dw\"]", "\"inputs\": [2, 3]"), "sum", "inputs", "node 'sum' (Add): 'inputs' must be an array of node names" },
        { "duplicate name", Swap("\"name\": \"dw\"", "\"name\": \"conv\""), "conv", "name", "node 'conv' (Conv2d): the name is already used by nodes[0]" },
        { "reserved name", Swap("\"name\": \"relu\"", "\"name\": \"input\""), "input", "name", "the name 'input' is reserved" },
        { "weighted node without a name", Swap("\"name\": \"fc\", ", string.Empty), null, "name", "nodes[7] (Dense): a Dense node has parameters and needs a name" },
        { "unread output", Swap("{ \"op\": \"Flatten\" }", "{ \"op\": \"Flatten\", \"inputs\": [\"sum\"] }"), null, "inputs", "nodes[5] (MaxPool2d): its output is never read" },
        { "shapes that do not fit (Add)", Swap("\"inputs\": [\"relu\", \"dw\"]", "\"inputs\": [\"input\", \"dw\"]"), "sum", null, "node 'sum' (Add) reading [1, 8, 8] from the model input and [4, 8, 8] from node 'dw' (Conv2d): adds [1, 8, 8] and [4, 8, 8]" },
        { "shapes that do not fit (kernel)", Swap("\"kernel\": 3, \"padding\": 1", "\"kernel\": 9"), "conv", null, "node 'conv' (Conv2d) reading [1, 8, 8] from the model input: kernel 9×9 with padding 0,0,0,0 does not fit the 8×8 input" },
        { "groups that do not divide", Swap("\"groups\": 4", "\"groups\": 3"), "dw", null, "node 'dw' (Conv2d) reading [4, 8, 8] from node 'relu' (ReLU): groups 3 must be ≥ 1 and divide both channel counts (4 in, 4 out)" },
        { "pool padding as large as the window", Swap("{ \"op\": \"MaxPool2d\", \"kernel\": 2 }", "{ \"op\": \"MaxPool2d\", \"kernel\": 2, \"padding\": 2 }"), null, null, "nodes[5] (MaxPool2d) reading [4, 8, 8] from node 'sum' (Add): padding 2,2,2,2 must be ≥ 0 and smaller than the 2×2 window" },
        { "labels that do not match the output", Swap("\"outputs\": 3", "\"outputs\": 4"), null, "classLabels", "classLabels: 3 class labels but the model's output has 4 values" },
    };

    [Theory]
    [MemberData(nameof(NodeMistakes))]
    public void Parse_NodeMistake_NamesTheNodeAndTheField(string kind, string json, string? node, string? field, string expected)
    {
        var e = Assert.Throws<ArchitectureException>(() => ArchitectureFile.Parse(json, "small.json"));

        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{kind}: '{e.Message}' lacks '{expected}'");
        Assert.Equal(node, e.Node);
        Assert.Equal(field, e.Field);
        if (field is not null && node is not null)
        {
            Assert.Contains(field, e.Message);
        }
    }

    [Fact]
    public void Parse_ClipWithMinAboveMax_NamesTheAttribute()
    {
        string json = Valid.Replace("{ \"op\": \"ReLU\", \"name\": \"relu\" }", "{ \"op\": \"Clip\", \"name\": \"relu\", \"min\": 1, \"max\": 0 }", StringComparison.Ordinal);

        var e = Assert.Throws<ArchitectureException>(() => ArchitectureFile.Parse(json, "small.json"));

        Assert.Contains("node 'relu' (Clip): attribute 'max': must be ≥ min (0 < 1)", e.Message);
        Assert.Equal("max", e.Field);
    }

    private static string Swap(string from, string to)
    {
        Assert.Contains(from, Valid);
        return Valid.Replace(from, to, StringComparison.Ordinal);
    }
}
