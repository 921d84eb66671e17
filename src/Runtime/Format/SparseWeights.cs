namespace EmbeddedNets.Format;

/// <summary>
/// A pruned weight tensor: the kept positions (flat, row-major, strictly increasing) and each
/// one's value. Shared weights (<see cref="WeightBits"/> 1–8) store a codebook index per kept
/// position (<see cref="Codes"/> into <see cref="Codebook"/>); unshared weights
/// (<see cref="WeightBits"/> 0, format version 2) store each value as float32 — the form of a
/// dense model imported without quantization. Every other position is zero. How positions are
/// stored (relative gaps of <see cref="GapBits"/> bits with filler zeros, Huffman-coded) is the
/// format's business: fillers never appear here.
/// </summary>
public sealed class SparseWeights
{
    /// <summary>Creates a shared (codebook) tensor. Validation happens in the writer and reader.</summary>
    public SparseWeights(int length, float[] codebook, int weightBits, int gapBits, int[] positions, byte[] codes)
    {
        Length = length;
        Codebook = codebook ?? throw new ArgumentNullException(nameof(codebook));
        WeightBits = weightBits;
        GapBits = gapBits;
        Positions = positions ?? throw new ArgumentNullException(nameof(positions));
        Codes = codes ?? throw new ArgumentNullException(nameof(codes));
        var values = new float[codes.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            values[i] = codes[i] < codebook.Length ? codebook[codes[i]] : 0f;
        }

        Values = values;
    }

    private SparseWeights(int length, int gapBits, int[] positions, float[] values)
    {
        Length = length;
        Codebook = Array.Empty<float>();
        WeightBits = UnsharedWeightBits;
        GapBits = gapBits;
        Positions = positions ?? throw new ArgumentNullException(nameof(positions));
        Codes = Array.Empty<byte>();
        Values = values ?? throw new ArgumentNullException(nameof(values));
    }

    /// <summary>The <see cref="WeightBits"/> of unshared weights: each kept value is stored as float32.</summary>
    public const int UnsharedWeightBits = 0;

    /// <summary>Number of positions in the dense tensor (product of its shape).</summary>
    public int Length { get; }

    /// <summary>Shared: the shared weights, 1 to 2^<see cref="WeightBits"/> of them (at most 256). Unshared: empty.</summary>
    public float[] Codebook { get; }

    /// <summary>Bits per weight index before Huffman coding, 1–8; 0 for unshared float32 values.</summary>
    public int WeightBits { get; }

    /// <summary>Bits per relative index (gap) before Huffman coding; see the format spec for the range.</summary>
    public int GapBits { get; }

    /// <summary>Kept positions, strictly increasing, each below <see cref="Length"/>.</summary>
    public int[] Positions { get; }

    /// <summary>Shared: the codebook index of each kept position (same length as <see cref="Positions"/>). Unshared: empty.</summary>
    public byte[] Codes { get; }

    /// <summary>The value of each kept position (same length as <see cref="Positions"/>).</summary>
    public float[] Values { get; }

    /// <summary>True when values come from a codebook; false for unshared float32 values.</summary>
    public bool IsShared => WeightBits != UnsharedWeightBits;

    /// <summary>Number of kept (nonzero) weights.</summary>
    public int Count => Positions.Length;

    /// <summary>Creates an unshared tensor: each kept position carries its own float32 value (format version 2).</summary>
    public static SparseWeights Unshared(int length, int gapBits, int[] positions, float[] values) =>
        new(length, gapBits, positions, values);

    /// <summary>Decodes into a dense row-major array (zeros where pruned).</summary>
    public float[] ToDense()
    {
        var dense = new float[Length];
        for (int i = 0; i < Positions.Length; i++)
        {
            dense[Positions[i]] = Values[i];
        }

        return dense;
    }
}
