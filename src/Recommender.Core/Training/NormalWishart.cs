using Recommender.Core.Numerics;

namespace Recommender.Core.Training;

/// <summary>
/// The Gaussian prior N(μ, Λ⁻¹) of one side's rows and its Normal–Wishart hyperprior (Salakhutdinov &amp; Mnih 2008,
/// section 3): Λ ~ W(W₀, ν₀), μ | Λ ~ N(μ₀, (β₀Λ)⁻¹), with μ₀ = 0, β₀ = 2, ν₀ = d and W₀ = I.
/// </summary>
/// <remarks>
/// Given the N rows x_n (only rows with a rating count), with mean x̄ and scatter S = Σ (x_n − x̄)(x_n − x̄)ᵀ, the
/// conditional is again Normal–Wishart: β* = β₀ + N, ν* = ν₀ + N, μ* = (β₀μ₀ + N x̄)/β*,
/// (W*)⁻¹ = W₀⁻¹ + S + (β₀N/β*)(μ₀ − x̄)(μ₀ − x̄)ᵀ. <see cref="Sample"/> draws Λ ~ W(W*, ν*), then μ ~ N(μ*, (β*Λ)⁻¹).
/// </remarks>
internal sealed class NormalWishart
{
    private const double Beta0 = 2;
    private readonly int _d;
    private readonly double[] _scatter;
    private readonly double[] _work;
    private readonly double[] _factor;

    public NormalWishart(int dimension)
    {
        _d = dimension;
        Mean = new double[dimension];
        Precision = new double[dimension * dimension];
        PrecisionTimesMean = new double[dimension];
        _scatter = new double[dimension * dimension];
        _work = new double[dimension * dimension];
        _factor = new double[dimension * dimension];
        for (var r = 0; r < dimension; r++)
        {
            Precision[r * dimension + r] = 1;
        }
    }

    /// <summary>μ of the current prior.</summary>
    public double[] Mean { get; }

    /// <summary>Λ of the current prior (both triangles).</summary>
    public double[] Precision { get; }

    /// <summary>Λμ, the prior's contribution to every row's linear term.</summary>
    public double[] PrecisionTimesMean { get; }

    /// <summary>Draws (μ, Λ) from their conditional given the rows (stride d) of entries with a positive count.</summary>
    public void Sample(double[] rows, int[] counts, ref RandomStream random)
    {
        var d = _d;
        var mean = new double[d];
        var n = 0;
        for (var row = 0; row < counts.Length; row++)
        {
            if (counts[row] == 0)
            {
                continue;
            }

            n++;
            var x = rows.AsSpan(row * d, d);
            for (var r = 0; r < d; r++)
            {
                mean[r] += x[r];
            }
        }

        for (var r = 0; r < d; r++)
        {
            mean[r] /= Math.Max(1, n);
        }

        // (W*)⁻¹ = I + S + (β₀N/(β₀+N)) x̄ x̄ᵀ, lower triangle.
        Array.Clear(_scatter);
        var diff = new double[d];
        for (var row = 0; row < counts.Length; row++)
        {
            if (counts[row] == 0)
            {
                continue;
            }

            var x = rows.AsSpan(row * d, d);
            for (var r = 0; r < d; r++)
            {
                diff[r] = x[r] - mean[r];
            }

            AddOuter(_scatter, diff, 1, d);
        }

        AddOuter(_scatter, mean, Beta0 * n / (Beta0 + n), d);
        for (var r = 0; r < d; r++)
        {
            _scatter[r * d + r] += 1;
        }

        // W* = ((W*)⁻¹)⁻¹ and its Cholesky factor, the Wishart's scale.
        if (!Cholesky.Factor(_scatter, d))
        {
            throw new TrainingDivergedException(0, double.NaN);
        }

        Array.Clear(_factor);
        var column = new double[d];
        for (var c = 0; c < d; c++)
        {
            Array.Clear(column);
            column[c] = 1;
            Cholesky.SolveLower(_scatter, column, d);
            Cholesky.SolveUpper(_scatter, column, d);
            for (var r = c; r < d; r++)
            {
                _factor[r * d + c] = column[r];
            }
        }

        if (!Cholesky.Factor(_factor, d))
        {
            throw new TrainingDivergedException(0, double.NaN);
        }

        MultivariateSampling.Wishart(ref random, _factor, d + n, Precision, _work, d);

        // μ ~ N(μ*, (β*Λ)⁻¹), μ* = N x̄ / (β₀ + N) as μ₀ = 0.
        Precision.CopyTo(_work, 0);
        if (!Cholesky.Factor(_work, d))
        {
            throw new TrainingDivergedException(0, double.NaN);
        }

        var shrink = n / (Beta0 + n);
        for (var r = 0; r < d; r++)
        {
            mean[r] *= shrink;
        }

        MultivariateSampling.NormalFromPrecision(ref random, _work, mean, Beta0 + n, Mean, d);
        for (var r = 0; r < d; r++)
        {
            PrecisionTimesMean[r] = VectorMath.Dot(Precision.AsSpan(r * d, d), Mean);
        }
    }

    /// <summary>Adds c·x xᵀ to the lower triangle of <paramref name="matrix"/>.</summary>
    internal static void AddOuter(double[] matrix, ReadOnlySpan<double> x, double c, int d)
    {
        for (var r = 0; r < d; r++)
        {
            var scaled = c * x[r];
            var row = r * d;
            for (var s = 0; s <= r; s++)
            {
                matrix[row + s] += scaled * x[s];
            }
        }
    }
}
