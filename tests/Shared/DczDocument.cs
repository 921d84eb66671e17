using System.Buffers.Binary;
using System.Globalization;
using EmbeddedNets.Format;

namespace EmbeddedNets.Tests.Shared;

/// <summary>How a field of a <see cref="DczDocument"/> is stored.</summary>
public enum DczFieldKind
{
    /// <summary>One byte.</summary>
    U8,

    /// <summary>An unsigned LEB128 varint (re-encoded minimally).</summary>
    VarUInt,

    /// <summary>A little-endian float32 (the value holds its bits).</summary>
    F32,

    /// <summary>A varuint byte length and that many bytes.</summary>
    String,

    /// <summary>Raw bytes: code-length table tokens and coded streams.</summary>
    Bytes,
}

/// <summary>What a numeric field means, for picking the values a structure-aware mutation tries.</summary>
public enum DczFieldRole
{
    /// <summary>A count, dimension, kernel, stride, padding or bit width.</summary>
    Size,

    /// <summary>An input reference of a layer record (0 = the model input, j + 1 = layer j).</summary>
    Reference,

    /// <summary>An op tag.</summary>
    Tag,

    /// <summary>A float value.</summary>
    Value,

    /// <summary>Anything else (names, flags, streams).</summary>
    Other,
}

/// <summary>One field of a file, as <see cref="DczDocument"/> holds it.</summary>
public sealed class DczField
{
    /// <summary>Creates a field.</summary>
    public DczField(string name, DczFieldKind kind, DczFieldRole role, ulong value = 0, byte[]? raw = null, ulong limit = ulong.MaxValue)
    {
        Name = name;
        Kind = kind;
        Role = role;
        Value = value;
        Raw = raw ?? Array.Empty<byte>();
        Limit = limit;
    }

    /// <summary>What the spec calls the field, e.g. <c>padding top</c>.</summary>
    public string Name { get; }

    /// <summary>How it is stored.</summary>
    public DczFieldKind Kind { get; }

    /// <summary>What it means.</summary>
    public DczFieldRole Role { get; }

    /// <summary>The value of a U8, VarUInt or F32 (bits) field.</summary>
    public ulong Value { get; set; }

    /// <summary>The bytes of a String or Bytes field.</summary>
    public byte[] Raw { get; set; }

    /// <summary>The largest value the spec allows (for "at the limit and just past it").</summary>
    public ulong Limit { get; }

    /// <summary>A deep copy.</summary>
    public DczField Clone() => new(Name, Kind, Role, Value, (byte[])Raw.Clone(), Limit);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        DczFieldKind.F32 => FormattableString.Invariant($"{Name} = {BitConverter.Int32BitsToSingle((int)Value)}"),
        DczFieldKind.String or DczFieldKind.Bytes => FormattableString.Invariant($"{Name} = {Raw.Length} bytes"),
        _ => FormattableString.Invariant($"{Name} = {Value}"),
    };
}

/// <summary>Where a field of a <see cref="DczDocument"/> is, and how to put another field there.</summary>
public readonly struct DczSlot
{
    private readonly List<DczField>? _list;
    private readonly int _index;
    private readonly DczRecord? _record;
    private readonly bool _tag;

    internal DczSlot(List<DczField>? list, int index, DczRecord? record, int layer, bool tag = false)
    {
        _list = list;
        _index = index;
        _record = record;
        _tag = tag;
        Layer = layer;
    }

    /// <summary>The layer of the field, or −1 for the metadata.</summary>
    public int Layer { get; }

    /// <summary>The field now in the slot.</summary>
    public DczField Field => _list is not null ? _list[_index] : _tag ? _record!.Tag : _record!.Name;

    /// <summary>Puts a copy of the field in the slot and returns it, to change without touching documents that share the original.</summary>
    public DczField Own()
    {
        DczField copy = Field.Clone();
        if (_list is not null)
        {
            _list[_index] = copy;
        }
        else if (_tag)
        {
            _record!.Tag = copy;
        }
        else
        {
            _record!.Name = copy;
        }

        return copy;
    }
}

