namespace Recommender.Core.Numerics;

internal static partial class Cholesky
{
    private const int PanelWidth = 64;

    /// <summary>
    /// Replaces the symmetric positive-definite n×n matrix <paramref name="a"/> (row-major; only its lower triangle is
    /// read) by its inverse, in place and in double precision, on up to <paramref name="threads"/> threads. Returns
    /// false when A is not positive definite.
    /// </summary>
    /// <remarks>
    /// Three steps of n³/6 multiply-adds each, as LAPACK's <c>potrf</c>, <c>trtri</c> and <c>lauum</c> do them:
    /// <list type="number">
    /// <item>A = L Lᵀ, right-looking by panels of 64 columns: factor the diagonal block, solve the rows below it, and
    /// subtract the panel's outer product from the trailing lower triangle (rows in parallel).</item>
    /// <item>W = L⁻¹ column by column (columns in parallel): W_jj = 1/L_jj and
    /// W_ij = −(Σ_{j≤k&lt;i} L_ik W_kj) / L_ii; column j of W is stored as row j of the upper triangle, so L stays
    /// readable.</item>
    /// <item>A⁻¹ = Wᵀ W: (A⁻¹)_rb = Σ_{k≥r} W_kr W_kb for b ≤ r, a dot product of two upper-triangle rows, written to
    /// the lower triangle; then the upper triangle is mirrored from it.</item>
    /// </list>
    /// Every entry is computed by the same sequence of operations whatever the thread count, so the result is too.
    /// Memory: the matrix itself and two vectors of n.
    /// </remarks>
    public static bool Invert(double[] a, int n, int threads)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentOutOfRangeException.ThrowIfLessThan(a.LongLength, (long)n * n);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        if (!Factor(a, n, options))
        {
            return false;
        }

        var inverseDiagonal = new double[n];
        Parallel.For(0, n, options, j => InvertColumn(a, n, j, inverseDiagonal));
        for (var j = 0; j < n; j++)
        {
            a[j * n + j] = inverseDiagonal[j];
        }

        var diagonal = new double[n];
        Parallel.For(0, n, options, r => ProductRow(a, n, r, diagonal));
        Parallel.For(0, n, options, b =>
        {
            for (var r = b + 1; r < n; r++)
            {
                a[b * n + r] = a[r * n + b];
            }

            a[b * n + b] = diagonal[b];
        });
        return true;
    }

    /// <summary>The blocked Cholesky factor L in the lower triangle of <paramref name="a"/>.</summary>
    private static bool Factor(double[] a, int n, ParallelOptions options)
    {
        for (var j0 = 0; j0 < n; j0 += PanelWidth)
        {
            var j1 = Math.Min(j0 + PanelWidth, n);
            for (var j = j0; j < j1; j++)
            {
                var rowJ = a.AsSpan(j * n + j0, j - j0);
                var diagonal = a[j * n + j] - DenseKernels.Dot(rowJ, rowJ);
                if (!(diagonal > 0) || !double.IsFinite(diagonal))
                {
                    return false;
                }

                diagonal = Math.Sqrt(diagonal);
                a[j * n + j] = diagonal;
                for (var i = j + 1; i < j1; i++)
                {
                    a[i * n + j] = (a[i * n + j] - DenseKernels.Dot(a.AsSpan(i * n + j0, j - j0), rowJ)) / diagonal;
                }
            }

            Parallel.For(j1, n, options, i =>
            {
                var row = a.AsSpan(i * n + j0, j1 - j0);
                for (var j = j0; j < j1; j++)
                {
                    row[j - j0] = (row[j - j0] - DenseKernels.Dot(row[..(j - j0)], a.AsSpan(j * n + j0, j - j0))) / a[j * n + j];
                }
            });
            Parallel.For(j1, n, options, i => SubtractPanel(a, n, i, j0, j1 - j0, j1));
        }

        return true;
    }

    /// <summary>A[i, c] −= L[i, panel]·L[c, panel] for <paramref name="first"/> ≤ c ≤ i.</summary>
    private static void SubtractPanel(double[] a, int n, int i, int panel, int width, int first)
    {
        ref var rowI = ref a[i * n + panel];
        var c = first;
        for (; c + 3 <= i; c += 4)
        {
            var (d0, d1, d2, d3) = DenseKernels.Dot4(
                ref rowI, ref a[c * n + panel], ref a[(c + 1) * n + panel], ref a[(c + 2) * n + panel], ref a[(c + 3) * n + panel], width);
            a[i * n + c] -= d0;
            a[i * n + c + 1] -= d1;
            a[i * n + c + 2] -= d2;
            a[i * n + c + 3] -= d3;
        }

        for (; c <= i; c++)
        {
            a[i * n + c] -= DenseKernels.Dot(a.AsSpan(i * n + panel, width), a.AsSpan(c * n + panel, width));
        }
    }

    /// <summary>Column j of W = L⁻¹: W_jj into <paramref name="inverseDiagonal"/>, W_ij (i &gt; j) into a[j, i].</summary>
    private static void InvertColumn(double[] a, int n, int j, double[] inverseDiagonal)
    {
        var w = a.AsSpan(j * n, n);
        var wjj = 1 / a[j * n + j];
        inverseDiagonal[j] = wjj;
        for (var i = j + 1; i < n; i++)
        {
            var sum = a[i * n + j] * wjj + DenseKernels.Dot(a.AsSpan(i * n + j + 1, i - j - 1), w.Slice(j + 1, i - j - 1));
            w[i] = -sum / a[i * n + i];
        }
    }

    /// <summary>Row r of Wᵀ W at and below the diagonal: the diagonal into <paramref name="diagonal"/>, the rest into a[r, b].</summary>
    private static void ProductRow(double[] a, int n, int r, double[] diagonal)
    {
        var length = n - r;
        ref var rowR = ref a[r * n + r];
        diagonal[r] = DenseKernels.Dot(a.AsSpan(r * n + r, length), a.AsSpan(r * n + r, length));
        var b = 0;
        for (; b + 4 <= r; b += 4)
        {
            var (d0, d1, d2, d3) = DenseKernels.Dot4(
                ref rowR, ref a[b * n + r], ref a[(b + 1) * n + r], ref a[(b + 2) * n + r], ref a[(b + 3) * n + r], length);
            a[r * n + b] = d0;
            a[r * n + b + 1] = d1;
            a[r * n + b + 2] = d2;
            a[r * n + b + 3] = d3;
        }

        for (; b < r; b++)
        {
            a[r * n + b] = DenseKernels.Dot(a.AsSpan(r * n + r, length), a.AsSpan(b * n + r, length));
        }
    }
}
