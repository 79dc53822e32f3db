using Recommender.Core.Numerics;

namespace Recommender.Core.Tests;

/// <summary>Moments of the Gibbs sampler's random draws: seeded large-sample checks with tolerances.</summary>
public class SamplingTests
{
    private const int Draws = 200_000;

    [Fact]
    public void RandomStream_DrawsStandardNormals()
    {
        var random = RandomStream.For(7, 1, 2, 3);
        var (mean, variance) = Moments(Draws, () => random.Normal());
        Assert.Equal(0, mean, 0.01);
        Assert.Equal(1, variance, 0.02);
    }

    [Theory]
    [InlineData(0.4)]
    [InlineData(1.0)]
    [InlineData(7.5)]
    [InlineData(4000.0)]
    public void RandomStream_DrawsGammaWithMeanAndVarianceEqualToTheShape(double shape)
    {
        var random = RandomStream.For(11, 0, 0, (int)shape);
        var (mean, variance) = Moments(Draws, () => random.Gamma(shape));
        Assert.Equal(shape, mean, 0.01 * shape + 0.005);
        Assert.Equal(shape, variance, 0.03 * shape + 0.005);
    }

    [Fact]
    public void RandomStream_GivesTheSameDraws_ForTheSameCoordinates_AndOthersOtherwise()
    {
        var a = RandomStream.For(1, 2, 3, 4);
        var b = RandomStream.For(1, 2, 3, 4);
        var c = RandomStream.For(1, 2, 3, 5);
        var first = Enumerable.Range(0, 5).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 5).Select(_ => b.NextUInt64()));
        Assert.NotEqual(first, Enumerable.Range(0, 5).Select(_ => c.NextUInt64()));
    }

    [Fact]
    public void Wishart_HasMeanNuV_AndTheBartlettVariances()
    {
        // V = [[2, 0.6, 0], [0.6, 1, -0.3], [0, -0.3, 0.5]], ν = 6: E W = νV, Var W_rs = ν(V_rs² + V_rr V_ss).
        double[] scale = [2, 0.6, 0, 0.6, 1, -0.3, 0, -0.3, 0.5];
        const int d = 3;
        const double nu = 6;
        var factor = (double[])scale.Clone();
        Assert.True(Cholesky.Factor(factor, d));
        var random = RandomStream.For(3, 0, 0, 0);
        var sum = new double[d * d];
        var squares = new double[d * d];
        var draw = new double[d * d];
        var work = new double[d * d];
        const int draws = 100_000;
        for (var n = 0; n < draws; n++)
        {
            MultivariateSampling.Wishart(ref random, factor, nu, draw, work, d);
            for (var e = 0; e < d * d; e++)
            {
                sum[e] += draw[e];
                squares[e] += draw[e] * draw[e];
            }
        }

        for (var r = 0; r < d; r++)
        {
            for (var s = 0; s < d; s++)
            {
                var e = r * d + s;
                var mean = sum[e] / draws;
                var variance = squares[e] / draws - mean * mean;
                var expectedVariance = nu * (scale[e] * scale[e] + scale[r * d + r] * scale[s * d + s]);
                Assert.True(Math.Abs(mean - nu * scale[e]) < 0.05, $"E W[{r},{s}] = {mean:F4}, expected {nu * scale[e]}");
                Assert.True(Math.Abs(variance - expectedVariance) < 0.05 * expectedVariance, $"Var W[{r},{s}] = {variance:F4}, expected {expectedVariance}");
                Assert.Equal(draw[e], draw[s * d + r]);
            }
        }
    }

    [Fact]
    public void NormalFromPrecision_HasTheMeanAndTheInverseOfThePrecisionAsCovariance()
    {
        // Λ = [[4, 1], [1, 2]] scaled by c = 2: covariance (cΛ)⁻¹ = [[2, −1], [−1, 4]] / 14.
        double[] precision = [4, 1, 1, 2];
        double[] mean = [1.5, -0.5];
        Assert.True(Cholesky.Factor(precision, 2));
        var random = RandomStream.For(5, 0, 0, 0);
        var x = new double[2];
        double s0 = 0, s1 = 0, s00 = 0, s01 = 0, s11 = 0;
        for (var n = 0; n < Draws; n++)
        {
            MultivariateSampling.NormalFromPrecision(ref random, precision, mean, 2, x, 2);
            s0 += x[0];
            s1 += x[1];
            s00 += x[0] * x[0];
            s01 += x[0] * x[1];
            s11 += x[1] * x[1];
        }

        var (m0, m1) = (s0 / Draws, s1 / Draws);
        Assert.Equal(1.5, m0, 0.005);
        Assert.Equal(-0.5, m1, 0.005);
        Assert.Equal(2.0 / 14, s00 / Draws - m0 * m0, 0.003);
        Assert.Equal(-1.0 / 14, s01 / Draws - m0 * m1, 0.003);
        Assert.Equal(4.0 / 14, s11 / Draws - m1 * m1, 0.005);
    }

    private static (double Mean, double Variance) Moments(int count, Func<double> draw)
    {
        double sum = 0, squares = 0;
        for (var n = 0; n < count; n++)
        {
            var x = draw();
            sum += x;
            squares += x * x;
        }

        var mean = sum / count;
        return (mean, squares / count - mean * mean);
    }
}
