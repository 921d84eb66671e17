using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>Dense: kept weights by input column (<see cref="CompactDense"/>), or bitmasks on CPUs where the masked kernel pays.</summary>
internal sealed class DenseOp : RuntimeOp<DenseLayer>
{
    public override LayerKind Kind => LayerKind.Dense;

    protected override CompiledLayer Compile(DenseLayer layer, LayerShape shape)
    {
        if (MaskedStep.Suits(layer))
        {
            return new MaskedStep(MaskedDense.FromLayer(layer));
        }

        return new ColumnStep(CompactDense.FromLayer(layer), layer.Bias);
    }

    protected override double[] Reference(DenseLayer layer, LayerShape shape, IReadOnlyList<double[]> inputs)
    {
        double[] x = inputs[0];
        float[] w = layer.Weights.ToDense();
        var y = new double[layer.Outputs];
        for (int o = 0; o < layer.Outputs; o++)
        {
            double sum = layer.Bias[o];
            for (int i = 0; i < layer.Inputs; i++)
            {
                sum += (double)w[((long)o * layer.Inputs) + i] * x[i];
            }

            y[o] = sum;
        }

        return y;
    }

    private sealed class ColumnStep(CompactDense compact, float[] bias) : CompiledLayer
    {
        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) =>
            SparseKernels.DenseColumns(a, compact.ColumnStarts, compact.Rows, compact.Values, bias, y);
    }

    private sealed class MaskedStep(MaskedDense layer) : CompiledLayer
    {
        /// <summary>
        /// The masked kernel pays a fixed cost per (nonzero input, 16-row block) where the column
        /// kernel pays per kept weight, so it is used from one kept weight per block up. Measured
        /// (docs/inference.md): masked faster at 1.1 to 3.5 kept weights per block (every layer of
        /// an earlier LeNet-300-100) and at 1.9 and 2.8 (LeNet-5 ip2, LeNet-300-100 ip3); the column
        /// kernel faster at 0.59, 0.73 and 0.95 (LeNet-300-100 ip1, LeNet-5 ip1 by 1.9×, LeNet-300-100 ip2).
        /// </summary>
        public static bool Suits(DenseLayer layer)
        {
            long blocks = (long)layer.Inputs * ((layer.Outputs + 15) / 16);
            return MaskedDense.IsSupported && layer.Weights.Count >= blocks;
        }

        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) =>
            SparseKernels.DenseMasked(a, layer, y);
    }
}
