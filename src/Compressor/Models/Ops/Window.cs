using System.Text.Json;
using EmbeddedNets.Format;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>What the 2-D window ops (Conv2d, MaxPool2d, AvgPool2d) share: attribute writing, padding in TorchSharp, and the pooling window.</summary>
internal static class Window
{
    public static void WritePair(Utf8JsonWriter writer, string name, (int Height, int Width) pair)
    {
        writer.WriteStartArray(name);
        writer.WriteNumberValue(pair.Height);
        writer.WriteNumberValue(pair.Width);
        writer.WriteEndArray();
    }

    public static void WritePadding(Utf8JsonWriter writer, Padding padding)
    {
        writer.WriteStartArray("padding");
        writer.WriteNumberValue(padding.Top);
        writer.WriteNumberValue(padding.Left);
        writer.WriteNumberValue(padding.Bottom);
        writer.WriteNumberValue(padding.Right);
        writer.WriteEndArray();
    }

    /// <summary><paramref name="x"/> [batch, c, h, w] with <paramref name="padding"/> rows and columns of <paramref name="value"/> around each plane.</summary>
    public static Tensor Pad(Tensor x, Padding padding, double value) =>
        nn.functional.pad(x, new long[] { padding.Left, padding.Right, padding.Top, padding.Bottom }, value: value);

    /// <summary>The format's pooling window for the given attributes.</summary>
    public static Pool2dWindow Pool((int Height, int Width) kernel, (int Height, int Width) stride, Padding padding) =>
        new(kernel.Height, kernel.Width, stride.Height, stride.Width, padding.Top, padding.Left, padding.Bottom, padding.Right);
}
