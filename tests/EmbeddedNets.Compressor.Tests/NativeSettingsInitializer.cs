using System.Runtime.CompilerServices;
using EmbeddedNets.Compressor.Models;

namespace EmbeddedNets.Compressor.Tests;

internal static class NativeSettingsInitializer
{
    /// <summary>
    /// Runs the compressor's module initializer (which caps oneDNN, see Training.NativeSettings)
    /// as this test assembly loads, before any test can reach a convolution: oneDNN reads the cap
    /// once, at its first use, and tests that call TorchSharp directly would otherwise race it.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => RuntimeHelpers.RunModuleConstructor(typeof(SpecNetwork).Module.ModuleHandle);
}
