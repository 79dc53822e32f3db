using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recommender.Core.Numerics;

/// <summary>
/// Double-precision SIMD kernels for the dense matrices of EASE and its inverse: <see cref="Vector{T}"/> over
/// <c>double</c> (four lanes with AVX2), a scalar loop for the tail and where SIMD is not available.
/// </summary>
internal static class DenseKernels
{
    /// <summary>Σ a[n]·b[n] over the common length, in two independent accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var length = Math.Min(a.Length, b.Length);
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var width = Vector<double>.Count;
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        var n = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; n <= length - 2 * width; n += 2 * width)
            {
                acc0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)n), Vector.LoadUnsafe(ref rb, (nuint)n), acc0);
                acc1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(n + width)), Vector.LoadUnsafe(ref rb, (nuint)(n + width)), acc1);
            }
        }

        var sum = Vector.Sum(acc0 + acc1);
        for (; n < length; n++)
        {
            sum += Unsafe.Add(ref ra, n) * Unsafe.Add(ref rb, n);
        }

        return sum;
    }

    /// <summary>
    /// The four dot products of <paramref name="a"/> with rows <paramref name="b0"/> … <paramref name="b3"/> over
    /// <paramref name="length"/> entries: each load of <paramref name="a"/> feeds four multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double, double, double, double) Dot4(ref double a, ref double b0, ref double b1, ref double b2, ref double b3, int length)
    {
        var width = Vector<double>.Count;
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        var n = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; n <= length - width; n += width)
            {
                var x = Vector.LoadUnsafe(ref a, (nuint)n);
                s0 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref b0, (nuint)n), s0);
                s1 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref b1, (nuint)n), s1);
                s2 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref b2, (nuint)n), s2);
                s3 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref b3, (nuint)n), s3);
            }
        }

        double d0 = Vector.Sum(s0), d1 = Vector.Sum(s1), d2 = Vector.Sum(s2), d3 = Vector.Sum(s3);
        for (; n < length; n++)
        {
            var x = Unsafe.Add(ref a, n);
            d0 += x * Unsafe.Add(ref b0, n);
            d1 += x * Unsafe.Add(ref b1, n);
            d2 += x * Unsafe.Add(ref b2, n);
            d3 += x * Unsafe.Add(ref b3, n);
        }

        return (d0, d1, d2, d3);
    }

    /// <summary>y[n] += x[n] over the common length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ReadOnlySpan<double> x, Span<double> y)
    {
        var length = Math.Min(x.Length, y.Length);
        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var ry = ref MemoryMarshal.GetReference(y);
        var n = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; n <= length - Vector<double>.Count; n += Vector<double>.Count)
            {
                (Vector.LoadUnsafe(ref ry, (nuint)n) + Vector.LoadUnsafe(ref rx, (nuint)n)).StoreUnsafe(ref ry, (nuint)n);
            }
        }

        for (; n < length; n++)
        {
            Unsafe.Add(ref ry, n) += Unsafe.Add(ref rx, n);
        }
    }

    /// <summary>y[n] += s·x[n] over the common length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(double s, ReadOnlySpan<double> x, Span<double> y)
    {
        var length = Math.Min(x.Length, y.Length);
        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var ry = ref MemoryMarshal.GetReference(y);
        var n = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var scale = new Vector<double>(s);
            for (; n <= length - Vector<double>.Count; n += Vector<double>.Count)
            {
                Vector.FusedMultiplyAdd(scale, Vector.LoadUnsafe(ref rx, (nuint)n), Vector.LoadUnsafe(ref ry, (nuint)n)).StoreUnsafe(ref ry, (nuint)n);
            }
        }

        for (; n < length; n++)
        {
            Unsafe.Add(ref ry, n) += s * Unsafe.Add(ref rx, n);
        }
    }

    /// <summary>
    /// C[x, y] += Σ_{k0 ≤ k &lt; k1} A[x, k]·B[y, k] for x &lt; <paramref name="rowsA"/>, y &lt; <paramref name="rowsB"/>:
    /// the product A·Bᵀ of two blocks of rows (row-major, stride <paramref name="stride"/>, starting at
    /// <paramref name="aStart"/> and <paramref name="bStart"/>) into C (stride <paramref name="cStride"/>).
    /// </summary>
    /// <remarks>
    /// The dense inner loop of the Cholesky inverse. k runs in chunks of 256 so the rows' slices stay in the first-level
    /// cache, and a 2 × 4 tile of dot products shares each load between two or four multiply-adds (8 accumulators and 6
    /// operands fit AVX2's 16 registers). The order of every sum is fixed by the arguments alone.
    /// </remarks>
    public static void MultiplyTransposed(
        double[] a, int aStart, int rowsA, double[] b, int bStart, int rowsB, int stride, int k0, int k1, Span<double> c, int cStride)
    {
        const int chunk = 256;
        for (var kc = k0; kc < k1; kc += chunk)
        {
            var length = Math.Min(chunk, k1 - kc);
            var x = 0;
            for (; x + 2 <= rowsA; x += 2)
            {
                ref var a0 = ref a[aStart + x * stride + kc];
                ref var a1 = ref a[aStart + (x + 1) * stride + kc];
                var y = 0;
                for (; y + 4 <= rowsB; y += 4)
                {
                    Tile(ref a0, ref a1, ref b[bStart + y * stride + kc], stride, length, c.Slice(x * cStride + y), cStride);
                }

                for (; y < rowsB; y++)
                {
                    var row = b.AsSpan(bStart + y * stride + kc, length);
                    c[x * cStride + y] += Dot(a.AsSpan(aStart + x * stride + kc, length), row);
                    c[(x + 1) * cStride + y] += Dot(a.AsSpan(aStart + (x + 1) * stride + kc, length), row);
                }
            }

            for (; x < rowsA; x++)
            {
                for (var y = 0; y < rowsB; y++)
                {
                    c[x * cStride + y] += Dot(a.AsSpan(aStart + x * stride + kc, length), b.AsSpan(bStart + y * stride + kc, length));
                }
            }
        }
    }

    /// <summary>The 2 × 4 tile of dot products of rows a0, a1 with four rows of B (stride apart), added to C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(ref double a0, ref double a1, ref double b0, int stride, int length, Span<double> c, int cStride)
    {
        ref var b1 = ref Unsafe.Add(ref b0, stride);
        ref var b2 = ref Unsafe.Add(ref b1, stride);
        ref var b3 = ref Unsafe.Add(ref b2, stride);
        var width = Vector<double>.Count;
        Vector<double> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector<double> s10 = default, s11 = default, s12 = default, s13 = default;
        var k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k <= length - width; k += width)
            {
                var x0 = Vector.LoadUnsafe(ref a0, (nuint)k);
                var x1 = Vector.LoadUnsafe(ref a1, (nuint)k);
                var y = Vector.LoadUnsafe(ref b0, (nuint)k);
                s00 = Vector.FusedMultiplyAdd(x0, y, s00);
                s10 = Vector.FusedMultiplyAdd(x1, y, s10);
                y = Vector.LoadUnsafe(ref b1, (nuint)k);
                s01 = Vector.FusedMultiplyAdd(x0, y, s01);
                s11 = Vector.FusedMultiplyAdd(x1, y, s11);
                y = Vector.LoadUnsafe(ref b2, (nuint)k);
                s02 = Vector.FusedMultiplyAdd(x0, y, s02);
                s12 = Vector.FusedMultiplyAdd(x1, y, s12);
                y = Vector.LoadUnsafe(ref b3, (nuint)k);
                s03 = Vector.FusedMultiplyAdd(x0, y, s03);
                s13 = Vector.FusedMultiplyAdd(x1, y, s13);
            }
        }

        double d00 = Vector.Sum(s00), d01 = Vector.Sum(s01), d02 = Vector.Sum(s02), d03 = Vector.Sum(s03);
        double d10 = Vector.Sum(s10), d11 = Vector.Sum(s11), d12 = Vector.Sum(s12), d13 = Vector.Sum(s13);
        for (; k < length; k++)
        {
            double x0 = Unsafe.Add(ref a0, k), x1 = Unsafe.Add(ref a1, k);
            double y0 = Unsafe.Add(ref b0, k), y1 = Unsafe.Add(ref b1, k), y2 = Unsafe.Add(ref b2, k), y3 = Unsafe.Add(ref b3, k);
            (d00, d01, d02, d03) = (d00 + x0 * y0, d01 + x0 * y1, d02 + x0 * y2, d03 + x0 * y3);
            (d10, d11, d12, d13) = (d10 + x1 * y0, d11 + x1 * y1, d12 + x1 * y2, d13 + x1 * y3);
        }

        c[0] += d00;
        c[1] += d01;
        c[2] += d02;
        c[3] += d03;
        c[cStride] += d10;
        c[cStride + 1] += d11;
        c[cStride + 2] += d12;
        c[cStride + 3] += d13;
    }
}
