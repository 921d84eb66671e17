using System.Diagnostics;
using System.Globalization;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// Writes files so that a reader sees either the old content or the complete new content, never
/// a partial file: the bytes go to a temporary file in the same folder, are flushed to disk, and
/// the temporary file is then renamed over the target (an atomic replace on the same volume).
/// A process killed mid-write leaves its temporary file (<c>.NAME.PID.N.tmp</c>) behind;
/// <see cref="RemoveStaleTemporaryFiles"/> removes those on the next run.
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
            _ = TryDelete(temp);
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
            _ = TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// Deletes the temporary files in <paramref name="directory"/> (not its subfolders) that an
    /// atomic write of a process that no longer runs left behind: names of the form
    /// <c>.NAME.PID.N.tmp</c> whose process id is not running, or is running but started after
    /// the file was last written (the id was reused). Files of running writers stay.
    /// </summary>
    /// <returns>The paths deleted; empty when the folder does not exist.</returns>
    public static IReadOnlyList<string> RemoveStaleTemporaryFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            return Array.Empty<string>();
        }

        var removed = new List<string>();
        foreach (string path in Directory.EnumerateFiles(directory, ".*.tmp").Order(StringComparer.Ordinal))
        {
            if (TemporaryFileOwner(Path.GetFileName(path)) is int pid && pid != Environment.ProcessId
                && !IsRunningSince(pid, File.GetLastWriteTimeUtc(path)) && TryDelete(path))
            {
                removed.Add(path);
            }
        }

        return removed;
    }

    /// <summary>The writer's process id in a name <c>.NAME.PID.N.tmp</c>, or null for any other name.</summary>
    internal static int? TemporaryFileOwner(string fileName)
    {
        const string Suffix = ".tmp";
        if (!fileName.StartsWith('.') || !fileName.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return null;
        }

        string[] parts = fileName[1..^Suffix.Length].Split('.');
        return parts.Length >= 3 && parts[^3].Length > 0
            && int.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
            && long.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? pid
            : null;
    }

    private static bool IsRunningSince(int pid, DateTime writtenUtc)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime() <= writtenUtc.AddSeconds(1);
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false; // it exited meanwhile
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // not ours to inspect: leave its files alone
        }
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

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
