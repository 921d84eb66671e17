using System.CommandLine;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Data;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz slice</c>: the first images of an MNIST folder as a smaller one.</summary>
internal sealed class SliceCommand : DczCommand
{
    private readonly Option<string> _data = CliOptions.Data("MNIST folder to read");
    private readonly Option<string> _out = new("--out")
    {
        Description = "folder to write the four smaller files to (created if needed)",
        HelpName = "DIR",
        Required = true,
    };

    private readonly Option<int> _train = CliOptions.Int32("--train", "N", 0, int.MaxValue, 4000, "training images to keep");
    private readonly Option<int> _test = CliOptions.Int32("--test", "N", 0, int.MaxValue, 1000, "test images to keep");

    public SliceCommand()
        : base("slice", "Write the first N training / test images of an MNIST folder as a smaller one (same names and format, deterministic gzip).")
    {
        Add(_data);
        Add(_out);
        Add(_train);
        Add(_test);
    }

    public override int Run(ParseResult parse, CliContext context)
    {
        string source = parse.GetRequiredValue(_data);
        string destination = parse.GetRequiredValue(_out);
        int trainCount = parse.GetValue(_train);
        int testCount = parse.GetValue(_test);
        if (!Directory.Exists(source))
        {
            throw new UsageException($"--data folder '{source}' does not exist");
        }

        if (File.Exists(destination))
        {
            throw new UsageException($"--out '{destination}' is a file; give a folder");
        }

        MnistSet train = Mnist.LoadTrain(source);
        MnistSet test = Mnist.LoadTest(source);
        if (trainCount > train.Count)
        {
            throw new UsageException($"--train {trainCount} is more than the {train.Count} training images in '{source}'");
        }

        if (testCount > test.Count)
        {
            throw new UsageException($"--test {testCount} is more than the {test.Count} test images in '{source}'");
        }

        foreach (string stale in AtomicFile.RemoveStaleTemporaryFiles(destination))
        {
            context.Out.WriteLine($"removed {stale}, left by an interrupted run");
        }

        foreach (string path in MnistSlice.Write(destination, train.Take(trainCount), test.Take(testCount)))
        {
            context.Out.WriteLine(path);
        }

        return Cli.Success;
    }
}
