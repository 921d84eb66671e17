using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Reporting;
using EmbeddedNets.Inference;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz eval</c>: accuracy of a .dcz on a test set with the Runtime's inference.</summary>
internal sealed class EvalCommand : DczCommand
{
    private readonly Argument<string> _file = CliOptions.ModelFile("the model to evaluate");
    private readonly Option<string> _data = CliOptions.AnyData("the data whose test set to evaluate on");
    private readonly CliOptions.DataSelection _selection = new();
    private readonly Option<ulong> _seed = CliOptions.Seed();

    public EvalCommand()
        : base("eval", "Accuracy of FILE.dcz on the test set of the data (MNIST's t10k split, --test, or the same seeded held-out part compress used) with the Runtime's C# inference (no TorchSharp).")
    {
        _seed.Description = "seed of the held-out test split (when the data has no test set; compress's --seed gives the same split)";
        Add(_file);
        Add(_data);
        _selection.AddTo(this);
        Add(_seed);
    }

    public override int Run(ParseResult parse, CliContext context)
    {
        string file = parse.GetRequiredValue(_file);
        byte[] bytes = ModelFiles.Read(file);
        DataOptions options = _selection.Read(parse, parse.GetRequiredValue(_data), parse.GetValue(_seed));
        CompactModel model = CompactModel.Load(bytes);
        Dataset data = DatasetLoader.Load(options, model.Model.Info.InputShape);
        LabelledSet test = data.Test;
        test.CheckFits(model.Model.Info.InputShape, model.Model.Info.ClassLabels.Length, file);

        var clock = Stopwatch.StartNew();
        int correct = RuntimeAccuracy.CountCorrect(model, test);
        double ms = clock.Elapsed.TotalMilliseconds;
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{file}: {correct}/{test.Count} correct = {correct * 100.0 / test.Count:F2} % accuracy (error {(test.Count - correct) * 100.0 / test.Count:F2} %) on {data.TestName}, {ms * 1000 / test.Count:F1} µs per sample"));
        context.Out.WriteLine(InspectionTable.AccuracyLine(model.Model.Info.Metrics));
        return Cli.Success;
    }
}
