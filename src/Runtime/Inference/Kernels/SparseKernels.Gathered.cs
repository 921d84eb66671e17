using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbeddedNets.Inference;

public static partial class SparseKernels
{
    /// <summary>
    /// The same layer as <see cref="DenseColumns"/> from its <see cref="GatheredDense"/> form: eight
    /// output rows at a time start at their bias in one register, and step by step each adds
    /// <c>x[column] * value</c> of its next kept weight, the eight inputs fetched with a gather
    /// (AVX2 <c>vgatherdps</c>; on 128-bit vectors four loads per half; on the scalar path one
    /// accumulator per row). Each output sums its kept weights in ascending input order, as
    /// <see cref="DenseColumns"/> does, but zero inputs and the padding add exact zeros instead of
    /// being skipped: for finite inputs the results are identical except that an output that would
    /// be −0 can come out +0.
    /// </summary>
    /// <remarks>
    /// The cost is one step per kept weight and row slice, whatever the input; the column kernel's
    /// is one scattered update per kept weight of a nonzero input. With most inputs nonzero (a
    /// layer after a convolution) the gather wins: no output goes through memory inside the loop.
    /// There is no 512-bit gather in .NET, so the 512-bit path runs the 256-bit one.
    /// </remarks>
    /// <exception cref="ArgumentException">A length does not match the layer.</exception>
    /// <exception cref="PlatformNotSupportedException">This process cannot run <paramref name="path"/>.</exception>
    [SkipLocalsInit]
    internal static unsafe void DenseGathered(ReadOnlySpan<float> x, GatheredDense layer, Span<float> y, KernelPath path)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (x.Length != layer.Inputs)
        {
            ThrowLength(nameof(x), layer.Inputs, x.Length);
        }

        if (y.Length != layer.Outputs)
        {
            ThrowLength(nameof(y), layer.Outputs, y.Length);
        }

        KernelPaths.ThrowIfUnsupported(path);
        ref int columnRef = ref MemoryMarshal.GetArrayDataReference(layer.Columns);
        ref float valueRef = ref MemoryMarshal.GetArrayDataReference(layer.Values);
        ref float biasRef = ref MemoryMarshal.GetArrayDataReference(layer.Bias);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        Span<float> sums = stackalloc float[GatheredDense.Lanes];
        ref float sumRef = ref MemoryMarshal.GetReference(sums);
        fixed (float* xp = x)
        {
            for (int s = 0; s < layer.Slices; s++)
            {
                int first = layer.SliceStarts[s], last = layer.SliceStarts[s + 1];
                nuint lane0 = (nuint)(s * GatheredDense.Lanes);
                if (path >= KernelPath.Vector256 && KernelPaths.Vector256Ok)
                {
                    Vector256<float> acc = Vector256.LoadUnsafe(ref biasRef, lane0);
                    for (int k = first; k < last; k++)
                    {
                        nuint at = (nuint)k * GatheredDense.Lanes;
                        Vector256<float> inputs = Avx2.GatherVector256(xp, Vector256.LoadUnsafe(ref columnRef, at), sizeof(float));
                        acc += inputs * Vector256.LoadUnsafe(ref valueRef, at);
                    }

                    acc.StoreUnsafe(ref sumRef);
                }
                else if (path == KernelPath.Vector128 && KernelPaths.Vector128Ok)
                {
                    Vector128<float> low = Vector128.LoadUnsafe(ref biasRef, lane0), high = Vector128.LoadUnsafe(ref biasRef, lane0 + 4);
                    for (int k = first; k < last; k++)
                    {
                        nuint at = (nuint)k * GatheredDense.Lanes;
                        ref int c = ref Unsafe.Add(ref columnRef, at);
                        Vector128<float> a = Vector128.Create(
                            Unsafe.Add(ref xRef, (nuint)(uint)c),
                            Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 1)),
                            Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 2)),
                            Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 3)));
                        Vector128<float> b = Vector128.Create(
                            Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 4)),
                            Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 5)),
                            Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 6)),
                            Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 7)));
                        low += a * Vector128.LoadUnsafe(ref valueRef, at);
                        high += b * Vector128.LoadUnsafe(ref valueRef, at + 4);
                    }

                    low.StoreUnsafe(ref sumRef);
                    high.StoreUnsafe(ref sumRef, 4);
                }
                else
                {
                    // Eight rows side by side, as in the vector paths: eight independent sums.
                    float a0 = Unsafe.Add(ref biasRef, lane0), a1 = Unsafe.Add(ref biasRef, lane0 + 1), a2 = Unsafe.Add(ref biasRef, lane0 + 2), a3 = Unsafe.Add(ref biasRef, lane0 + 3);
                    float a4 = Unsafe.Add(ref biasRef, lane0 + 4), a5 = Unsafe.Add(ref biasRef, lane0 + 5), a6 = Unsafe.Add(ref biasRef, lane0 + 6), a7 = Unsafe.Add(ref biasRef, lane0 + 7);
                    for (int k = first; k < last; k++)
                    {
                        ref int c = ref Unsafe.Add(ref columnRef, (nuint)k * GatheredDense.Lanes);
                        ref float v = ref Unsafe.Add(ref valueRef, (nuint)k * GatheredDense.Lanes);
                        a0 += Unsafe.Add(ref xRef, (nuint)(uint)c) * v;
                        a1 += Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 1)) * Unsafe.Add(ref v, 1);
                        a2 += Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 2)) * Unsafe.Add(ref v, 2);
                        a3 += Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 3)) * Unsafe.Add(ref v, 3);
                        a4 += Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 4)) * Unsafe.Add(ref v, 4);
                        a5 += Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 5)) * Unsafe.Add(ref v, 5);
                        a6 += Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 6)) * Unsafe.Add(ref v, 6);
                        a7 += Unsafe.Add(ref xRef, (nuint)(uint)Unsafe.Add(ref c, 7)) * Unsafe.Add(ref v, 7);
                    }

                    sums[0] = a0;
                    sums[1] = a1;
                    sums[2] = a2;
                    sums[3] = a3;
                    sums[4] = a4;
                    sums[5] = a5;
                    sums[6] = a6;
                    sums[7] = a7;
                }

                for (int lane = 0; lane < GatheredDense.Lanes; lane++)
                {
                    int row = layer.RowOrder[(s * GatheredDense.Lanes) + lane];
                    if (row >= 0)
                    {
                        y[row] = sums[lane];
                    }
                }
            }
        }
    }
}
