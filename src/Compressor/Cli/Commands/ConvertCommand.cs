using System.CommandLine;
using EmbeddedNets.Compressor.Onnx;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz convert</c>: an ONNX model to a dense .dcz that predicts like it.</summary>
internal sealed class ConvertCommand : DczCommand
{
    private readonly Argument<string> _file = new("FILE.onnx") { Description = "the ONNX model to convert (opset 11–18, float32 weights)" };
    private readonly Option<string> _out = new("--out")
    {
        Description = "the .dcz file to write (its folder must exist)",
        HelpName = "FILE.dcz",
        Required = true,
    };

    private readonly Option<string?> _name = new("--name")
    {
        Description = "model name to record (default: the ONNX file's name)",
        HelpName = "NAME",
    };

    private readonly Option<string?> _labels = new("--labels")
    {
        Description = "class labels, one per output, separated by commas (default: the image folder's class names, else 0, 1, …)",
        HelpName = "A,B,…",
    };

    private readonly Option<double?> _pruneQuality = new("--prune-quality")
    {
        Description = "post-training pruning without retraining: remove weights below Q standard deviations of their layer (e.g. 0.5)",
        HelpName = "Q",
        CustomParser = r => CliOptions.ParseNonNegative(r, "--prune-quality"),
    };

    private readonly Option<int?> _bits = CliOptions.OptionalInt32("--bits", "B", 1, 8, "post-training weight sharing without retraining: k-means each layer's kept weights into 2^B shared values");
    private readonly CliOptions.PreprocessingSelection _preprocessing = new();
    private readonly Option<string?> _data = new("--data")
    {
        Description = "measure the converted model on this data's test set and record the accuracy: a folder of MNIST IDX files, a .csv, an .npz or a folder of .npy files, or a folder of class subfolders of images",
        HelpName = "PATH",
    };

    private readonly CliOptions.DataSelection _selection = new();
    private readonly Option<ulong> _seed = CliOptions.Seed();

    public ConvertCommand()
        : base("convert", "Convert FILE.onnx to FILE.dcz. Without --prune-quality and --bits, a dense model that predicts like it: every weight kept as float32, batch norms folded into the convolution or dense layer before them. With them, post-training compression without retraining. With --data, the accuracy of the written file (Runtime inference) on the data's test set is recorded.")
    {
        _seed.Description = "seed of the held-out test split (when --data has no test set)";
        Add(_file);
        Add(_out);
        Add(_name);
        Add(_labels);
        Add(_pruneQuality);
        Add(_bits);
        _preprocessing.AddTo(this);
        Add(_data);
        _selection.AddTo(this);
        Add(_seed);
    }

    public override int Run(ParseResult parse, CliContext context)
    {
        string file = parse.GetRequiredValue(_file);
        string output = parse.GetRequiredValue(_out);
        if (!File.Exists(file))
        {
            throw new UsageException($"ONNX file '{file}' does not exist");
        }

        OutputChecks.File(output, "--out", ".dcz");
        string? data = parse.GetValue(_data);
        var request = new OnnxConversionRequest
        {
            OnnxPath = file,
            OutputPath = output,
            Options = new OnnxConversionOptions
            {
                Name = parse.GetValue(_name),
                ClassLabels = parse.GetValue(_labels)?.Split(',').Select(l => l.Trim()).ToArray(),
                Preprocessing = _preprocessing.Read(parse),
                PruneQuality = parse.GetValue(_pruneQuality),
                WeightBits = parse.GetValue(_bits),
            },
            Data = data is null ? null : _selection.Read(parse, data, parse.GetValue(_seed)),
        };
        OnnxConversion.Run(request, context.Out);
        return Cli.Success;
    }
}