/// <summary>One layer record: tag, name, (version 2) input count and references, body fields.</summary>
public sealed class DczRecord
{
    /// <summary>The op tag.</summary>
    public DczField Tag { get; set; } = null!;

    /// <summary>The name.</summary>
    public DczField Name { get; set; } = null!;

    /// <summary>Version 2: the input references (the count is written from the list unless <see cref="InputCountOverride"/>).</summary>
    public List<DczField> Inputs { get; } = new();

    /// <summary>When set, written as the input count instead of <see cref="Inputs"/>' length.</summary>
    public ulong? InputCountOverride { get; set; }

    /// <summary>The body, field by field (weights, attributes, bias).</summary>
    public List<DczField> Body { get; } = new();

    /// <summary>When set, written as the body length instead of the encoded body's length.</summary>
    public ulong? BodyLengthOverride { get; set; }

    /// <summary>A copy with its own lists that shares the fields: replace a field (with its <see cref="DczField.Clone"/>) before changing it.</summary>
    public DczRecord ShallowClone()
    {
        var copy = new DczRecord { Tag = Tag, Name = Name, InputCountOverride = InputCountOverride, BodyLengthOverride = BodyLengthOverride };
        copy.Inputs.AddRange(Inputs);
        copy.Body.AddRange(Body);
        return copy;
    }

    /// <summary>A deep copy.</summary>
    public DczRecord Clone()
    {
        var copy = new DczRecord { Tag = Tag.Clone(), Name = Name.Clone(), InputCountOverride = InputCountOverride, BodyLengthOverride = BodyLengthOverride };
        copy.Inputs.AddRange(Inputs.Select(f => f.Clone()));
        copy.Body.AddRange(Body.Select(f => f.Clone()));
        return copy;
    }
}

/// <summary>
/// A <c>.dcz</c> file taken apart into its fields, following docs/dcz-format.md independently of
/// the reader: the metadata, and per layer record the tag, name, input references and every body
/// field (attributes, weight-block fields, code-length tables and streams as raw bytes, bias).
/// <see cref="Encode"/> puts it back together with the body lengths, layer count, content length
/// and CRC recomputed, so a change to one field reaches the reader's checks for that field
/// (structure-aware fuzzing). Parses only well-formed files of version 1 or 2.
/// </summary>
public sealed class DczDocument
{
    /// <summary>A = 2^24, the cap of every size attribute.</summary>
    public const ulong ActivationCap = 1UL << 24;

    /// <summary>The format version in the header.</summary>
    public ushort Version { get; set; }

    /// <summary>The flags in the header.</summary>
    public ushort Flags { get; set; }

    /// <summary>The metadata fields in file order.</summary>
    public List<DczField> Metadata { get; } = new();

    /// <summary>The layer records in file order.</summary>
    public List<DczRecord> Layers { get; } = new();

    /// <summary>When set, written as the layer count instead of <see cref="Layers"/>' count.</summary>
    public ulong? LayerCountOverride { get; set; }

    /// <summary>
    /// Every field with where it is and how to replace it, for changing a field of a
    /// <see cref="ShallowClone"/>: replace it with its copy, then change the copy.
    /// </summary>
    public IEnumerable<DczSlot> Slots()
    {
        for (int k = 0; k < Metadata.Count; k++)
        {
            yield return new DczSlot(Metadata, k, null, -1);
        }

        for (int i = 0; i < Layers.Count; i++)
        {
            DczRecord record = Layers[i];
            yield return new DczSlot(null, 0, record, i, tag: true);
            yield return new DczSlot(null, 0, record, i, tag: false);
            for (int k = 0; k < record.Inputs.Count; k++)
            {
                yield return new DczSlot(record.Inputs, k, record, i);
            }

            for (int k = 0; k < record.Body.Count; k++)
            {
                yield return new DczSlot(record.Body, k, record, i);
            }
        }
    }

    /// <summary>A copy with its own lists and records that shares the fields (see <see cref="Slots"/>).</summary>
    public DczDocument ShallowClone()
    {
        var copy = new DczDocument { Version = Version, Flags = Flags, LayerCountOverride = LayerCountOverride };
        copy.Metadata.AddRange(Metadata);
        foreach (DczRecord record in Layers)
        {
            copy.Layers.Add(record.ShallowClone());
        }

        return copy;
    }

