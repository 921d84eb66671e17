using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>Dense: a <see cref="DenseRunner"/>, which keeps the column form and, where they can pay, the masked and row-gathered forms, and picks the kernel for each input.</summary>
internal sealed class DenseOp : RuntimeOp<DenseLayer>
{
    public override LayerKind Kind => LayerKind.Dense;

    protected override CompiledLayer Compile(DenseLayer layer, LayerShape shape) => new Step(DenseRunner.Create(layer));

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

    /// <summary>The compiled layer; the batch path reaches its runner for tiles.</summary>
    internal sealed class Step(DenseRunner runner) : CompiledLayer
    {
        public DenseRunner Runner => runner;

        public override void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => runner.Run(a, y);
    }
}
