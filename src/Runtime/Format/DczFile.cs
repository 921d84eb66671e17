namespace EmbeddedNets.Format;

/// <summary>
/// The one implementation of the <c>.dcz</c> format (docs/dcz-format.md): the compressor writes
/// through it; the Runtime, <c>dcz inspect</c>/<c>eval</c> and the source generator read through it.
/// </summary>
public static class DczFile
{
    /// <summary>Serialises <paramref name="model"/>. Same model → same bytes.</summary>
    /// <exception cref="ArgumentException">The model violates a rule of the format.</exception>
    public static byte[] Write(DczModel model) => throw new NotImplementedException("issue 2: format writer");

    /// <summary>Parses and validates a whole file.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid file; the message says what and where.</exception>
    /// <exception cref="NotSupportedException">A valid file of a version or op this reader does not know.</exception>
    public static DczModel Read(ReadOnlySpan<byte> data) => throw new NotImplementedException("issue 2: format reader");
}
