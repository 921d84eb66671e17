using EmbeddedNets.Data;
using System.IO.Compression;
using System.Security.Cryptography;

namespace EmbeddedNets.Compressor.Data;

/// <summary>One canonical MNIST file and the SHA-256 of its uncompressed content.</summary>
/// <param name="Name">Canonical name without <c>.gz</c>, e.g. <c>train-images-idx3-ubyte</c>.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the uncompressed IDX content.</param>
public sealed record MnistFileInfo(string Name, string Sha256);

/// <summary>What <see cref="MnistDownloader.DownloadAsync"/> did for one file.</summary>
/// <param name="File">The file.</param>
/// <param name="Path">Where the verified file is now.</param>
/// <param name="Source">The address it was downloaded from, or null if a valid copy was already present.</param>
public sealed record MnistDownloadOutcome(MnistFileInfo File, string Path, Uri? Source);

/// <summary>
/// Fetches the four MNIST files from the canonical mirrors into a folder, verifying each against
/// the SHA-256 of its uncompressed content before it is written (atomically, as
/// <c>NAME.gz</c>). A file already present (gzip or raw, under any name <see cref="Mnist"/> looks
/// for) and valid is not downloaded again; an invalid one is replaced. Mirrors are tried in order
/// until one serves a file with the right checksum.
/// </summary>
public sealed class MnistDownloader : IDisposable
{
    /// <summary>Largest download accepted per file (the largest MNIST file is 9.9 MB compressed).</summary>
    public const long MaxDownloadBytes = 64L << 20;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly IReadOnlyList<Uri> _mirrors;
    private readonly TextWriter? _log;

    /// <summary>Creates a downloader.</summary>
    /// <param name="httpClient">The client to use; null creates (and later disposes) a default one.</param>
    /// <param name="mirrors">Base addresses to try in order, each serving <c>NAME.gz</c>; null means <see cref="DefaultMirrors"/>.</param>
    /// <param name="log">Where to write one line per file (what was found, fetched or rejected); null for silence.</param>
    public MnistDownloader(HttpClient? httpClient = null, IEnumerable<Uri>? mirrors = null, TextWriter? log = null)
    {
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        _mirrors = (mirrors ?? DefaultMirrors).Select(WithTrailingSlash).ToArray();
        if (_mirrors.Count == 0)
        {
            throw new ArgumentException("At least one mirror is needed.", nameof(mirrors));
        }

        _log = log;
    }

    /// <summary>
    /// The canonical mirrors: PyTorch's copy on S3 (what torchvision uses), Google's CVDF copy, and
    /// Yann LeCun's original page (which at times refuses automated downloads).
    /// </summary>
    public static IReadOnlyList<Uri> DefaultMirrors { get; } =
    [
        new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        new Uri("https://storage.googleapis.com/cvdf-datasets/mnist/"),
        new Uri("https://yann.lecun.com/exdb/mnist/"),
    ];

