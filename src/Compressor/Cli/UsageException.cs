namespace EmbeddedNets.Compressor;

/// <summary>The command line is wrong; the message says how (one line, naming the option or argument).</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }
}
