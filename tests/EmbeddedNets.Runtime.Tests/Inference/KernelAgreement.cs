using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Inference;

/// <summary>
/// Checks that one kernel path gives the scalar reference's bits. The tests run them for every path
/// this machine supports, and <see cref="KernelPathProgram"/> runs them again in child processes
/// whose instruction sets are narrowed by the runtime's switches (the code the JIT emits for a
/// 128-bit path differs between SSE2, SSE4.2 and AVX hosts). Each throws on the first mismatch.
/// </summary>
internal static class KernelAgreement
{
    public static readonly KernelPath[] AllPaths = [KernelPath.Scalar, KernelPath.Vector128, KernelPath.Vector256, KernelPath.Vector512];

    /// <summary>Runs every check on <paramref name="path"/>.</summary>
    public static void All(KernelPath path)
    {
        ListNonzero(path);
        if (KernelPaths.IsMaskedSupported(path))
        {
            foreach ((int inputs, int outputs, double keep) in MaskedShapes)
            {
                DenseMasked(path, inputs, outputs, keep);
            }
        }

        foreach ((int inputs, int outputs, double keep) in MaskedShapes)
        {
            DenseRunnerKernels(path, inputs, outputs, keep);
        }

        ConvAccumulate(path);
        foreach ((int cin, int inH, int inW, int k, int cout, double keep) in TiledShapes)
        {
            ConvTiled(path, cin, inH, inW, k, cout, keep);
        }

        foreach ((int channels, int inH, int inW) in PoolShapes)
        {
            MaxPool(path, channels, inH, inW);
        }

        ConvRunnerLayers(path);
        Preprocess(path);
    }

    public static readonly (int Inputs, int Outputs, double Keep)[] MaskedShapes =
    [
        (784, 300, 0.07), // LeNet-300-100 ip1's shape: three chunks, the last part padding
        (300, 100, 0.12),
        (100, 10, 0.35), // fewer outputs than one 16-row block
        (65, 128, 0.5), // exactly one chunk
        (33, 129, 1.0), // one row into a second chunk; every weight kept
        (40, 257, 0.0), // nothing kept: outputs are the bias
        (17, 200, 0.3), // passes end inside a chunk on every path
        (3000, 70, 0.05), // more inputs than the kernel keeps on the stack
    ];

    public static readonly (int Cin, int InH, int InW, int K, int Cout, double Keep)[] TiledShapes =
    [
        (1, 28, 28, 5, 20, 0.66), // LeNet-5 conv1: 24×24 output
        (20, 12, 12, 5, 50, 0.12), // LeNet-5 conv2: 8×8 output
        (3, 10, 19, 3, 4, 0.5), // 8×17 output: rows end with an overlapping vector
        (2, 9, 25, 2, 3, 0.8), // 8×24 output: three planes' worth of partial tiles
        (1, 6, 6, 3, 2, 1.0), // 4×4 output: narrower than 256- and 512-bit vectors (refused there)
        (4, 7, 7, 7, 3, 0.6), // 1×1 output
    ];

    public static readonly (int Channels, int InH, int InW)[] PoolShapes = [(20, 24, 24), (50, 8, 8), (3, 7, 5), (2, 9, 19), (1, 4, 6)];