    /// <summary>The four files with the SHA-256 of their canonical uncompressed content.</summary>
    public static IReadOnlyList<MnistFileInfo> Files { get; } =
    [
        new(Mnist.TrainImagesFile, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        new(Mnist.TrainLabelsFile, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        new(Mnist.TestImagesFile, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        new(Mnist.TestLabelsFile, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];

    /// <summary>
    /// Makes sure <paramref name="directory"/> holds all of <paramref name="files"/> (default: the
    /// four MNIST files) with the right content, downloading what is missing or invalid.
    /// </summary>
    /// <exception cref="IOException">A file could not be fetched with the right checksum from any mirror; the message lists each attempt.</exception>
    public async Task<IReadOnlyList<MnistDownloadOutcome>> DownloadAsync(
        string directory, IReadOnlyList<MnistFileInfo>? files = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var outcomes = new List<MnistDownloadOutcome>();
        foreach (MnistFileInfo file in files ?? Files)
        {
            outcomes.Add(await EnsureAsync(directory, file, cancellationToken).ConfigureAwait(false));
        }

        return outcomes;
    }

    /// <summary>
    /// Checks a local file (gzip or raw) against <paramref name="expectedSha256"/> of its
    /// uncompressed content; returns null when it matches, else what is wrong.
    /// </summary>
    public static string? Verify(string path, string expectedSha256)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = File.OpenRead(path);
        return Verify(stream, expectedSha256);
    }

    /// <summary>Checks content (gzip or raw) against <paramref name="expectedSha256"/>; null when it matches, else what is wrong.</summary>
    public static string? Verify(Stream content, string expectedSha256)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(expectedSha256);
        string actual;
        try
        {
            actual = ContentSha256(content);
        }
        catch (InvalidDataException e)
        {
            return $"gzip data is corrupt ({e.Message})";
        }

        return string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"SHA-256 of the content is {actual}, expected {expectedSha256.ToLowerInvariant()}";
    }

    /// <summary>Lower-case hex SHA-256 of the uncompressed content of a seekable gzip or raw stream.</summary>
    public static string ContentSha256(Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Span<byte> magic = stackalloc byte[2];
        long start = content.Position;
        int got = content.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        content.Position = start;
        bool gzip = got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        using Stream plain = gzip ? new GZipStream(content, CompressionMode.Decompress, leaveOpen: true) : Stream.Null;
        byte[] hash = SHA256.HashData(gzip ? plain : content);
        return Convert.ToHexStringLower(hash);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<MnistDownloadOutcome> EnsureAsync(string directory, MnistFileInfo file, CancellationToken cancellationToken)
    {
        string? existing = Mnist.FindFile(directory, file.Name);
        if (existing is not null)
        {
            string? problem = Verify(existing, file.Sha256);
            if (problem is null)
            {
                _log?.WriteLine($"{existing}: present, checksum ok");
                return new MnistDownloadOutcome(file, existing, Source: null);
            }

            _log?.WriteLine($"{existing}: {problem}; downloading it again");
        }

        string target = Path.Combine(directory, file.Name + ".gz");
        var failures = new List<string>();
        foreach (Uri mirror in _mirrors)
        {
            var url = new Uri(mirror, file.Name + ".gz");
            string? failure = await TryDownloadAsync(url, file, target, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                _log?.WriteLine($"{target}: downloaded from {url}, checksum ok");
                if (existing is not null && !string.Equals(Path.GetFullPath(existing), Path.GetFullPath(target), StringComparison.Ordinal))
                {
                    // The invalid copy would otherwise sit next to the good one under another name.
                    File.Delete(existing);
                }

                return new MnistDownloadOutcome(file, target, url);
            }

            _log?.WriteLine($"{url}: {failure}");
            failures.Add($"{url}: {failure}");
        }

        throw new IOException(
            $"Could not download {file.Name} with the expected SHA-256 {file.Sha256} from any mirror:{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", failures));
    }

    /// <summary>Downloads one file, verifies it and writes it atomically; returns null on success, else why not.</summary>
    private async Task<string?> TryDownloadAsync(Uri url, MnistFileInfo file, string target, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            using HttpResponseMessage response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            }

            if (response.Content.Headers.ContentLength is long announced && announced > MaxDownloadBytes)
            {
                return $"announces {announced} bytes, more than the {MaxDownloadBytes} accepted";
            }

            using Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[81920];
            int n;
            while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > MaxDownloadBytes)
                {
                    return $"sent more than the {MaxDownloadBytes} bytes accepted";
                }

                buffer.Write(chunk, 0, n);
            }

            body = buffer.ToArray();
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return $"timed out ({e.Message})";
        }

        string? problem = Verify(new MemoryStream(body, writable: false), file.Sha256);
        if (problem is not null)
        {
            return problem;
        }

        bool gzip = body.Length >= 2 && body[0] == 0x1F && body[1] == 0x8B;
        // A mirror that serves the content uncompressed still yields a valid .gz file.
        AtomicFile.WriteAllBytes(target, gzip ? body : DeterministicGzip.Compress(body));
        return null;
    }

    private static Uri WithTrailingSlash(Uri mirror)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        return mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");
    }
}
