using System.Diagnostics;
using System.Globalization;
using EmbeddedModel;

namespace EmbeddedNets.Benchmarks.ColdStart;

/// <summary>
/// Times, from the first line of <c>Main</c>, the first <c>Predict</c> of one generated class on
/// one raw MNIST digit (preprocessing, and for Compact the decode of the embedded payload,
/// included), and prints <c>CLASS PREDICTED MILLISECONDS</c>. <c>none</c> predicts nothing: it
/// measures the process alone. The script adds the time from process launch to exit.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: ColdStart none|LeNet300100Compact|LeNet300100Unrolled|LeNet5Compact|LeNet5Unrolled");
            return 2;
        }

        ReadOnlySpan<byte> digit = SampleDigits.Pixels[..(SampleDigits.Side * SampleDigits.Side)];
        int predicted = args[0] switch
        {
            "none" => -1,
#if EMBED_LeNet300100Compact
            "LeNet300100Compact" => LeNet300100Compact.Predict(digit),
#endif
#if EMBED_LeNet300100Unrolled
            "LeNet300100Unrolled" => LeNet300100Unrolled.Predict(digit),
#endif
#if EMBED_LeNet5Compact
            "LeNet5Compact" => LeNet5Compact.Predict(digit),
#endif
#if EMBED_LeNet5Unrolled
            "LeNet5Unrolled" => LeNet5Unrolled.Predict(digit),
#endif
            _ => -2,
        };
        double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (predicted == -2)
        {
            Console.Error.WriteLine($"'{args[0]}' is not embedded in this build.");
            return 2;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{args[0]} {predicted} {elapsed:F3}"));
        return 0;
    }
}
