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
}
