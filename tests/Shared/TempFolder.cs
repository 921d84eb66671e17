namespace EmbeddedNets.Tests.Shared;

/// <summary>A uniquely named folder under the system temp folder, deleted on dispose (best effort).</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates <c>{prefix}-{8 hex digits}</c> under the temp folder.</summary>
    public TempFolder(string prefix)
    {
        FullPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(FullPath);
    }

    /// <summary>The folder.</summary>
    public string FullPath { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the OS cleans the temp folder.
        }
    }
}
