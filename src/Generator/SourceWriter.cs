using System.Text;

namespace EmbeddedNets.Generator;

/// <summary>An indented text writer: <c>using (writer.Block("class X")) { ... }</c> writes braces and indents.</summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string line)
    {
        if (line.Length > 0)
        {
            for (int i = 0; i < _depth; i++)
            {
                _text.Append(IndentUnit);
            }

            _text.Append(line);
        }

        _text.Append('\n');
    }

    public void Line() => _text.Append('\n');

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until disposed.</summary>
    public IDisposable Block(string header)
    {
        Line(header);
        Line("{");
        _depth++;
        return new Closer(this);
    }

    public override string ToString() => _text.ToString();

    private sealed class Closer : IDisposable
    {
        private SourceWriter? _writer;

        public Closer(SourceWriter writer) => _writer = writer;

        public void Dispose()
        {
            if (_writer is { } writer)
            {
                writer._depth--;
                writer.Line("}");
                _writer = null;
            }
        }
    }
}
