namespace EmbeddedNets.Format;

/// <summary>
/// A parsed file with every byte attributed (spec §"Byte accounting"):
/// <c>HeaderBytes + MetadataBytes + LayerCountBytes + Σ layer TotalBytes = FileBytes</c>, and
/// within each layer the parts listed on <see cref="DczLayerInspection"/> sum to its total.
/// </summary>
public sealed class DczInspection
{
    internal DczInspection(
        DczModel model,
        ModelShapes shapes,
        int version,
        int fileBytes,
        int metadataBytes,
        int layerCountBytes,
        DczLayerInspection[] layers)
    {
        Model = model;
        Shapes = shapes;
        Version = version;
        FileBytes = fileBytes;
        MetadataBytes = metadataBytes;
        LayerCountBytes = layerCountBytes;
        Layers = layers;
        foreach (DczLayerInspection layer in layers)
        {
            DenseWeightCount += layer.DenseWeightCount;
            KeptWeightCount += layer.KeptCount;
            LayersDenseFloat32Bytes += layer.DenseFloat32Bytes;
        }

        DenseFloat32Bytes = model.Info.TrainedDenseFloat32Bytes != 0 ? model.Info.TrainedDenseFloat32Bytes : LayersDenseFloat32Bytes;
    }

    /// <summary>The model, exactly as <see cref="DczFile.Read"/> returns it.</summary>
    public DczModel Model { get; }

    /// <summary>Input and output shape of every layer.</summary>
    public ModelShapes Shapes { get; }

    /// <summary>The file's format version (1 to 3).</summary>
    public int Version { get; }

    /// <summary>Length of the whole file.</summary>
    public int FileBytes { get; }

    /// <summary>The fixed header: magic, version, flags, content length, checksum (16 bytes).</summary>
    public int HeaderBytes => DczConstants.HeaderSize;

    /// <summary>Name, input shape, preprocessing, labels, metrics, producer and seed.</summary>
    public int MetadataBytes { get; }

    /// <summary>The varint holding the number of layers.</summary>
    public int LayerCountBytes { get; }

    /// <summary>Per layer, in execution order.</summary>
    public IReadOnlyList<DczLayerInspection> Layers { get; }

    /// <summary>Weight positions of all weighted layers (dense, unpruned count).</summary>
    public long DenseWeightCount { get; }

    /// <summary>Kept (nonzero) weights of all weighted layers; fillers not included.</summary>
    public long KeptWeightCount { get; }

    /// <summary>
    /// What the weights and biases of the network as trained take as plain float32 arrays: the
    /// recorded <see cref="ModelInfo.TrainedDenseFloat32Bytes"/> when the file has one (its layers
    /// may have lost whole units since), else <see cref="LayersDenseFloat32Bytes"/>.
    /// </summary>
    public long DenseFloat32Bytes { get; }

    /// <summary>What the weights and biases of the file's own layers would take as plain float32 arrays.</summary>
    public long LayersDenseFloat32Bytes { get; }

    /// <summary><see cref="DenseFloat32Bytes"/> / <see cref="FileBytes"/>: the paper's compression rate for the whole file, against the network as trained.</summary>
    public double CompressionRatio => FileBytes == 0 ? 0 : (double)DenseFloat32Bytes / FileBytes;
}

/// <summary>
/// Where one layer's bytes go. <see cref="TotalBytes"/> = <see cref="RecordHeaderBytes"/> +
/// <see cref="ParameterBytes"/> + <see cref="CodebookBytes"/> + <see cref="WeightTableBytes"/> +
/// <see cref="WeightStreamBytes"/> + <see cref="GapTableBytes"/> + <see cref="GapStreamBytes"/> +
/// <see cref="BiasBytes"/>. Layers without weights have zeros in every weight field.
/// </summary>
public sealed class DczLayerInspection
{
    internal DczLayerInspection(DczLayer layer, LayerShape shape, int offset)
    {
        Layer = layer;
        Shape = shape;
        Offset = offset;
    }

    /// <summary>The parsed layer.</summary>
    public DczLayer Layer { get; }

    /// <summary>0-based position in the chain.</summary>
    public int Index => Shape.Index;

    /// <summary>The op.</summary>
    public LayerKind Kind => Layer.Kind;

    /// <summary>The layer's name (may be empty).</summary>
    public string Name => Layer.Name;

    /// <summary>Input and output shapes.</summary>
    public LayerShape Shape { get; }

    /// <summary>File offset of the layer record's first byte (its op tag).</summary>
    public int Offset { get; }

    /// <summary>The whole layer record: op tag through the end of the body.</summary>
    public int TotalBytes { get; internal set; }

    /// <summary>Op tag, name (with its length) and the body-length varint.</summary>
    public int RecordHeaderBytes { get; internal set; }

    /// <summary>
    /// Shape fields (inputs/outputs, channels, kernel, stride, padding) and the fixed fields of
    /// the weight block: WeightBits, GapBits, codebook size, entry count and both stream bit lengths.
    /// </summary>
    public int ParameterBytes { get; internal set; }

    /// <summary>The codebook: 4 bytes per shared weight.</summary>
    public int CodebookBytes { get; internal set; }

