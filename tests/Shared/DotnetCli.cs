using System.Diagnostics;
using Xunit;

namespace EmbeddedNets.Tests.Shared;

/// <summary>Runs the <c>dotnet</c> CLI for tests that build real projects (the user's path).</summary>
public static class DotnetCli
{
    /// <summary>
    /// Runs <c>dotnet args</c> in <paramref name="directory"/> and returns its standard output;
    /// fails the test with both outputs when it exits non-zero, and kills it after
    /// <paramref name="timeout"/>. <paramref name="environment"/> sets variables (a null value removes one).
    /// </summary>
    public static string Run(string directory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string? value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} in {directory} did not finish in {timeout.TotalMinutes:F0} minutes");
        }

        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} in {directory} exited with {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
