namespace Recommender.Core.Numerics;

/// <summary>
/// Draws from the multivariate distributions of a Gibbs sampler: a Gaussian given the Cholesky factor of its
/// precision, and a Wishart matrix by the Bartlett decomposition. Matrices are row-major d×d doubles.
/// </summary>
internal static class MultivariateSampling
{
    /// <summary>
    /// x ~ N(<paramref name="mean"/>, (c·Λ)⁻¹) given L with Λ = L Lᵀ (the lower triangle of <paramref name="precisionFactor"/>):
    /// x = mean + L⁻ᵀ z / √c with z ~ N(0, I), since Cov(L⁻ᵀ z) = (L Lᵀ)⁻¹. Writes x to <paramref name="result"/>.
    /// </summary>
    public static void NormalFromPrecision(
        ref RandomStream random, ReadOnlySpan<double> precisionFactor, ReadOnlySpan<double> mean, double c, Span<double> result, int d)
    {
        for (var r = 0; r < d; r++)
        {
            result[r] = random.Normal();
        }

        Cholesky.SolveUpper(precisionFactor, result, d);
        var scale = 1.0 / Math.Sqrt(c);
        for (var r = 0; r < d; r++)
        {
            result[r] = mean[r] + result[r] * scale;
        }
    }

    /// <summary>
    /// W ~ Wishart(V, ν) — mean νV — given the lower Cholesky factor L of the scale V (Bartlett 1933): with A lower
    /// triangular, A_rr = √χ²(ν − r) (r = 0 … d−1) and A_rs ~ N(0, 1) below the diagonal, W = (L A)(L A)ᵀ.
    /// Needs ν &gt; d − 1. <paramref name="work"/> holds d×d values.
    /// </summary>
    public static void Wishart(
        ref RandomStream random, ReadOnlySpan<double> scaleFactor, double degrees, Span<double> result, Span<double> work, int d)
    {
        if (!(degrees > d - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(degrees), degrees, $"A {d}-dimensional Wishart needs more than {d - 1} degrees of freedom.");
        }

        // A in the lower triangle of result.
        result[..(d * d)].Clear();
        for (var r = 0; r < d; r++)
        {
            result[r * d + r] = Math.Sqrt(random.ChiSquare(degrees - r));
            for (var s = 0; s < r; s++)
            {
                result[r * d + s] = random.Normal();
            }
        }

        // B = L A, lower triangular: B_rs = Σ_{s ≤ t ≤ r} L_rt A_ts.
        work[..(d * d)].Clear();
        for (var r = 0; r < d; r++)
        {
            for (var s = 0; s <= r; s++)
            {
                double sum = 0;
                for (var t = s; t <= r; t++)
                {
                    sum += scaleFactor[r * d + t] * result[t * d + s];
                }

                work[r * d + s] = sum;
            }
        }

        // W = B Bᵀ: W_rs = Σ_{t ≤ min(r, s)} B_rt B_st, both triangles written.
        for (var r = 0; r < d; r++)
        {
            for (var s = 0; s <= r; s++)
            {
                double sum = 0;
                for (var t = 0; t <= s; t++)
                {
                    sum += work[r * d + t] * work[s * d + t];
                }

                result[r * d + s] = sum;
                result[s * d + r] = sum;
            }
        }
    }
}
