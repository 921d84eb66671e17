using System.CommandLine;
using EmbeddedNets.Compressor.Data;

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
        foreach (string path in MnistSlice.Write(source, destination, trainCount, testCount))
        {
            context.Out.WriteLine(path);
        }

        return Cli.Success;
    }
}
