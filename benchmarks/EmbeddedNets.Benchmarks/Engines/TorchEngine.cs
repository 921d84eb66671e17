using EmbeddedNets.Format;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedNets.Benchmarks.Engines;

/// <summary>
/// TorchSharp (libtorch CPU) on the dense model: the decoded weights as dense tensors and the
/// forward pass written with <c>torch.nn.functional</c> under <c>torch.inference_mode()</c>, the
/// way a TorchSharp user would serve the uncompressed network. libtorch runs on one thread
/// (<c>torch.set_num_threads(1)</c>) so that batch 1 and batch 64 compare single-core work with the
/// C# paths. Input tensors are created once; a call creates the intermediate tensors libtorch needs
/// and copies the result into a managed buffer.
/// </summary>
internal sealed class TorchEngine : IDisposable
{
    private readonly Func<Tensor, Tensor>[] _ops;
    private readonly List<Tensor> _parameters = [];
    private readonly Tensor[] _single;
    private readonly Tensor _batch;
    private readonly float[] _singleOutput, _batchOutput;

    // add_(tensor) without an alpha converts 1 to a temporary Scalar that nothing references
    // during the native call, so its finalizer may free it mid-call. Once, in a BenchmarkDotNet
    // run, libtorch failed here reading a garbage Scalar ("Expected false to be true" in
    // Scalar::toFloat); an alpha the engine owns rules that out.
    private readonly Scalar _one = 1f.ToScalar();

    /// <param name="convolutionAsIm2Col">
    /// Computes convolutions as unfold + matmul instead of <c>nn.functional.conv2d</c>: libtorch
    /// 2.10's oneDNN convolution returned wrong values for LeNet-5's conv2 (20 input channels) on
    /// the AVX-512 machine these benchmarks were first run on, and the benchmarks time only
    /// engines whose outputs match the reference (see <see cref="EngineSet"/>).
    /// </param>
    public TorchEngine(DczModel model, float[] inputs, int count, float[] singleOutput, float[] batchOutput, bool convolutionAsIm2Col = false)
    {
        ConvolutionAsIm2Col = convolutionAsIm2Col;
        ModelShapes shapes = ModelShapes.Compute(model);
        int inLength = shapes.InputLength, outLength = shapes.OutputLength;
        if (inputs.Length != count * inLength || singleOutput.Length != outLength || batchOutput.Length != count * outLength)
        {
            throw new ArgumentException($"Buffers do not fit {count} samples of {inLength} inputs and {outLength} outputs.");
        }

        torch.set_num_threads(1);
        _singleOutput = singleOutput;
        _batchOutput = batchOutput;
        _ops = new Func<Tensor, Tensor>[model.Layers.Count];
        for (int i = 0; i < _ops.Length; i++)
        {
            _ops[i] = model.Layers[i] switch
            {
                DenseLayer d => Dense(d),
                Conv2dLayer c => Conv(c, convolutionAsIm2Col),
                MaxPool2dLayer p => x => nn.functional.max_pool2d(x, kernel_size: [p.KernelHeight, p.KernelWidth], strides: [p.StrideHeight, p.StrideWidth]),
                ReLULayer => x => nn.functional.relu(x),
                FlattenLayer => x => x.flatten(1),
                SoftmaxLayer => x => nn.functional.softmax(x, -1),
                _ => throw new NotSupportedException($"layer {i}: op {model.Layers[i].Kind} has no TorchSharp mapping in the benchmarks."),
            };
        }

        long[] sampleShape = [.. model.Info.InputShape.Select(v => (long)v)];
        _single = new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            _single[i] = Owned(torch.tensor(inputs.AsSpan(i * inLength, inLength).ToArray(), [1, .. sampleShape]));
        }

        _batch = Owned(torch.tensor(inputs, [count, .. sampleShape]));
    }

    /// <summary>Whether convolutions run as unfold + matmul rather than <c>conv2d</c>.</summary>
    public bool ConvolutionAsIm2Col { get; }

    /// <summary>Runs sample <paramref name="index"/> alone (batch 1) into the single-output buffer.</summary>
    public void RunOne(int index) => Forward(_single[index], _singleOutput);

    /// <summary>Runs all samples as one batch into the batch-output buffer.</summary>
    public void RunAll() => Forward(_batch, _batchOutput);

    public void Dispose()
    {
        foreach (Tensor t in _single)
        {
            t.Dispose();
        }

        _batch.Dispose();
        _one.Dispose();
        foreach (Tensor t in _parameters)
        {
            t.Dispose();
        }
    }

    private void Forward(Tensor input, float[] output)
    {
        using DisposeScope scope = torch.NewDisposeScope();
        using IDisposable mode = torch.inference_mode();
        Tensor x = input;
        foreach (Func<Tensor, Tensor> op in _ops)
        {
            x = op(x);
        }

        x.data<float>().CopyTo(output);
    }

    /// <summary>
    /// A libtorch-owned copy: torch.tensor(float[]) may wrap the managed array instead of copying
    /// it, and nothing here keeps that array alive.
    /// </summary>
    private static Tensor Owned(Tensor t)
    {
        Tensor owned = t.clone();
        t.Dispose();
        return owned;
    }

    private Func<Tensor, Tensor> Dense(DenseLayer d)
    {
        Tensor w = Keep(torch.tensor(d.Weights.ToDense(), [d.Outputs, d.Inputs]));
        Tensor b = Keep(torch.tensor(d.Bias));
        return x => nn.functional.linear(x.dim() > 2 ? x.flatten(1) : x, w, b);
    }

    private Func<Tensor, Tensor> Conv(Conv2dLayer c, bool im2col)
    {
        Tensor w = Keep(torch.tensor(c.Weights.ToDense(), [c.OutChannels, c.InChannels, c.KernelHeight, c.KernelWidth]));
        Tensor b = Keep(torch.tensor(c.Bias));
        long[] strides = [c.StrideHeight, c.StrideWidth], padding = [c.PadTop, c.PadLeft];
        if (!im2col)
        {
            return x => nn.functional.conv2d(x, w, b, strides: strides, padding: padding);
        }

        // im2col + GEMM, as libtorch's own slow_conv2d: unfold to [N, C·kh·kw, positions], one
        // matmul with the [out, C·kh·kw] kernel matrix, add the bias, view as [N, out, oh, ow].
        Tensor kernels = Keep(w.reshape(c.OutChannels, -1));
        Tensor bias = Keep(b.reshape(1, c.OutChannels, 1));
        (long, long) kernel = (c.KernelHeight, c.KernelWidth), stride = (c.StrideHeight, c.StrideWidth), pad = (c.PadTop, c.PadLeft);
        return x =>
        {
            long n = x.shape[0], h = x.shape[2], wd = x.shape[3];
            long oh = ModelShapes.SlidingWindowOutput(h, c.KernelHeight, c.StrideHeight, c.PadTop);
            long ow = ModelShapes.SlidingWindowOutput(wd, c.KernelWidth, c.StrideWidth, c.PadLeft);
            Tensor columns = nn.functional.unfold(x, kernel, padding: pad, stride: stride);
            return kernels.matmul(columns).add_(bias, _one).view(n, c.OutChannels, oh, ow);
        };
    }

    private Tensor Keep(Tensor t)
    {
        Tensor owned = Owned(t);
        _parameters.Add(owned);
        return owned;
    }
}
