using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EmbeddedNets.Compressor.Data;

/// <summary>The element types dcz reads from <c>.npy</c> files.</summary>
public enum NpyType
{
    /// <summary><c>&lt;f4</c>: float32.</summary>
    Float32,

    /// <summary><c>&lt;f8</c>: float64.</summary>
    Float64,

    /// <summary><c>|u1</c>: uint8.</summary>
    UInt8,

    /// <summary><c>&lt;i4</c>: int32.</summary>
    Int32,

    /// <summary><c>&lt;i8</c>: int64.</summary>
    Int64,
}

/// <summary>An array read from a <c>.npy</c> file: its shape, element type and values.</summary>
/// <param name="Name">Where it came from, for messages (<c>x.npy</c>, <c>data.npz:y</c>).</param>
/// <param name="Shape">Dimensions (empty for a scalar).</param>
/// <param name="Type">The element type in the file.</param>
/// <param name="Values">Every value as a double (exact for all the types read), in C order.</param>
public sealed record NpyArray(string Name, int[] Shape, NpyType Type, double[] Values);

/// <summary>
/// Reads NumPy's <c>.npy</c> format (versions 1–3): the magic <c>\x93NUMPY</c>, a version, a
/// little-endian header length, a Python-literal header dictionary (<c>descr</c>,
/// <c>fortran_order</c>, <c>shape</c>), then the data. dcz reads little-endian float32, float64,
/// uint8, int32 and int64 arrays in C order.
/// </summary>
public static partial class NpyReader
{
    /// <summary>The most elements one array may hold.</summary>
    public const long MaxElements = 1L << 28;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads the array in <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid .npy file.</exception>
    /// <exception cref="NotSupportedException">A valid array of a type or layout dcz does not read.</exception>
    public static NpyArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"NumPy file '{path}' does not exist.", path);
        }

        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads an array from the bytes of a .npy file; <paramref name="name"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid .npy file.</exception>
    /// <exception cref="NotSupportedException">A valid array of a type or layout dcz does not read.</exception>
    public static NpyArray Read(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{name}: not a .npy file (it does not start with \\x93NUMPY)");
        }

        byte major = bytes[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
                headerStart = 10;
                break;
            case 2:
            case 3:
                if (bytes.Length < 12)
                {
                    throw new InvalidDataException($"{name}: the .npy header is cut short");
                }

                uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
                headerLength = length <= int.MaxValue ? (int)length : int.MaxValue;
                headerStart = 12;
                break;
            default:
                throw new NotSupportedException($"{name}: .npy format version {major}.{bytes[7]}; dcz reads versions 1–3");
        }

        if ((long)headerStart + headerLength > bytes.Length)
        {
            throw new InvalidDataException($"{name}: the .npy header says it is {headerLength} bytes but the file ends before");
        }

        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(headerStart, headerLength));
        string descr = Match(DescrPattern(), header, "descr", name);
        string fortran = Match(FortranPattern(), header, "fortran_order", name);
        string shapeText = Match(ShapePattern(), header, "shape", name);
        if (fortran == "True")
        {
            throw new NotSupportedException($"{name}: the array is in Fortran order; dcz reads C-order arrays (save np.ascontiguousarray(a))");
        }

        (NpyType type, int size) = descr switch
        {
            "<f4" => (NpyType.Float32, 4),
            "<f8" => (NpyType.Float64, 8),
            "|u1" or "<u1" or "u1" => (NpyType.UInt8, 1),
            "<i4" => (NpyType.Int32, 4),
            "<i8" => (NpyType.Int64, 8),
            _ when descr.StartsWith('>') => throw new NotSupportedException($"{name}: dtype '{descr}' is big-endian; dcz reads little-endian arrays (save a.astype(a.dtype.newbyteorder('<')))"),
            _ => throw new NotSupportedException($"{name}: dtype '{descr}' is not supported; dcz reads float32, float64, uint8, int32 and int64 arrays"),
        };

        int[] shape = ParseShape(shapeText, name);
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count > MaxElements)
            {
                throw new NotSupportedException($"{name}: the array of shape {LabelledSet.Shape(shape)} has more than {MaxElements:N0} elements");
            }
        }

        ReadOnlySpan<byte> data = bytes[(headerStart + headerLength)..];
        long expected = count * size;
        if (data.Length != expected)
        {
            throw new InvalidDataException($"{name}: an array of shape {LabelledSet.Shape(shape)} and dtype '{descr}' needs {expected} data bytes but the file has {data.Length}");
        }

        var values = new double[count];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<byte> v = data.Slice(i * size, size);
            values[i] = type switch
            {
                NpyType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(v),
                NpyType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(v),
                NpyType.UInt8 => v[0],
                NpyType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(v),
                NpyType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(v),
                _ => throw new InvalidOperationException("unhandled .npy type " + type),
            };
        }

        return new NpyArray(name, shape, type, values);
    }

    private static string Match(Regex pattern, string header, string key, string name)
    {
        Match m = pattern.Match(header);
        return m.Success ? m.Groups[1].Value : throw new InvalidDataException($"{name}: the .npy header has no '{key}' entry: {header.Trim()}");
    }

    private static int[] ParseShape(string text, string name)
    {
        var dims = new List<int>();
        foreach (string part in text.Split(','))
        {
            string p = part.Trim();
            if (p.Length == 0)
            {
                continue;
            }

            if (!int.TryParse(p.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out int d))
            {
                throw new InvalidDataException($"{name}: the .npy shape ({text}) holds '{p}', not a dimension");
            }

            dims.Add(d);
        }

        return dims.ToArray();
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
