using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using EmbeddedNets.Compressor.Data;

namespace EmbeddedNets.Compressor.Checkpoints;

/// <summary>
/// A checkpoint file: a JSON header plus named float32 / int64 arrays with shapes, closed by a
/// SHA-256 of everything before it. Layout (little-endian):
/// <c>"DCZCKPT1"</c>, u32 header length, header UTF-8, u32 entry count, then per entry
/// u16 name length, name UTF-8, u8 type (1 = f32, 2 = i64), u8 rank, i64 × rank dims, data;
/// finally 32 bytes SHA-256.
/// </summary>
internal sealed class TensorArchive
{
    private const int MaxEntries = 100_000;
    private static readonly byte[] s_magic = Encoding.ASCII.GetBytes("DCZCKPT1");

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _order = new();

    public TensorArchive(string header) => Header = header;

    /// <summary>Free-form JSON describing the checkpoint (stage, epoch, settings hash…).</summary>
    public string Header { get; }

    public IReadOnlyList<string> Names => _order;

    public void Add(string name, float[] data, long[] shape) => AddEntry(name, new Entry(shape, data, null));

    public void Add(string name, long[] data, long[] shape) => AddEntry(name, new Entry(shape, null, data));

    public bool Contains(string name) => _entries.ContainsKey(name);

    public float[] GetFloats(string name, out long[] shape)
    {
        Entry entry = Get(name);
        shape = entry.Shape;
        return entry.Floats ?? throw new InvalidDataException($"checkpoint entry '{name}' holds int64 values, not float32");
    }

    public long[] GetLongs(string name, out long[] shape)
    {
        Entry entry = Get(name);
        shape = entry.Shape;
        return entry.Longs ?? throw new InvalidDataException($"checkpoint entry '{name}' holds float32 values, not int64");
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(s_magic);
        byte[] header = Encoding.UTF8.GetBytes(Header);
        writer.Write(header.Length);
        writer.Write(header);
        writer.Write(_order.Count);
        foreach (string name in _order)
        {
            Entry entry = _entries[name];
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            writer.Write((ushort)nameBytes.Length);
            writer.Write(nameBytes);
            writer.Write((byte)(entry.Floats is not null ? 1 : 2));
            writer.Write((byte)entry.Shape.Length);
            foreach (long d in entry.Shape)
            {
                writer.Write(d);
            }

            writer.Flush();
            if (entry.Floats is not null)
            {
                WriteLittleEndian(stream, MemoryMarshal.AsBytes(entry.Floats.AsSpan()));
            }
            else
            {
                WriteLittleEndian(stream, MemoryMarshal.AsBytes(entry.Longs!.AsSpan()));
            }
        }

        writer.Flush();
        byte[] body = stream.ToArray();
        byte[] hash = SHA256.HashData(body);
        var result = new byte[body.Length + hash.Length];
        body.CopyTo(result, 0);
        hash.CopyTo(result, body.Length);
        return result;
    }

    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToBytes());

    public static TensorArchive Load(string path)
    {
        try
        {
            return Parse(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public static TensorArchive Parse(byte[] data)
    {
        if (data.Length < s_magic.Length + 32 || !data.AsSpan(0, s_magic.Length).SequenceEqual(s_magic))
        {
            throw new InvalidDataException("not a dcz checkpoint (bad magic)");
        }

        ReadOnlySpan<byte> body = data.AsSpan(0, data.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(data.AsSpan(data.Length - 32)))
        {
            throw new InvalidDataException("checkpoint is corrupt (SHA-256 mismatch)");
        }

        int offset = s_magic.Length;
        int headerLength = ReadInt32(body, ref offset);
        string header = Encoding.UTF8.GetString(Take(body, ref offset, headerLength));
        var archive = new TensorArchive(header);
        int count = ReadInt32(body, ref offset);
        if (count > MaxEntries)
        {
            throw new InvalidDataException($"checkpoint declares {count} entries (cap {MaxEntries})");
        }

        for (int i = 0; i < count; i++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(Take(body, ref offset, 2));
            string name = Encoding.UTF8.GetString(Take(body, ref offset, nameLength));
            byte type = Take(body, ref offset, 1)[0];
            byte rank = Take(body, ref offset, 1)[0];
            var shape = new long[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++)
            {
                shape[d] = BinaryPrimitives.ReadInt64LittleEndian(Take(body, ref offset, 8));
                if (shape[d] < 0 || shape[d] > int.MaxValue)
                {
                    throw new InvalidDataException($"checkpoint entry '{name}': bad dimension {shape[d]}");
                }

                elements = checked(elements * shape[d]);
            }

            int elementSize = type switch
            {
                1 => 4,
                2 => 8,
                _ => throw new InvalidDataException($"checkpoint entry '{name}': unknown type {type}"),
            };
            if (elements * elementSize > body.Length - offset)
            {
                throw new InvalidDataException($"checkpoint entry '{name}' runs past the end of the file");
            }

            ReadOnlySpan<byte> raw = Take(body, ref offset, (int)(elements * elementSize));
            if (type == 1)
            {
                var values = new float[elements];
                for (int k = 0; k < values.Length; k++)
                {
                    values[k] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(k * 4));
                }

                archive.Add(name, values, shape);
            }
            else
            {
                var values = new long[elements];
                for (int k = 0; k < values.Length; k++)
                {
                    values[k] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(k * 8));
                }

                archive.Add(name, values, shape);
            }
        }

        if (offset != body.Length)
        {
            throw new InvalidDataException($"checkpoint has {body.Length - offset} unexpected trailing bytes");
        }

        return archive;
    }

    private void AddEntry(string name, Entry entry)
    {
        if (!_entries.TryAdd(name, entry))
        {
            throw new ArgumentException($"duplicate checkpoint entry '{name}'", nameof(name));
        }

        _order.Add(name);
    }

    private Entry Get(string name) =>
        _entries.TryGetValue(name, out Entry? entry) ? entry : throw new InvalidDataException($"checkpoint has no entry '{name}'");

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("checkpoints are written on little-endian machines only");
        }

        stream.Write(bytes);
    }

    private static int ReadInt32(ReadOnlySpan<byte> body, ref int offset)
    {
        int value = BinaryPrimitives.ReadInt32LittleEndian(Take(body, ref offset, 4));
        if (value < 0)
        {
            throw new InvalidDataException($"negative length at byte {offset - 4}");
        }

        return value;
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> body, ref int offset, int length)
    {
        if (length < 0 || length > body.Length - offset)
        {
            throw new InvalidDataException($"checkpoint ends early (needs {length} bytes at byte {offset})");
        }

        ReadOnlySpan<byte> slice = body.Slice(offset, length);
        offset += length;
        return slice;
    }

    private sealed record Entry(long[] Shape, float[]? Floats, long[]? Longs);
}
