using System.CommandLine;
using System.Globalization;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Reporting;

namespace EmbeddedNets.Compressor.Commands;

/// <summary><c>dcz frontier</c>: ratio-versus-test-error frontiers of .dcz files beside published results.</summary>
internal sealed class FrontierCommand : DczCommand
{
    private readonly Argument<string[]> _files = new("[LABEL=]FILE.dcz")
    {
        Description = "compressed models (each must record its test accuracy, as files from dcz compress do); LABEL= names the point (default: the file name, or a search candidate's folder)",
        Arity = ArgumentArity.OneOrMore,
    };

    private readonly Option<string?> _published = new("--published")
    {
        Description = "JSON file of published points to plot beside the files (docs/published-mnist.json has the LeNet results of Deep Compression, DNS, soft weight-sharing and Bayesian compression)",
        HelpName = "FILE.json",
    };

    private readonly Option<string> _out = new("--out")
    {
        Description = "folder for frontier.md and one frontier-MODEL.png per model (created if needed)",
        HelpName = "DIR",
        Required = true,
    };

    public FrontierCommand()
        : base("frontier", "Compression ratio against test error (the error each file records) for .dcz files, per model, beside published points: a Markdown table marking the Pareto frontier and a plot per model.")
    {
        Add(_files);
        Add(_published);
        Add(_out);
    }

    public override int Run(ParseResult parse, CliContext context)
    {
        string[] files = parse.GetRequiredValue(_files);
        string? publishedPath = parse.GetValue(_published);
        string outDir = parse.GetRequiredValue(_out);
        if (File.Exists(outDir))
        {
            throw new UsageException($"--out '{outDir}' is a file; give a folder");
        }

        var points = new List<FrontierPoint>();
        foreach (string argument in files)
        {
            (string? label, string file) = SplitLabel(argument);
            points.Add(Frontier.FromFile(file, ModelFiles.Read(file), label));
        }

        if (publishedPath is not null)
        {
            if (!File.Exists(publishedPath))
            {
                throw new UsageException($"--published file '{publishedPath}' does not exist");
            }

            // Published points of models none of the files is are left out: the plots compare.
            var models = points.Select(p => p.Model).ToHashSet(StringComparer.Ordinal);
            points.AddRange(Frontier.ReadPublished(publishedPath, File.ReadAllText(publishedPath)).Where(p => models.Contains(p.Model)));
        }

        Directory.CreateDirectory(outDir);
        string markdown = Frontier.Markdown(points, ImageName);
        AtomicFile.WriteAllText(Path.Combine(outDir, "frontier.md"), markdown);
        foreach (string model in points.Select(p => p.Model).Distinct(StringComparer.Ordinal))
        {
            AtomicFile.WriteAllBytes(Path.Combine(outDir, ImageName(model)), Frontier.Plot(model, points));
        }

        context.Out.Write(markdown);
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {Path.Combine(outDir, "frontier.md")} and {points.Select(p => p.Model).Distinct(StringComparer.Ordinal).Count()} plot(s)"));
        return Cli.Success;
    }

    /// <summary>
    /// <c>LABEL=FILE</c> → (LABEL, FILE): split at the first '=' after which an existing file is
    /// named (a label may hold '=' itself), else at the first '=' (so a missing file is reported by
    /// its name). An argument that names an existing file whole, or has no '=', has no label.
    /// </summary>
    internal static (string? Label, string File) SplitLabel(string argument)
    {
        if (File.Exists(argument) || argument.IndexOf('=', StringComparison.Ordinal) <= 0)
        {
            return (null, argument);
        }

        for (int eq = argument.IndexOf('=', StringComparison.Ordinal); eq > 0; eq = argument.IndexOf('=', eq + 1))
        {
            if (File.Exists(argument[(eq + 1)..]))
            {
                return (argument[..eq], argument[(eq + 1)..]);
            }
        }

        int first = argument.IndexOf('=', StringComparison.Ordinal);
        return (argument[..first], argument[(first + 1)..]);
    }

    /// <summary>The plot's file name: the model name with anything but letters, digits, '-' and '_' as '_'.</summary>
    internal static string ImageName(string model) =>
        "frontier-" + new string(model.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray()) + ".png";
}
