namespace EmbeddedNets.Format;

/// <summary>What the record header says before an op reads its body (spec §5).</summary>
internal sealed class LayerHeader
{
    public LayerHeader(string name, int[] inputs, int version, string label, long entryBudget)
    {
        Name = name;
        Inputs = inputs;
        Version = version;
        Label = label;
        EntryBudget = entryBudget;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>Explicit input references (format version 2), or empty for a version-1 chain.</summary>
    public int[] Inputs { get; }

    /// <summary>The file's format version: bodies of some ops differ between versions.</summary>
    public int Version { get; }

    /// <summary><c>layer 2 (ip1, Dense)</c>, for messages.</summary>
    public string Label { get; }

    /// <summary>Weight entries the layer may still store under <see cref="DczConstants.MaxWeightEntries"/> (the layers before it used the rest).</summary>
    public long EntryBudget { get; }
}

/// <summary>Reads one op's record body; every op class has one, registered in <see cref="OpRegistry"/>.</summary>
internal delegate DczLayer BodyReader(ref SpanReader body, LayerHeader header, ref WeightParts parts);
