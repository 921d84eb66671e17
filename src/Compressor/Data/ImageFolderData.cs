using SkiaSharp;

namespace EmbeddedNets.Compressor.Data;

/// <summary>
/// Reads an image folder tree: one subfolder per class (classes in ordinal order of the folder
/// names), holding PNG or JPEG files (<c>.png</c>, <c>.jpg</c>, <c>.jpeg</c>, any case; other
/// files are skipped). Each image is decoded with SkiaSharp, resized to the model's height × width
/// (bilinear; kept as is when it already has that size), and converted to one grey channel
/// (ITU-R BT.601 luma, rounded) or three RGB channels. Transparent pixels count as black. Values
/// are the 0–255 pixel values, channel by channel (<c>[channels, height, width]</c>).
/// </summary>
public static class ImageFolderData
{
    /// <summary>File extensions read as images.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    /// <summary>The class names of <paramref name="folder"/>: its subfolders, in ordinal order.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">It has no subfolders.</exception>
    public static string[] Classes(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Image folder '{folder}' does not exist.");
        }

        string[] classes = Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        return classes.Length > 0
            ? classes
            : throw new InvalidDataException($"{folder}: no class subfolders; an image folder holds one subfolder of images per class");
    }

    /// <summary>
    /// Loads every image under <paramref name="folder"/> as <c>[channels, height, width]</c>
    /// samples; the label of an image is the index of its folder in <paramref name="classes"/>
    /// (the training folder's classes, so a test folder maps the same names to the same indices).
    /// </summary>
    /// <exception cref="InvalidDataException">A class folder is empty or unknown, or an image cannot be decoded; the message names the file.</exception>
    public static LabelledSet Load(string folder, IReadOnlyList<string> classes, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (channels is not (1 or 3) || height < 1 || width < 1)
        {
            throw new ArgumentException($"images become [channels, height, width] with 1 (grey) or 3 (RGB) channels and a positive size; got [{channels}, {height}, {width}]");
        }

        string[] present = Classes(folder);
        string? unknown = present.FirstOrDefault(c => !classes.Contains(c, StringComparer.Ordinal));
        if (unknown is not null)
        {
            throw new InvalidDataException($"{Path.Combine(folder, unknown)}: class '{unknown}' is not one of the training classes ({string.Join(", ", classes)})");
        }

        int sampleLength = checked(channels * height * width);
        var values = new List<float>();
        var labels = new List<int>();
        foreach (string className in present)
        {
            string classFolder = Path.Combine(folder, className);
            string[] files = Directory.GetFiles(classFolder)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToArray();
            if (files.Length == 0)
            {
                throw new InvalidDataException($"{classFolder}: no images (.png, .jpg, .jpeg) in class folder '{className}'");
            }

            int label = classes.ToList().IndexOf(className);
            var pixels = new float[sampleLength];
            foreach (string file in files)
            {
                Decode(file, channels, height, width, pixels);
                values.AddRange(pixels);
                labels.Add(label);
            }
        }

        return new LabelledSet(folder, [channels, height, width], values.ToArray(), labels.ToArray());
    }

    /// <summary>Decodes one image into <paramref name="output"/> as <c>[channels, height, width]</c> values 0–255.</summary>
    /// <exception cref="InvalidDataException">The file cannot be decoded.</exception>
    public static void Decode(string file, int channels, int height, int width, Span<float> output)
    {
        using SKData data = SKData.CreateCopy(File.ReadAllBytes(file));
        using SKCodec? codec = SKCodec.Create(data);
        using SKBitmap? decoded = codec is null ? null : SKBitmap.Decode(codec);
        if (decoded is null || decoded.Width < 1 || decoded.Height < 1)
        {
            throw new InvalidDataException($"{file}: cannot be decoded as a PNG or JPEG image");
        }

        // Premultiplied RGBA: colour times alpha, i.e. composited over black.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var target = new SKBitmap(info);
        var sampling = decoded.Width == width && decoded.Height == height
            ? new SKSamplingOptions(SKFilterMode.Nearest)
            : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
        if (!decoded.ScalePixels(target, sampling))
        {
            throw new InvalidDataException($"{file}: cannot be converted to {width}×{height} RGBA pixels");
        }

        ReadOnlySpan<byte> rgba = target.GetPixelSpan();
        int plane = height * width;
        for (int p = 0; p < plane; p++)
        {
            int r = rgba[4 * p], g = rgba[(4 * p) + 1], b = rgba[(4 * p) + 2];
            if (channels == 1)
            {
                output[p] = ((r * 299) + (g * 587) + (b * 114) + 500) / 1000;
            }
            else
            {
                output[p] = r;
                output[plane + p] = g;
                output[(2 * plane) + p] = b;
            }
        }
    }
}
