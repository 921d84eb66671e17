namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// Writes files so that a reader sees either the old content or the complete new content, never
/// a partial file: the bytes go to a temporary file in the same folder, are flushed to disk, and
/// the temporary file is then renamed over the target (an atomic replace on the same volume).
/// </summary>
public static class AtomicFile
{
    private static long s_counter;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file could not be written or renamed.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        string temp = CreateTempPath(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes a file atomically through a stream: <paramref name="write"/> receives a stream on a
    /// temporary file, which replaces <paramref name="path"/> only if <paramref name="write"/>
    /// returns normally. If it throws, the target is left untouched and the temporary file removed.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string temp = CreateTempPath(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));
    }

    private static string CreateTempPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)
            ?? throw new ArgumentException($"'{path}' has no parent folder.", nameof(path));
        long n = Interlocked.Increment(ref s_counter);
        // Same folder as the target, so the final rename never crosses volumes. A leading dot
        // keeps the half-written file out of casual listings.
        return Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{n}.tmp");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
