extern alias RuntimeAsm;

using System.Globalization;
using EmbeddedNets.Format;
using EmbeddedNets.Tests.Shared;
using CompactModel = RuntimeAsm::EmbeddedNets.Inference.CompactModel;

namespace EmbeddedNets.Generator.Tests;

/// <summary>
/// The build logic for real: a new project outside the repository references the generator
/// project (with the documented imports) and lists binary .dcz files as AdditionalFiles.
/// `dotnet build` must succeed (no CS2015), the program must print what CompactModel computes, and
/// a second build must leave the text forms alone. Slow (it builds the Runtime and the generator
/// in a private artifacts folder); no timing is asserted.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BuildLogicTests : IDisposable
{
    private readonly TempFolder _temp = new("embeddednets-buildlogic");

    private string Work => _temp.FullPath;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void DotnetBuild_BinaryDczViaProjectReference_BuildsAndPredictsLikeTheRuntime()
    {
        string root = DiagnosticTests.RepositoryRoot();
        string app = Path.Combine(Work, "app");
        Directory.CreateDirectory(Path.Combine(app, "Models", "more"));
        DczModel mlp = DczTestModels.RandomMlp(new Random(21), 21);
        DczModel cnn = DczTestModels.RandomCnn(new Random(22), 22);
        File.WriteAllBytes(Path.Combine(app, "Models", "tiny-mlp.dcz"), DczFile.Write(mlp));
        File.WriteAllBytes(Path.Combine(app, "Models", "more", "tiny-mlp.dcz"), DczFile.Write(cnn));
        string generator = Path.Combine(root, "src", "Generator");
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{generator}/build/EmbeddedNets.Generator.props" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RootNamespace>my-app</RootNamespace>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{generator}/EmbeddedNets.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <ProjectReference Include="{root}src/Runtime/EmbeddedNets.Runtime.csproj" />
                <AdditionalFiles Include="Models/tiny-mlp.dcz" EmissionMode="Unrolled" />
                <AdditionalFiles Include="Models/more/tiny-mlp.dcz" ClassName="TinyConv" Namespace="Other.Models" Visibility="internal" EmissionMode="Compact" />
              </ItemGroup>
              <Import Project="{generator}/build/EmbeddedNets.Generator.targets" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Globalization;

            Print("mlp", my_app.TinyMlp.InputLength, my_app.TinyMlp.OutputLength, my_app.TinyMlp.Predict);
            Print("cnn", Other.Models.TinyConv.InputLength, Other.Models.TinyConv.OutputLength, Other.Models.TinyConv.Predict);

            """ + ConsumerProgram.PrintFunction);

        Dotnet(app, "build");
        string[] texts = Directory.GetFiles(app, "*.dcz.txt", SearchOption.AllDirectories);
        Assert.Equal(2, texts.Length);
        DateTime[] written = texts.Select(File.GetLastWriteTimeUtc).ToArray();

        string[] lines = Dotnet(app, "run", "--no-build").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(Expected("mlp", mlp), lines);
        Assert.Contains(Expected("cnn", cnn), lines);

        // Touching a model without changing it does not rewrite its text form (so the compiler need not rerun).
        File.SetLastWriteTimeUtc(Path.Combine(app, "Models", "tiny-mlp.dcz"), DateTime.UtcNow);
        Dotnet(app, "build");
        Assert.Equal(written, texts.Select(File.GetLastWriteTimeUtc).ToArray());
    }

    [Fact]
    public void BuildLogic_SameDczListedThreeWays_CountsTheListingsForDcz009()
    {
        // The compiler collapses the three listings into one text form with the last listing's
        // metadata; only the build logic sees them all, and passes the count on (DczListings).
        string generator = Path.Combine(DiagnosticTests.RepositoryRoot(), "src", "Generator");
        string app = Path.Combine(Work, "listings");
        Directory.CreateDirectory(Path.Combine(app, "Models"));
        File.WriteAllBytes(Path.Combine(app, "Models", "net.dcz"), [1]);
        File.WriteAllBytes(Path.Combine(app, "Models", "other.dcz"), [2]);
        File.WriteAllText(Path.Combine(app, "Listings.proj"), $"""
            <Project>
              <Import Project="{generator}/build/EmbeddedNets.Generator.props" />
              <ItemGroup>
                <AdditionalFiles Include="Models/net.dcz" ClassName="A" />
                <AdditionalFiles Include="Models/other.dcz" />
                <AdditionalFiles Include="Models/net.dcz" ClassName="B" />
                <AdditionalFiles Include="Models/../Models/net.dcz" ClassName="C" />
              </ItemGroup>
              <Import Project="{generator}/build/EmbeddedNets.Generator.targets" />
              <Target Name="Show" DependsOnTargets="_EmbeddedNetsCollectDcz">
                <Message Importance="high" Text="listing %(_EmbeddedNetsDcz.Filename) %(_EmbeddedNetsDcz.ClassName) %(_EmbeddedNetsDcz.DczListings)" />
              </Target>
            </Project>
            """);

        string output = DotnetCli.Run(app, new Dictionary<string, string?> { ["MSBUILDNODEREUSE"] = "0" }, TimeSpan.FromMinutes(2), "msbuild", "Listings.proj", "-t:Show", "-nologo");

        string[] listings = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("listing ", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["listing net A 3", "listing net B 3", "listing net C 3", "listing other  1"], listings);
    }

    private static string Expected(string name, DczModel model)
    {
        CompactModel compact = CompactModel.Load(DczFile.Write(model));
        var y = new float[compact.OutputLength];
        compact.Run(ConsumerProgram.Input(compact.InputLength), y);
        return ConsumerProgram.Line(name, y);
    }

    private string Dotnet(string directory, params string[] args)
    {
        // No build servers left behind by a test; the repository projects build into a private
        // folder, never into a folder another build uses.
        string[] full = args[0] == "build" ? [.. args, "--disable-build-servers"] : args;
        string output = DotnetCli.Run(
            directory,
            new Dictionary<string, string?> { ["EMBEDDEDNETS_ARTIFACTS"] = Path.Combine(Work, "artifacts"), ["MSBUILDNODEREUSE"] = "0" },
            TimeSpan.FromMinutes(10),
            full);
        Assert.DoesNotContain("CS2015", output);
        return output;
    }
}
