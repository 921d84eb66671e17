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

    /// <summary>
    /// Structure-aware (<see cref="DczMutations.Structured"/>): fields of the file set to values at
    /// and past their limits, references and arity changed, layers removed, repeated or swapped,
    /// op tags exchanged, streams damaged; lengths and checksum recomputed.
    /// </summary>
    Structured,
}

/// <summary>One corrupted variant of a valid file.</summary>
public readonly struct DczMutation
{
    /// <summary>Creates a record of a mutation.</summary>
    public DczMutation(DczMutationKind kind, int offset, bool checksumRewritten, byte[] bytes, string description = "")
    {
        Kind = kind;
        Offset = offset;
        ChecksumRewritten = checksumRewritten;
        Bytes = bytes;
        Description = description;
    }

    /// <summary>What a structure-aware mutation changed, e.g. <c>layer 2 padding top = 16777217</c>.</summary>
    public string Description { get; }

    /// <summary>What was done.</summary>
    public DczMutationKind Kind { get; }

    /// <summary>Where (the first byte touched, or the truncated length).</summary>
    public int Offset { get; }

    /// <summary>True when the content length and CRC were recomputed after mutating, so the body parser sees the damage.</summary>
    public bool ChecksumRewritten { get; }

    /// <summary>The mutated file.</summary>
    public byte[] Bytes { get; }

    /// <inheritdoc/>
    public override string ToString() => Kind == DczMutationKind.Structured
        ? FormattableString.Invariant($"{Description}, {Bytes.Length} bytes")
        : FormattableString.Invariant($"{Kind} at {Offset}{(ChecksumRewritten ? " (checksum rewritten)" : "")}, {Bytes.Length} bytes");
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

    /// <summary>Values every size field is tried with: small, byte and varint boundaries, the caps and past them, 64-bit extremes.</summary>
    private static readonly ulong[] s_sizes =
    {
        0, 1, 2, 3, 7, 8, 12, 13, 15, 16, 127, 128, 255, 256, 16383, 16384, 65535, 65536, 65537,
        (1UL << 24) - 1, 1UL << 24, (1UL << 24) + 1, (1UL << 26) + 1, int.MaxValue, 1UL << 31, uint.MaxValue, 1UL << 32,
        long.MaxValue, ulong.MaxValue,
    };

    private static readonly uint[] s_floats =
    {
        0x7FC00000, 0x7F800000, 0xFF800000, 0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F7FFFFF, 0x00000001, 0x7149F2CA, 0xF149F2CA,
    };

    /// <summary>
    /// <paramref name="count"/> structure-aware mutations of the well-formed <paramref name="file"/>
    /// (<see cref="DczDocument"/>), each of one to three changes: a size field set to a value at
    /// or past its limit (or to the value of another field of the same record, ±1: a padding equal
    /// to its window, an input count equal to an output count), a float to NaN, ±∞ or an extreme,
    /// an input reference to any earlier, the same or a later layer, an input count from 0 to 3, an op
    /// tag swapped for another (keeping the body), a layer removed, repeated or swapped with its
    /// neighbour, the layer count or a body length off by one, the version exchanged, a stream or
    /// table byte damaged. Lengths and checksum are recomputed, so every change reaches the
    /// reader's rule for it. The same seed gives the same corpus.
    /// </summary>
    public static IEnumerable<DczMutation> Structured(byte[] file, int count, int seed)
    {
        var rng = new Random(seed);
        DczDocument original = DczDocument.Parse(file);
        for (int i = 0; i < count; i++)
        {
            DczDocument doc = original.ShallowClone();
            var what = new List<string>();
            int changes = 1 + (rng.Next(4) == 0 ? rng.Next(1, 3) : 0);
            for (int c = 0; c < changes; c++)
            {
                what.Add(MutateOnce(doc, rng));
            }

            yield return new DczMutation(DczMutationKind.Structured, 0, true, doc.Encode(), string.Join("; ", what));
        }
    }

    /// <summary>One change to <paramref name="doc"/>, a shallow clone: every field changed is first replaced by its copy.</summary>
    private static string MutateOnce(DczDocument doc, Random rng)
    {
        int roll = rng.Next(100);
        if (roll < 55)
        {
            // A numeric field; sizes and references far more often than the rest.
            var numeric = doc.Slots().Where(f => f.Field.Kind is DczFieldKind.U8 or DczFieldKind.VarUInt).ToList();
            var sizes = numeric.Where(f => f.Field.Role is DczFieldRole.Size or DczFieldRole.Reference).ToList();
            DczSlot slot = rng.Next(5) == 0 || sizes.Count == 0 ? numeric[rng.Next(numeric.Count)] : sizes[rng.Next(sizes.Count)];
            ulong value = PickValue(doc, slot.Field, slot.Layer, rng);
            DczField field = slot.Own();
            field.Value = field.Kind == DczFieldKind.U8 ? value & 0xFF : value;
            return FormattableString.Invariant($"{Where(slot.Layer)}{field.Name} = {field.Value}");
        }

        if (roll < 65)
        {
            var floats = doc.Slots().Where(f => f.Field.Kind == DczFieldKind.F32).ToList();
            if (floats.Count > 0)
            {
                DczSlot slot = floats[rng.Next(floats.Count)];
                DczField field = slot.Own();
                field.Value = s_floats[rng.Next(s_floats.Length)];
                return FormattableString.Invariant($"{Where(slot.Layer)}{field}");
            }
        }

        if (doc.Layers.Count == 0)
        {
            doc.LayerCountOverride = (ulong)rng.Next(3);
            return "layer count changed";
        }

        int index = rng.Next(doc.Layers.Count);
        DczRecord record = doc.Layers[index];
        switch (rng.Next(10))
        {
            case 0:
            {
                // Arity: 0 to 3 references, each to a random earlier layer or the model input.
                int n = rng.Next(4);
                record.Inputs.Clear();
                for (int k = 0; k < n; k++)
                {
                    record.Inputs.Add(new DczField("input reference", DczFieldKind.VarUInt, DczFieldRole.Reference, (ulong)rng.Next(index + 1), limit: (ulong)index));
                }

                return FormattableString.Invariant($"layer {index} input count = {n}");
            }

            case 1:
            {
                byte[] tags = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x7F, 0xFF };
                record.Tag = record.Tag.Clone();
                record.Tag.Value = tags[rng.Next(tags.Length)];
                return FormattableString.Invariant($"layer {index} op tag = {record.Tag.Value}");
            }

            case 2:
                doc.Layers.RemoveAt(index);
                return FormattableString.Invariant($"layer {index} removed");
            case 3:
                doc.Layers.Insert(index, record.ShallowClone());
                return FormattableString.Invariant($"layer {index} repeated");
            case 4 when index + 1 < doc.Layers.Count:
                doc.Layers[index] = doc.Layers[index + 1];
                doc.Layers[index + 1] = record;
                return FormattableString.Invariant($"layers {index} and {index + 1} swapped");
            case 5:
            {
                int delta = rng.Next(2) == 0 ? -1 : 1;
                doc.LayerCountOverride = (ulong)Math.Max(0, doc.Layers.Count + delta);
                return FormattableString.Invariant($"layer count = {doc.LayerCountOverride}");
            }

            case 6:
                record.BodyLengthOverride = (ulong)Math.Max(0, DczDocument.BodyLength(record) + (rng.Next(2) == 0 ? -1 : 1));
                return FormattableString.Invariant($"layer {index} body length = {record.BodyLengthOverride}");
            case 7:
                doc.Version = doc.Version == 2 ? (ushort)1 : (ushort)2;
                return FormattableString.Invariant($"version = {doc.Version}");
            default:
            {
                // A byte of a table or stream: flipped, dropped or doubled.
                var raw = Enumerable.Range(0, record.Body.Count).Where(k => record.Body[k].Kind == DczFieldKind.Bytes && record.Body[k].Raw.Length > 0).ToList();
                if (raw.Count == 0)
                {
                    record.Name = record.Name.Clone();
                    record.Name.Raw = rng.Next(2) == 0 ? new byte[] { 0xC3 } : new byte[] { 0xFF, 0xFE };
                    return FormattableString.Invariant($"layer {index} name is not UTF-8");
                }

                int which = raw[rng.Next(raw.Count)];
                DczField target = record.Body[which].Clone();
                record.Body[which] = target;
                int at = rng.Next(target.Raw.Length);
                var bytes = target.Raw.ToList();
                switch (rng.Next(3))
                {
                    case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                    case 1: bytes.RemoveAt(at); break;
                    default: bytes.Insert(at, bytes[at]); break;
                }

                target.Raw = bytes.ToArray();
                return FormattableString.Invariant($"layer {index} {target.Name} byte {at} damaged");
            }
        }
    }

    private static ulong PickValue(DczDocument doc, DczField field, int layer, Random rng)
    {
        var candidates = new List<ulong>(s_sizes);
        if (field.Limit != ulong.MaxValue)
        {
            candidates.Add(field.Limit);
            candidates.Add(field.Limit + 1);
            if (field.Limit > 0)
            {
                candidates.Add(field.Limit - 1);
            }
        }

        candidates.Add(field.Value + 1);
        if (field.Value > 0)
        {
            candidates.Add(field.Value - 1);
            candidates.Add(field.Value * 2);
        }

        // The values of the other numeric fields of the same record (or of the metadata), ±1:
        // a padding as large as its window, inputs equal to outputs, a count equal to a dimension.
        IEnumerable<DczField> siblings = layer < 0
            ? doc.Metadata
            : doc.Layers[layer].Body.Concat(doc.Layers[layer].Inputs);
        foreach (DczField sibling in siblings.Where(f => f.Kind is DczFieldKind.U8 or DczFieldKind.VarUInt && !ReferenceEquals(f, field)))
        {
            candidates.Add(sibling.Value);
            candidates.Add(sibling.Value + 1);
            if (sibling.Value > 0)
            {
                candidates.Add(sibling.Value - 1);
            }
        }

        return candidates[rng.Next(candidates.Count)];
    }

    private static string Where(int layer) => layer < 0 ? "metadata " : FormattableString.Invariant($"layer {layer} ");
}
