namespace Recommender.Core.Numerics;

/// <summary>
/// In-place Cholesky factorisation and solve for small symmetric positive-definite systems
/// (the <c>(k+1)×(k+1)</c> normal equations of ALS and fold-in), in double precision.
/// </summary>
internal static partial class Cholesky
{
    /// <summary>
    /// Solves <c>A x = b</c> for SPD <paramref name="a"/> (row-major, n×n, overwritten by its factor L) and
    /// <paramref name="b"/> (overwritten by x). Returns false when A is not positive definite.
    /// </summary>
    public static bool Solve(Span<double> a, Span<double> b, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var rowJ = a.Slice(j * n, n);
            var diagonal = rowJ[j];
            for (var k = 0; k < j; k++)
            {
                diagonal -= rowJ[k] * rowJ[k];
            }

            if (!(diagonal > 0))
            {
                return false;
            }

            diagonal = Math.Sqrt(diagonal);
            rowJ[j] = diagonal;
            for (var i = j + 1; i < n; i++)
            {
                var rowI = a.Slice(i * n, n);
                var sum = rowI[j];
                for (var k = 0; k < j; k++)
                {
                    sum -= rowI[k] * rowJ[k];
                }

                rowI[j] = sum / diagonal;
            }
        }

        // Forward substitution L y = b, then back substitution Lᵀ x = y.
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= a[i * n + k] * b[k];
            }

            b[i] = sum / a[i * n + i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= a[k * n + i] * b[k];
            }

            b[i] = sum / a[i * n + i];
        }

        return true;
    }
}
