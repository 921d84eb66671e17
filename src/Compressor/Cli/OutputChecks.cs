namespace EmbeddedNets.Compressor;

/// <summary>
/// Checks on where a command will write, made before any work starts, so that a bad
/// <c>--out</c> costs a second rather than a training run.
/// </summary>
internal static class OutputChecks
{
    /// <summary>
    /// <paramref name="path"/> (the value of <paramref name="option"/>) names a file ending in
    /// <paramref name="extension"/>, is not a folder, and its folder exists and accepts new files.
    /// </summary>
    public static void File(string path, string option, string extension)
    {
        if (!path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"{option} '{path}' should end in {extension}");
        }

        if (Directory.Exists(path))
        {
            throw new UsageException($"{option} '{path}' is a folder; give the file to write");
        }

        string folder = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
        if (System.IO.File.Exists(folder))
        {
            throw new UsageException($"{option} '{path}': '{folder}' is a file, not a folder");
        }

        if (!Directory.Exists(folder))
        {
            throw new UsageException($"{option} '{path}': folder '{folder}' does not exist");
        }

        Writable(folder, option, path);
    }

    /// <summary>
    /// <paramref name="path"/> (the value of <paramref name="option"/>; null = not given) is a
    /// folder or can become one: not a file, and its nearest existing ancestor accepts new files.
    /// </summary>
    public static void Folder(string? path, string option)
    {
        if (path is null)
        {
            return;
        }

        if (System.IO.File.Exists(path))
        {
            throw new UsageException($"{option} '{path}' is a file, not a folder");
        }

        string? existing = Path.GetFullPath(path);
        while (existing is not null && !Directory.Exists(existing))
        {
            if (System.IO.File.Exists(existing))
            {
                throw new UsageException($"{option} '{path}': '{existing}' is a file, not a folder");
            }

            existing = Path.GetDirectoryName(existing);
        }

        if (existing is not null)
        {
            Writable(existing, option, path);
        }
    }

    /// <summary>Creates and deletes a file in <paramref name="folder"/>: the only reliable test (permissions, ACLs, read-only mounts).</summary>
    private static void Writable(string folder, string option, string path)
    {
        // Named like an atomic write's temporary file, so a probe left by a killed process is
        // cleaned like one.
        string probe = Path.Combine(folder, $".dcz-write-test.{Environment.ProcessId}.{Random.Shared.NextInt64(long.MaxValue)}.tmp");
        try
        {
            using var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new UsageException($"{option} '{path}': cannot write in folder '{folder}' ({Cli.OneLine(e)})");
        }
    }
}
