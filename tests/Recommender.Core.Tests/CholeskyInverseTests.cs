using Recommender.Core.Numerics;

namespace Recommender.Core.Tests;

public class CholeskyInverseTests
{
    [Fact]
    public void Invert_GivesTheKnownInverse_OfAHandSolvedMatrix()
    {
        // A = [[3,2,1],[2,4,2],[1,2,3]]: det A = 3·8 − 2·4 + 1·0 = 16 and the adjugate is
        // [[8,−4,0],[−4,8,−4],[0,−4,8]], so A⁻¹ = [[½,−¼,0],[−¼,½,−¼],[0,−¼,½]].
        double[] a = [3, 2, 1, 2, 4, 2, 1, 2, 3];

        Assert.True(Cholesky.Invert(a, 3, threads: 1));

        double[] expected = [0.5, -0.25, 0, -0.25, 0.5, -0.25, 0, -0.25, 0.5];
        for (var n = 0; n < 9; n++)
        {
            Assert.Equal(expected[n], a[n], 1e-12);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(150)]
    public void Invert_TimesTheMatrix_IsTheIdentity_AcrossPanelBoundaries(int n)
    {
        var a = RandomSpd(n, seed: n);
        var inverse = (double[])a.Clone();

        Assert.True(Cholesky.Invert(inverse, n, threads: 2));

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++)
                {
                    sum += a[i * n + k] * inverse[k * n + j];
                }

                Assert.Equal(i == j ? 1 : 0, sum, 1e-9);
                Assert.Equal(inverse[i * n + j], inverse[j * n + i]);
            }
        }
    }

    [Fact]
    public void Invert_IsBitForBitTheSame_OnOneAndTwoThreads()
    {
        var one = RandomSpd(130, seed: 5);
        var two = (double[])one.Clone();

        Assert.True(Cholesky.Invert(one, 130, threads: 1));
        Assert.True(Cholesky.Invert(two, 130, threads: 2));

        Assert.Equal(one, two);
    }

    [Fact]
    public void Invert_ReturnsFalse_ForAMatrixThatIsNotPositiveDefinite()
    {
        double[] a = [1, 2, 2, 1];

        Assert.False(Cholesky.Invert(a, 2, threads: 1));
    }

    /// <summary>MᵀM + n·I for a random M: symmetric and well conditioned.</summary>
    private static double[] RandomSpd(int n, int seed)
    {
        var random = new Random(seed);
        var m = new double[n * n];
        for (var k = 0; k < m.Length; k++)
        {
            m[k] = random.NextDouble() - 0.5;
        }

        var a = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = i == j ? n : 0;
                for (var k = 0; k < n; k++)
                {
                    sum += m[k * n + i] * m[k * n + j];
                }

                a[i * n + j] = sum;
            }
        }

        return a;
    }
}
