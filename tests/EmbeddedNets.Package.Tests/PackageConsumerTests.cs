using System.Globalization;
using System.Reflection;
using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Package.Tests;

/// <summary>
/// The user's path: pack EmbeddedNets.Runtime and EmbeddedNets.Generator into a folder feed,
/// create a new console project outside the repository that references the generator package
/// and lists a binary .dcz as AdditionalFiles, build it, run it, and compare its output with the
/// Runtime's own inference.
/// </summary>
public sealed class PackageConsumerTests : IDisposable
{
    private static readonly string s_root = Metadata("RepositoryRoot");
    private static readonly string s_configuration = Metadata("Configuration");
    private readonly TempFolder _temp = new("embeddednets-package");

    private string Work => _temp.FullPath;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ConsumerOfPackages_BuildsAndPredictsLikeTheRuntime()
    {
        string feed = Path.Combine(Work, "feed");
        Directory.CreateDirectory(feed);
        foreach (string project in new[] { "src/Runtime/EmbeddedNets.Runtime.csproj", "src/Generator/EmbeddedNets.Generator.csproj" })
        {
            Dotnet(s_root, inheritBuildSettings: true, "pack", Path.Combine(s_root, project), "-c", s_configuration, "--no-build", "-o", feed);
        }

        string[] packages = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(new[] { "EmbeddedNets.Generator.0.1.0.nupkg", "EmbeddedNets.Runtime.0.1.0.nupkg" }, packages);

        // A dense and a conv model, one per emission mode.
        DczModel mlp = DczTestModels.RandomMlp(new Random(41), 41);
        DczModel cnn = DczTestModels.RandomCnn(new Random(42), 42);
        string app = Path.Combine(Work, "Consumer");
        Directory.CreateDirectory(Path.Combine(app, "Models"));
        File.WriteAllBytes(Path.Combine(app, "Models", "tiny-mlp.dcz"), DczFile.Write(mlp));
        File.WriteAllBytes(Path.Combine(app, "Models", "tiny-cnn.dcz"), DczFile.Write(cnn));
        File.WriteAllText(Path.Combine(Work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Work, "packages")}" />
              </config>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RootNamespace>Consumer</RootNamespace>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="EmbeddedNets.Generator" Version="0.1.0" />
              </ItemGroup>
              <ItemGroup>
                <AdditionalFiles Include="Models/tiny-mlp.dcz" EmissionMode="Unrolled" />
                <AdditionalFiles Include="Models/tiny-cnn.dcz" ClassName="TinyConv" EmissionMode="Compact" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Globalization;
            using Consumer;

            Print("mlp", TinyMlp.InputLength, TinyMlp.OutputLength, TinyMlp.Predict);
            Print("cnn", TinyConv.InputLength, TinyConv.OutputLength, TinyConv.Predict);

            """ + ConsumerProgram.PrintFunction);

        string output = Dotnet(app, inheritBuildSettings: false, "run", "-c", "Release");
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(Expected("mlp", mlp), lines);
        Assert.Contains(Expected("cnn", cnn), lines);
    }

    private static string Expected(string name, DczModel model)
    {
        CompactModel compact = CompactModel.Create(model);
        var y = new float[compact.OutputLength];
        compact.Run(ConsumerProgram.Input(compact.InputLength), y);
        return ConsumerProgram.Line(name, y);
    }

    private static string Metadata(string key) =>
        typeof(PackageConsumerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException("missing assembly metadata " + key);

    // Packing finds this repository's outputs where they were built; the consumer must not
    // inherit the repository's artifacts folder.
    private static string Dotnet(string directory, bool inheritBuildSettings, params string[] args) =>
        DotnetCli.Run(
            directory,
            inheritBuildSettings ? new Dictionary<string, string?>() : new Dictionary<string, string?> { ["EMBEDDEDNETS_ARTIFACTS"] = null },
            TimeSpan.FromMinutes(5),
            args);
}
