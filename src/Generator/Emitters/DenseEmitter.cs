using EmbeddedNets.Format;

namespace EmbeddedNets.Generator.Emitters;

/// <summary>
/// Dense, unrolled: every kept weight is a statement <c>y[row] += v * weight;</c> under its input
/// column's <c>if (v != 0f)</c>, columns ascending and rows ascending within a column — the
/// order of <c>SparseKernels.DenseColumns</c> over <see cref="CompactDense"/>, so every output sums
/// the same products in the same order as <c>CompactModel</c>.
/// </summary>
internal sealed class DenseEmitter : OpEmitter<DenseLayer>
{
    /// <summary>At most this many weight statements per method (the JIT's limits, ENVIRONMENT.md).</summary>
    public const int MaxWeightStatementsPerMethod = 1000;

    /// <summary>At most this many input columns (each an <c>if</c>, two basic blocks) per method.</summary>
    public const int MaxColumnsPerMethod = 400;

    public override LayerKind Kind => LayerKind.Dense;

    /// <summary>Kept weights and biases.</summary>
    protected override long UnrolledValues(DenseLayer layer) => (long)layer.Weights.Count + layer.Outputs;

    protected override void EmitRun(LayerEmission e, DenseLayer layer) =>
        e.W.Line(e.Name + "(" + e.Inputs[0] + ", " + e.Output + ");");

    protected override void EmitMembers(LayerEmission e, DenseLayer layer)
    {
        // The layout math lives once, in the format code: the Runtime runs the same form.
        CompactDense compact = CompactDense.FromLayer(layer);
        List<List<(int Column, int Start, int End)>> parts = Split(compact.ColumnStarts);

        SourceWriter w = e.W;
        string bias = e.Member("Bias");
        w.Line();
        w.Line("// " + CodeText.Comment(e.Class.Summary(e.Inspection)));
        using (w.Block("private static void " + e.Class.Member(e.Name) + "(" + ReadOnlySpanOfFloat + " x, " + SpanOfFloat + " y)"))
        {
            w.Line(bias + ".CopyTo(y);");
            for (int p = 0; p < parts.Count; p++)
            {
                w.Line(e.Name + "Part" + CodeText.Int(p) + "(x, y);");
            }
        }

        w.Line();
        e.Class.FloatData("private", bias, layer.Bias);
        for (int p = 0; p < parts.Count; p++)
        {
            w.Line();

            // Straight-line code gains nothing from tiered compilation's profiling and, being large,
            // would run unoptimized for a while first: compile it fully optimized at once.
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            using (w.Block("private static void " + e.Member("Part" + CodeText.Int(p)) + "(" + ReadOnlySpanOfFloat + " x, " + SpanOfFloat + " y)"))
            {
                w.Line("CheckLength(x.Length, " + CodeText.Int(layer.Inputs) + ", nameof(x));");
                w.Line("CheckLength(y.Length, " + CodeText.Int(layer.Outputs) + ", nameof(y));");
                w.Line("float v;");
                foreach ((int column, int start, int end) in parts[p])
                {
                    w.Line("v = x[" + CodeText.Int(column) + "];");
                    using (w.Block("if (v != 0f)"))
                    {
                        for (int k = start; k < end; k++)
                        {
                            w.Line("y[" + CodeText.Int(compact.Rows[k]) + "] += v * " + CodeText.Float(compact.Values[k]) + ";");
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Splits the columns into methods under the JIT's limits. A column may span two methods; the
    /// parts run in order, so the order of the additions is unchanged.
    /// </summary>
    private static List<List<(int Column, int Start, int End)>> Split(int[] columnStarts)
    {
        var parts = new List<List<(int Column, int Start, int End)>>();
        var part = new List<(int Column, int Start, int End)>();
        int statements = 0;
        for (int column = 0; column + 1 < columnStarts.Length; column++)
        {
            int start = columnStarts[column], end = columnStarts[column + 1];
            while (start < end)
            {
                if (statements == MaxWeightStatementsPerMethod || part.Count == MaxColumnsPerMethod)
                {
                    parts.Add(part);
                    part = new List<(int, int, int)>();
                    statements = 0;
                }

                int take = Math.Min(end - start, MaxWeightStatementsPerMethod - statements);
                part.Add((column, start, start + take));
                statements += take;
                start += take;
            }
        }

        if (part.Count > 0)
        {
            parts.Add(part);
        }

        return parts;
    }
}
