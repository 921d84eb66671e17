using System.IO.Compression;
using System.Text;

namespace EmbeddedNets.Compressor.Tests.Datasets;

/// <summary>Writes .npy and .npz files in tests, byte for byte as NumPy lays them out (format 1.0).</summary>
internal static class NpyTestFiles
{
    public static byte[] Npy(string descr, int[] shape, byte[] data)
    {
        string dims = shape.Length == 1 ? shape[0] + "," : string.Join(", ", shape);
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (total % 64)) % 64)) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8)]);
        bytes.AddRange(Encoding.Latin1.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    public static byte[] Float32(int[] shape, params float[] values) =>
        Npy("<f4", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    public static byte[] Int64(int[] shape, params long[] values) =>
        Npy("<i8", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    public static byte[] UInt8(int[] shape, params byte[] values) => Npy("|u1", shape, values);

    public static void WriteNpz(string path, params (string Name, byte[] Npy)[] arrays)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach ((string name, byte[] npy) in arrays)
        {
            using Stream s = archive.CreateEntry(name + ".npy").Open();
            s.Write(npy);
        }
    }
}
