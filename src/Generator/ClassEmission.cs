using System.Text;
using EmbeddedNets.Format;

namespace EmbeddedNets.Generator;

/// <summary>
/// The state of writing one model's class: the model read back from the spec's bytes, its
/// execution plan, the writer, the names of the members declared so far (a class name equal to
/// one would not compile), and the bytes of string literals the class adds to the assembly's
/// user-string heap (which holds 16 MiB in all).
/// </summary>
internal sealed class ClassEmission
{
    private const int FloatsPerLine = 8;
    private const int BytesPerLine = 32;

    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly string?[] _summaries;

    public ClassEmission(ModelSpec spec)
    {
        Spec = spec;

        // The Parser accepted these bytes, and reading is deterministic: this cannot fail.
        Inspection = DczFile.Inspect(spec.Bytes.AsSpan());
        Plan = ExecutionPlan.Create(Inspection.Model, Inspection.Shapes);
        DataNames = LayerDataNames(Inspection);
        _summaries = new string?[Inspection.Layers.Count];
    }

    public ModelSpec Spec { get; }

    public DczInspection Inspection { get; }

    public DczModel Model => Inspection.Model;

    public ModelShapes Shapes => Inspection.Shapes;

    /// <summary>The buffers every activation lives in, as <c>CompactModel</c> plans them.</summary>
    public ExecutionPlan Plan { get; }

    /// <summary>Per layer: the prefix of its public data members (<c>Ip1</c> → <c>Ip1Codebook</c>), or null for a layer without weights.</summary>
    public IReadOnlyList<string?> DataNames { get; }

    public SourceWriter Writer { get; } = new();

    /// <summary>Bytes the class's string literals take in the user-string heap (an upper bound: repeated strings are counted each time).</summary>
    public long UserStringBytes { get; private set; }

    /// <summary>
    /// The one-line description of a layer used in comments, the XML summary and <c>Layers</c>:
    /// <c>ip1: Dense 784→300, [784]→[300], 8.1 % kept (19,051 of 235,200), 16 shared weights,
    /// Huffman 4.4 bits/weight + 1.2 index bits, 12,345 bytes</c>; a layer that does not read the
    /// one before it says what it reads.
    /// </summary>
    public string Summary(DczLayerInspection layer) => _summaries[layer.Index] ??= Describe(layer);

    /// <summary>
    /// True when a type named <paramref name="name"/> could not hold this class's members: one of
    /// them has that name, or it is the getter a property reserves (<c>get_Layers</c>), CS0542.
    /// </summary>
    public bool Reserves(string name) =>
        _members.Contains(name) || (name.StartsWith("get_", StringComparison.Ordinal) && _members.Contains(name.Substring(4)));

    /// <summary>Records a member name and returns it.</summary>
    public string Member(string name)
    {
        _members.Add(name);
        return name;
    }

    /// <summary>A string literal that the code loads (so it lands in the user-string heap), counted.</summary>
    public string Literal(string value)
    {
        CountUserString(value.Length);
        return CodeText.Str(value);
    }

    /// <summary>
    /// Counts a string of <paramref name="chars"/> UTF-16 code units in the user-string heap:
    /// two bytes each, a terminal byte, and a length prefix of up to four bytes.
    /// </summary>
    public void CountUserString(long chars) => UserStringBytes = checked(UserStringBytes + (2 * chars) + 5);

    /// <summary>Writes <c>static ReadOnlySpan&lt;float&gt; Name =&gt; new float[] { … };</c>: constant data, no allocation (RuntimeHelpers.CreateSpan).</summary>
    public void FloatData(string modifiers, string name, IReadOnlyList<float> values) =>
        Data(modifiers + " static global::System.ReadOnlySpan<float> " + Member(name) + " => new float[]", values.Count, FloatsPerLine, i => CodeText.Float(values[i]));

    /// <summary>Writes <c>static ReadOnlySpan&lt;byte&gt; Name =&gt; new byte[] { … };</c>: a view of the assembly's data, no allocation.</summary>
    public void ByteData(string modifiers, string name, IReadOnlyList<byte> values) =>
        Data(modifiers + " static global::System.ReadOnlySpan<byte> " + Member(name) + " => new byte[]", values.Count, BytesPerLine, i => CodeText.Int(values[i]));

