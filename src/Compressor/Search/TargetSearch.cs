using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbeddedNets.Compressor.Data;
using EmbeddedNets.Compressor.Pipeline;
using EmbeddedNets.Compressor.Reporting;
using ScottPlot;

namespace EmbeddedNets.Compressor.Search;

/// <summary>What a target-driven search aims at. At least one of the two targets must be set.</summary>
public sealed class SearchTargets
{
    /// <summary>Largest acceptable validation error of the written file, 0–1 (e.g. 0.016 for 1.6 %); null for none.</summary>
    public double? MaxError { get; init; }

    /// <summary>Smallest acceptable compression ratio (dense float32 bytes / file bytes); null for none.</summary>
    public double? MinRatio { get; init; }

    /// <summary>Most candidates (each a full prune → retrain → quantize → fine-tune run) the search tries.</summary>
    public int MaxCandidates { get; init; } = 6;

    /// <summary>
    /// Validation accuracy (0–1) per layer that weight sharing may cost before fine-tuning when the
    /// search picks the bits; the layers share the sum of it, spent where it saves the most bytes.
    /// Null: twice the headroom between the pruned network's error and <see cref="MaxError"/>, at
    /// least 0.1 and at most 1 point per layer (0.1 per layer without an error target).
    /// </summary>
    public double? BitsDrop { get; init; }

    internal string Describe() => string.Join(" and ", new[]
    {
        MaxError is double e ? string.Create(CultureInfo.InvariantCulture, $"validation error ≤ {e * 100:0.###} %") : null,
        MinRatio is double r ? string.Create(CultureInfo.InvariantCulture, $"ratio ≥ {r:0.###}×") : null,
    }.Where(s => s is not null));
}

/// <summary>One tried setting and what its written file measured (validation split only).</summary>
/// <param name="Index">Order tried, from 0.</param>
/// <param name="Aggressiveness">Total weights / weights kept by the pruning qualities on the dense network's sensitivity curves (the factor pruning aims at, before retraining).</param>
/// <param name="Quality">Pruning quality per layer that follows from it.</param>
/// <param name="Bits">Bits per layer chosen on the pruned network.</param>
/// <param name="FileBytes">Size of the written file (0 when the candidate failed).</param>
/// <param name="Ratio">Dense float32 bytes / file bytes.</param>
/// <param name="ValidationAccuracy">Runtime-inference accuracy of the written file on the validation split, 0–1.</param>
/// <param name="Eligible">Meets every target.</param>
/// <param name="Failure">Why the candidate produced no file (e.g. a layer lost every weight), or null.</param>
public sealed record SearchCandidate(int Index, double Aggressiveness, IReadOnlyDictionary<string, double> Quality, IReadOnlyDictionary<string, int> Bits, int FileBytes, double Ratio, double ValidationAccuracy, bool Eligible, string? Failure = null)
{
    /// <summary>Validation error, 0–1.</summary>
    public double ValidationError => 1 - ValidationAccuracy;
}

/// <summary>The outcome of a search.</summary>
/// <param name="Candidates">Every candidate, in the order tried.</param>
/// <param name="Chosen">The candidate whose file was written to the output (the best eligible one, or the closest when none met the targets).</param>
/// <param name="MetTarget">True when <paramref name="Chosen"/> meets every target.</param>
/// <param name="Compression">The pipeline result of the chosen file (test accuracy recorded in it).</param>
public sealed record SearchResult(IReadOnlyList<SearchCandidate> Candidates, SearchCandidate Chosen, bool MetTarget, CompressionResult Compression);

