using System.Globalization;
using System.Text;
using EmbeddedNets.Format;
using Microsoft.CodeAnalysis.CSharp;

namespace EmbeddedNets.Generator;

/// <summary>
/// C# literals and comment text, written the same way whatever the current culture: numbers with
/// the invariant culture, floats in round-trip form, strings escaped to ASCII.
/// </summary>
internal static class CodeText
{
    /// <summary>An <c>int</c> literal.</summary>
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A <c>long</c> literal (no suffix: the context gives the type).</summary>
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A number with thousands separators, for comments and docs (<c>12,345</c>).</summary>
    public static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>One decimal, for comments and docs.</summary>
    public static string OneDecimal(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage with one decimal (<c>8.1</c>).</summary>
    public static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage with two decimals (<c>98.12</c>).</summary>
    public static string Percent2(double fraction) => (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary><c>[1, 28, 28]</c>.</summary>
    public static string Shape(IEnumerable<int> shape) => "[" + string.Join(", ", shape.Select(Int)) + "]";

    /// <summary>A C# float literal of a float's bits that round-trips exactly (−0, NaN and infinities included), whatever the current culture.</summary>
    public static string Float(int bits)
    {
        float value = FloatBits.FromBits(bits);
        if (float.IsNaN(value))
        {
            return "float.NaN";
        }

        if (float.IsPositiveInfinity(value))
        {
            return "float.PositiveInfinity";
        }

        if (float.IsNegativeInfinity(value))
        {
            return "float.NegativeInfinity";
        }

        if (bits == int.MinValue)
        {
            return "-0f";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (FloatBits.ToBits(float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)) != bits)
        {
            text = value.ToString("G9", CultureInfo.InvariantCulture);
        }

        return text + "f";
    }

    /// <summary>A C# float literal of <paramref name="value"/> (bit-exact, see <see cref="Float(int)"/>).</summary>
    public static string Float(float value) => Float(FloatBits.ToBits(value));

    /// <summary>A C# double literal that round-trips exactly.</summary>
    public static string Double(double value)
    {
        if (double.IsNaN(value))
        {
            return "double.NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (BitConverter.DoubleToInt64Bits(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)) != BitConverter.DoubleToInt64Bits(value))
        {
            text = value.ToString("G17", CultureInfo.InvariantCulture);
        }

        return text + "d";
    }

    /// <summary>A C# string literal: ASCII printable characters as they are, everything else escaped.</summary>
    public static string Str(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                default:
                    if (c >= 0x20 && c < 0x7F)
                    {
                        text.Append(c);
                    }
                    else
                    {
                        text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>Text safe inside an XML doc comment line.</summary>
    public static string Xml(string value) =>
        Comment(value).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>
    /// Text safe inside a <c>//</c> comment: no character C# reads as a line break, no other control
    /// character, no lone surrogate (which has no UTF-8 form when the source is written out).
    /// </summary>
    public static string Comment(string value)
    {
        var text = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
                continue;
            }

            text.Append(char.IsControl(c) || c == '\u2028' || c == '\u2029' || char.IsSurrogate(c) ? ' ' : c);
        }

        return text.ToString();
    }

    /// <summary>True when <paramref name="name"/> is a C# identifier and not a keyword.</summary>
    public static bool IsIdentifier(string name) =>
        SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

    /// <summary>
    /// PascalCase of a name: split on every character that is not a letter or digit, capitalise the
    /// first letter of each part, join (<c>lenet-300-100</c> → <c>Lenet300100</c>); empty when no
    /// letter or digit is left.
    /// </summary>
    public static string Pascal(string name)
    {
        var text = new StringBuilder(name.Length);
        bool startOfPart = true;
        foreach (char c in name)
        {
            if (!char.IsLetterOrDigit(c))
            {
                startOfPart = true;
                continue;
            }

            text.Append(startOfPart ? char.ToUpperInvariant(c) : c);
            startOfPart = false;
        }

        return text.ToString();
    }
}
