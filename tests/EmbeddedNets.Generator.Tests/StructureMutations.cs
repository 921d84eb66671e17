using System.Buffers.Binary;
using EmbeddedNets.Format;

namespace EmbeddedNets.Generator.Tests;

/// <summary>
/// Structure-aware mutations of a valid version-2 file that keep it well-formed at the byte level
/// (varints re-encoded minimally, body lengths, content length and CRC rewritten), so that the
/// reader's and the generator's rules, not the checksum, decide: op attributes (sizes, strides,
/// paddings, channel counts, groups) and input dimensions set to their limits and just past them,
/// input references redirected, layer records duplicated, dropped or swapped.
/// </summary>
internal static class StructureMutations
{
    /// <summary>Leading varint fields of each op's body (the attributes; Reshape's rank byte comes first).</summary>
    private static readonly Dictionary<LayerKind, int> s_attributeVarints = new()
    {
        [LayerKind.Dense] = 2,
        [LayerKind.Conv2d] = 11,
        [LayerKind.MaxPool2d] = 8,
        [LayerKind.AvgPool2d] = 8,
        [LayerKind.ScaleShift] = 1,
    };

    /// <summary><paramref name="count"/> seeded mutants of <paramref name="file"/> (a valid version-2 file).</summary>
    public static IEnumerable<byte[]> Corpus(byte[] file, int count, int seed)
    {
        var rng = new Random(seed);
        ParsedFile parsed = ParsedFile.Parse(file);
        for (int i = 0; i < count; i++)
        {
            ParsedFile copy = parsed.Clone();
            int edits = rng.Next(4) == 0 ? 2 : 1;
            for (int e = 0; e < edits; e++)
            {
                Mutate(copy, rng);
            }

            yield return copy.Write();
        }
    }

    private static void Mutate(ParsedFile file, Random rng)
    {
        int which = rng.Next(10);
        if (which < 6 || file.Records.Count == 0)
        {
            // An attribute varint of a layer (most mutations), or an input dimension.
            Record? record = file.Records.Count == 0 ? null : file.Records[rng.Next(file.Records.Count)];
            if (record is not null && which < 5 && record.Body.Count > 0)
            {
                List<ulong> fields = record.LeadingVarints(out int prefix, out int end);
                if (fields.Count > 0)
                {
                    int f = rng.Next(fields.Count);
                    fields[f] = Interesting(rng, fields[f]);
                    record.ReplaceLeadingVarints(prefix, end, fields);
                    return;
                }
            }

            int d = rng.Next(file.InputDims.Count);
            file.InputDims[d] = Interesting(rng, file.InputDims[d]);
            return;
        }

        int index = rng.Next(file.Records.Count);
        switch (which)
        {
            case 6:
            case 7:
                // Redirect an input: to another earlier layer or the model input (0), or out of range.
                Record r = file.Records[index];
                if (r.Inputs.Count > 0)
                {
                    r.Inputs[rng.Next(r.Inputs.Count)] = (ulong)rng.Next(0, index + 2);
                }

                break;
            case 8:
                file.Records.Insert(index, file.Records[index].Clone());
                break;
            default:
                if (rng.Next(2) == 0)
                {
                    file.Records.RemoveAt(index);
                }
                else
                {
                    int other = rng.Next(file.Records.Count);
                    (file.Records[index], file.Records[other]) = (file.Records[other], file.Records[index]);
                }

                break;
        }
    }

