using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Reporting;
using EmbeddedNets.Compressor.Training;
using ScottPlot;

namespace EmbeddedNets.Compressor.Search;

/// <summary>Which network a sensitivity analysis looks at.</summary>
public enum SensitivityStage
{
    /// <summary>The trained dense network (pruning curves of the paper's Fig. 5 in Han et al. 2015).</summary>
    Baseline,

    /// <summary>The network after pruning and retraining (weight-sharing curves as the paper's Fig. 6).</summary>
    Pruned,
}

/// <summary>What <see cref="Sensitivity.Run"/> needs.</summary>
public sealed class SensitivityOptions
{
    /// <summary>The network to analyse.</summary>
    public required ArchitectureSpec Architecture { get; init; }

    /// <summary>Starting values for the network's tensors (an imported model's weights); null starts from the seeded default initialisation.</summary>
    public InitialWeights? InitialWeights { get; init; }

    /// <summary>The settings that train it (dense training, and pruning for <see cref="SensitivityStage.Pruned"/>) and the validation split.</summary>
    public required CompressionConfig Config { get; init; }

    /// <summary>Folder with the four MNIST IDX files; read when <see cref="Data"/> is null.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The training and test samples (any kind <see cref="DatasetLoader"/> reads); null reads MNIST from <see cref="DataDirectory"/>.</summary>
    public Dataset? Data { get; init; }

    /// <summary>How raw samples become the network's input; null takes the architecture's own.</summary>
    public InputPreprocessing? Preprocessing { get; init; }

    /// <summary>Folder for <c>sensitivity.md</c>, <c>sensitivity.json</c> and the plots.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Checkpoint folder (a compression run's work folder is reused when its settings match); null means <c>OUT/work</c>.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Seed of the training run (and the validation split).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>TorchSharp CPU threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Continue from a matching checkpoint (the default).</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Which network to analyse.</summary>
    public SensitivityStage Stage { get; init; } = SensitivityStage.Baseline;

    /// <summary>Pruning qualities to measure; null for <see cref="SensitivityAnalysis.DefaultQualities"/>.</summary>
    public IReadOnlyList<double>? Qualities { get; init; }

    /// <summary>Bit widths to measure; null for <see cref="SensitivityAnalysis.DefaultBits"/>.</summary>
    public IReadOnlyList<int>? Bits { get; init; }

    /// <summary>The command line, for the report.</summary>
    public string? CommandLine { get; init; }

    /// <summary>Where progress lines go when <see cref="Progress"/> is null.</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;

    /// <summary>Progress lines and live updates; null writes plain lines to <see cref="Log"/>.</summary>
    public ProgressReporter? Progress { get; init; }

    /// <summary>Stops training at the next batch or step with <see cref="OperationCanceledException"/> (checkpoints stay).</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>
/// The sensitivity analysis as a command: trains (or resumes) the network up to the chosen stage
/// with the usual pipeline and checkpoints, measures every layer on the validation split
/// (<see cref="SensitivityAnalysis"/>), and writes a Markdown table, a JSON file and two plots.
/// </summary>
public static class Sensitivity
{
    /// <summary>File name of the Markdown report in the output folder.</summary>
    public const string MarkdownFile = "sensitivity.md";

    /// <summary>File name of the machine-readable result in the output folder.</summary>
    public const string JsonFile = "sensitivity.json";

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Runs the analysis and writes its report; returns the measurements.</summary>
    /// <exception cref="ConfigException">The configuration has no validation split (the analysis never looks at the test set).</exception>
    public static SensitivityResult Run(SensitivityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Config.Validation.Fraction <= 0)
        {
            throw new ConfigException("the sensitivity analysis measures on the validation split, and validation.fraction is 0");
        }

