using EmbeddedNets.Format;

namespace EmbeddedNets.Tests.Shared;

/// <summary>How a corrupted variant of a valid file was made.</summary>
public enum DczMutationKind
{
    /// <summary>One to three bits flipped.</summary>
    BitFlip,

    /// <summary>One to three bytes set to random values (or 0x00 / 0xFF / 0x7F / 0x80).</summary>
    ByteChange,

    /// <summary>One to eight random bytes inserted.</summary>
    Insertion,

    /// <summary>A run of one to eight bytes removed.</summary>
    Deletion,

    /// <summary>The file cut short at a random length.</summary>
    Truncation,
}

/// <summary>One corrupted variant of a valid file.</summary>
public readonly struct DczMutation
{
    /// <summary>Creates a record of a mutation.</summary>
    public DczMutation(DczMutationKind kind, int offset, bool checksumRewritten, byte[] bytes)
    {
        Kind = kind;
        Offset = offset;
        ChecksumRewritten = checksumRewritten;
        Bytes = bytes;
    }

    /// <summary>What was done.</summary>
    public DczMutationKind Kind { get; }

    /// <summary>Where (the first byte touched, or the truncated length).</summary>
    public int Offset { get; }

    /// <summary>True when the content length and CRC were recomputed after mutating, so the body parser sees the damage.</summary>
    public bool ChecksumRewritten { get; }

    /// <summary>The mutated file.</summary>
    public byte[] Bytes { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"{Kind} at {Offset}{(ChecksumRewritten ? " (checksum rewritten)" : "")}, {Bytes.Length} bytes");
}

/// <summary>
/// The fuzz corpus: seeded mutations (bit flips, byte changes, insertions, deletions, truncations)
/// of valid files, with and without the checksum recomputed afterwards. The same seed always
/// gives the same corpus.
/// </summary>
public static class DczMutations
{
    private static readonly byte[] s_interesting = { 0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE };

    /// <summary>Every proper prefix of <paramref name="file"/>, from 0 bytes to Length − 1.</summary>
    public static IEnumerable<byte[]> Truncations(byte[] file)
    {
        for (int length = 0; length < file.Length; length++)
        {
            yield return file.AsSpan(0, length).ToArray();
        }
    }

    /// <summary>
    /// <paramref name="count"/> seeded mutations of <paramref name="file"/>. When
    /// <paramref name="rewriteChecksum"/> is true every variant gets a recomputed content length
    /// and CRC (see <c>DczFile.RewriteChecksum</c>), so the damage reaches the body parser.
    /// </summary>
    public static IEnumerable<DczMutation> Corpus(byte[] file, int count, int seed, bool rewriteChecksum)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            yield return Mutate(file, rng, rewriteChecksum);
        }
    }

    /// <summary>One random mutation of <paramref name="file"/>.</summary>
    public static DczMutation Mutate(byte[] file, Random rng, bool rewriteChecksum)
    {
        // Mutations land in the content most of the time: the header is 16 bytes of ~hundreds.
        var kind = (DczMutationKind)rng.Next(5);
        byte[] bytes;
        int offset;
        switch (kind)
        {
            case DczMutationKind.BitFlip:
            {
                bytes = (byte[])file.Clone();
                offset = rng.Next(bytes.Length);
                int flips = rng.Next(1, 4);
                for (int f = 0; f < flips; f++)
                {
                    int at = f == 0 ? offset : Math.Min(bytes.Length - 1, offset + rng.Next(4));
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                }

                break;
            }

            case DczMutationKind.ByteChange:
            {
                bytes = (byte[])file.Clone();
                offset = rng.Next(bytes.Length);
                int changes = rng.Next(1, 4);
                for (int c = 0; c < changes; c++)
                {
                    int at = c == 0 ? offset : rng.Next(bytes.Length);
                    bytes[at] = rng.Next(2) == 0 ? s_interesting[rng.Next(s_interesting.Length)] : (byte)rng.Next(256);
                }

                break;
            }

            case DczMutationKind.Insertion:
            {
                offset = rng.Next(file.Length + 1);
                int n = rng.Next(1, 9);
                bytes = new byte[file.Length + n];
                Array.Copy(file, 0, bytes, 0, offset);
                for (int j = 0; j < n; j++)
                {
                    bytes[offset + j] = (byte)rng.Next(256);
                }

                Array.Copy(file, offset, bytes, offset + n, file.Length - offset);
                break;
            }

            case DczMutationKind.Deletion:
            {
                offset = rng.Next(file.Length);
                int n = Math.Min(rng.Next(1, 9), file.Length - offset);
                bytes = new byte[file.Length - n];
                Array.Copy(file, 0, bytes, 0, offset);
                Array.Copy(file, offset + n, bytes, offset, file.Length - offset - n);
                break;
            }

            default:
                offset = rng.Next(file.Length);
                bytes = file.AsSpan(0, offset).ToArray();
                break;
        }

        if (rewriteChecksum)
        {
            DczFile.RewriteChecksum(bytes);
        }

        return new DczMutation(kind, offset, rewriteChecksum, bytes);
    }
}
