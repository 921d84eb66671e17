using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// A network architecture as data: input shape, a graph of nodes in execution order (each names
/// the nodes it reads; a chain names none), class labels and the input preprocessing it is trained
/// with. Built in code (<see cref="Architectures"/>, an importer) or read from an architecture file
/// (<see cref="ArchitectureFile"/>). The constructor resolves every node's inputs and shapes with
/// the format's own rules, so a spec that exists can be trained and exported.
/// </summary>
public sealed class ArchitectureSpec
{
    private const string ModelInputLabel = "the model input";

    /// <summary>Creates a spec and resolves it.</summary>
    /// <exception cref="ArchitectureException">A name, input reference, attribute or shape does not fit; the message names the node and the field.</exception>
    public ArchitectureSpec(string name, int[] inputShape, IReadOnlyList<ArchitectureNode> nodes, string[] classLabels, Preprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(classLabels);
        ArgumentNullException.ThrowIfNull(preprocessing);
        Name = name;
        InputShape = (int[])inputShape.Clone();
        Nodes = nodes.ToArray();
        ClassLabels = (string[])classLabels.Clone();
        Preprocessing = preprocessing;
        Resolved = Resolve();
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ArchitectureFile.ToJson(this, indented: false))));
    }

    /// <summary>Model name (written into the .dcz).</summary>
    public string Name { get; }

    /// <summary>Shape of one sample: <c>[features]</c> or <c>[channels, height, width]</c>.</summary>
    public int[] InputShape { get; }

    /// <summary>The nodes in execution order; the last one's output is the model's output.</summary>
    public IReadOnlyList<ArchitectureNode> Nodes { get; }

    /// <summary>One label per output.</summary>
    public string[] ClassLabels { get; }

    /// <summary>How raw values (e.g. 0–255 pixels) become the network's input: <c>(raw × scale − mean[c]) / std[c]</c>.</summary>
    public Preprocessing Preprocessing { get; }

    /// <summary>Every node with its resolved inputs and shapes, in execution order.</summary>
    public IReadOnlyList<ResolvedNode> Resolved { get; }

    /// <summary>The weighted nodes (pruned and quantized), in order.</summary>
    public IEnumerable<ResolvedNode> WeightedNodes => Resolved.Where(n => n.Node.IsWeighted);

    /// <summary>Weights + biases of all weighted nodes.</summary>
    public long ParameterCount => WeightedNodes.Sum(n => n.WeightCount + n.BiasCount);

    /// <summary>Bytes of all weights and biases as dense float32: the denominator of the compression ratio.</summary>
    public long DenseFloat32Bytes => ParameterCount * 4;

    /// <summary>
    /// SHA-256 (hex) of the canonical architecture file (<see cref="ArchitectureFile.ToJson"/>, every
    /// default spelled out): equal exactly when two specs describe the same network.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>Every tensor a network of this architecture trains or tracks, as <c>node.key</c> with its shape (the keys of <see cref="InitialWeights"/>).</summary>
    public IEnumerable<(string Name, long[] Shape)> ParameterShapes =>
        Resolved.SelectMany(n => n.Node.ParameterShapes(n).Select(p => (n.Node.Name + "." + p.Name, p.Shape)));

    private ResolvedNode[] Resolve()
    {
        string? error = ShapeRules.CheckInputShape(InputShape);
        if (error is not null)
        {
            throw new ArchitectureException($"inputShape: {error}", null, "inputShape");
        }

        CheckLabels();
        CheckPreprocessing();
        if (Nodes.Count == 0)
        {
            throw new ArchitectureException("nodes: the architecture has no nodes", null, "nodes");
        }

        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var builder = new ShapeBuilder((int[])InputShape.Clone());
        var resolved = new ResolvedNode[Nodes.Count];
        var readers = new List<int>[Nodes.Count];
        for (int i = 0; i < Nodes.Count; i++)
        {
            ArchitectureNode node = Nodes[i] ?? throw new ArchitectureException(Invariant($"nodes[{i}] is null"), null, "nodes");
            string label = ResolvedNode.LabelOf(node, i);
            CheckName(node, i, label, byName);
            int[] inputs = ResolveInputs(node, i, label, byName);
            int[][] shapes = inputs.Select(k => k < 0 ? (int[])InputShape.Clone() : resolved[k].OutputShape).ToArray();
            DczLayer probe = node.ShapeProbe(shapes, inputs);
            error = builder.Add(probe, inputs);
            if (error is not null)
            {
                string from = string.Join(" and ", inputs.Select(k => ShapeRules.Describe(k < 0 ? InputShape : resolved[k].OutputShape) + " from " + (k < 0 ? ModelInputLabel : resolved[k].Label)));
                throw new ArchitectureException($"{label} reading {from}: {error}", NameOrNull(node), null);
            }

            resolved[i] = new ResolvedNode(i, node, inputs, shapes, builder.Layers[i].OutputShape.ToArray());
            readers[i] = new List<int>();
            foreach (int k in inputs.Where(k => k >= 0))
            {
                readers[k].Add(i);
            }
        }

        for (int i = 0; i < resolved.Length - 1; i++)
        {
            if (readers[i].Count == 0)
            {
                throw new ArchitectureException($"{resolved[i].Label}: its output is never read; only the last node's output may be left unread (it is the model's output)", NameOrNull(Nodes[i]), "inputs");
            }
        }

        error = builder.Finish(ClassLabels.Length, out _);
        if (error is not null)
        {
            throw new ArchitectureException($"classLabels: {error}", null, "classLabels");
        }

        for (int i = 0; i < resolved.Length; i++)
        {
            resolved[i].Readers = readers[i].ToArray();
        }

        return resolved;
    }

    private static void CheckName(ArchitectureNode node, int index, string label, Dictionary<string, int> byName)
    {
        if (node.Name.Length == 0)
        {
            if (node.HasParameters)
            {
                throw new ArchitectureException($"{label}: a {node.Op} node has parameters and needs a name", null, "name");
            }

            return;
        }

        if (node.Name == ArchitectureNode.ModelInput)
        {
            throw new ArchitectureException($"{label}: the name '{ArchitectureNode.ModelInput}' is reserved for the model input", node.Name, "name");
        }

        if (node.Name.Any(char.IsControl) || node.Name.Trim().Length != node.Name.Length)
        {
            throw new ArchitectureException($"{label}: a name may not hold control characters or start or end with white space", node.Name, "name");
        }

        if (!byName.TryAdd(node.Name, index))
        {
            throw new ArchitectureException(Invariant($"{label}: the name is already used by nodes[{byName[node.Name]}]"), node.Name, "name");
        }
    }

    private static int[] ResolveInputs(ArchitectureNode node, int index, string label, Dictionary<string, int> byName)
    {
        if (node.Inputs.Count == 0)
        {
            if (node.InputCount != 1)
            {
                throw new ArchitectureException(Invariant($"{label}: takes {node.InputCount} inputs, so 'inputs' must name them"), NameOrNull(node), "inputs");
            }

            return new[] { index - 1 };
        }

        if (node.Inputs.Count != node.InputCount)
        {
            throw new ArchitectureException(Invariant($"{label}: takes {node.InputCount} input(s) but 'inputs' names {node.Inputs.Count}"), NameOrNull(node), "inputs");
        }

        var inputs = new int[node.Inputs.Count];
        for (int k = 0; k < inputs.Length; k++)
        {
            string source = node.Inputs[k] ?? string.Empty;
            if (source == ArchitectureNode.ModelInput)
            {
                inputs[k] = DczLayer.ModelInput;
            }
            else if (byName.TryGetValue(source, out int earlier))
            {
                inputs[k] = earlier;
            }
            else if (source == node.Name)
            {
                throw new ArchitectureException($"{label}: 'inputs' names the node itself; a node reads the model input ('{ArchitectureNode.ModelInput}') or earlier nodes", NameOrNull(node), "inputs");
            }
            else
            {
                throw new ArchitectureException($"{label}: 'inputs' names '{source}', which is not an earlier node; a node reads the model input ('{ArchitectureNode.ModelInput}') or nodes before it", NameOrNull(node), "inputs");
            }
        }

        return inputs;
    }

    private void CheckLabels()
    {
        if (ClassLabels.Length is < 1 or > DczConstants.MaxLabels)
        {
            throw new ArchitectureException(Invariant($"classLabels: {ClassLabels.Length} labels; an architecture needs 1–{DczConstants.MaxLabels}"), null, "classLabels");
        }

        for (int i = 0; i < ClassLabels.Length; i++)
        {
            if (ClassLabels[i] is null)
            {
                throw new ArchitectureException(Invariant($"classLabels[{i}] is null"), null, "classLabels");
            }
        }
    }

    private void CheckPreprocessing()
    {
        Preprocessing p = Preprocessing;
        if (!float.IsFinite(p.Scale))
        {
            throw new ArchitectureException("preprocessing.scale must be finite", null, "preprocessing.scale");
        }

        int channels = InputShape[0];
        foreach ((string field, IReadOnlyList<float> values, bool nonZero) in new[] { ("mean", p.Mean, false), ("std", p.Std, true) })
        {
            if (values.Count != 1 && values.Count != channels)
            {
                throw new ArchitectureException(Invariant($"preprocessing.{field}: {values.Count} values; give one, or one per channel of the input's first dimension ({channels})"), null, "preprocessing." + field);
            }

            if (values.Any(v => !float.IsFinite(v) || (nonZero && v == 0)))
            {
                throw new ArchitectureException($"preprocessing.{field}: every value must be finite{(nonZero ? " and nonzero" : string.Empty)}", null, "preprocessing." + field);
            }
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string? NameOrNull(ArchitectureNode node) => node.Name.Length == 0 ? null : node.Name;
}

/// <summary>A node with its inputs resolved to indexes and the shapes it receives and produces.</summary>
public sealed class ResolvedNode
{
    internal ResolvedNode(int index, ArchitectureNode node, int[] inputs, int[][] inputShapes, int[] output)
    {
        Index = index;
        Node = node;
        InputIndexes = inputs;
        InputShapes = inputShapes;
        OutputShape = output;
        Label = LabelOf(node, index);
    }

    /// <summary>Position in execution order.</summary>
    public int Index { get; }

    /// <summary>The node as specified.</summary>
    public ArchitectureNode Node { get; }

    /// <summary>Name (may be empty for nodes without parameters).</summary>
    public string Name => Node.Name;

    /// <summary>The nodes read, by index; <see cref="DczLayer.ModelInput"/> (−1) is the model input.</summary>
    public IReadOnlyList<int> InputIndexes { get; }

    /// <summary>Shape of each input (without batch).</summary>
    public IReadOnlyList<int[]> InputShapes { get; }

    /// <summary>Shape of the (first) input.</summary>
    public int[] InputShape => InputShapes[0];

    /// <summary>Output shape (without batch).</summary>
    public int[] OutputShape { get; }

    /// <summary>The nodes that read this node's output, by index, ascending.</summary>
    public IReadOnlyList<int> Readers { get; internal set; } = Array.Empty<int>();

    /// <summary>How messages name the node: <c>node 'conv1' (Conv2d)</c>, or <c>nodes[3] (ReLU)</c> when unnamed.</summary>
    public string Label { get; }

    /// <summary>Number of weights (0 for unweighted nodes).</summary>
    public long WeightCount => Node is WeightedNode w ? w.WeightShape(InputShapes).Aggregate(1L, (a, b) => checked(a * b)) : 0;

    /// <summary>Number of biases (0 for unweighted nodes).</summary>
    public long BiasCount => Node is WeightedNode w ? w.OutputChannels : 0;

    internal static string LabelOf(ArchitectureNode node, int index) => node.Name.Length > 0
        ? $"node '{node.Name}' ({node.Op})"
        : string.Create(CultureInfo.InvariantCulture, $"nodes[{index}] ({node.Op})");
}

/// <summary>
/// An architecture that cannot be built: the message names the node (or the top-level field) and
/// what is wrong, whether the architecture came from a file, an importer or code.
/// </summary>
public sealed class ArchitectureException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public ArchitectureException(string message, string? node, string? field)
        : base(message)
    {
        Node = node;
        Field = field;
    }

    /// <summary>The name of the node at fault, or null (a top-level field, or an unnamed node).</summary>
    public string? Node { get; }

    /// <summary>The field at fault (an attribute, <c>inputs</c>, <c>name</c>, <c>op</c>, or a top-level field), or null for a shape that does not fit.</summary>
    public string? Field { get; }
}
