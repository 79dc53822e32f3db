namespace Recommender.Core.Numerics;

/// <summary>
/// In-place Cholesky factorisation and solve for small symmetric positive-definite systems, the inner products of the
/// factorisation and the forward substitution in SIMD (<see cref="DenseKernels.Dot"/>)
/// (the <c>(k+1)×(k+1)</c> normal equations of ALS and fold-in, the row conditionals of the Gibbs sampler), in double
/// precision.
/// </summary>
internal static partial class Cholesky
{
    /// <summary>
    /// Solves <c>A x = b</c> for SPD <paramref name="a"/> (row-major, n×n, overwritten by its factor L) and
    /// <paramref name="b"/> (overwritten by x). Returns false when A is not positive definite.
    /// </summary>
    public static bool Solve(Span<double> a, Span<double> b, int n)
    {
        if (!Factor(a, n))
        {
            return false;
        }

        SolveLower(a, b, n);
        SolveUpper(a, b, n);
        return true;
    }

    /// <summary>
    /// Overwrites the lower triangle of SPD <paramref name="a"/> (row-major, n×n; only the lower triangle is read) by L
    /// with A = L Lᵀ. Returns false when A is not positive definite.
    /// </summary>
    public static bool Factor(Span<double> a, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var rowJ = a.Slice(j * n, n);
            var diagonal = rowJ[j] - DenseKernels.Dot(rowJ[..j], rowJ[..j]);

            if (!(diagonal > 0))
            {
                return false;
            }

            diagonal = Math.Sqrt(diagonal);
            rowJ[j] = diagonal;
            for (var i = j + 1; i < n; i++)
            {
                var rowI = a.Slice(i * n, n);
                rowI[j] = (rowI[j] - DenseKernels.Dot(rowI[..j], rowJ[..j])) / diagonal;
            }
        }

        return true;
    }

    /// <summary>Forward substitution: overwrites <paramref name="b"/> by L⁻¹ b, L the lower triangle of <paramref name="l"/>.</summary>
    public static void SolveLower(ReadOnlySpan<double> l, Span<double> b, int n)
    {
        for (var i = 0; i < n; i++)
        {
            b[i] = (b[i] - DenseKernels.Dot(l.Slice(i * n, i), b[..i])) / l[i * n + i];
        }
    }

    /// <summary>Back substitution: overwrites <paramref name="b"/> by L⁻ᵀ b, L the lower triangle of <paramref name="l"/>.</summary>
    public static void SolveUpper(ReadOnlySpan<double> l, Span<double> b, int n)
    {
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= l[k * n + i] * b[k];
            }

            b[i] = sum / l[i * n + i];
        }
    }
}