        string output = Path.GetFullPath(options.OutputDirectory);
        var compression = new CompressionOptions
        {
            Architecture = options.Architecture,
            InitialWeights = options.InitialWeights,
            Config = options.Config,
            DataDirectory = options.DataDirectory,
            Data = options.Data,
            Preprocessing = options.Preprocessing,
            OutputPath = Path.Combine(output, options.Architecture.Name + ".dcz"),
            WorkDirectory = options.WorkDirectory ?? Path.Combine(output, "work"),
            Seed = options.Seed,
            Threads = options.Threads,
            Resume = options.Resume,
            Log = options.Log,
            Progress = options.Progress,
            Cancellation = options.Cancellation,
        };
        using PipelineSession session = PipelineSession.Open(compression, command: "dcz sensitivity");
        session.ExecuteThrough(options.Stage == SensitivityStage.Pruned ? PipelineStage.Prune : PipelineStage.Baseline);
        SensitivityResult result = Measure(session, options.Stage, options.Qualities, options.Bits);
        Write(output, result, options.CommandLine);
        session.Progress.Line($"sensitivity report: {Path.Combine(output, MarkdownFile)}");
        return result;
    }

    /// <summary>Measures the network <paramref name="session"/> holds now on its validation split.</summary>
    internal static SensitivityResult Measure(PipelineSession session, SensitivityStage stage, IReadOnlyList<double>? qualities = null, IReadOnlyList<int>? bits = null)
    {
        TensorSet validation = session.Validation ?? throw new ConfigException(string.Create(CultureInfo.InvariantCulture,
            $"the sensitivity analysis measures on the validation split, and validation.fraction {session.Config.Validation.Fraction} holds out none of the {session.Split.Train.Count} training samples"));
        session.Progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"sensitivity of each layer of the {(stage == SensitivityStage.Pruned ? "pruned" : "dense")} network on {validation.Count} validation images, without retraining..."));
        (double reference, IReadOnlyList<LayerSensitivity> layers) = SensitivityAnalysis.Measure(
            session.Run.Trainer,
            session.States,
            validation,
            session.Run.Header.BaselineStd,
            qualities ?? SensitivityAnalysis.DefaultQualities,
            bits ?? SensitivityAnalysis.DefaultBits,
            session.Config.Quantize.Init,
            session.Config.Quantize.KMeansIterations,
            session.Options.Seed,
            session.Progress.Line);
        return new SensitivityResult(session.Architecture.Name, stage == SensitivityStage.Pruned ? "pruned" : "baseline", "validation", validation.Count, reference, layers);
    }

    /// <summary>Writes <c>sensitivity.md</c>, <c>sensitivity.json</c>, <c>sensitivity-pruning.png</c> and (when bit widths were measured) <c>sensitivity-bits.png</c> into <paramref name="directory"/>.</summary>
    internal static void Write(string directory, SensitivityResult result, string? commandLine)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllBytes(Path.Combine(directory, "sensitivity-pruning.png"), PruningPlot(result));
        bool bits = result.Layers.Any(l => l.Bits.Count > 0);
        if (bits)
        {
            AtomicFile.WriteAllBytes(Path.Combine(directory, "sensitivity-bits.png"), BitsPlot(result));
        }
        AtomicFile.WriteAllText(Path.Combine(directory, JsonFile), JsonSerializer.Serialize(result, JsonOptions));
        AtomicFile.WriteAllText(Path.Combine(directory, MarkdownFile), Markdown(result, commandLine));
    }

    /// <summary>The Markdown report: a pruning table and a weight-sharing table, layers as columns.</summary>
    internal static string Markdown(SensitivityResult result, string? commandLine)
    {
        var sb = new StringBuilder();
        void Line(FormattableString s) => sb.AppendLine(s.ToString(CultureInfo.InvariantCulture));
        Line($"# Sensitivity analysis: {result.Model} ({(result.Stage == "pruned" ? "pruned and retrained network" : "dense baseline")})");
        sb.AppendLine();
        if (commandLine is not null)
        {
            sb.AppendLine("```");
            sb.AppendLine(commandLine);
            sb.AppendLine("```");
            sb.AppendLine();
        }

        Line($"Each layer alone is pruned (threshold = quality × the standard deviation of its dense baseline weights) or weight-shared (k-means over its kept weights), without retraining, every other layer as it was; the accuracy is measured on the {result.Images:N0} images of the {result.Split} split. The network as it was: {result.ReferenceAccuracy * 100:F2} %.");
        sb.AppendLine();
        sb.AppendLine("## Pruning: accuracy (kept weights) per quality");
        sb.AppendLine();
        sb.AppendLine("| Quality | " + string.Join(" | ", result.Layers.Select(l => l.Name)) + " |");
        sb.AppendLine("|---:|" + string.Concat(result.Layers.Select(_ => "---:|")));
        int rows = result.Layers.Count == 0 ? 0 : result.Layers.Max(l => l.Pruning.Count);
        for (int i = 0; i < rows; i++)
        {
            double q = result.Layers.First(l => l.Pruning.Count > i).Pruning[i].Quality;
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"| {q:0.##} |"));
            foreach (LayerSensitivity l in result.Layers)
            {
                sb.Append(i < l.Pruning.Count
                    ? string.Create(CultureInfo.InvariantCulture, $" {l.Pruning[i].Accuracy * 100:F2} % ({l.Pruning[i].KeptFraction * 100:F1} %) |")
                    : " |");
            }

            sb.AppendLine();
        }

        sb.AppendLine();
        sb.AppendLine("![accuracy vs pruning quality per layer](sensitivity-pruning.png)");
        if (!result.Layers.Any(l => l.Bits.Count > 0))
        {
            return sb.ToString();
        }

        sb.AppendLine();
        sb.AppendLine("## Weight sharing: accuracy (index entropy, bits per kept weight) per bit width");
        sb.AppendLine();
        sb.AppendLine("| Bits | " + string.Join(" | ", result.Layers.Select(l => l.Name)) + " |");
        sb.AppendLine("|---:|" + string.Concat(result.Layers.Select(_ => "---:|")));
        rows = result.Layers.Count == 0 ? 0 : result.Layers.Max(l => l.Bits.Count);
        for (int i = 0; i < rows; i++)
        {
            int b = result.Layers.First(l => l.Bits.Count > i).Bits[i].Bits;
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"| {b} |"));
            foreach (LayerSensitivity l in result.Layers)
            {
                sb.Append(i < l.Bits.Count
                    ? string.Create(CultureInfo.InvariantCulture, $" {l.Bits[i].Accuracy * 100:F2} % ({l.Bits[i].EntropyBits:F2}) |")
                    : " |");
            }

            sb.AppendLine();
        }

        sb.AppendLine();
        sb.AppendLine("![accuracy vs bits per layer](sensitivity-bits.png)");
        return sb.ToString();
    }

    internal static byte[] PruningPlot(SensitivityResult result)
    {
        Plot plot = Charts.Create($"{result.Model}: pruning one layer, no retraining", "quality (threshold / std of the dense weights)", $"{result.Split} accuracy (%)");
        for (int i = 0; i < result.Layers.Count; i++)
        {
            LayerSensitivity l = result.Layers[i];
            var line = plot.Add.Scatter(l.Pruning.Select(p => p.Quality).ToArray(), l.Pruning.Select(p => p.Accuracy * 100).ToArray(), Charts.Series(i));
            line.LegendText = l.Name;
            line.LineWidth = 2;
        }

        Reference(plot, result);
        return Charts.Png(plot, 720, 440);
    }

    internal static byte[] BitsPlot(SensitivityResult result)
    {
        Plot plot = Charts.Create($"{result.Model}: weight sharing in one layer, no fine-tuning", "bits per weight index", $"{result.Split} accuracy (%)");
        for (int i = 0; i < result.Layers.Count; i++)
        {
            LayerSensitivity l = result.Layers[i];
            var line = plot.Add.Scatter(l.Bits.Select(p => (double)p.Bits).ToArray(), l.Bits.Select(p => p.Accuracy * 100).ToArray(), Charts.Series(i));
            line.LegendText = l.Name;
            line.LineWidth = 2;
        }

        Reference(plot, result);
        return Charts.Png(plot, 720, 440);
    }

    private static void Reference(Plot plot, SensitivityResult result)
    {
        var reference = plot.Add.HorizontalLine(result.ReferenceAccuracy * 100, 1, Charts.Black, LinePattern.Dashed);
        reference.LegendText = string.Create(CultureInfo.InvariantCulture, $"unchanged ({result.ReferenceAccuracy * 100:F2} %)");
        plot.Legend.FontName = Charts.FontName;
        plot.ShowLegend(Alignment.LowerLeft);
    }
}
