using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

/// <summary>Which kernel runs a dense layer for one input.</summary>
internal enum DenseKernel
{
    /// <summary>By input column, nonzero inputs only: one scattered update per kept weight of a nonzero input.</summary>
    Columns,

    /// <summary><see cref="MaskedDense"/>: a fixed cost per (nonzero input, 16-row block), outputs in registers.</summary>
    Masked,

    /// <summary><see cref="GatheredDense"/>: a fixed cost per kept weight whatever the input, outputs in registers.</summary>
    Gathered,
}

/// <summary>
/// A dense layer ready to run on this process's kernel path. It keeps the kept weights by input
/// column, each column padded to a multiple of four entries (the padding adds 0 × x to a scratch
/// slot past the outputs, so the inner loop has neither a remainder loop nor a bounds check), and,
/// where they can pay, the masked and the row-gathered forms. Each call lists the nonzero inputs,
/// then runs the kernel that a cost model, measured per path (docs/inference.md), says is cheapest
/// for that many nonzero inputs. All three sum each output's terms in ascending input order, so
/// they agree except on the sign of an output that sums to zero (finite inputs).
/// </summary>
internal sealed class DenseRunner
{
    private const int Group = 4;
    private const int StackallocOutputs = 2048;

    private readonly int[] _starts;
    private readonly int[] _rows;
    private readonly float[] _values;
    private readonly float[] _bias;
    private readonly MaskedDense? _masked;
    private readonly GatheredDense? _gathered;
    private readonly KernelPath _maskedPath;
    private readonly DenseLayer _layer;
    private GatheredDense? _tileRows;

    private DenseRunner(DenseLayer layer, KernelPath path, KernelPath maskedPath, bool allForms)
    {
        Inputs = layer.Inputs;
        Outputs = layer.Outputs;
        Path = path;
        _maskedPath = maskedPath;
        _bias = layer.Bias;
        _layer = layer;
        (_starts, _rows, _values) = PaddedColumns(layer);

        // Columns and masked both cost in proportion to the nonzero inputs: the cheaper per input
        // is the choice for sparse inputs. The gathered kernel costs the same at any density and
        // takes over from the count of nonzero inputs where it becomes the cheaper one.
        double columns = Costs.ColumnPerInput + (Costs.ColumnPerGroup * (_values.Length / Group) / Math.Max(Inputs, 1));
        double masked = maskedPath == KernelPath.Scalar ? double.PositiveInfinity : Costs.MaskedPerBlock(maskedPath) * ((Outputs + 15) / 16);
        if (masked < columns || (allForms && maskedPath != KernelPath.Scalar))
        {
            _masked = MaskedDense.FromLayer(layer);
        }

        SparseKernel = masked < columns ? DenseKernel.Masked : DenseKernel.Columns;

        double perInput = Math.Min(columns, masked);
        int slices = (Outputs + GatheredDense.Lanes - 1) / GatheredDense.Lanes;
        double gathered = Costs.GatheredPerStep(path) * (layer.Weights.Count + (slices * 2.0)) / GatheredDense.Lanes;
        double from = Math.Ceiling(gathered / perInput);
        GatherFrom = from <= Inputs ? (int)from : int.MaxValue;
        if (from <= Inputs || allForms)
        {
            _gathered = GatheredDense.FromLayer(layer);
        }
    }

    /// <summary>Inputs of the layer.</summary>
    public int Inputs { get; }

    /// <summary>Outputs of the layer.</summary>
    public int Outputs { get; }

    /// <summary>The vector path every kernel of this runner takes.</summary>
    public KernelPath Path { get; }

    /// <summary>The kernel for inputs with fewer nonzero values than <see cref="GatherFrom"/>.</summary>
    public DenseKernel SparseKernel { get; }

    /// <summary>From how many nonzero inputs the gathered kernel runs (<see cref="int.MaxValue"/>: never).</summary>
    public int GatherFrom { get; }

    /// <summary>Builds the runner of <paramref name="layer"/> for this process's paths.</summary>
    public static DenseRunner Create(DenseLayer layer) => Create(layer, KernelPaths.Active, KernelPaths.ActiveMasked);

