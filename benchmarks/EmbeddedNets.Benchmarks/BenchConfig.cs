using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace EmbeddedNets.Benchmarks;

/// <summary>
/// One job sized for a shared 2-core machine: in-process (no per-run rebuild of a project that
/// carries libtorch), 1 launch, 4 warm-up and 15 measured iterations of ≥ 250 ms each — enough for
/// stable medians of microsecond calls within the script's time budget.
/// </summary>
internal sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(4)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("Bench"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumnProvider(DefaultColumnProviders.Descriptor, DefaultColumnProviders.Params);
        AddColumn(StatisticColumn.Median, StatisticColumn.Mean, StatisticColumn.StdDev, BaselineRatioColumn.RatioMean);
        AddColumn(new PerSampleColumn(), new NsPerNonzeroColumn());
        AddColumnProvider(DefaultColumnProviders.Metrics);
        AddExporter(MarkdownExporter.GitHub, JsonExporter.Full);
        AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value).WithTimeUnit(TimeUnit.Microsecond));
    }
}

/// <summary>Median time per sample: the median over the batch size.</summary>
internal sealed class PerSampleColumn : IColumn
{
    public string Id => "PerSample";

    public string ColumnName => "µs/sample";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Median time divided by the batch size, in microseconds";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
        int batch = Convert.ToInt32(benchmarkCase.Parameters["Batch"], CultureInfo.InvariantCulture);
        return median is null ? "NA" : (median.Value / batch / 1000).ToString("F2", CultureInfo.InvariantCulture);
    }
}

/// <summary>Median nanoseconds per kept (nonzero) weight per sample: how close to "only the nonzeros cost" each engine gets.</summary>
internal sealed class NsPerNonzeroColumn : IColumn
{
    public string Id => "NsPerNonzero";

    public string ColumnName => "ns/nonzero";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Median time per sample divided by the model's kept (nonzero) weights, in nanoseconds";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
        string model = (string)benchmarkCase.Parameters["Model"];
        int batch = Convert.ToInt32(benchmarkCase.Parameters["Batch"], CultureInfo.InvariantCulture);
        long nonzeros = BenchCase.Get(model).Nonzeros;
        return median is null ? "NA" : (median.Value / batch / nonzeros).ToString("F4", CultureInfo.InvariantCulture);
    }
}
