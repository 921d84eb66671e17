using System.CommandLine;
using EmbeddedNets.Compressor.Models;
using EmbeddedNets.Compressor.Pipeline;

namespace EmbeddedNets.Compressor;

/// <summary>The <c>--model</c> option and the effective settings (defaults + <c>--config</c>), as commands that train share them.</summary>
internal static class ModelSettings
{
    /// <summary><c>--model NAME</c>: a built-in architecture.</summary>
    public static Option<string> ModelOption(string description)
    {
        var option = new Option<string>("--model")
        {
            Description = description + ": " + string.Join(", ", Architectures.All.Select(m => m.Name)) + ", or an architecture file FILE.json (docs/architecture-files.md)",
            HelpName = "NAME",
            Required = true,
        };
        option.CompletionSources.Add(Architectures.All.Select(m => m.Name).ToArray());
        return option;
    }

    /// <summary>A built-in model by name, or an architecture file (a path ending in .json).</summary>
    /// <exception cref="UsageException">No built-in architecture has that name, or the file does not exist.</exception>
    public static ArchitectureSpec Architecture(string model)
    {
        if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return File.Exists(model)
                ? ArchitectureFile.Load(model)
                : throw new UsageException($"architecture file '{model}' does not exist");
        }

        return Architectures.Find(model)
            ?? throw new UsageException($"unknown model '{model}' (known: {string.Join(", ", Architectures.All.Select(m => m.Name))}, or an architecture file ending in .json)");
    }

    /// <summary>The defaults of <paramref name="architecture"/> with the file at <paramref name="configPath"/> (if any) merged over them.</summary>
    /// <exception cref="UsageException">The file does not exist.</exception>
    /// <exception cref="ConfigException">The file is not valid settings.</exception>
    public static CompressionConfig Load(ArchitectureSpec architecture, string? configPath)
    {
        string? configJson = null;
        if (configPath is not null)
        {
            if (!File.Exists(configPath))
            {
                throw new UsageException($"config file '{configPath}' does not exist");
            }

            configJson = File.ReadAllText(configPath);
        }

        return ConfigLoader.Load(architecture, configJson, configPath ?? "config");
    }
}