    private void Data(string header, int count, int perLine, Func<int, string> item)
    {
        if (count <= perLine)
        {
            Writer.Line(header + " { " + string.Join(", ", Enumerable.Range(0, count).Select(item)) + (count == 0 ? "};" : " };"));
            return;
        }

        Writer.Line(header);
        Writer.Line("{");
        var line = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            line.Append(i % perLine == 0 ? "    " : " ").Append(item(i)).Append(',');
            if (i % perLine == perLine - 1 || i == count - 1)
            {
                Writer.Line(line.ToString());
                line.Clear();
            }
        }

        Writer.Line("};");
    }

    private string Describe(DczLayerInspection layer)
    {
        var text = new StringBuilder(LayerName(layer.Index));
        text.Append(": ").Append(DczErrors.KindName(layer.Kind));
        if (layer.Layer.Attributes.Length > 0)
        {
            text.Append(' ').Append(layer.Layer.Attributes);
        }

        LayerShape shape = layer.Shape;
        text.Append(", ").Append(string.Join(" + ", shape.InputShapes.Select(CodeText.Shape))).Append('→').Append(CodeText.Shape(shape.OutputShape));
        if (shape.InputLayers.Count != 1 || shape.InputLayers[0] != layer.Index - 1)
        {
            text.Append(" (reads ").Append(string.Join(", ", shape.InputLayers.Select(LayerName))).Append(')');
        }

        SparseWeights? weights = layer.Layer.WeightTensor;
        if (weights is not null)
        {
            text.Append(", ").Append(CodeText.Percent(layer.KeptFraction)).Append(" % kept (").Append(CodeText.Grouped(layer.KeptCount))
                .Append(" of ").Append(CodeText.Grouped(layer.DenseWeightCount)).Append("), ")
                .Append(weights.IsShared
                    ? CodeText.Grouped(layer.CodebookSize) + " shared weights, Huffman " + CodeText.OneDecimal(layer.WeightBitsPerKeptWeight) + " bits/weight"
                    : "unshared float32 weights")
                .Append(" + ").Append(CodeText.OneDecimal(layer.IndexBitsPerKeptWeight)).Append(" index bits, ")
                .Append(CodeText.Grouped(layer.TotalBytes)).Append(" bytes");
        }

        return text.ToString();
    }

    /// <summary>A layer's name, <c>layer 3</c> when it has none, <c>input</c> for the model input.</summary>
    private string LayerName(int index) =>
        index < 0 ? "input" : Inspection.Layers[index].Name.Length > 0 ? Inspection.Layers[index].Name : "layer " + CodeText.Int(index);

    /// <summary>
    /// Names for the data members of weighted layers: the layer's name in PascalCase when that is
    /// a valid identifier, unique among the layers and not of the form <c>Layer</c>+digits;
    /// otherwise <c>Layer</c>+index, which is then unique too.
    /// </summary>
    private static string?[] LayerDataNames(DczInspection inspection)
    {
        int count = inspection.Layers.Count;
        var candidates = new string?[count];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            if (inspection.Layers[i].Layer.WeightTensor is null)
            {
                continue;
            }

            string pascal = CodeText.Pascal(inspection.Layers[i].Name);
            if (pascal.Length > 0 && char.IsLetter(pascal[0]) && !IsLayerIndexName(pascal) && CodeText.IsIdentifier(pascal + "Codebook"))
            {
                candidates[i] = pascal;
                seen[pascal] = seen.TryGetValue(pascal, out int n) ? n + 1 : 1;
            }
        }

        var names = new string?[count];
        for (int i = 0; i < count; i++)
        {
            if (inspection.Layers[i].Layer.WeightTensor is not null)
            {
                string? candidate = candidates[i];
                names[i] = candidate is not null && seen[candidate] == 1 ? candidate : "Layer" + CodeText.Int(i);
            }
        }

        return names;
    }

    private static bool IsLayerIndexName(string name) =>
        name.StartsWith("Layer", StringComparison.Ordinal) && name.Length > 5 && name.Skip(5).All(c => c >= '0' && c <= '9');
}
