using EmbeddedNets.Inference;
using EmbeddedNets.Runtime.Tests.Inference;

namespace EmbeddedNets.Runtime.Tests;

/// <summary>
/// The test assembly's entry point (the test host never calls it). <c>dotnet exec
/// EmbeddedNets.Runtime.Tests.dll --kernel-paths</c> prints the kernel paths this process chose,
/// runs <see cref="KernelAgreement.All"/> on every path it supports and prints a digest of
/// CompactModel's outputs; <see cref="KernelPathTests"/> runs it under narrowed instruction sets.
/// </summary>
public static class KernelPathProgram
{
    public static int Main(string[] args)
    {
        if (args is not ["--kernel-paths"])
        {
            Console.Error.WriteLine("usage: dotnet exec EmbeddedNets.Runtime.Tests.dll --kernel-paths");
            return 2;
        }

        Console.WriteLine("active " + KernelPaths.Active);
        Console.WriteLine("masked " + KernelPaths.ActiveMasked);
        foreach (KernelPath path in KernelAgreement.AllPaths.Where(KernelPaths.IsSupported))
        {
            KernelAgreement.All(path);
            Console.WriteLine("checked " + path);
        }

        Console.WriteLine("digest " + KernelAgreement.ModelDigest());
        return 0;
    }
}
