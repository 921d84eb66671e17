namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// The compressor's table of ops, by the name architecture files use: the one list of ops in the
/// compressor. Everything else about an op lives in its class (<c>Models/Ops</c>).
/// </summary>
internal static class OpCatalog
{
    private static readonly OpEntry[] s_entries =
    {
        new("Dense", DenseNode.Read),
        new("Conv2d", Conv2dNode.Read),
        new("MaxPool2d", MaxPool2dNode.Read),
        new("AvgPool2d", AvgPool2dNode.Read),
        new("GlobalAvgPool", GlobalAvgPoolNode.Read),
        new("BatchNorm", BatchNormNode.Read),
        new("Add", AddNode.Read),
        new("ReLU", ReLUNode.Read),
        new("ReLU6", ReLU6Node.Read),
        new("Clip", ClipNode.Read),
        new("Sigmoid", SigmoidNode.Read),
        new("Tanh", TanhNode.Read),
        new("Softmax", SoftmaxNode.Read),
        new("Flatten", FlattenNode.Read),
        new("Reshape", ReshapeNode.Read),
    };

    /// <summary>Every op name, in table order.</summary>
    public static IEnumerable<string> Names => s_entries.Select(e => e.Name);

    /// <summary>The op named <paramref name="name"/> (ordinal), or null.</summary>
    public static OpEntry? Find(string name) => s_entries.FirstOrDefault(e => e.Name == name);
}

/// <summary>Reads one node of an op from an architecture file: its name, its inputs (null: the previous node) and its attributes.</summary>
internal delegate ArchitectureNode NodeReader(string name, IReadOnlyList<string>? inputs, NodeAttributes attributes);

/// <summary>One row of <see cref="OpCatalog"/>.</summary>
internal sealed record OpEntry(string Name, NodeReader Read);
