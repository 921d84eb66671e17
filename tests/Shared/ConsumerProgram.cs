using System.Globalization;

namespace EmbeddedNets.Tests.Shared;

/// <summary>
/// The check shared by the tests that build a real consumer project: the consumer's Program.cs
/// calls <see cref="PrintFunction"/> for each generated class, and the test compares each line
/// with <see cref="Line"/> of the Runtime's own inference on <see cref="Input"/>, bit for bit.
/// (No Runtime types here: the generator tests see them through an extern alias.)
/// </summary>
public static class ConsumerProgram
{
    /// <summary>
    /// C# source of a local function <c>Print(name, inputs, outputs, predict)</c> to append to a
    /// consumer's top-level Program.cs (which must have <c>using System.Globalization;</c>): it
    /// runs <c>predict</c> on the fixed input of <see cref="Input"/> and prints the name and each
    /// output's bits.
    /// </summary>
    public const string PrintFunction = """
        static void Print(string name, int inputs, int outputs, Action<ReadOnlySpan<float>, Span<float>> predict)
        {
            var x = new float[inputs];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (i % 7) - 3 + (i * 0.01f);
            }

            var y = new float[outputs];
            predict(x, y);
            Console.WriteLine(name + " " + string.Join(" ", y.Select(v => BitConverter.SingleToInt32Bits(v).ToString(CultureInfo.InvariantCulture))));
        }
        """;

    /// <summary>The line <see cref="PrintFunction"/> prints for outputs <paramref name="y"/>.</summary>
    public static string Line(string name, float[] y) =>
        name + " " + string.Join(" ", y.Select(v => BitConverter.SingleToInt32Bits(v).ToString(CultureInfo.InvariantCulture)));

    /// <summary>The fixed input <see cref="PrintFunction"/> uses (the same expression, in float32).</summary>
    public static float[] Input(int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 7) - 3 + (i * 0.01f);
        }

        return x;
    }
}