    /// <summary>The weight stream's code-length table (including its symbol-count varint).</summary>
    public int WeightTableBytes { get; internal set; }

    /// <summary>Huffman-coded weight stream: exact number of bits used.</summary>
    public long WeightStreamBits { get; internal set; }

    /// <summary>Huffman-coded weight stream: bytes in the file (bits rounded up to whole bytes).</summary>
    public int WeightStreamBytes { get; internal set; }

    /// <summary>The gap stream's code-length table (including its symbol-count varint).</summary>
    public int GapTableBytes { get; internal set; }

    /// <summary>Huffman-coded gap (relative index) stream: exact number of bits used.</summary>
    public long GapStreamBits { get; internal set; }

    /// <summary>Huffman-coded gap stream: bytes in the file.</summary>
    public int GapStreamBytes { get; internal set; }

    /// <summary>float32 biases.</summary>
    public int BiasBytes { get; internal set; }

    /// <summary>Positions in the dense weight tensor (0 for layers without weights).</summary>
    public long DenseWeightCount { get; internal set; }

    /// <summary>Kept (nonzero) weights.</summary>
    public int KeptCount { get; internal set; }

    /// <summary>Filler entries: stored zeros that bridge gaps longer than 2^GapBits − 1.</summary>
    public int FillerCount { get; internal set; }

    /// <summary>Stored entries: <see cref="KeptCount"/> + <see cref="FillerCount"/>; the length of each stream in symbols.</summary>
    public int EntryCount => KeptCount + FillerCount;

    /// <summary>Shared weights in the codebook.</summary>
    public int CodebookSize { get; internal set; }

    /// <summary>Bits per codebook index before Huffman coding; 0 for unshared float32 values (format version 2).</summary>
    public int WeightBits { get; internal set; }

    /// <summary>Bits each stored weight takes before Huffman coding: <see cref="WeightBits"/>, or 32 for unshared float32 values.</summary>
    public int StoredWeightBits => WeightBits == SparseWeights.UnsharedWeightBits ? 32 : WeightBits;

    /// <summary>Bits per relative index before Huffman coding.</summary>
    public int GapBits { get; internal set; }

    /// <summary>Huffman code length of each weight-stream symbol (codebook indices, then the filler); empty for unshared weights and layers without weights.</summary>
    public IReadOnlyList<byte> WeightCodeLengths { get; internal set; } = Array.Empty<byte>();

    /// <summary>Huffman code length of each gap symbol (0 … 2^GapBits − 1); empty for layers without weights.</summary>
    public IReadOnlyList<byte> GapCodeLengths { get; internal set; } = Array.Empty<byte>();

    /// <summary>Fraction of positions kept: <see cref="KeptCount"/> / <see cref="DenseWeightCount"/>.</summary>
    public double KeptFraction => DenseWeightCount == 0 ? 0 : KeptCount / (double)DenseWeightCount;

    /// <summary>
    /// Average Huffman bits per kept weight: <see cref="WeightStreamBits"/> / <see cref="KeptCount"/>
    /// (filler symbols are charged to the kept weights; 0 when nothing is kept).
    /// </summary>
    public double WeightBitsPerKeptWeight => KeptCount == 0 ? 0 : WeightStreamBits / (double)KeptCount;

    /// <summary>
    /// Average Huffman bits of relative index per kept weight: <see cref="GapStreamBits"/> /
    /// <see cref="KeptCount"/> (filler gaps charged to the kept weights; 0 when nothing is kept).
    /// </summary>
    public double IndexBitsPerKeptWeight => KeptCount == 0 ? 0 : GapStreamBits / (double)KeptCount;

    /// <summary>Bits per kept weight before Huffman coding: <see cref="EntryCount"/> × <see cref="StoredWeightBits"/> / <see cref="KeptCount"/>.</summary>
    public double FixedWeightBitsPerKeptWeight => KeptCount == 0 ? 0 : (double)EntryCount * StoredWeightBits / KeptCount;

    /// <summary>Bits of relative index per kept weight before Huffman coding: <see cref="EntryCount"/> × <see cref="GapBits"/> / <see cref="KeptCount"/>.</summary>
    public double FixedIndexBitsPerKeptWeight => KeptCount == 0 ? 0 : (double)EntryCount * GapBits / KeptCount;

    /// <summary>What the weights and biases would take as plain float32 arrays.</summary>
    public long DenseFloat32Bytes => (DenseWeightCount * 4) + BiasBytes;

    /// <summary>
    /// What the weights would take with fixed-width codes instead of Huffman (the paper's "P+Q"):
    /// codebook + ⌈EntryCount × StoredWeightBits / 8⌉ + ⌈EntryCount × GapBits / 8⌉ + bias.
    /// </summary>
    public long FixedWidthBytes => DenseWeightCount == 0
        ? 0
        : CodebookBytes + ((((long)EntryCount * StoredWeightBits) + 7) / 8) + ((((long)EntryCount * GapBits) + 7) / 8) + BiasBytes;

    /// <summary><see cref="DenseFloat32Bytes"/> / <see cref="TotalBytes"/> (0 for layers without weights).</summary>
    public double CompressionRatio => DenseWeightCount == 0 || TotalBytes == 0 ? 0 : (double)DenseFloat32Bytes / TotalBytes;
}