    /// <summary>Half the time a value near the current one (which often still fits), else one at or just past a limit.</summary>
    private static ulong Interesting(Random rng, ulong current)
    {
        const ulong Activation = 1 << 24; // DczConstants.MaxActivationLength
        ulong[] near = [0, 1, 2, current + 1, current > 0 ? current - 1 : 0, current * 2, current + 2, current / 2];
        ulong[] limits = [255, 256, 4096, Activation - 1, Activation, Activation + 1, (1UL << 31) - 1, 1UL << 31, uint.MaxValue, ulong.MaxValue];
        return rng.Next(2) == 0 ? near[rng.Next(near.Length)] : limits[rng.Next(limits.Length)];
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    private static ulong ReadVarint(IReadOnlyList<byte> data, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidOperationException("varint too long");
    }

    /// <summary>A file cut into the parts the mutations edit.</summary>
    private sealed class ParsedFile
    {
        private byte[] _header = [];
        private byte[] _nameAndRank = [];
        private byte[] _restOfMetadata = [];

        public List<ulong> InputDims { get; private set; } = [];

        public List<Record> Records { get; private set; } = [];

        public static ParsedFile Parse(byte[] file)
        {
            DczInspection inspection = DczFile.Inspect(file);
            Assert.Equal(2, inspection.Version);
            var content = new List<byte>(file);
            int position = DczConstants.HeaderSize;
            int nameLength = (int)ReadVarint(content, ref position);
            position += nameLength;
            int rank = content[position++];
            var parsed = new ParsedFile { _header = file[..DczConstants.HeaderSize], _nameAndRank = file[DczConstants.HeaderSize..position] };
            for (int i = 0; i < rank; i++)
            {
                parsed.InputDims.Add(ReadVarint(content, ref position));
            }

            int layerCountOffset = inspection.HeaderBytes + inspection.MetadataBytes;
            parsed._restOfMetadata = file[position..layerCountOffset];
            foreach (DczLayerInspection layer in inspection.Layers)
            {
                parsed.Records.Add(Record.Parse(file, layer.Offset, layer.TotalBytes, layer.Kind));
            }

            return parsed;
        }

        public ParsedFile Clone() => new()
        {
            _header = _header,
            _nameAndRank = _nameAndRank,
            _restOfMetadata = _restOfMetadata,
            InputDims = [.. InputDims],
            Records = Records.Select(r => r.Clone()).ToList(),
        };

        public byte[] Write()
        {
            var output = new List<byte>(_header);
            output.AddRange(_nameAndRank);
            foreach (ulong d in InputDims)
            {
                WriteVarint(output, d);
            }

            output.AddRange(_restOfMetadata);
            WriteVarint(output, (ulong)Records.Count);
            foreach (Record record in Records)
            {
                record.Write(output);
            }

            byte[] bytes = [.. output];
            DczFile.RewriteChecksum(bytes);
            return bytes;
        }
    }

    /// <summary>One layer record: op tag and name (kept as bytes), input references, body.</summary>
    private sealed class Record
    {
        private byte[] _tagAndName = [];

        public LayerKind Kind { get; private set; }

        public List<ulong> Inputs { get; private set; } = [];

        public List<byte> Body { get; private set; } = [];

        public static Record Parse(byte[] file, int offset, int length, LayerKind kind)
        {
            var data = new List<byte>(file[offset..(offset + length)]);
            int position = 1;
            int nameLength = (int)ReadVarint(data, ref position);
            position += nameLength;
            var record = new Record { Kind = kind, _tagAndName = [.. data.GetRange(0, position)] };
            int inputs = (int)ReadVarint(data, ref position);
            for (int i = 0; i < inputs; i++)
            {
                record.Inputs.Add(ReadVarint(data, ref position));
            }

            int bodyLength = (int)ReadVarint(data, ref position);
            record.Body = data.GetRange(position, bodyLength);
            return record;
        }

        public Record Clone() => new() { Kind = Kind, _tagAndName = _tagAndName, Inputs = [.. Inputs], Body = [.. Body] };

        /// <summary>The attribute varints at the start of the body; <paramref name="prefix"/> bytes (Reshape's rank) come before them.</summary>
        public List<ulong> LeadingVarints(out int prefix, out int end)
        {
            int count;
            prefix = 0;
            if (Kind == LayerKind.Reshape)
            {
                prefix = 1;
                count = Body[0];
            }
            else
            {
                count = s_attributeVarints.TryGetValue(Kind, out int n) ? n : 0;
            }

            var fields = new List<ulong>();
            int position = prefix;
            for (int i = 0; i < count && position < Body.Count; i++)
            {
                fields.Add(ReadVarint(Body, ref position));
            }

            end = position;
            return fields;
        }

        public void ReplaceLeadingVarints(int prefix, int end, List<ulong> fields)
        {
            var encoded = new List<byte>();
            foreach (ulong f in fields)
            {
                WriteVarint(encoded, f);
            }

            Body.RemoveRange(prefix, end - prefix);
            Body.InsertRange(prefix, encoded);
        }

        public void Write(List<byte> output)
        {
            output.AddRange(_tagAndName);
            WriteVarint(output, (ulong)Inputs.Count);
            foreach (ulong input in Inputs)
            {
                WriteVarint(output, input);
            }

            WriteVarint(output, (ulong)Body.Count);
            output.AddRange(Body);
        }
    }
}
