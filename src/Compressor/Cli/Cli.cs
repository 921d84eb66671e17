namespace EmbeddedNets.Compressor;

/// <summary>Command-line entry point of the dcz tool.</summary>
public static class Cli
{
    /// <summary>Runs one command; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("dcz: no commands yet (issue 3)");
        return 2;
    }
}
