using EmbeddedNets.Format;

namespace EmbeddedNets.Benchmarks.StandIns;

/// <summary>Writes <c>lenet-300-100.dcz</c> and <c>lenet-5.dcz</c> stand-ins (<see cref="LeNetStandIns"/>).</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: StandInModels OUTPUT_DIR");
            return 2;
        }

        string dir = Path.GetFullPath(args[0]);
        Directory.CreateDirectory(dir);
        Write(Path.Combine(dir, "lenet-300-100.dcz"), LeNetStandIns.LeNet300100(seed: 300100));
        Write(Path.Combine(dir, "lenet-5.dcz"), LeNetStandIns.LeNet5(seed: 5));
        return 0;
    }

    private static void Write(string path, DczModel model)
    {
        byte[] bytes = DczFile.Write(model);
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
        Console.WriteLine($"{path}: {bytes.Length} bytes (stand-in, random weights)");
    }
}
