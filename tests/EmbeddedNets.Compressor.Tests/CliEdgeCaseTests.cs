using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EmbeddedNets.Compressor.Tests;

/// <summary>
/// What a careless user or a killed run does to dcz (issue 15 item 4): bad config values, a bad
/// --out, an interrupt, stale temporary files, argument errors. Each ends in one clear line.
/// </summary>
[Collection("torch")]
public sealed class CliEdgeCaseTests : IDisposable
{
    /// <summary>No training at all: the pipeline goes straight to k-means and encoding.</summary>
    private const string NoTraining = """{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 0 }, "prune": { "iterations": 0 }, "quantize": { "epochs": 0 } }""";

    private static readonly string s_slice = Path.Combine(AppContext.BaseDirectory, "mnist-slice");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dcz-edge-" + Guid.NewGuid().ToString("N"));

    public CliEdgeCaseTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Config(string json)
    {
        string path = Path.Combine(_dir, "config-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private static void AssertOneLine(string err)
    {
        Assert.StartsWith("dcz: ", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", err);
    }

    [Theory]
    [InlineData("""{ "baseline": null }""", "baseline must be an object (is null)")]
    [InlineData("""{ "quantize": { "bits": null } }""", "quantize.bits must be an object of layer names to integers (is null)")]
    [InlineData("""{ "quantize": { "bits": { "ip1": "four" } } }""", "quantize.bits.ip1 must be an integer (is \"four\")")]
    [InlineData("""{ "batchSize": "64" }""", "batchSize must be an integer (is \"64\")")]
    [InlineData("""{ "prune": { "epochs": 2.5 } }""", "prune.epochs must be an integer (is 2.5)")]
    [InlineData("""{ "prune": { "learningRate": true } }""", "prune.learningRate must be a number (is true)")]
    [InlineData("""{ "quantize": { "init": "Fancy" } }""", "quantize.init must be one of \"Linear\", \"Density\", \"Random\" (is \"Fancy\")")]
    [InlineData("""{ "baseline": { "schedule": 1 } }""", "baseline.schedule must be one of \"Constant\", \"Cosine\" (is 1)")]
    [InlineData("""{ "prune": { "quality": [1, 2] } }""", "prune.quality must be an object of layer names to numbers (is [1,2])")]
    [InlineData("""{ "prune": { "quality": { "ip1": null } } }""", "prune.quality.ip1 must be a number (is null)")]
    [InlineData("""{ "encode": 3 }""", "encode must be an object (is 3)")]
    [InlineData("""{ "epochz": 3 }""", "unknown setting 'epochz' (known: batchSize, validation, baseline, prune, quantize, encode)")]
    [InlineData("""{ "prune": { "iteration": 3 } }""", "unknown setting 'prune.iteration' (known: iterations, quality, groupLasso, removeDeadUnits, epochs, learningRate, schedule, minLearningRateFraction, momentum, weightDecay, maxGradientNorm, shiftPixels)")]
    public void Compress_NullOrWrongTypedConfigValue_Exits2NamingTheKey(string json, string expected)
    {
        string config = Config(json);

        (int code, _, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", Path.Combine(_dir, "o.dcz"), "--config", config);

        Assert.Equal(2, code);
        AssertOneLine(err);
        Assert.Equal($"dcz: {config}: {expected}", err.TrimEnd());
        Assert.DoesNotContain("System.", err);
        Assert.DoesNotContain("EmbeddedNets.", err);
    }

    [Fact]
    public void Compress_OutIsAFolder_Exits2BeforeAnyTraining()
    {
        string output = Path.Combine(_dir, "model.dcz");
        Directory.CreateDirectory(output);

        (int code, string stdout, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", output, "--config", Config(NoTraining));

        Assert.Equal(2, code);
        AssertOneLine(err);
        Assert.Contains($"--out '{output}' is a folder", err);
        Assert.Equal(string.Empty, stdout);
        Assert.False(Directory.Exists(output + ".work"), "nothing may run before --out is checked");
    }

    [Fact]
    public void Compress_OutFolderMissing_Exits2BeforeAnyTraining()
    {
        string output = Path.Combine(_dir, "no", "such", "model.dcz");

        (int code, string stdout, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", output, "--config", Config(NoTraining));

        Assert.Equal(2, code);
        AssertOneLine(err);
        Assert.Contains($"folder '{Path.Combine(_dir, "no", "such")}' does not exist", err);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public void Compress_OutUnderAFile_Exits2BeforeAnyTraining()
    {
        string file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "x");

        (int code, string stdout, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", Path.Combine(file, "model.dcz"), "--config", Config(NoTraining));

        Assert.Equal(2, code);
        AssertOneLine(err);
        Assert.Contains($"'{file}' is a file, not a folder", err);
        Assert.Equal(string.Empty, stdout);
    }

    [SkippableFact]
    public void Compress_OutFolderNotWritable_Exits2BeforeAnyTraining()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX permissions");
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Skip.If(geteuid() == 0, "root writes into read-only folders, so there is no unwritable folder to test with");
        string folder = Path.Combine(_dir, "locked");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            (int code, string stdout, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", Path.Combine(folder, "model.dcz"), "--config", Config(NoTraining));

            Assert.Equal(2, code);
            AssertOneLine(err);
            Assert.Contains($"cannot write in folder '{folder}'", err);
            Assert.Equal(string.Empty, stdout);
        }
        finally
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void Compress_ReportIsAFile_Exits2BeforeAnyTraining()
    {
        string report = Path.Combine(_dir, "report.txt");
        File.WriteAllText(report, "x");

        (int code, string stdout, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", Path.Combine(_dir, "m.dcz"), "--report", report, "--config", Config(NoTraining));

        Assert.Equal(2, code);
        AssertOneLine(err);
        Assert.Contains($"--report '{report}' is a file, not a folder", err);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public void Compress_StaleTemporaryFilesOfADeadProcess_AreRemovedOnTheNextRun()
    {
        string output = Path.Combine(_dir, "m.dcz");
        string work = output + ".work";
        string report = output + ".report";
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(report);
        int dead = DeadProcessId();
        string[] stale =
        [
            Path.Combine(_dir, $".m.dcz.{dead}.3.tmp"),
            Path.Combine(work, $".state.ckpt.{dead}.12.tmp"),
            Path.Combine(report, $".report.md.{dead}.1.tmp"),
        ];

        // A temporary file of a process that is still running (this one) is someone's write in progress.
        string live = Path.Combine(_dir, $".other.dcz.{Environment.ProcessId}.1.tmp");
        string unrelated = Path.Combine(_dir, ".notes.tmp");
        foreach (string path in stale.Append(live).Append(unrelated))
        {
            File.WriteAllText(path, "half-written");
        }

        (int code, string stdout, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", output, "--config", Config(NoTraining), "--stop-after-steps", "0");

        Assert.True(code == 0, err);
        foreach (string path in stale)
        {
            Assert.False(File.Exists(path), $"{path} should have been removed");
            Assert.Contains($"removed {path}", stdout);
        }

        Assert.True(File.Exists(live));
        Assert.True(File.Exists(unrelated));
    }

    [Theory]
    [InlineData("SIGINT")]
    [InlineData("SIGTERM")]
    public async Task Compress_Signal_KeepsTheCheckpointRemovesTemporaryFilesAndExits130(string signal)
    {
        string output = Path.Combine(_dir, "m.dcz");
        string config = Config("""{ "validation": { "fraction": 0.1 }, "baseline": { "epochs": 500, "learningRate": 0.05 }, "prune": { "iterations": 1, "epochs": 1 }, "quantize": { "epochs": 1 } }""");
        string dcz = Path.Combine(AppContext.BaseDirectory, "dcz.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { dcz, "compress", "--model", "lenet-300-100", "--data", s_slice, "--out", output, "--config", config })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = new System.Text.StringBuilder();
        var firstEpoch = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            if (e.Data?.StartsWith("baseline epoch 2/500", StringComparison.Ordinal) == true)
            {
                firstEpoch.TrySetResult();
            }
        };
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            await firstEpoch.Task.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(0, kill(process.Id, signal == "SIGINT" ? 2 : 15));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        await process.WaitForExitAsync();
        string log = stdout.ToString();
        string errors = await stderr;
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{log}\n{errors}");
        Assert.Contains("dcz: interrupted", errors);
        Assert.DoesNotContain("   at ", errors);
        Assert.Matches(@"interrupted: \d+ of 504 steps done and checkpointed in ", log);
        Assert.True(File.Exists(Path.Combine(output + ".work", "state.ckpt")));
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.tmp", SearchOption.AllDirectories));

        // The kept checkpoint is the one the next run continues from.
        (int code, string again, string err) = Run("compress", "--model", "lenet-300-100", "--data", s_slice, "--out", output, "--config", config, "--stop-after-steps", "0");
        Assert.True(code == 0, err);
        Assert.Matches(@"resuming from .*state\.ckpt after step \d+ of 504", again);
    }

    [Theory]
    [InlineData(new[] { "--train", "99999" }, "--train 99999 is more than the 4000 training images in")]
    [InlineData(new[] { "--test", "1001" }, "--test 1001 is more than the 1000 test images in")]
    [InlineData(new[] { "--train", "-1" }, "--train must be an integer in 0–2147483647 (got '-1')")]
    public void Slice_CountOutOfRange_Exits2InOneLine(string[] extra, string expected)
    {
        (int code, _, string err) = Run(["slice", "--data", s_slice, "--out", Path.Combine(_dir, "s"), .. extra]);

        Assert.Equal(2, code);
        AssertOneLine(err);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "s")));
    }

    [Fact]
    public void Slice_MissingDataFolder_Exits2InOneLine()
    {
        (int code, _, string err) = Run("slice", "--data", Path.Combine(_dir, "nope"), "--out", Path.Combine(_dir, "s"));

        Assert.Equal(2, code);
        AssertOneLine(err);
        Assert.Contains($"--data folder '{Path.Combine(_dir, "nope")}' does not exist", err);
    }

    [Fact]
    public void Failure_WithAnArgumentException_IsOneLineWithoutTheParameterSuffix()
    {
        var e = new ArgumentOutOfRangeException("count", 7, "The split has 5 images.");

        Assert.Equal("The split has 5 images. Actual value was 7.", Cli.OneLine(e));
    }

    private static int DeadProcessId()
    {
        for (int pid = 4_000_000; ; pid--)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
            }
            catch (ArgumentException)
            {
                return pid;
            }
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc")]
    private static extern uint geteuid();
}