    /// <summary>
    /// Builds the runner of <paramref name="layer"/> for chosen paths; with <paramref name="allForms"/>
    /// every form is built whether or not the cost model would use it (tests and measurements force
    /// each kernel through <see cref="Run(ReadOnlySpan{float}, Span{float}, DenseKernel?)"/>).
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This process cannot run a path.</exception>
    public static DenseRunner Create(DenseLayer layer, KernelPath path, KernelPath maskedPath, bool allForms = false)
    {
        ArgumentNullException.ThrowIfNull(layer);
        KernelPaths.ThrowIfUnsupported(path);
        KernelPaths.ThrowIfMaskedUnsupported(maskedPath);
        return new DenseRunner(layer, path, maskedPath, allForms);
    }

    /// <summary>Runs the layer on one input with the kernel the cost model picks.</summary>
    /// <exception cref="ArgumentException">A length does not match the layer.</exception>
    public void Run(ReadOnlySpan<float> x, Span<float> y) => Run(x, y, null);

    /// <summary>Runs the layer with <paramref name="kernel"/> (null: the cost model's pick); a form this runner did not build falls back to the columns.</summary>
    /// <exception cref="ArgumentException">A length does not match the layer.</exception>
    [SkipLocalsInit]
    public void Run(ReadOnlySpan<float> x, Span<float> y, DenseKernel? kernel)
    {
        if (x.Length != Inputs)
        {
            SparseKernels.ThrowLength(nameof(x), Inputs, x.Length);
        }

        if (y.Length != Outputs)
        {
            SparseKernels.ThrowLength(nameof(y), Outputs, y.Length);
        }

        int[]? rented = null;
        Span<int> nonzero = Inputs <= SparseKernels.StackallocInputs
            ? stackalloc int[Inputs + SparseKernels.NonzeroSlack]
            : (rented = ArrayPool<int>.Shared.Rent(Inputs + SparseKernels.NonzeroSlack));
        int count = SparseKernels.ListNonzero(x, nonzero, Path);
        DenseKernel choice = kernel ?? (count >= GatherFrom ? DenseKernel.Gathered : SparseKernel);
        if (choice == DenseKernel.Gathered && _gathered is not null)
        {
            SparseKernels.DenseGathered(x, _gathered, y, Path);
        }
        else if (choice == DenseKernel.Masked && _masked is not null)
        {
            SparseKernels.DenseMasked(x, nonzero.Slice(0, count), _masked, y, _maskedPath);
        }
        else
        {
            Columns(x, nonzero.Slice(0, count), y);
        }

        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The column kernel on the padded form: <c>y = bias</c>, then for each listed input in order,
    /// four updates at a time, each a separate read-modify-write (the same operations, in the same
    /// order, as <see cref="SparseKernels.DenseColumns"/>). Works in a scratch copy one longer than
    /// the outputs, whose last slot takes the padding.
    /// </summary>
    [SkipLocalsInit]
    private void Columns(ReadOnlySpan<float> x, ReadOnlySpan<int> nonzero, Span<float> y)
    {
        float[]? rented = null;
        Span<float> acc = Outputs < StackallocOutputs
            ? stackalloc float[Outputs + 1]
            : (rented = ArrayPool<float>.Shared.Rent(Outputs + 1));
        _bias.CopyTo(acc);
        ref float accRef = ref MemoryMarshal.GetReference(acc);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref int startRef = ref MemoryMarshal.GetArrayDataReference(_starts);
        ref int rowRef = ref MemoryMarshal.GetArrayDataReference(_rows);
        ref float valueRef = ref MemoryMarshal.GetArrayDataReference(_values);

        // Every index below was checked when the form was built: rows <= Outputs, starts ascending
        // within _rows, listed inputs < Inputs.
        foreach (int i in nonzero)
        {
            float xi = Unsafe.Add(ref xRef, (nuint)(uint)i);
            nuint p = (nuint)(uint)Unsafe.Add(ref startRef, (nuint)(uint)i);
            nuint end = (nuint)(uint)Unsafe.Add(ref startRef, (nuint)(uint)i + 1);
            for (; p < end; p += Group)
            {
                Unsafe.Add(ref accRef, (nuint)(uint)Unsafe.Add(ref rowRef, p)) += xi * Unsafe.Add(ref valueRef, p);
                Unsafe.Add(ref accRef, (nuint)(uint)Unsafe.Add(ref rowRef, p + 1)) += xi * Unsafe.Add(ref valueRef, p + 1);
                Unsafe.Add(ref accRef, (nuint)(uint)Unsafe.Add(ref rowRef, p + 2)) += xi * Unsafe.Add(ref valueRef, p + 2);
                Unsafe.Add(ref accRef, (nuint)(uint)Unsafe.Add(ref rowRef, p + 3)) += xi * Unsafe.Add(ref valueRef, p + 3);
            }
        }

        acc.Slice(0, Outputs).CopyTo(y);
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Samples per tile of <see cref="RunTile"/>: one 512-bit register of floats per feature.</summary>
    public const int TileWidth = 16;

    /// <summary>
    /// Runs the layer on a tile of <see cref="TileWidth"/> samples stored feature-major
    /// (<c>xTile[i × 16 + t]</c> is input <c>i</c> of sample <c>t</c>), from the row-gathered form:
    /// each output row's 16 sums start at its bias and stay in registers while, for each of the row's
    /// kept weights in ascending input order, <c>y[o, 0..15] += w × x[i, 0..15]</c> is added (eight
    /// rows side by side, so eight independent chains; no output goes through memory). The weights
    /// are read once per tile instead of once per sample. Each sample's outputs sum the terms of
    /// <see cref="Run(ReadOnlySpan{float}, Span{float})"/> in the same order, plus exact zeros for
    /// its zero inputs and the padding: the same values up to the sign of a zero sum (finite inputs).
    /// </summary>
    /// <param name="xTile">Inputs, <c>Inputs × 16</c>.</param>
    /// <param name="yTile">Outputs, <c>Outputs × 16</c> (longer is allowed; the rest is left alone).</param>
    /// <exception cref="ArgumentException">A length does not fit the layer.</exception>
    public void RunTile(ReadOnlySpan<float> xTile, Span<float> yTile)
    {
        if (xTile.Length != Inputs * TileWidth)
        {
            SparseKernels.ThrowLength(nameof(xTile), (long)Inputs * TileWidth, xTile.Length);
        }

        if (yTile.Length < Outputs * TileWidth)
        {
            SparseKernels.ThrowLength(nameof(yTile), (long)Outputs * TileWidth, yTile.Length);
        }

        // Built on the first tile: single-sample use never needs it unless the cost model does.
        GatheredDense rows = _tileRows ??= _gathered ?? GatheredDense.FromLayer(_layer);
        switch (Path)
        {
            case KernelPath.Vector512:
                TileRows<Width512, Vector512<float>>(rows, xTile, yTile);
                break;
            case KernelPath.Vector256:
                TileRows<Width256, Vector256<float>>(rows, xTile, yTile);
                break;
            case KernelPath.Vector128:
                TileRows<Width128, Vector128<float>>(rows, xTile, yTile);
                break;
            default:
                TileRows<ScalarWidth, float>(rows, xTile, yTile);
                break;
        }
    }

    /// <summary>
    /// Eight accumulator registers per pass: eight rows of one 16-lane register (512-bit), four rows
    /// of two (256-bit), two rows of four (128-bit), or one row of sixteen floats (scalar).
    /// </summary>
    private static void TileRows<TWidth, TVector>(GatheredDense rows, ReadOnlySpan<float> xTile, Span<float> yTile)
        where TWidth : struct, ISimdWidth<TVector>
        where TVector : struct
    {
        const int Lanes = GatheredDense.Lanes;
        int parts = TileWidth / TWidth.Count;
        int rowsPerPass = Math.Max(1, Lanes / parts);
        ref float xRef = ref MemoryMarshal.GetReference(xTile);
        ref float yRef = ref MemoryMarshal.GetReference(yTile);
        ref int columnRef = ref MemoryMarshal.GetArrayDataReference(rows.Columns);
        ref float valueRef = ref MemoryMarshal.GetArrayDataReference(rows.Values);
        Span<float> sums = stackalloc float[TileWidth];
        for (int s = 0; s < rows.Slices; s++)
        {
            int first = rows.SliceStarts[s], last = rows.SliceStarts[s + 1];
            for (int lane0 = 0; lane0 < Lanes; lane0 += rowsPerPass)
            {
                int slot0 = (s * Lanes) + lane0;
                if (parts == 1)
                {
                    // Eight rows: lane l of each step is row slot0 + l.
                    TVector a0 = TWidth.Broadcast(rows.Bias[slot0]), a1 = TWidth.Broadcast(rows.Bias[slot0 + 1]);
                    TVector a2 = TWidth.Broadcast(rows.Bias[slot0 + 2]), a3 = TWidth.Broadcast(rows.Bias[slot0 + 3]);
                    TVector a4 = TWidth.Broadcast(rows.Bias[slot0 + 4]), a5 = TWidth.Broadcast(rows.Bias[slot0 + 5]);
                    TVector a6 = TWidth.Broadcast(rows.Bias[slot0 + 6]), a7 = TWidth.Broadcast(rows.Bias[slot0 + 7]);
                    for (int k = first; k < last; k++)
                    {
                        ref int c = ref Unsafe.Add(ref columnRef, (nuint)k * Lanes);
                        ref float v = ref Unsafe.Add(ref valueRef, (nuint)k * Lanes);
                        a0 = TWidth.MultiplyAdd(a0, TWidth.Broadcast(v), TWidth.Load(ref xRef, (nuint)(uint)c * TileWidth));
                        a1 = TWidth.MultiplyAdd(a1, TWidth.Broadcast(Unsafe.Add(ref v, 1)), TWidth.Load(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 1) * TileWidth));
                        a2 = TWidth.MultiplyAdd(a2, TWidth.Broadcast(Unsafe.Add(ref v, 2)), TWidth.Load(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 2) * TileWidth));
                        a3 = TWidth.MultiplyAdd(a3, TWidth.Broadcast(Unsafe.Add(ref v, 3)), TWidth.Load(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 3) * TileWidth));
                        a4 = TWidth.MultiplyAdd(a4, TWidth.Broadcast(Unsafe.Add(ref v, 4)), TWidth.Load(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 4) * TileWidth));
                        a5 = TWidth.MultiplyAdd(a5, TWidth.Broadcast(Unsafe.Add(ref v, 5)), TWidth.Load(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 5) * TileWidth));
                        a6 = TWidth.MultiplyAdd(a6, TWidth.Broadcast(Unsafe.Add(ref v, 6)), TWidth.Load(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 6) * TileWidth));
                        a7 = TWidth.MultiplyAdd(a7, TWidth.Broadcast(Unsafe.Add(ref v, 7)), TWidth.Load(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 7) * TileWidth));
                    }

                    StoreRow(rows, slot0, a0, ref yRef);
                    StoreRow(rows, slot0 + 1, a1, ref yRef);
                    StoreRow(rows, slot0 + 2, a2, ref yRef);
                    StoreRow(rows, slot0 + 3, a3, ref yRef);
                    StoreRow(rows, slot0 + 4, a4, ref yRef);
                    StoreRow(rows, slot0 + 5, a5, ref yRef);
                    StoreRow(rows, slot0 + 6, a6, ref yRef);
                    StoreRow(rows, slot0 + 7, a7, ref yRef);
                }
                else if (parts == 2)
                {
                    // Four rows of two registers.
                    nuint h = (nuint)TWidth.Count;
                    TVector a0 = TWidth.Broadcast(rows.Bias[slot0]), b0 = a0, a1 = TWidth.Broadcast(rows.Bias[slot0 + 1]), b1 = a1;
                    TVector a2 = TWidth.Broadcast(rows.Bias[slot0 + 2]), b2 = a2, a3 = TWidth.Broadcast(rows.Bias[slot0 + 3]), b3 = a3;
                    for (int k = first; k < last; k++)
                    {
                        ref int c = ref Unsafe.Add(ref columnRef, ((nuint)k * Lanes) + (nuint)lane0);
                        ref float v = ref Unsafe.Add(ref valueRef, ((nuint)k * Lanes) + (nuint)lane0);
                        TVector w = TWidth.Broadcast(v);
                        ref float x = ref Unsafe.Add(ref xRef, (nuint)(uint)c * TileWidth);
                        a0 = TWidth.MultiplyAdd(a0, w, TWidth.Load(ref x, 0));
                        b0 = TWidth.MultiplyAdd(b0, w, TWidth.Load(ref x, h));
                        w = TWidth.Broadcast(Unsafe.Add(ref v, 1));
                        x = ref Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 1) * TileWidth);
                        a1 = TWidth.MultiplyAdd(a1, w, TWidth.Load(ref x, 0));
                        b1 = TWidth.MultiplyAdd(b1, w, TWidth.Load(ref x, h));
                        w = TWidth.Broadcast(Unsafe.Add(ref v, 2));
                        x = ref Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 2) * TileWidth);
                        a2 = TWidth.MultiplyAdd(a2, w, TWidth.Load(ref x, 0));
                        b2 = TWidth.MultiplyAdd(b2, w, TWidth.Load(ref x, h));
                        w = TWidth.Broadcast(Unsafe.Add(ref v, 3));
                        x = ref Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 3) * TileWidth);
                        a3 = TWidth.MultiplyAdd(a3, w, TWidth.Load(ref x, 0));
                        b3 = TWidth.MultiplyAdd(b3, w, TWidth.Load(ref x, h));
                    }

                    StoreRow(rows, slot0, a0, b0, ref yRef);
                    StoreRow(rows, slot0 + 1, a1, b1, ref yRef);
                    StoreRow(rows, slot0 + 2, a2, b2, ref yRef);
                    StoreRow(rows, slot0 + 3, a3, b3, ref yRef);
                }
                else if (parts == 4)
                {
                    // Two rows of four registers.
                    nuint q = (nuint)TWidth.Count;
                    TVector a0 = TWidth.Broadcast(rows.Bias[slot0]), b0 = a0, c0 = a0, d0 = a0;
                    TVector a1 = TWidth.Broadcast(rows.Bias[slot0 + 1]), b1 = a1, c1 = a1, d1 = a1;
                    for (int k = first; k < last; k++)
                    {
                        ref int c = ref Unsafe.Add(ref columnRef, ((nuint)k * Lanes) + (nuint)lane0);
                        ref float v = ref Unsafe.Add(ref valueRef, ((nuint)k * Lanes) + (nuint)lane0);
                        TVector w = TWidth.Broadcast(v);
                        ref float x = ref Unsafe.Add(ref xRef, (nuint)(uint)c * TileWidth);
                        a0 = TWidth.MultiplyAdd(a0, w, TWidth.Load(ref x, 0));
                        b0 = TWidth.MultiplyAdd(b0, w, TWidth.Load(ref x, q));
                        c0 = TWidth.MultiplyAdd(c0, w, TWidth.Load(ref x, 2 * q));
                        d0 = TWidth.MultiplyAdd(d0, w, TWidth.Load(ref x, 3 * q));
                        w = TWidth.Broadcast(Unsafe.Add(ref v, 1));
                        x = ref Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 1) * TileWidth);
                        a1 = TWidth.MultiplyAdd(a1, w, TWidth.Load(ref x, 0));
                        b1 = TWidth.MultiplyAdd(b1, w, TWidth.Load(ref x, q));
                        c1 = TWidth.MultiplyAdd(c1, w, TWidth.Load(ref x, 2 * q));
                        d1 = TWidth.MultiplyAdd(d1, w, TWidth.Load(ref x, 3 * q));
                    }

                    StoreRow(rows, slot0, a0, b0, c0, d0, ref yRef);
                    StoreRow(rows, slot0 + 1, a1, b1, c1, d1, ref yRef);
                }
                else
                {
                    // Scalar: one row, sixteen sums.
                    float bias = rows.Bias[slot0];
                    sums.Fill(bias);
                    for (int k = first; k < last; k++)
                    {
                        nuint at = ((nuint)k * Lanes) + (nuint)lane0;
                        float w = Unsafe.Add(ref valueRef, at);
                        ReadOnlySpan<float> x = xTile.Slice(Unsafe.Add(ref columnRef, at) * TileWidth, TileWidth);
                        for (int t = 0; t < TileWidth; t++)
                        {
                            sums[t] += w * x[t];
                        }
                    }

                    int row = rows.RowOrder[slot0];
                    if (row >= 0)
                    {
                        sums.CopyTo(yTile.Slice(row * TileWidth, TileWidth));
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVector>(GatheredDense rows, int slot, TVector a, ref float y)
        where TVector : struct
    {
        int row = rows.RowOrder[slot];
        if (row >= 0)
        {
            Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref y, (nuint)(uint)row * TileWidth)), a);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVector>(GatheredDense rows, int slot, TVector a, TVector b, ref float y)
        where TVector : struct
    {
        int row = rows.RowOrder[slot];
        if (row >= 0)
        {
            ref byte at = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref y, (nuint)(uint)row * TileWidth));
            Unsafe.WriteUnaligned(ref at, a);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, Unsafe.SizeOf<TVector>()), b);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVector>(GatheredDense rows, int slot, TVector a, TVector b, TVector c, TVector d, ref float y)
        where TVector : struct
    {
        int row = rows.RowOrder[slot];
        if (row >= 0)
        {
            ref byte at = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref y, (nuint)(uint)row * TileWidth));
            int size = Unsafe.SizeOf<TVector>();
            Unsafe.WriteUnaligned(ref at, a);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, size), b);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 2 * size), c);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 3 * size), d);
        }
    }

    /// <summary>The kept weights by column, rows ascending, each column padded to a multiple of <see cref="Group"/> with (row = outputs, value 0).</summary>
    private static (int[] Starts, int[] Rows, float[] Values) PaddedColumns(DenseLayer layer)
    {
        CompactDense columns = CompactDense.FromLayer(layer);
        int inputs = layer.Inputs, outputs = layer.Outputs;
        var starts = new int[inputs + 1];
        for (int i = 0; i < inputs; i++)
        {
            int length = columns.ColumnStarts[i + 1] - columns.ColumnStarts[i];
            starts[i + 1] = checked(starts[i] + ((length + Group - 1) / Group * Group));
        }

        var rows = new int[starts[inputs]];
        var values = new float[starts[inputs]];
        for (int i = 0; i < inputs; i++)
        {
            int from = columns.ColumnStarts[i], length = columns.ColumnStarts[i + 1] - from;
            columns.Rows.AsSpan(from, length).CopyTo(rows.AsSpan(starts[i]));
            columns.Values.AsSpan(from, length).CopyTo(values.AsSpan(starts[i]));
            rows.AsSpan(starts[i] + length, starts[i + 1] - starts[i] - length).Fill(outputs);
        }

        return (starts, rows, values);
    }

    /// <summary>
    /// Relative costs of the kernels, in nanoseconds measured on LeNet-300-100's and LeNet-5's dense
    /// layers (64 MNIST images, this repository's 2-core Xeon, JIT and Native AOT; docs/inference.md).
    /// Only their ratios matter.
    /// </summary>
    internal static class Costs
    {
        /// <summary>Column kernel, per nonzero input: list entry, loop entry and the mispredicted loop exit.</summary>
        public const double ColumnPerInput = 6.0;

        /// <summary>Column kernel, per group of four padded updates.</summary>
        public const double ColumnPerGroup = 1.5;

        /// <summary>Masked kernel, per (nonzero input, 16-row block): one expand on AVX-512, two permutes on AVX2, four byte shuffles on 128-bit vectors.</summary>
        public static double MaskedPerBlock(KernelPath path) => path switch
        {
            KernelPath.Vector512 => 1.1,
            KernelPath.Vector256 => 1.8,
            KernelPath.Vector128 => 5.0,
            _ => double.PositiveInfinity,
        };

        /// <summary>Gathered kernel, per step of eight rows: one AVX2 gather, eight scalar loads into two 128-bit vectors, or eight scalar multiply-adds.</summary>
        public static double GatheredPerStep(KernelPath path) => path switch
        {
            KernelPath.Vector512 or KernelPath.Vector256 => 1.9,
            KernelPath.Vector128 => 2.2,
            _ => 3.0,
        };
    }
}
