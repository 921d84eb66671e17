using System.Runtime.InteropServices;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Inference;

/// <summary>
/// Every kernel path runs on this machine: child processes of the test assembly
/// (<see cref="KernelPathProgram"/>) start with the runtime's instruction-set switches narrowed,
/// report which path each kernel took, check every path they support against the scalar reference,
/// and must compute CompactModel outputs identical to this process's.
/// </summary>
public sealed class KernelPathTests
{
    /// <summary>Switch, its value, the widest path it allows, and whether the 128-bit masked kernel keeps its byte shuffle.</summary>
    public static TheoryData<string, string, KernelPath, bool> Narrowings => new()
    {
        { "DOTNET_EnableAVX512", "0", KernelPath.Vector256, true },
        { "DOTNET_EnableAVX2", "0", KernelPath.Vector128, true },
        { "DOTNET_EnableSSE42", "0", KernelPath.Vector128, false }, // x86-64-v1: SSE2 only, no pshufb
        { "DOTNET_EnableHWIntrinsic", "0", KernelPath.Scalar, false },
    };

    [Theory]
    [MemberData(nameof(Narrowings))]
    public void ChildProcess_NarrowedInstructionSet_TakesTheNarrowerPathAndComputesTheSameOutputs(string variable, string value, KernelPath cap, bool shuffle)
    {
        bool x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        if (!x64 && variable != "DOTNET_EnableHWIntrinsic")
        {
            return; // the x86 switches mean nothing elsewhere
        }

        string output = RunChild(new Dictionary<string, string?> { [variable] = value });
        KernelPath active = (KernelPath)Math.Min((int)KernelPaths.Active, (int)cap);
        KernelPath masked = active == KernelPath.Vector128 && !shuffle ? KernelPath.Scalar : active;
        Assert.Contains("active " + active + "\n", output, StringComparison.Ordinal);
        Assert.Contains("masked " + masked + "\n", output, StringComparison.Ordinal);
        foreach (KernelPath path in KernelAgreement.AllPaths)
        {
            if (path <= active)
            {
                Assert.Contains("checked " + path + "\n", output, StringComparison.Ordinal);
            }
            else
            {
                Assert.DoesNotContain("checked " + path + "\n", output, StringComparison.Ordinal);
            }
        }

        Assert.Contains("digest " + KernelAgreement.ModelDigest() + "\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ChildProcess_Unnarrowed_ReportsThisProcesssPaths()
    {
        string output = RunChild(new Dictionary<string, string?>());
        Assert.Contains("active " + KernelPaths.Active + "\n", output, StringComparison.Ordinal);
        Assert.Contains("masked " + KernelPaths.ActiveMasked + "\n", output, StringComparison.Ordinal);
    }

    private static string RunChild(Dictionary<string, string?> environment)
    {
        string assembly = typeof(KernelPathProgram).Assembly.Location;
        // Whatever this process was started with must not leak into the child's choice.
        foreach (string inherited in new[] { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableAVX", "DOTNET_EnableSSE42", "DOTNET_EnableHWIntrinsic", "DOTNET_PreferredVectorBitWidth" })
        {
            environment.TryAdd(inherited, null);
        }

        return DotnetCli.Run(Path.GetDirectoryName(assembly)!, environment, TimeSpan.FromMinutes(3), "exec", assembly, "--kernel-paths").ReplaceLineEndings("\n");
    }
}
