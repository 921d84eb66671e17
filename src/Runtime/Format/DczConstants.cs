namespace EmbeddedNets.Format;

/// <summary>Offsets, sizes, tags and caps of the format (docs/dcz-format.md names each one).</summary>
internal static class DczConstants
{
    /// <summary>Bytes 0–3: <c>89 44 43 5A</c> ("\x89DCZ"; the high first byte catches 7-bit transfers).</summary>
    public static ReadOnlySpan<byte> Magic => new byte[] { 0x89, 0x44, 0x43, 0x5A };

    /// <summary>
    /// The version this code writes: layers form a graph (each names its inputs; version 2), and
    /// the metadata records the dense size of the network as trained (version 3).
    /// </summary>
    public const ushort Version = 3;

    /// <summary>The oldest version this code reads: a chain of layers, the first six ops.</summary>
    public const ushort MinReadVersion = 1;

    /// <summary>Versions 1 to 3 define no flags: the field must be zero.</summary>
    public const ushort KnownFlags = 0;

    public const int MagicOffset = 0;
    public const int VersionOffset = 4;
    public const int FlagsOffset = 6;
    public const int ContentLengthOffset = 8;
    public const int ChecksumOffset = 12;

    /// <summary>Size of the fixed header; the content (covered by the checksum) follows it.</summary>
    public const int HeaderSize = 16;

    /// <summary>Largest whole file: 256 MiB.</summary>
    public const int MaxFileSize = 256 * 1024 * 1024;

    /// <summary>Largest UTF-8 byte length of any string (names, labels, producer).</summary>
    public const int MaxStringBytes = 4096;

    /// <summary>Most class labels.</summary>
    public const int MaxLabels = 65536;

    /// <summary>Most layers in the graph.</summary>
    public const int MaxLayers = 1024;

    /// <summary>Largest element count of a weight tensor (positions, kept or not).</summary>
    public const int MaxTensorLength = int.MaxValue;

    /// <summary>
    /// Largest element count of one activation (the model input or a layer's output): 2^24
    /// floats, 64 MiB. Dense input and output counts, channel counts, kernel sizes and paddings
    /// are bounded by it too, so every size computed from them fits 64-bit arithmetic.
    /// </summary>
    public const int MaxActivationLength = 1 << 24;

    /// <summary>
    /// Largest sum of the element counts of all activations (model input plus every layer's
    /// output): 2^26 floats, 256 MiB. Any buffer plan of a model needs at most this much.
    /// </summary>
    public const long MaxTotalActivationLength = 1L << 26;

    /// <summary>
    /// Most weight entries (kept weights plus fillers) in all layers together: 2^24. Bounds what
    /// reading a file (at most 14 bytes per entry) and compiling it for inference (at most 24 per
    /// kept weight) allocate, whatever the file's size: under 0.7 GiB. A pruned VGG-16 keeps about
    /// 10^7 weights; LeNet-5 about 2 × 10^4.
    /// </summary>
    public const int MaxWeightEntries = 1 << 24;

    /// <summary>Largest recorded dense size of the network as trained: 2^48 bytes (exact as a double).</summary>
    public const long MaxTrainedDenseBytes = 1L << 48;

    /// <summary>
    /// Most operations one inference may take: 2^32 (about ResNet-50's multiply-adds). Each op
    /// counts an upper bound of its kernel's work (<see cref="DczLayer.Operations"/>: dense
    /// multiply-adds for Dense and Conv2d, window elements for pooling, one per element
    /// otherwise), so no file can make a call run much longer than a model of this size.
    /// </summary>
    public const long MaxOperations = 1L << 32;

    /// <summary>Bits per codebook index before Huffman coding: 1–8, so at most 256 shared weights.</summary>
    public const int MinWeightBits = 1;
    public const int MaxWeightBits = 8;

    /// <summary>Bits per relative index before Huffman coding: 1–12, so at most 4096 gap symbols.</summary>
    public const int MinGapBits = 1;
    public const int MaxGapBits = 12;

    /// <summary>Longest Huffman code; fits the 4-bit tokens of the code-length table.</summary>
    public const int MaxCodeLength = 15;

    /// <summary><c>metrics present</c> byte values.</summary>
    public const byte MetricsAbsent = 0;
    public const byte MetricsPresent = 1;
}
