using System.CommandLine;
using EmbeddedNets.Compressor.Reporting;
using EmbeddedNets.Format;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz inspect</c>: the per-layer table of a .dcz.</summary>
internal sealed class InspectCommand : DczCommand
{
    private readonly Argument<string> _file = CliOptions.ModelFile("the model to describe");
    private readonly Option<bool> _json = new("--json") { Description = "print JSON instead of a table" };

    public InspectCommand()
        : base("inspect", "Per-layer table (paper Tables 2–3): weights, kept %, bits before and after Huffman coding, bytes, compression ratio, recorded accuracy.")
    {
        Add(_file);
        Add(_json);
    }

    public override int Run(ParseResult parse, CliContext context)
    {
        string file = parse.GetRequiredValue(_file);
        DczInspection inspection = DczFile.Inspect(ModelFiles.Read(file));
        var table = new InspectionTable(inspection);
        context.Out.Write(parse.GetValue(_json) ? table.ToJson(file) + Environment.NewLine : table.ToText(file));
        return Cli.Success;
    }
}
