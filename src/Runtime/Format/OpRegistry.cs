namespace EmbeddedNets.Format;

/// <summary>
/// The format's table of ops: for each tag, its name, the first format version that defines it
/// and the reader of its record body. The one list of ops in the format; an op's encoding, rules
/// and shape live in its class (<c>Format/Ops</c>).
/// </summary>
internal static class OpRegistry
{
    private static readonly OpEntry?[] s_byTag = Build();

    /// <summary>Every op, by tag.</summary>
    public static IEnumerable<OpEntry> All => s_byTag.Where(e => e is not null)!;

    /// <summary>The op with <paramref name="tag"/>, or null when no version defines it.</summary>
    public static OpEntry? Find(byte tag) => s_byTag[tag];

    /// <summary>The op's name, or <c>op 0x2A</c> for a tag the format does not define.</summary>
    public static string NameOf(LayerKind kind) =>
        s_byTag[(byte)kind]?.Name ?? FormattableString.Invariant($"op 0x{(byte)kind:X2}");

    private static OpEntry?[] Build()
    {
        var table = new OpEntry?[256];
        void Add(LayerKind kind, string name, int version, BodyReader read) => table[(byte)kind] = new OpEntry(kind, name, version, read);

        Add(LayerKind.Dense, "Dense", 1, DenseLayer.Read);
        Add(LayerKind.Conv2d, "Conv2d", 1, Conv2dLayer.Read);
        Add(LayerKind.MaxPool2d, "MaxPool2d", 1, MaxPool2dLayer.Read);
        Add(LayerKind.ReLU, "ReLU", 1, ReLULayer.Read);
        Add(LayerKind.Flatten, "Flatten", 1, FlattenLayer.Read);
        Add(LayerKind.Softmax, "Softmax", 1, SoftmaxLayer.Read);
        Add(LayerKind.AvgPool2d, "AvgPool2d", 2, AvgPool2dLayer.Read);
        Add(LayerKind.GlobalAvgPool, "GlobalAvgPool", 2, GlobalAvgPoolLayer.Read);
        Add(LayerKind.Add, "Add", 2, AddLayer.Read);
        Add(LayerKind.Clip, "Clip", 2, ClipLayer.Read);
        Add(LayerKind.Sigmoid, "Sigmoid", 2, SigmoidLayer.Read);
        Add(LayerKind.Tanh, "Tanh", 2, TanhLayer.Read);
        Add(LayerKind.ScaleShift, "ScaleShift", 2, ScaleShiftLayer.Read);
        Add(LayerKind.Reshape, "Reshape", 2, ReshapeLayer.Read);
        return table;
    }
}

/// <summary>One row of <see cref="OpRegistry"/>.</summary>
internal sealed class OpEntry
{
    public OpEntry(LayerKind kind, string name, int sinceVersion, BodyReader read)
    {
        Kind = kind;
        Name = name;
        SinceVersion = sinceVersion;
        Read = read;
    }

    public LayerKind Kind { get; }

    public string Name { get; }

    /// <summary>The first format version whose files may use the op.</summary>
    public int SinceVersion { get; }

    public BodyReader Read { get; }
}