    /// <summary>A deep copy.</summary>
    public DczDocument Clone()
    {
        var copy = new DczDocument { Version = Version, Flags = Flags, LayerCountOverride = LayerCountOverride };
        copy.Metadata.AddRange(Metadata.Select(f => f.Clone()));
        copy.Layers.AddRange(Layers.Select(l => l.Clone()));
        return copy;
    }

    /// <summary>Takes a well-formed file apart.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a file this parser understands.</exception>
    public static DczDocument Parse(byte[] file)
    {
        var doc = new DczDocument
        {
            Version = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)),
            Flags = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(6)),
        };
        var r = new Cursor(file, 16);
        int version = doc.Version;
        List<DczField> m = doc.Metadata;
        m.Add(r.String("model name"));
        DczField rank = r.U8("input rank", DczFieldRole.Size, 3);
        m.Add(rank);
        var dims = new ulong[rank.Value];
        for (int i = 0; i < dims.Length; i++)
        {
            DczField d = r.Var(FormattableString.Invariant($"input dimension {i}"), DczFieldRole.Size, ActivationCap);
            dims[i] = d.Value;
            m.Add(d);
        }

        m.Add(r.F32("preprocessing scale"));
        ulong channels = 1;
        if (version >= 2)
        {
            DczField count = r.Var("preprocessing channel count", DczFieldRole.Size, dims[0]);
            channels = count.Value;
            m.Add(count);
        }

        for (ulong c = 0; c < 2 * channels; c++)
        {
            m.Add(r.F32(c < channels ? "preprocessing mean" : "preprocessing std"));
        }

        DczField labels = r.Var("class label count", DczFieldRole.Size, 65536);
        m.Add(labels);
        for (ulong i = 0; i < labels.Value; i++)
        {
            m.Add(r.String("class label"));
        }

        DczField present = r.U8("metrics present", DczFieldRole.Other, 1);
        m.Add(present);
        if (present.Value == 1)
        {
            m.Add(r.String("metrics test set name"));
            m.Add(r.Var("metrics count", DczFieldRole.Size, int.MaxValue));
            m.Add(r.Var("metrics correct", DczFieldRole.Size, int.MaxValue));
        }

        m.Add(r.String("producer"));
        m.Add(r.Var("seed", DczFieldRole.Other));
        if (version >= 3)
        {
            m.Add(r.Var("trained dense bytes", DczFieldRole.Other));
        }

        ulong layers = r.Var("layer count", DczFieldRole.Size, 1024).Value;
        for (ulong i = 0; i < layers; i++)
        {
            var record = new DczRecord { Tag = r.U8("op tag", DczFieldRole.Tag), Name = r.String("layer name") };
            if (version >= 2)
            {
                ulong inputs = r.Var("input count", DczFieldRole.Size, 2).Value;
                for (ulong k = 0; k < inputs; k++)
                {
                    record.Inputs.Add(r.Var("input reference", DczFieldRole.Reference, i));
                }
            }

            int bodyLength = (int)r.Var("body length", DczFieldRole.Size).Value;
            int end = r.Position + bodyLength;
            ParseBody(ref r, (LayerKind)record.Tag.Value, version, record.Body);
            if (r.Position != end)
            {
                throw new InvalidDataException(FormattableString.Invariant($"layer {i}: the body parser stopped at {r.Position}, the body ends at {end}"));
            }

            doc.Layers.Add(record);
        }

        if (r.Position != file.Length)
        {
            throw new InvalidDataException("bytes follow the last layer");
        }

        return doc;
    }

    /// <summary>Puts the file back together: body lengths, layer count, content length and CRC recomputed (unless overridden).</summary>
    public byte[] Encode()
    {
        var file = new Buffer(1024);
        file.Skip(16);
        foreach (DczField f in Metadata)
        {
            Write(file, f);
        }

        WriteVar(file, LayerCountOverride ?? (ulong)Layers.Count);
        var body = new Buffer(256);
        foreach (DczRecord record in Layers)
        {
            Write(file, record.Tag);
            Write(file, record.Name);
            if (Version >= 2)
            {
                WriteVar(file, record.InputCountOverride ?? (ulong)record.Inputs.Count);
                foreach (DczField f in record.Inputs)
                {
                    Write(file, f);
                }
            }

            body.Clear();
            foreach (DczField f in record.Body)
            {
                Write(body, f);
            }

            WriteVar(file, record.BodyLengthOverride ?? (ulong)body.Count);
            file.Add(body.Span);
        }

        byte[] bytes = file.Span.ToArray();
        bytes[0] = 0x89;
        bytes[1] = (byte)'D';
        bytes[2] = (byte)'C';
        bytes[3] = (byte)'Z';
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), Flags);
        DczFile.RewriteChecksum(bytes);
        return bytes;
    }

    /// <summary>
    /// The same model as a version-1 file (docs/dcz-format.md §12): a chain of the first six ops,
    /// ungrouped convolutions padded the same on opposite sides, unpadded max pools, shared
    /// weights and one preprocessing mean and std. Null when the model needs version 2.
    /// </summary>
    public DczDocument? ToVersion1()
    {
        if (Version is not (2 or 3))
        {
            return null;
        }

        var v1 = Clone();
        v1.Version = 1;
        int trainedAt = v1.Metadata.FindIndex(f => f.Name == "trained dense bytes");
        if (trainedAt >= 0)
        {
            if (v1.Metadata[trainedAt].Value != 0)
            {
                return null;
            }

            v1.Metadata.RemoveAt(trainedAt);
        }

        int channelsAt = v1.Metadata.FindIndex(f => f.Name == "preprocessing channel count");
        if (v1.Metadata[channelsAt].Value != 1)
        {
            return null;
        }

        v1.Metadata.RemoveAt(channelsAt);
        for (int i = 0; i < v1.Layers.Count; i++)
        {
            DczRecord record = v1.Layers[i];
            var kind = (LayerKind)record.Tag.Value;
            if (record.Inputs.Count != 1 || record.Inputs[0].Value != (ulong)i || kind > LayerKind.Softmax)
            {
                return null;
            }

            record.Inputs.Clear();
            List<DczField> body = record.Body;
            if (body.Any(f => f.Name == "WeightBits" && f.Value == 0))
            {
                return null;
            }

            if (kind == LayerKind.Conv2d)
            {
                // in, out, groups, kh, kw, sh, sw, top, left, bottom, right → in, out, kh, kw, sh, sw, ph, pw.
                if (body[2].Value != 1 || body[7].Value != body[9].Value || body[8].Value != body[10].Value)
                {
                    return null;
                }

                body.RemoveRange(9, 2);
                body.RemoveAt(2);
                body[6] = new DczField("padding height", DczFieldKind.VarUInt, DczFieldRole.Size, body[6].Value, limit: ActivationCap);
                body[7] = new DczField("padding width", DczFieldKind.VarUInt, DczFieldRole.Size, body[7].Value, limit: ActivationCap);
            }
            else if (kind == LayerKind.MaxPool2d)
            {
                if (body.Skip(4).Any(f => f.Value != 0))
                {
                    return null;
                }

                body.RemoveRange(4, 4);
            }
        }

        return v1;
    }

    private static void ParseBody(ref Cursor r, LayerKind kind, int version, List<DczField> body)
    {
        ulong a = ActivationCap;
        switch (kind)
        {
            case LayerKind.Dense:
            {
                DczField inputs = r.Var("inputs", DczFieldRole.Size, a);
                DczField outputs = r.Var("outputs", DczFieldRole.Size, a);
                body.Add(inputs);
                body.Add(outputs);
                ParseWeights(ref r, body);
                ParseFloats(ref r, "bias", outputs.Value, body);
                break;
            }

            case LayerKind.Conv2d:
            {
                DczField outputs = null!;
                string[] names = version >= 2
                    ? new[] { "in channels", "out channels", "groups", "kernel height", "kernel width", "stride height", "stride width", "padding top", "padding left", "padding bottom", "padding right" }
                    : new[] { "in channels", "out channels", "kernel height", "kernel width", "stride height", "stride width", "padding height", "padding width" };
                foreach (string name in names)
                {
                    DczField f = r.Var(name, DczFieldRole.Size, a);
                    outputs = name == "out channels" ? f : outputs;
                    body.Add(f);
                }

                ParseWeights(ref r, body);
                ParseFloats(ref r, "bias", outputs.Value, body);
                break;
            }

            case LayerKind.MaxPool2d:
            case LayerKind.AvgPool2d:
            {
                foreach (string name in new[] { "window height", "window width", "stride height", "stride width" })
                {
                    body.Add(r.Var(name, DczFieldRole.Size, a));
                }

                if (version >= 2)
                {
                    foreach (string name in new[] { "padding top", "padding left", "padding bottom", "padding right" })
                    {
                        body.Add(r.Var(name, DczFieldRole.Size, a));
                    }
                }

                if (kind == LayerKind.AvgPool2d)
                {
                    body.Add(r.U8("count-include-pad", DczFieldRole.Other, 1));
                }

                break;
            }

            case LayerKind.Clip:
                body.Add(r.F32("min"));
                body.Add(r.F32("max"));
                break;

            case LayerKind.ScaleShift:
            {
                DczField channels = r.Var("channels", DczFieldRole.Size, a);
                body.Add(channels);
                ParseFloats(ref r, "scale", channels.Value, body);
                ParseFloats(ref r, "shift", channels.Value, body);
                break;
            }

            case LayerKind.Reshape:
            {
                DczField rank = r.U8("rank", DczFieldRole.Size, 3);
                body.Add(rank);
                for (ulong i = 0; i < rank.Value; i++)
                {
                    body.Add(r.Var("dimension", DczFieldRole.Size, a));
                }

                break;
            }

            case LayerKind.ReLU:
            case LayerKind.Flatten:
            case LayerKind.Softmax:
            case LayerKind.GlobalAvgPool:
            case LayerKind.Add:
            case LayerKind.Sigmoid:
            case LayerKind.Tanh:
                break;

            default:
                throw new InvalidDataException("no body layout for op " + kind.ToString());
        }
    }

    /// <summary>The ops whose body layout <see cref="Parse"/> knows (the op-enumeration test checks it covers every op).</summary>
    public static bool KnowsBodyOf(LayerKind kind) => kind is LayerKind.Dense or LayerKind.Conv2d or LayerKind.MaxPool2d or LayerKind.AvgPool2d
        or LayerKind.Clip or LayerKind.ScaleShift or LayerKind.Reshape or LayerKind.ReLU or LayerKind.Flatten or LayerKind.Softmax
        or LayerKind.GlobalAvgPool or LayerKind.Add or LayerKind.Sigmoid or LayerKind.Tanh;

    private static void ParseWeights(ref Cursor r, List<DczField> body)
    {
        DczField weightBits = r.U8("WeightBits", DczFieldRole.Size, 8);
        DczField gapBits = r.U8("GapBits", DczFieldRole.Size, 12);
        body.Add(weightBits);
        body.Add(gapBits);
        bool shared = weightBits.Value != 0;
        ulong k = 0;
        if (shared)
        {
            DczField size = r.Var("codebook size", DczFieldRole.Size, 1UL << (int)weightBits.Value);
            k = size.Value;
            body.Add(size);
            ParseFloats(ref r, "codebook", k, body);
        }

        DczField entries = r.Var("entry count", DczFieldRole.Size, int.MaxValue);
        body.Add(entries);
        if (shared)
        {
            ParseStream(ref r, "weight", body);
        }
        else
        {
            ParseFloats(ref r, "value", entries.Value, body);
        }

        ParseStream(ref r, "gap", body);
    }

    /// <summary>Code-length table (m, then the tokens as raw bytes), bit length, stream bytes.</summary>
    private static void ParseStream(ref Cursor r, string stream, List<DczField> body)
    {
        DczField m = r.Var(stream + " table symbol count", DczFieldRole.Size, 4096);
        body.Add(m);
        int start = r.Position, covered = 0, nibbles = 0;
        bool run = false;
        while (covered < (int)m.Value || run)
        {
            int nibble = (nibbles % 2 == 0) ? r.Peek(start + (nibbles / 2)) >> 4 : r.Peek(start + (nibbles / 2)) & 0xF;
            nibbles++;
            if (run)
            {
                covered += nibble + 1;
                run = false;
            }
            else if (nibble == 0)
            {
                run = true;
            }
            else
            {
                covered++;
            }
        }

        body.Add(r.Raw(stream + " table tokens", (nibbles + 1) / 2));
        DczField bits = r.Var(stream + " stream bit length", DczFieldRole.Size);
        body.Add(bits);
        body.Add(r.Raw(stream + " stream", (int)((bits.Value + 7) / 8)));
    }

    private static void ParseFloats(ref Cursor r, string name, ulong count, List<DczField> body)
    {
        for (ulong i = 0; i < count; i++)
        {
            body.Add(r.F32(name));
        }
    }

    private static void Write(Buffer sink, DczField f)
    {
        switch (f.Kind)
        {
            case DczFieldKind.U8:
                sink.Add((byte)f.Value);
                break;
            case DczFieldKind.VarUInt:
                WriteVar(sink, f.Value);
                break;
            case DczFieldKind.F32:
                Span<byte> bits = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(bits, (uint)f.Value);
                sink.Add(bits);
                break;
            case DczFieldKind.String:
                WriteVar(sink, (ulong)f.Raw.Length);
                sink.Add(f.Raw);
                break;
            default:
                sink.Add(f.Raw);
                break;
        }
    }

    /// <summary>The encoded length of a record's body fields.</summary>
    public static int BodyLength(DczRecord record)
    {
        var body = new Buffer(256);
        foreach (DczField f in record.Body)
        {
            Write(body, f);
        }

        return body.Count;
    }

    /// <summary>Minimal unsigned LEB128.</summary>
    private static void WriteVar(Buffer sink, ulong value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            sink.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }

    /// <summary>A growable byte array.</summary>
    private sealed class Buffer
    {
        private byte[] _bytes;

        public Buffer(int capacity) => _bytes = new byte[capacity];

        public int Count { get; private set; }

        public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Count);

        public void Clear() => Count = 0;

        public void Skip(int count)
        {
            Reserve(count);
            Count += count;
        }

        public void Add(byte value)
        {
            Reserve(1);
            _bytes[Count++] = value;
        }

        public void Add(ReadOnlySpan<byte> values)
        {
            Reserve(values.Length);
            values.CopyTo(_bytes.AsSpan(Count));
            Count += values.Length;
        }

        private void Reserve(int more)
        {
            if (Count + more > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Count + more));
            }
        }
    }

    /// <summary>Reads fields of a well-formed file in order.</summary>
    private struct Cursor
    {
        private readonly byte[] _data;

        public Cursor(byte[] data, int position)
        {
            _data = data;
            Position = position;
        }

        public int Position { get; private set; }

        public readonly byte Peek(int at) => at < _data.Length ? _data[at] : throw new InvalidDataException("the data ends inside a code-length table");

        public DczField U8(string name, DczFieldRole role, ulong limit = 255) => new(name, DczFieldKind.U8, role, Take(1)[0], limit: limit);

        public DczField F32(string name) => new(name, DczFieldKind.F32, DczFieldRole.Value, BinaryPrimitives.ReadUInt32LittleEndian(Take(4)));

        public DczField Var(string name, DczFieldRole role, ulong limit = ulong.MaxValue)
        {
            ulong value = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = Take(1)[0];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return new DczField(name, DczFieldKind.VarUInt, role, value, limit: limit);
                }
            }
        }

        public DczField String(string name)
        {
            int length = (int)Var(name, DczFieldRole.Other).Value;
            return new DczField(name, DczFieldKind.String, DczFieldRole.Other, raw: Take(length).ToArray());
        }

        public DczField Raw(string name, int length) => new(name, DczFieldKind.Bytes, DczFieldRole.Other, raw: Take(length).ToArray());

        private ReadOnlySpan<byte> Take(int count)
        {
            if (Position + count > _data.Length)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"the data ends at {_data.Length}, a field needs {Position + count}"));
            }

            ReadOnlySpan<byte> span = _data.AsSpan(Position, count);
            Position += count;
            return span;
        }
    }
}
