namespace EmbeddedNets.Compressor;

/// <summary>Reading the <c>FILE.dcz</c> argument of a command.</summary>
internal static class ModelFiles
{
    /// <summary>The bytes of <paramref name="file"/>; a missing file is a usage error.</summary>
    public static byte[] Read(string file) =>
        File.Exists(file) ? File.ReadAllBytes(file) : throw new UsageException($"model file '{file}' does not exist");
}
