using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EmbeddedNets.Compressor.Reporting;
using EmbeddedNets.Data;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz eval</c>: accuracy of a .dcz on the MNIST test set with the Runtime's inference.</summary>
internal sealed class EvalCommand : DczCommand
{
    private readonly Argument<string> _file = CliOptions.ModelFile("the model to evaluate");
    private readonly Option<string> _data = CliOptions.Data("folder with the MNIST test files");

    public EvalCommand()
        : base("eval", "Accuracy of FILE.dcz on the MNIST test set in DIR with the Runtime's C# inference (no TorchSharp).")
    {
        Add(_file);
        Add(_data);
    }

    public override int Run(ParseResult parse, CliContext context)
    {
        string file = parse.GetRequiredValue(_file);
        string data = parse.GetRequiredValue(_data);
        byte[] bytes = ModelFiles.Read(file);
        if (!Directory.Exists(data))
        {
            throw new UsageException($"--data folder '{data}' does not exist");
        }

        CompactModel model = CompactModel.Load(bytes);
        MnistSet test = Mnist.LoadTest(data);
        if (test.PixelsPerImage != model.InputLength)
        {
            throw new InvalidDataException($"{file} takes {model.InputLength} inputs but the images in {data} have {test.PixelsPerImage} pixels");
        }

        var clock = Stopwatch.StartNew();
        int correct = model.CountCorrect(test.Images, test.Labels, test.Count);
        double ms = clock.Elapsed.TotalMilliseconds;
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{file}: {correct}/{test.Count} correct = {correct * 100.0 / test.Count:F2} % accuracy (error {(test.Count - correct) * 100.0 / test.Count:F2} %), {ms * 1000 / test.Count:F1} µs per image"));
        context.Out.WriteLine(InspectionTable.AccuracyLine(model.Model.Info.Metrics));
        return Cli.Success;
    }
}
