using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recommender.Core.Numerics;

/// <summary>
/// Dense float kernels over factor rows. Rows are padded to a multiple of <see cref="Vector{T}.Count"/>
/// (<see cref="PaddedLength"/>) with zeros, so the kernels run whole SIMD vectors without a scalar tail.
/// </summary>
internal static class VectorMath
{
    /// <summary>Length of a row of <paramref name="factors"/> values padded to whole SIMD vectors.</summary>
    public static int PaddedLength(int factors) =>
        (factors + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    /// <summary>Dot product of two equally long spans; padded spans take the SIMD path only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var length = Math.Min(a.Length, b.Length);
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var acc = Vector<float>.Zero;
        var n = 0;
        for (; n <= length - Vector<float>.Count; n += Vector<float>.Count)
        {
            acc += Vector.LoadUnsafe(ref ra, (nuint)n) * Vector.LoadUnsafe(ref rb, (nuint)n);
        }

        var sum = Vector.Sum(acc);
        for (; n < length; n++)
        {
            sum += Unsafe.Add(ref ra, n) * Unsafe.Add(ref rb, n);
        }

        return sum;
    }

    /// <summary>Dot product of two equally long double spans, SIMD over whole vectors and a scalar tail.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var length = Math.Min(a.Length, b.Length);
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var acc = Vector<double>.Zero;
        var n = 0;
        for (; n <= length - Vector<double>.Count; n += Vector<double>.Count)
        {
            acc += Vector.LoadUnsafe(ref ra, (nuint)n) * Vector.LoadUnsafe(ref rb, (nuint)n);
        }

        var sum = Vector.Sum(acc);
        for (; n < length; n++)
        {
            sum += Unsafe.Add(ref ra, n) * Unsafe.Add(ref rb, n);
        }

        return sum;
    }

    /// <summary>y[n] += s·x[n] over the common length; padded spans take the SIMD path only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(float s, ReadOnlySpan<float> x, Span<float> y)
    {
        var length = Math.Min(x.Length, y.Length);
        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var ry = ref MemoryMarshal.GetReference(y);
        var scale = new Vector<float>(s);
        var n = 0;
        for (; n <= length - Vector<float>.Count; n += Vector<float>.Count)
        {
            Vector.FusedMultiplyAdd(scale, Vector.LoadUnsafe(ref rx, (nuint)n), Vector.LoadUnsafe(ref ry, (nuint)n)).StoreUnsafe(ref ry, (nuint)n);
        }

        for (; n < length; n++)
        {
            Unsafe.Add(ref ry, n) += s * Unsafe.Add(ref rx, n);
        }
    }

    /// <summary>x[n] *= s.</summary>
    public static void Scale(float s, Span<float> x)
    {
        for (var n = 0; n < x.Length; n++)
        {
            x[n] *= s;
        }
    }

    /// <summary>Squared Euclidean norm.</summary>
    public static float SquaredNorm(ReadOnlySpan<float> a) => Dot(a, a);

    /// <summary>Cosine of the angle between two vectors given their norms; 0 when either norm is 0.</summary>
    public static float Cosine(float dot, float normA, float normB)
    {
        var denominator = normA * normB;
        return denominator > 0 && float.IsFinite(denominator) ? Math.Clamp(dot / denominator, -1f, 1f) : 0f;
    }
}