/// <summary>
/// Target-driven compression: <c>dcz compress --target-error E</c> and/or <c>--target-ratio R</c>.
/// </summary>
/// <remarks>
/// <para>
/// 1. Trains (or resumes) the dense network and measures each layer's pruning sensitivity on the
/// validation split (<see cref="SensitivityAnalysis"/>).
/// 2. One knob, the <em>aggressiveness</em> a, sets every layer's pruning quality: the network may
/// keep 1/a of its weights, and they are shared among the layers so that the validation accuracy
/// that pruning each layer alone costs (no retraining) is least in sum (<see cref="Qualities"/>).
/// A large robust layer is pruned hard and a small sensitive one gently — the allocation the
/// per-model defaults were tuned to by hand.
/// 3. Each candidate a is a real run: prune and retrain with the configured schedule, then pick the
/// bits (1–8 per layer) with the fewest estimated bytes whose summed weight-sharing drop fits a
/// budget (<see cref="ChooseBits"/>, <see cref="BitsBudget"/>), quantize, fine-tune, encode, and
/// measure the written file on the validation split.
/// 4. a doubles or halves until the target is bracketed, then bisects (geometric mean), within
/// <see cref="SearchTargets.MaxCandidates"/> candidates. With an error target the smallest file
/// within it (and any ratio target) wins; with only a ratio target, the most accurate file reaching it.
/// </para>
/// <para>
/// Every choice is made on the validation split; the test set is only measured for the accuracy
/// each written file records. Candidates run in their own checkpoint folders and the search keeps a
/// log of finished ones (<c>search.json</c>), so an interrupted search resumes where it stopped.
/// </para>
/// </remarks>
public static class TargetSearch
{
    private const double MinAggressiveness = 1;
    private const double MaxAggressiveness = 10000;

    // A layer keeps at least this fraction of its weights at the quality the search gives it
    // (measured on the dense network): a layer with none left cannot be quantized.
    private const double MinKeptFraction = 0.005;

    // Accuracy (0–1) weight sharing may cost before fine-tuning, per layer, when the search sets
    // the budget from the error target's headroom: at least 0.1 points (a few validation images,
    // below which the choice follows noise), at most 1. The layers share the budget (ChooseBits).
    private const double MinBitsDrop = 0.001;
    private const double MaxBitsDrop = 0.01;

    // The drops the bits are chosen on are measured without fine-tuning, which wins part of them
    // back (docs/search.md, validation figures of ten LeNet-300-100 candidates with 2-bit layers:
    // the file kept 0.2–0.6 of what k-means cost the whole network, 0.4 on average). So the error
    // target's headroom buys twice its size of k-means-only drop; the floor is not multiplied, so
    // a candidate with no headroom gets only drops near the noise.
    private const double FineTuneCredit = 2;

    // Bisection stops when the bracket is narrower than this factor.
    private const double Resolution = 1.15;

    /// <summary>Runs the search and writes the chosen file to <see cref="CompressionOptions.OutputPath"/> with its report.</summary>
    /// <exception cref="ConfigException">No target, a target out of range, or no validation split.</exception>
    public static SearchResult Run(CompressionOptions options, SearchTargets targets)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(targets);
        Validate(options, targets);
        ProgressReporter progress = options.Progress ?? ProgressReporter.Plain(options.Log);
        string output = Path.GetFullPath(options.OutputPath);
        string work = Path.GetFullPath(options.WorkDirectory ?? output + ".work");
        string searchDir = Path.Combine(work, "search");

        // --no-resume: retrain the dense network and forget every candidate. The candidates' own
        // sessions always resume: they start from the baseline checkpoint copied into their folder.
        if (!options.Resume && Directory.Exists(searchDir))
        {
            Directory.Delete(searchDir, recursive: true);
        }

        Directory.CreateDirectory(searchDir);
        var baseOptions = With(options, options.Config, Path.Combine(searchDir, "baseline.dcz"), work, progress, options.Resume);

        // 1. Dense network and its pruning sensitivity (cached beside the checkpoints).
        SensitivityResult sensitivity;
        string key;
        using (PipelineSession session = PipelineSession.Open(baseOptions, progress, "dcz compress (search)"))
        {
            session.ExecuteThrough(PipelineStage.Baseline);
            options.Cancellation.ThrowIfCancellationRequested();
            key = CompressionPipeline.Hash("search-v4", session.Run.BaselineKey, ConfigLoader.ToJson(options.Config), targets.Describe(), targets.BitsDrop?.ToString("R", CultureInfo.InvariantCulture) ?? "-");
            sensitivity = LoadOrMeasureSensitivity(session, Path.Combine(searchDir, "dense-sensitivity.json"), session.Run.BaselineKey);
        }

        Sensitivity.Write(searchDir, sensitivity, null);
        SearchLog log = SearchLog.Load(Path.Combine(searchDir, "search.json"), key);

