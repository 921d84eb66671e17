using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EmbeddedNets.Compressor.Training;

/// <summary>
/// Settings the native libraries under TorchSharp read from the environment, applied when this
/// assembly loads (before any convolution runs).
/// </summary>
/// <remarks>
/// libtorch 2.10's oneDNN (TorchSharp 0.107) misbehaves on this project's AVX-512 (AMD Zen 4)
/// build machines with its AVX, AVX2 and AVX-512 code paths: float32 <c>conv2d</c> with 20 input
/// channels is ~40 % off, and LeNet-5 training turns conv1's weights into NaN at a random batch in
/// about one epoch in four (a rerun of the same epoch from the same state completes, so the
/// fault is nondeterministic). With oneDNN capped at SSE4.1 both are gone (measured: 159 capped
/// LeNet-5 epochs without a NaN, where an uncapped run had to rerun 4 of 15 epochs and three
/// others diverged twice in their first epoch; see docs/results.md), at ~1.6× the time per
/// LeNet-5 epoch (~25 → ~40 s); dense layers do not use oneDNN.
/// A value the user set for <c>ONEDNN_MAX_CPU_ISA</c> is kept.
/// </remarks>
internal static partial class NativeSettings
{
    /// <summary>The variable oneDNN reads its instruction-set cap from.</summary>
    public const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap applied when the user set none.</summary>
    public const string OneDnnIsa = "SSE41";

    [ModuleInitializer]
    internal static void Apply()
    {
        if (Environment.GetEnvironmentVariable(OneDnnIsaVariable) is null)
        {
            SetNative(OneDnnIsaVariable, OneDnnIsa);
        }
    }

    // .NET keeps its own copy of the environment on Unix, so Environment.SetEnvironmentVariable
    // does not reach getenv() in native code; setenv does. On Windows the process environment
    // block is the one native code reads.
    private static void SetNative(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (OperatingSystem.IsLinux())
        {
            _ = SetEnvLinux(name, value, 1);
        }
        else if (OperatingSystem.IsMacOS())
        {
            _ = SetEnvMac(name, value, 1);
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvLinux(string name, string value, int overwrite);

    [LibraryImport("libSystem.dylib", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvMac(string name, string value, int overwrite);
}