    public static void ListNonzero(KernelPath path)
    {
        var rng = new Random(11);
        for (int length = 0; length < 100; length++)
        {
            var x = new float[length];
            for (int i = 0; i < length; i++)
            {
                x[i] = rng.Next(5) switch
                {
                    0 => 0f,
                    1 => -0f, // equal to zero: skipped
                    2 => float.NaN, // not equal to zero: listed
                    _ => (float)rng.NextDouble() - 0.5f,
                };
            }

            var indices = new int[length + SparseKernels.NonzeroSlack];
            int count = SparseKernels.ListNonzero(x, indices, path);
            int[] expected = Enumerable.Range(0, length).Where(i => x[i] != 0f).ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(indices.AsSpan(0, count)), $"{path}: ListNonzero differs at length {length}");
        }
    }

    /// <summary>The scalar path is bit-identical to <see cref="SparseKernels.DenseColumns"/>; vector paths too, up to the sign of zero.</summary>
    public static void DenseMasked(KernelPath path, int inputs, int outputs, double keep)
    {
        var rng = new Random((inputs * 31) + outputs);
        DenseLayer layer = MaskedDenseTests.Layer(rng, inputs, outputs, keep);
        CompactDense columns = CompactDense.FromLayer(layer);
        MaskedDense masked = MaskedDense.FromLayer(layer);
        for (int trial = 0; trial < 10; trial++)
        {
            float[] x = CompactModelTests.RandomInput(rng, inputs);
            if (trial == 0)
            {
                Array.Clear(x); // an all-zero input: every output is its bias
            }

            var expected = new float[outputs];
            SparseKernels.DenseColumns(x, columns.ColumnStarts, columns.Rows, columns.Values, layer.Bias, expected);
            var actual = new float[outputs];
            SparseKernels.DenseMasked(x, masked, actual, path);
            Func<float, int> bits = path == KernelPath.Scalar ? BitConverter.SingleToInt32Bits : ZeroBlindBits;
            Assert.True(expected.Select(bits).SequenceEqual(actual.Select(bits)), $"{path}: DenseMasked {inputs}→{outputs} at {keep} differs from DenseColumns (trial {trial})");
        }
    }

    /// <summary>
    /// Every kernel of a <see cref="DenseRunner"/> on <paramref name="path"/> (and the gathered kernel
    /// directly): the gathered kernel is bit-identical to its own scalar path, and all agree with
    /// <see cref="SparseKernels.DenseColumns"/> up to the sign of zero.
    /// </summary>
    public static void DenseRunnerKernels(KernelPath path, int inputs, int outputs, double keep)
    {
        var rng = new Random((inputs * 17) + outputs);
        DenseLayer layer = MaskedDenseTests.Layer(rng, inputs, outputs, keep);
        CompactDense columns = CompactDense.FromLayer(layer);
        GatheredDense gathered = GatheredDense.FromLayer(layer);
        KernelPath maskedPath = KernelPaths.IsMaskedSupported(path) ? path : KernelPath.Scalar;
        DenseRunner runner = DenseRunner.Create(layer, path, maskedPath, allForms: true);
        for (int trial = 0; trial < 6; trial++)
        {
            float[] x = CompactModelTests.RandomInput(rng, inputs);
            if (trial == 1)
            {
                Array.Clear(x);
            }
            else if (trial == 2)
            {
                x = x.Select(v => v == 0 ? 0.5f : v).ToArray(); // every input nonzero
            }

            var expected = new float[outputs];
            SparseKernels.DenseColumns(x, columns.ColumnStarts, columns.Rows, columns.Values, layer.Bias, expected);
            var scalar = new float[outputs];
            var actual = new float[outputs];
            SparseKernels.DenseGathered(x, gathered, scalar, KernelPath.Scalar);
            SparseKernels.DenseGathered(x, gathered, actual, path);
            Assert.True(scalar.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Select(BitConverter.SingleToInt32Bits)), $"{path}: DenseGathered {inputs}→{outputs} differs from its scalar path (trial {trial})");
            foreach (DenseKernel? kernel in new DenseKernel?[] { null, DenseKernel.Columns, DenseKernel.Masked, DenseKernel.Gathered })
            {
                Array.Fill(actual, float.NaN);
                runner.Run(x, actual, kernel);
                Func<float, int> bits = kernel == DenseKernel.Columns ? BitConverter.SingleToInt32Bits : ZeroBlindBits;
                Assert.True(expected.Select(bits).SequenceEqual(actual.Select(bits)), $"{path}: DenseRunner {kernel?.ToString() ?? "auto"} {inputs}→{outputs} at {keep} differs from DenseColumns (trial {trial})");
            }
        }

        // A tile of 16 samples (some all zero, some inputs zero in every sample) against one sample at a time.
        const int Tile = DenseRunner.TileWidth;
        var samples = new float[Tile][];
        var tile = new float[inputs * Tile];
        for (int t = 0; t < Tile; t++)
        {
            samples[t] = t % 5 == 4 ? new float[inputs] : CompactModelTests.RandomInput(rng, inputs);
            for (int i = 0; i < inputs; i++)
            {
                tile[(i * Tile) + t] = i % 7 == 3 ? 0f : samples[t][i];
                samples[t][i] = tile[(i * Tile) + t];
            }
        }

        var tileOut = new float[(outputs + 1) * Tile];
        runner.RunTile(tile, tileOut);
        for (int t = 0; t < Tile; t++)
        {
            var expected = new float[outputs];
            SparseKernels.DenseColumns(samples[t], columns.ColumnStarts, columns.Rows, columns.Values, layer.Bias, expected);
            for (int o = 0; o < outputs; o++)
            {
                Assert.True(ZeroBlindBits(expected[o]) == ZeroBlindBits(tileOut[(o * Tile) + t]), $"{path}: DenseRunner.RunTile {inputs}→{outputs}, sample {t}, output {o}: {tileOut[(o * Tile) + t]:R}, one at a time {expected[o]:R}");
            }
        }
    }

    public static void ConvAccumulate(KernelPath path)
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 300; trial++)
        {
            int inH = rng.Next(1, 30), inW = rng.Next(1, 40);
            int k = rng.Next(1, Math.Min(inH, inW) + 1), pad = rng.Next(0, 3), strideH = rng.Next(1, 3), strideW = rng.Next(4) == 0 ? 2 : 1;
            int outH = ((inH + (2 * pad) - k) / strideH) + 1, outW = ((inW + (2 * pad) - k) / strideW) + 1;
            float[] input = CompactModelTests.RandomInput(rng, inH * inW);
            float[] start = CompactModelTests.RandomInput(rng, outH * outW);
            float[] vector = (float[])start.Clone(), scalar = (float[])start.Clone();
            int ky = rng.Next(k), kx = rng.Next(k);
            float w = (float)rng.NextDouble() - 0.5f;
            SparseKernels.ConvAccumulateOnPath(input, inH, inW, vector, outH, outW, ky, kx, strideH, strideW, pad, pad, w, path);
            SparseKernels.ConvAccumulateScalar(input, inH, inW, scalar, outH, outW, ky, kx, strideH, strideW, pad, pad, w);
            Assert.True(vector.AsSpan().SequenceEqual(scalar), $"{path}: ConvAccumulate trial {trial}: {inH}×{inW}, k {k}, pad {pad}, stride {strideH}×{strideW}");
        }
    }

    /// <summary>The tiled kernel against <see cref="SparseKernels.FillPlanes"/> and one scalar <see cref="SparseKernels.ConvAccumulateScalar"/> per tap.</summary>
    public static void ConvTiled(KernelPath path, int cin, int inH, int inW, int k, int cout, double keep)
    {
        var rng = new Random((cin * 1000) + inW);
        int outH = inH - k + 1, outW = inW - k + 1;
        var taps = new List<(int Oc, int Ic, int Ky, int Kx, float W)>();
        for (int oc = 0; oc < cout; oc++)
        {
            for (int ic = 0; ic < cin; ic++)
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++)
                    {
                        if (rng.NextDouble() < keep)
                        {
                            taps.Add((oc, ic, ky, kx, (float)rng.NextDouble() - 0.5f));
                        }
                    }
                }
            }
        }

        float[] input = CompactModelTests.RandomInput(rng, cin * inH * inW);
        float[] bias = CompactModelTests.RandomInput(rng, cout);
        var expected = new float[cout * outH * outW];
        SparseKernels.FillPlanes(expected, bias, outH * outW);
        foreach ((int oc, int ic, int ky, int kx, float w) in taps)
        {
            SparseKernels.ConvAccumulateScalar(input.AsSpan(ic * inH * inW, inH * inW), inH, inW, expected.AsSpan(oc * outH * outW, outH * outW), outH, outW, ky, kx, 1, 1, 0, 0, w);
        }

        int[] starts = new int[cout + 1];
        foreach (var t in taps)
        {
            starts[t.Oc + 1]++;
        }

        for (int c = 0; c < cout; c++)
        {
            starts[c + 1] += starts[c];
        }

        int[] offsets = taps.Select(t => (((t.Ic * inH) + t.Ky) * inW) + t.Kx).ToArray();
        var tiled = new float[expected.Length];
        bool done = SparseKernels.TryConvValidTiled(input, cin, inH, inW, k, k, starts, offsets, taps.Select(t => t.W).ToArray(), bias, tiled, path);
        int lanes = path == KernelPath.Scalar ? 1 : (int)path / 32;
        Assert.True(done == (outW >= lanes), $"{path}: TryConvValidTiled on a {outH}×{outW} output returned {done}");
        if (done)
        {
            Assert.True(expected.Select(BitConverter.SingleToInt32Bits).SequenceEqual(tiled.Select(BitConverter.SingleToInt32Bits)), $"{path}: TryConvValidTiled {cin}×{inH}×{inW} k{k} → {cout} differs from the per-tap reference");
        }
    }

    /// <summary>
    /// <see cref="ConvRunner"/> on random layers of every form (strides 1–3, asymmetric padding,
    /// groups, depthwise, 1×1) against <see cref="SparseKernels.FillPlanes"/> and the scalar per-tap
    /// loop: bit for bit without padding, up to the sign of zero with it (padding taps add w × 0).
    /// </summary>
    public static void ConvRunnerLayers(KernelPath path)
    {
        var rng = new Random(41);
        for (int trial = 0; trial < 60; trial++)
        {
            int groups = trial % 4 == 0 ? 1 : trial % 4 == 1 ? 2 : trial % 4 == 2 ? 4 : 1;
            int cin = groups * rng.Next(1, 3), cout = groups * rng.Next(1, 4);
            if (trial % 10 == 7)
            {
                groups = cin = cout = rng.Next(2, 6); // depthwise
            }

            int kh = rng.Next(1, 6), kw = trial % 9 == 0 ? 1 : rng.Next(1, 6);
            int sh = rng.Next(1, 4), sw = rng.Next(1, 4);
            int top = rng.Next(0, 3), left = rng.Next(0, 3), bottom = rng.Next(0, 3), right = rng.Next(0, 3);
            if (trial % 5 == 0)
            {
                top = left = bottom = right = 0;
            }

            int inH = kh + rng.Next(0, 20), inW = kw + rng.Next(0, 40);
            var layer = new Conv2dLayer("conv", cin, cout, groups, kh, kw, sh, sw, top, left, bottom, right,
                MaskedDenseTests.Weights(rng, cout * (cin / groups) * kh * kw, 0.6), DczTestModels.RandomFloats(rng, cout));
            int outputs = cout * (((inH + top + bottom - kh) / sh) + 1) * (((inW + left + right - kw) / sw) + 1);
            var model = new DczModel(Info("conv", [cin, inH, inW], outputs), [layer]);
            LayerShape shape = ModelShapes.Compute(model).Layers[0];
            int outH = shape.OutputShape[1], outW = shape.OutputShape[2];
            float[] input = CompactModelTests.RandomInput(rng, cin * inH * inW);
            var expected = new float[cout * outH * outW];
            SparseKernels.FillPlanes(expected, layer.Bias, outH * outW);
            CompactConv taps = CompactConv.FromLayer(layer);
            for (int t = 0; t < taps.Weights.Length; t++)
            {
                SparseKernels.ConvAccumulateScalar(
                    input.AsSpan(taps.Taps[(4 * t) + 1] * inH * inW, inH * inW), inH, inW,
                    expected.AsSpan(taps.Taps[4 * t] * outH * outW, outH * outW), outH, outW,
                    taps.Taps[(4 * t) + 2], taps.Taps[(4 * t) + 3], sh, sw, top, left, taps.Weights[t]);
            }

            var actual = new float[expected.Length];
            ConvRunner.Create(layer, shape, path).Run(input, actual);
            bool padded = (top | left | bottom | right) != 0;
            Func<float, int> bits = padded ? ZeroBlindBits : BitConverter.SingleToInt32Bits;
            Assert.True(expected.Select(bits).SequenceEqual(actual.Select(bits)),
                $"{path}: ConvRunner trial {trial}: {cin}→{cout} groups {groups}, {inH}×{inW} k{kh}×{kw} stride {sh}×{sw} pad {top},{left},{bottom},{right}");
        }
    }

    public static void MaxPool(KernelPath path, int channels, int inH, int inW)
    {
        var rng = new Random((channels * 100) + inW);
        float[] input = CompactModelTests.RandomInput(rng, channels * inH * inW);
        for (int i = 0; i < input.Length; i += 7)
        {
            input[i] = i % 3 == 0 ? float.NaN : -0f; // NaN and −0 make the comparison order visible
        }

        int outH = inH / 2, outW = inW / 2;
        var fast = new float[channels * outH * outW];
        var general = new float[fast.Length];
        SparseKernels.MaxPool2dOnPath(input, channels, inH, inW, 2, 2, 2, 2, fast, path);
        SparseKernels.MaxPool2dGeneral(input, channels, inH, inW, 2, 2, 2, 2, outH, outW, general);
        Assert.True(general.Select(BitConverter.SingleToInt32Bits).SequenceEqual(fast.Select(BitConverter.SingleToInt32Bits)), $"{path}: MaxPool2d 2×2 on {channels}×{inH}×{inW} differs from the general loop");
    }

    /// <summary>Every byte value, at every offset of a vector, through the MNIST preprocessing and an odd one.</summary>
    public static void Preprocess(KernelPath path)
    {
        var raw = new byte[1000];
        new Random(5).NextBytes(raw);
        for (int i = 0; i < 256; i++)
        {
            raw[i] = (byte)i;
        }

        foreach ((float scale, float mean, float std) in new[] { (1f / 255, 0.1307f, 0.3081f), (1f, 0f, 1f), (-3.7f, 1e-3f, 7.1e5f) })
        {
            foreach (int length in new[] { 0, 3, 17, 784, 1000 })
            {
                var actual = new float[length];
                SparseKernels.PreprocessOnPath(raw.AsSpan(0, length), scale, mean, std, actual, path);
                for (int i = 0; i < length; i++)
                {
                    float expected = ((raw[i] * scale) - mean) / std;
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual[i]), $"{path}: Preprocess({raw[i]}) with {scale}, {mean}, {std}: {actual[i]:R}, expected {expected:R}");
                }
            }
        }
    }

    /// <summary>
    /// A digest (FNV-1a over the output bits) of CompactModel's outputs on LeNet-shaped and random
    /// models: equal digests in two processes mean equal results (up to the sign of zero, which the
    /// masked kernel may flip).
    /// </summary>
    public static string ModelDigest()
    {
        var rng = new Random(3);
        DczModel[] models = [LeNet300100Shaped(rng), LeNet5Shaped(rng), .. Enumerable.Range(0, 20).Select(DczTestModels.Random)];
        uint hash = 2166136261;
        foreach (DczModel model in models)
        {
            CompactModel compact = CompactModel.Create(model);
            var output = new float[compact.OutputLength];
            var batch = new float[20 * compact.InputLength];
            for (int n = 0; n < 20; n++)
            {
                float[] x = CompactModelTests.RandomInput(rng, compact.InputLength);
                x.CopyTo(batch, n * x.Length);
                compact.Run(x, output);
                foreach (float v in output)
                {
                    hash = (hash ^ (uint)ZeroBlindBits(v)) * 16777619;
                }

                hash = (hash ^ (uint)compact.Predict(x)) * 16777619;
            }

            var predictions = new int[20];
            compact.PredictBatch(batch, predictions);
            foreach (int prediction in predictions)
            {
                hash = (hash ^ (uint)prediction) * 16777619;
            }
        }

        return hash.ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>784→300→100→10 with ReLUs; densities that put ip1 on the column kernel and ip2, ip3 on the masked one where it pays.</summary>
    public static DczModel LeNet300100Shaped(Random rng) => new(
        Info("lenet-300-100", [784]),
        [
            MaskedDenseTests.Layer(rng, 784, 300, 0.05),
            new ReLULayer("relu1"),
            MaskedDenseTests.Layer(rng, 300, 100, 0.15),
            new ReLULayer("relu2"),
            MaskedDenseTests.Layer(rng, 100, 10, 0.4),
            new SoftmaxLayer("prob"),
        ]);

    /// <summary>The Caffe LeNet-5: conv 1→20 5×5, pool, conv 20→50 5×5, pool, 800→500, ReLU, 500→10.</summary>
    public static DczModel LeNet5Shaped(Random rng) => new(
        Info("lenet-5", [1, 28, 28]),
        [
            new Conv2dLayer("conv1", 1, 20, 5, 5, 1, 1, 0, 0, MaskedDenseTests.Weights(rng, 20 * 25, 0.7), DczTestModels.RandomFloats(rng, 20)),
            new MaxPool2dLayer("pool1", 2, 2, 2, 2),
            new Conv2dLayer("conv2", 20, 50, 5, 5, 1, 1, 0, 0, MaskedDenseTests.Weights(rng, 50 * 20 * 25, 0.1), DczTestModels.RandomFloats(rng, 50)),
            new MaxPool2dLayer("pool2", 2, 2, 2, 2),
            new FlattenLayer("flatten"),
            MaskedDenseTests.Layer(rng, 800, 500, 0.05),
            new ReLULayer("relu1"),
            MaskedDenseTests.Layer(rng, 500, 10, 0.2),
        ]);

    private static ModelInfo Info(string name, int[] inputShape, int classes = 10) =>
        new(name, inputShape, new Preprocessing(1f / 255, 0.1307f, 0.3081f), Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), null, "tests", 7);

    /// <summary>Bits, with −0 read as +0: the masked kernel adds exact zeros for pruned weights, which can turn a −0 sum into +0.</summary>
    public static int ZeroBlindBits(float v) => v == 0f ? 0 : BitConverter.SingleToInt32Bits(v);
}