        // 2–4. Candidates.
        double reference = sensitivity.ReferenceAccuracy;
        double a = Anchor(options.Config, sensitivity);
        double? feasible = null, infeasible = null;
        var tried = new List<SearchCandidate>();
        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"search: {targets.Describe()}, at most {targets.MaxCandidates} candidates; dense network {reference * 100:F2} % on validation; first aggressiveness {a:0.####} (keep 1/{a:0.####} of the weights)"));
        for (int index = 0; index < targets.MaxCandidates; index++)
        {
            options.Cancellation.ThrowIfCancellationRequested();
            SearchCandidate candidate = log.Find(index, a) ?? Evaluate(options, targets, sensitivity, searchDir, index, a, progress);
            log.Record(candidate);
            tried.Add(candidate);
            progress.Line(Describe(candidate, targets, index));

            // Larger a → smaller file, higher error. Error target: find the largest a within it.
            // Ratio target only: the smallest a that reaches it.
            bool aTooHigh = candidate.Failure is not null || (targets.MaxError is double e ? !WithinError(candidate.ValidationError, e) : candidate.Ratio >= targets.MinRatio!.Value);
            if (aTooHigh)
            {
                infeasible = infeasible is null ? a : Math.Min(infeasible.Value, a);
            }
            else
            {
                feasible = feasible is null ? a : Math.Max(feasible.Value, a);
            }

            double next = infeasible is null ? a * 2 : feasible is null ? a / 2 : Math.Sqrt(feasible.Value * infeasible.Value);
            next = Significant(Math.Clamp(next, MinAggressiveness, MaxAggressiveness));
            bool converged = feasible is double f && infeasible is double i && i / f < Resolution;
            if (converged || tried.Any(c => c.Aggressiveness == next))
            {
                break;
            }

            a = next;
        }

        // Choose, write the output.
        SearchCandidate chosen = Choose(tried, targets, out bool met);
        progress.Line(met
            ? string.Create(CultureInfo.InvariantCulture, $"search: candidate {chosen.Index + 1} meets {targets.Describe()}; writing it")
            : string.Create(CultureInfo.InvariantCulture, $"search: no candidate meets {targets.Describe()}; writing the closest, candidate {chosen.Index + 1}"));
        CompressionResult result = Finish(options, chosen, searchDir, progress);
        WriteReport(result.ReportDirectory!, tried, chosen, met, targets, sensitivity, options.CommandLine);
        Sensitivity.Write(result.ReportDirectory!, sensitivity, null);
        return new SearchResult(tried, chosen, met, result);
    }

    private static void Validate(CompressionOptions options, SearchTargets targets)
    {
        if (targets.MaxError is null && targets.MinRatio is null)
        {
            throw new ConfigException("a search needs --target-error or --target-ratio");
        }

        if (targets.MaxError is double e && !(e > 0 && e < 1))
        {
            throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"--target-error must be between 0 and 100 % (is {e * 100} %)"));
        }

        if (targets.MinRatio is double r && !(r >= 1 && double.IsFinite(r)))
        {
            throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"--target-ratio must be ≥ 1 (is {r})"));
        }

        if (targets.MaxCandidates is < 1 or > 50)
        {
            throw new ConfigException($"--max-candidates must be 1–50 (is {targets.MaxCandidates})");
        }

        if (options.Config.Validation.Fraction <= 0)
        {
            throw new ConfigException("a search chooses on the validation split, and validation.fraction is 0");
        }
    }

    /// <summary>
    /// The first aggressiveness: total weights over the weights the configured qualities keep on
    /// the dense sensitivity curves (the settings' own level of pruning), or 10 when none is configured.
    /// </summary>
    internal static double Anchor(CompressionConfig config, SensitivityResult sensitivity)
    {
        long total = sensitivity.Layers.Sum(l => l.Weights);
        double kept = sensitivity.Layers.Sum(l => l.Weights * (config.Prune.Quality.TryGetValue(l.Name, out double q) && q > 0 ? l.KeptAt(q) : 1));
        double a = kept >= total ? 10 : total / Math.Max(kept, 1);
        return Significant(Math.Clamp(a, MinAggressiveness, MaxAggressiveness));
    }

    /// <summary>
    /// Whether a validation error meets an error target. Errors are 1 − (image count / images), so
    /// one exactly at the target can come out a rounding step above it (1 − 0.984 = 0.016000000000000014);
    /// the bisection and the eligibility must agree on it.
    /// </summary>
    internal static bool WithinError(double error, double maxError) => error <= maxError + 1e-12;

    /// <summary>Four significant digits: aggressiveness values name folders and are compared after a JSON round trip.</summary>
    internal static double Significant(double value)
    {
        double scale = Math.Pow(10, 3 - (int)Math.Floor(Math.Log10(Math.Abs(value))));
        return Math.Round(value * scale) / scale;
    }

    /// <summary>
    /// Per-layer pruning quality for aggressiveness <paramref name="a"/>: the allocation of a budget
    /// of (total weights) / <paramref name="a"/> kept weights among the layers that loses the least
    /// validation accuracy on the dense sensitivity curves (pruning each layer alone, no retraining).
    /// </summary>
    /// <remarks>
    /// Each layer's curve of accuracy drop against weights kept is replaced by its lower convex
    /// hull. Every layer starts at its harshest measured quality that still keeps 0.5 % of its
    /// weights; the budget then buys hull segments, steepest drop reduction per weight first, the
    /// last one in part (its quality interpolated linearly). So the allocation moves continuously
    /// and monotonically with <paramref name="a"/>, and a large robust layer is pruned harder than a
    /// small sensitive one: the pattern the per-model defaults were tuned to by hand.
    /// </remarks>
    internal static Dictionary<string, double> Qualities(SensitivityResult sensitivity, double a)
    {
        var segments = new List<(string Layer, double MildQ, double HarshQ, double Weights, double Slope)>();
        var quality = new Dictionary<string, double>(StringComparer.Ordinal);
        double budget = sensitivity.Layers.Sum(l => l.Weights) / a;
        foreach (LayerSensitivity l in sensitivity.Layers)
        {
            // (kept weights, drop in points, quality), harshest allowed first.
            var points = l.Pruning
                .Where(p => p.KeptFraction >= MinKeptFraction)
                .Select(p => (Kept: p.KeptFraction * l.Weights, Drop: (sensitivity.ReferenceAccuracy - p.Accuracy) * 100, p.Quality))
                .OrderBy(p => p.Kept).ThenByDescending(p => p.Quality)
                .ToList();
            if (points.Count == 0)
            {
                quality[l.Name] = 0;
                continue;
            }

            // Lower convex hull (monotone chain), then only its part where more weights still help.
            var hull = new List<(double Kept, double Drop, double Quality)>();
            foreach (var p in points)
            {
                while (hull.Count >= 2 && Cross(hull[^2], hull[^1], p) <= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }

                if (hull.Count == 0 || p.Kept > hull[^1].Kept)
                {
                    hull.Add(p);
                }
            }

            quality[l.Name] = hull[0].Quality;
            budget -= hull[0].Kept;
            for (int i = 1; i < hull.Count && hull[i].Drop < hull[i - 1].Drop; i++)
            {
                double weights = hull[i].Kept - hull[i - 1].Kept;
                segments.Add((l.Name, hull[i].Quality, hull[i - 1].Quality, weights, (hull[i - 1].Drop - hull[i].Drop) / weights));
            }
        }

        // Steepest first; within a layer the hull's slopes already fall, so its segments stay in order.
        foreach (var s in segments.OrderByDescending(s => s.Slope))
        {
            if (budget <= 0)
            {
                break;
            }

            double t = Math.Min(1, budget / s.Weights);
            quality[s.Layer] = s.HarshQ + (t * (s.MildQ - s.HarshQ));
            budget -= s.Weights;
        }

        return quality.ToDictionary(q => q.Key, q => Math.Round(q.Value, 3), StringComparer.Ordinal);
    }

    private static double Cross((double X, double Y, double Q) o, (double X, double Y, double Q) a, (double X, double Y, double Q) b) =>
        ((a.X - o.X) * (b.Y - o.Y)) - ((a.Y - o.Y) * (b.X - o.X));

    private static SearchCandidate Evaluate(CompressionOptions options, SearchTargets targets, SensitivityResult sensitivity, string searchDir, int index, double a, ProgressReporter progress)
    {
        Dictionary<string, double> quality = Qualities(sensitivity, a);
        string dir = Path.Combine(searchDir, string.Create(CultureInfo.InvariantCulture, $"c{index:D2}-a{a:0.####}"));
        Directory.CreateDirectory(dir);
        // Always the current dense network: a folder left by an earlier search with other dense
        // settings may hold another one (its later checkpoints do not match this run's keys and are
        // ignored; matching ones take precedence over the baseline when resuming).
        File.Copy(Path.Combine(Path.GetDirectoryName(searchDir)!, CompressionPipeline.BaselineFile), Path.Combine(dir, CompressionPipeline.BaselineFile), overwrite: true);

        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"search candidate {index + 1}/{targets.MaxCandidates}: aggressiveness {a:0.####} → pruning quality {string.Join(", ", quality.Select(q => $"{q.Key} {q.Value:0.###}"))}"));
        CompressionConfig pruneConfig = Clone(options);
        pruneConfig.Prune.Quality = quality;
        var bits = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            // Prune and retrain, then pick bits on the pruned network.
            using (PipelineSession session = PipelineSession.Open(With(options, pruneConfig, Path.Combine(dir, "model.dcz"), dir, progress, resume: true), progress, "dcz compress (search)"))
            {
                session.ExecuteThrough(PipelineStage.Prune);
                options.Cancellation.ThrowIfCancellationRequested();
                SensitivityResult pruned = Sensitivity.Measure(session, SensitivityStage.Pruned, new[] { 0.0 }, SensitivityAnalysis.DefaultBits);
                // The pruned network's weight-sharing curves stay in the candidate's folder (the
                // bits were chosen on them).
                Sensitivity.Write(dir, pruned, null);
                double budget = BitsBudget(targets, pruned);
                foreach (KeyValuePair<string, int> b in ChooseBits(pruned, budget))
                {
                    bits[b.Key] = b.Value;
                }

                progress.Line(string.Create(CultureInfo.InvariantCulture,
                    $"search candidate {index + 1}: pruned network {pruned.ReferenceAccuracy * 100:F2} % on validation; bits (the layers may lose {budget * 100:0.###} points in sum before fine-tuning) {string.Join(", ", bits.Select(b => $"{b.Key} {b.Value}"))}"));
            }

            CompressionConfig finalConfig = Clone(options);
            finalConfig.Prune.Quality = quality;
            finalConfig.Quantize.Bits = bits;
            using PipelineSession final = PipelineSession.Open(With(options, finalConfig, Path.Combine(dir, "model.dcz"), dir, progress, resume: true), progress, "dcz compress (search)");
            final.ExecuteThrough(PipelineStage.Complete);
            options.Cancellation.ThrowIfCancellationRequested();
            CompressionResult r = CompressionPipeline.WriteFile(final);
            double ratio = (double)r.DenseBytes / r.FileBytes;
            double accuracy = r.ValidationAccuracy ?? 0;
            bool eligible = (targets.MaxError is not double me || WithinError(1 - accuracy, me)) && (targets.MinRatio is not double mr || ratio >= mr);
            return new SearchCandidate(index, a, quality, bits, r.FileBytes, ratio, accuracy, eligible);
        }
        catch (InvalidOperationException e)
        {
            // Too harsh to train or quantize (a layer lost every weight, training diverged twice).
            progress.Line($"search candidate {index + 1} failed: {e.Message}");
            return new SearchCandidate(index, a, quality, bits, 0, 0, 0, false, e.Message);
        }
    }

    /// <summary>
    /// The validation accuracy (0–1) weight sharing may cost in sum over the layers, measured
    /// before fine-tuning: <see cref="SearchTargets.BitsDrop"/> per layer when set; else
    /// <see cref="FineTuneCredit"/> times the headroom between the pruned network's error and the
    /// error target, at least 0.1 and at most 1 point per layer (0.1 per layer without an error target).
    /// </summary>
    internal static double BitsBudget(SearchTargets targets, SensitivityResult pruned)
    {
        int layers = pruned.Layers.Count;
        if (targets.BitsDrop is double perLayer)
        {
            return perLayer * layers;
        }

        return targets.MaxError is double e
            ? Math.Clamp(FineTuneCredit * (e - (1 - pruned.ReferenceAccuracy)), MinBitsDrop * layers, MaxBitsDrop * layers)
            : MinBitsDrop * layers;
    }

    /// <summary>
    /// Per-layer bits that make the smallest estimated file whose summed weight-sharing drop
    /// (each layer quantized alone on the pruned network, no fine-tuning) is within
    /// <paramref name="budget"/> (0–1): the budget goes where it saves the most bytes per point lost,
    /// which a flat per-layer allowance does not do (a large layer saves far more per bit).
    /// </summary>
    /// <remarks>
    /// A layer's bytes at b bits are estimated as its kept weights × the entropy of its codebook
    /// indices (about what Huffman coding needs) plus a float32 codebook; the index stream and the
    /// biases do not depend on the bits. Drops are counted in validation images (the accuracies are
    /// image counts), a gain counts as no drop, and the choice is exact: a knapsack over the layers
    /// by dynamic programming on the image count. Of equal estimates the one with the smaller summed
    /// drop wins. A layer without measured bits keeps 8.
    /// </remarks>
    internal static Dictionary<string, int> ChooseBits(SensitivityResult pruned, double budget)
    {
        int images = pruned.Images;
        int capacity = Math.Max(0, (int)Math.Floor((budget * images) + 1e-6));
        var layers = pruned.Layers;

        // best[c]: (bytes, choice per layer so far) with summed drop exactly c images.
        var best = new (double Bytes, int[] Bits)?[capacity + 1];
        best[0] = (0, Array.Empty<int>());
        foreach (LayerSensitivity l in layers)
        {
            var options = l.Bits.Count == 0
                ? new List<(int Bits, int Drop, double Bytes)> { (8, 0, 0) }
                : l.Bits.Select(p => (p.Bits, Drop: Math.Max(0, (int)Math.Round((pruned.ReferenceAccuracy - p.Accuracy) * images)), Bytes: (l.Kept * p.EntropyBits / 8) + (4.0 * p.Centroids)))
                    .OrderByDescending(o => o.Bits)
                    .ToList();
            var next = new (double Bytes, int[] Bits)?[capacity + 1];
            for (int c = 0; c <= capacity; c++)
            {
                if (best[c] is not (double bytes, int[] chosen))
                {
                    continue;
                }

                foreach ((int b, int drop, double layerBytes) in options)
                {
                    int total = c + drop;
                    if (total > capacity)
                    {
                        continue;
                    }

                    double sum = bytes + layerBytes;
                    if (next[total] is not (double have, _) || sum < have - 1e-9)
                    {
                        next[total] = (sum, chosen.Append(b).ToArray());
                    }
                }
            }

            best = next;
        }

        int[]? pick = null;
        double least = double.MaxValue;
        for (int c = 0; c <= capacity; c++)
        {
            if (best[c] is (double bytes, int[] chosen) && bytes < least - 1e-9)
            {
                least = bytes;
                pick = chosen;
            }
        }

        // No combination fits when some layer loses more than the budget at every measured width:
        // then every layer keeps its widest.
        pick ??= layers.Select(l => l.Bits.Count == 0 ? 8 : l.Bits.Max(p => p.Bits)).ToArray();
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            result[layers[i].Name] = pick[i];
        }

        return result;
    }

    /// <summary>The best eligible candidate; when none is eligible, the closest to the targets.</summary>
    internal static SearchCandidate Choose(IReadOnlyList<SearchCandidate> tried, SearchTargets targets, out bool met)
    {
        var ok = tried.Where(c => c.Failure is null).ToList();
        if (ok.Count == 0)
        {
            throw new InvalidOperationException("every search candidate failed: " + string.Join("; ", tried.Select(c => c.Failure)));
        }

        var eligible = ok.Where(c => c.Eligible).ToList();
        met = eligible.Count > 0;
        if (met)
        {
            return targets.MaxError is not null
                ? eligible.OrderBy(c => c.FileBytes).ThenBy(c => c.ValidationError).First()
                : eligible.OrderBy(c => c.ValidationError).ThenBy(c => c.FileBytes).First();
        }

        // Closest: with an error target the most accurate file; with only a ratio target the smallest.
        return targets.MaxError is not null
            ? ok.OrderBy(c => c.ValidationError).ThenBy(c => c.FileBytes).First()
            : ok.OrderBy(c => c.FileBytes).First();
    }

    private static CompressionResult Finish(CompressionOptions options, SearchCandidate chosen, string searchDir, ProgressReporter progress)
    {
        // Re-open the chosen candidate: its checkpoints are complete, so this only encodes and
        // writes, now to the real output and report folder.
        CompressionConfig config = Clone(options);
        config.Prune.Quality = chosen.Quality.ToDictionary(StringComparer.Ordinal);
        config.Quantize.Bits = chosen.Bits.ToDictionary(StringComparer.Ordinal);
        string dir = Path.Combine(searchDir, string.Create(CultureInfo.InvariantCulture, $"c{chosen.Index:D2}-a{chosen.Aggressiveness:0.####}"));
        CompressionOptions final = options with { Config = config, WorkDirectory = dir, Resume = true, Progress = progress, StopAfterSteps = null };
        using PipelineSession session = PipelineSession.Open(final, progress, "dcz compress (search result)");
        session.ExecuteThrough(PipelineStage.Complete);
        return CompressionPipeline.WriteFile(session);
    }

    private static SensitivityResult LoadOrMeasureSensitivity(PipelineSession session, string path, string key)
    {
        if (File.Exists(path))
        {
            try
            {
                CachedSensitivity? cached = JsonSerializer.Deserialize<CachedSensitivity>(File.ReadAllText(path), Sensitivity.JsonOptions);
                if (cached is not null && cached.Key == key)
                {
                    session.Progress.Line($"search: pruning sensitivity of the dense network from {path}");
                    return cached.Result;
                }
            }
            catch (JsonException)
            {
                // Not ours or damaged: measure again.
            }
        }

        SensitivityResult result = Sensitivity.Measure(session, SensitivityStage.Baseline, SensitivityAnalysis.DefaultQualities, Array.Empty<int>());
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new CachedSensitivity(key, result), Sensitivity.JsonOptions));
        return result;
    }

    private static CompressionConfig Clone(CompressionOptions options) =>
        ConfigLoader.Load(options.Architecture, ConfigLoader.ToJson(options.Config));

    /// <summary>A candidate's run: its own settings, output and work folder; no report folder or command line of the user's.</summary>
    private static CompressionOptions With(CompressionOptions options, CompressionConfig config, string output, string work, ProgressReporter progress, bool resume) =>
        options with { Config = config, OutputPath = output, ReportDirectory = null, WorkDirectory = work, Resume = resume, CommandLine = null, Progress = progress, StopAfterSteps = null };

    private static string Describe(SearchCandidate c, SearchTargets targets, int index) => c.Failure is not null
        ? string.Create(CultureInfo.InvariantCulture, $"search candidate {index + 1}: failed ({c.Failure})")
        : string.Create(CultureInfo.InvariantCulture,
            $"search candidate {index + 1}: {c.FileBytes:N0} bytes ({c.Ratio:F1}×), validation error {c.ValidationError * 100:F2} % — {(c.Eligible ? "meets" : "misses")} {targets.Describe()}");

    private static void WriteReport(string directory, IReadOnlyList<SearchCandidate> tried, SearchCandidate chosen, bool met, SearchTargets targets, SensitivityResult sensitivity, string? commandLine)
    {
        Directory.CreateDirectory(directory);
        var sb = new StringBuilder();
        void Line(FormattableString s) => sb.AppendLine(s.ToString(CultureInfo.InvariantCulture));
        Line($"# Target search: {sensitivity.Model}");
        sb.AppendLine();
        if (commandLine is not null)
        {
            sb.AppendLine("```");
            sb.AppendLine(commandLine);
            sb.AppendLine("```");
            sb.AppendLine();
        }

        Line($"Target: {targets.Describe()}, on the {sensitivity.Images:N0}-image validation split. {(met ? $"Met by candidate {chosen.Index + 1}, written as the output." : $"**Not met** by any of the {tried.Count} candidates; the closest, candidate {chosen.Index + 1}, was written.")}");
        sb.AppendLine();
        sb.AppendLine("Each candidate lets the network keep 1/*aggressiveness* of its weights and shares them among the layers so that the validation accuracy pruning each layer alone costs the dense network, without retraining, is least in sum (see the sensitivity tables); after pruning and retraining, the bits are the combination with the fewest estimated bytes whose weight-sharing drops (each layer alone, before fine-tuning) stay within a budget in sum (the pruned network's table: `sensitivity.md` in the candidate's folder). Only validation figures are listed: the test set is measured only for the accuracy recorded in the written file (see report.md).");
        sb.AppendLine();
        string layers = string.Join(" / ", sensitivity.Layers.Select(l => l.Name));
        sb.AppendLine($"| # | Aggressiveness (total / kept weights, dense curves) | Quality {layers} | Bits {layers} | Bytes | Ratio | Validation error | Meets target |");
        sb.AppendLine("|---:|---:|---|---|---:|---:|---:|---|");
        foreach (SearchCandidate c in tried)
        {
            string q = string.Join(" / ", sensitivity.Layers.Select(l => c.Quality.TryGetValue(l.Name, out double v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : "–"));
            string b = string.Join(" / ", sensitivity.Layers.Select(l => c.Bits.TryGetValue(l.Name, out int v) ? v.ToString(CultureInfo.InvariantCulture) : "–"));
            if (c.Failure is null)
            {
                Line($"| {c.Index + 1}{(c == chosen ? " (written)" : string.Empty)} | {c.Aggressiveness:0.####} | {q} | {b} | {c.FileBytes:N0} | {c.Ratio:F1}× | {c.ValidationError * 100:F2} % | {(c.Eligible ? "yes" : "no")} |");
            }
            else
            {
                Line($"| {c.Index + 1} | {c.Aggressiveness:0.####} | {q} | {b} | – | – | – | failed: {c.Failure} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("![candidates: ratio vs validation error](search.png)");
        sb.AppendLine();
        sb.AppendLine("Sensitivity of the dense network: [sensitivity.md](sensitivity.md).");
        AtomicFile.WriteAllText(Path.Combine(directory, "search.md"), sb.ToString());
        AtomicFile.WriteAllBytes(Path.Combine(directory, "search.png"), Plot(tried, chosen, targets, sensitivity.Model));
    }

    internal static byte[] Plot(IReadOnlyList<SearchCandidate> tried, SearchCandidate chosen, SearchTargets targets, string model)
    {
        Plot plot = Charts.Create($"{model}: search candidates", "validation error (%)", "compression ratio (×)");
        var ok = tried.Where(c => c.Failure is null).ToList();
        var points = plot.Add.ScatterPoints(ok.Select(c => c.ValidationError * 100).ToArray(), ok.Select(c => c.Ratio).ToArray(), Charts.Blue);
        points.MarkerSize = 9;
        points.LegendText = "candidates";
        foreach (SearchCandidate c in ok)
        {
            var label = plot.Add.Text((c.Index + 1).ToString(CultureInfo.InvariantCulture), c.ValidationError * 100, c.Ratio);
            label.LabelFontName = Charts.FontName;
            label.LabelFontSize = 12;
            label.OffsetX = 6;
            label.OffsetY = -6;
        }

        if (chosen.Failure is null)
        {
            var mark = plot.Add.Marker(chosen.ValidationError * 100, chosen.Ratio, MarkerShape.OpenCircle, 18, Charts.Red);
            mark.LegendText = "written";
        }

        if (targets.MaxError is double e)
        {
            plot.Add.VerticalLine(e * 100, 1, Charts.Grey, LinePattern.Dashed).LegendText = "target error";
        }

        if (targets.MinRatio is double r)
        {
            plot.Add.HorizontalLine(r, 1, Charts.Grey, LinePattern.Dotted).LegendText = "target ratio";
        }

        plot.Legend.FontName = Charts.FontName;
        plot.ShowLegend(Alignment.LowerRight);
        return Charts.Png(plot, 720, 440);
    }

    private sealed record CachedSensitivity(string Key, SensitivityResult Result);

    /// <summary>The finished candidates of a search, kept in <c>search.json</c> so an interrupted search resumes.</summary>
    private sealed class SearchLog
    {
        private readonly string _path;
        private readonly string _key;
        private readonly List<SearchCandidate> _done;

        private SearchLog(string path, string key, List<SearchCandidate> done)
        {
            _path = path;
            _key = key;
            _done = done;
        }

        public static SearchLog Load(string path, string key)
        {
            if (File.Exists(path))
            {
                try
                {
                    LogFile? file = JsonSerializer.Deserialize<LogFile>(File.ReadAllText(path), Sensitivity.JsonOptions);
                    if (file is not null && file.Key == key)
                    {
                        return new SearchLog(path, key, file.Candidates.ToList());
                    }
                }
                catch (JsonException)
                {
                    // Damaged or another version: start over (candidate checkpoints still resume).
                }
            }

            return new SearchLog(path, key, new List<SearchCandidate>());
        }

        public SearchCandidate? Find(int index, double aggressiveness) =>
            _done.FirstOrDefault(c => c.Index == index && c.Aggressiveness == aggressiveness);

        public void Record(SearchCandidate candidate)
        {
            _done.RemoveAll(c => c.Index == candidate.Index);
            _done.Add(candidate);
            AtomicFile.WriteAllText(_path, JsonSerializer.Serialize(new LogFile(_key, _done.OrderBy(c => c.Index).ToList()), Sensitivity.JsonOptions));
        }

        private sealed record LogFile(string Key, IReadOnlyList<SearchCandidate> Candidates);
    }
}
