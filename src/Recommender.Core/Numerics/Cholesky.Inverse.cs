namespace Recommender.Core.Numerics;

internal static partial class Cholesky
{
    private const int Block = 64;

    /// <summary>
    /// Replaces the symmetric positive-definite n×n matrix <paramref name="a"/> (row-major; only its lower triangle is
    /// read) by its inverse, in place and in double precision, on up to <paramref name="threads"/> threads. Returns
    /// false when A is not positive definite.
    /// </summary>
    /// <remarks>
    /// Three steps of n³/6 multiply-adds each, as LAPACK's <c>potrf</c>, <c>trtri</c> and <c>lauum</c> do them, in blocks
    /// of 64 rows whose bulk is <see cref="DenseKernels.MultiplyTransposed"/>:
    /// <list type="number">
    /// <item>A = L Lᵀ, right-looking by panels of 64 columns: factor the diagonal block, solve the rows below it, and
    /// subtract the panel's outer product from the trailing lower triangle (blocks of rows in parallel).</item>
    /// <item>W = L⁻¹ by groups of 64 columns (in parallel): W_jj = 1/L_jj and W_ij = −(Σ_{j≤k&lt;i} L_ik W_kj) / L_ii;
    /// column j of W is stored as row j of the upper triangle, so L stays readable.</item>
    /// <item>A⁻¹ = Wᵀ W: (A⁻¹)_rb = Σ_{k≥r} W_kr W_kb for b ≤ r, dot products of upper-triangle rows, written to the lower
    /// triangle (blocks of rows in parallel); then the upper triangle is mirrored from it.</item>
    /// </list>
    /// Every entry is computed by the same sequence of operations whatever the thread count, so the result is too.
    /// Memory: the matrix itself, two vectors of n and a 64 × n buffer per thread.
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

        var blocks = (n + Block - 1) / Block;
        var inverseDiagonal = new double[n];
        Parallel.For(0, blocks, options, () => new double[Block * n + Block * Block], (g, _, buffer) =>
        {
            InvertColumns(a, n, g * Block, Math.Min(n, (g + 1) * Block), inverseDiagonal, buffer);
            return buffer;
        }, _ => { });
        for (var j = 0; j < n; j++)
        {
            a[j * n + j] = inverseDiagonal[j];
        }

        var diagonal = new double[n];
        Parallel.For(0, blocks, options, () => new double[Block * Block], (r, _, tile) =>
        {
            ProductRows(a, n, r * Block, Math.Min(n, (r + 1) * Block), diagonal, tile);
            return tile;
        }, _ => { });
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
        for (var j0 = 0; j0 < n; j0 += Block)
        {
            var j1 = Math.Min(j0 + Block, n);
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
            var rowBlocks = (n - j1 + Block - 1) / Block;
            Parallel.For(0, rowBlocks, options, () => new double[Block * Block], (t, _, tile) =>
            {
                SubtractPanel(a, n, j1 + t * Block, Math.Min(n, j1 + (t + 1) * Block), j0, j1, tile);
                return tile;
            }, _ => { });
        }

        return true;
    }

    /// <summary>A[i, c] −= L[i, j0:j1]·L[c, j0:j1] for rows i0 ≤ i &lt; i1 and j1 ≤ c ≤ i.</summary>
    private static void SubtractPanel(double[] a, int n, int i0, int i1, int j0, int j1, double[] tile)
    {
        var first = j1;
        for (var c0 = first; c0 < i1; c0 += Block)
        {
            var c1 = Math.Min(c0 + Block, i1);
            Array.Clear(tile);
            DenseKernels.MultiplyTransposed(a, i0 * n, i1 - i0, a, c0 * n, c1 - c0, n, j0, j1, tile, Block);
            for (var i = i0; i < i1; i++)
            {
                for (var c = c0; c < Math.Min(c1, i + 1); c++)
                {
                    a[i * n + c] -= tile[(i - i0) * Block + (c - c0)];
                }
            }
        }
    }

    /// <summary>
    /// Columns j0 … j1−1 of W = L⁻¹, built in <paramref name="buffer"/> (row t holds column j0 + t, zero above the
    /// diagonal, then a 64 × 64 tile), then W_jj into <paramref name="inverseDiagonal"/> and W_ij (i &gt; j) into a[j, i].
    /// </summary>
    private static void InvertColumns(double[] a, int n, int j0, int j1, double[] inverseDiagonal, double[] buffer)
    {
        var width = j1 - j0;
        var w = buffer.AsSpan(0, width * n);
        var tile = buffer.AsSpan(Block * n, Block * Block);
        w.Clear();
        for (var j = j0; j < j1; j++)
        {
            var column = w.Slice((j - j0) * n, n);
            column[j] = 1 / a[j * n + j];
            for (var i = j + 1; i < j1; i++)
            {
                column[i] = -DenseKernels.Dot(a.AsSpan(i * n + j, i - j), column.Slice(j, i - j)) / a[i * n + i];
            }
        }

        for (var i0 = j1; i0 < n; i0 += Block)
        {
            var i1 = Math.Min(i0 + Block, n);
            tile.Clear();
            DenseKernels.MultiplyTransposed(buffer, 0, width, a, i0 * n, i1 - i0, n, j0, i0, tile, Block);
            for (var i = i0; i < i1; i++)
            {
                var row = a.AsSpan(i * n + i0, i - i0);
                for (var t = 0; t < width; t++)
                {
                    var sum = tile[t * Block + (i - i0)] + DenseKernels.Dot(row, w.Slice(t * n + i0, i - i0));
                    w[t * n + i] = -sum / a[i * n + i];
                }
            }
        }

        for (var j = j0; j < j1; j++)
        {
            inverseDiagonal[j] = w[(j - j0) * n + j];
            w.Slice((j - j0) * n + j + 1, n - j - 1).CopyTo(a.AsSpan(j * n + j + 1, n - j - 1));
        }
    }

    /// <summary>
    /// Rows r0 … r1−1 of Wᵀ W at and below the diagonal: the diagonal into <paramref name="diagonal"/>, the rest into
    /// a[r, b]. The sum over k ≥ r1 is a block product; the remaining k in [r, r1) are added per entry.
    /// </summary>
    private static void ProductRows(double[] a, int n, int r0, int r1, double[] diagonal, double[] tile)
    {
        for (var b0 = 0; b0 < r1; b0 += Block)
        {
            var b1 = Math.Min(b0 + Block, r1);
            Array.Clear(tile);
            DenseKernels.MultiplyTransposed(a, r0 * n, r1 - r0, a, b0 * n, b1 - b0, n, r1, n, tile, Block);
            for (var r = r0; r < r1; r++)
            {
                var head = a.AsSpan(r * n + r, r1 - r);
                for (var b = b0; b < Math.Min(b1, r + 1); b++)
                {
                    var value = tile[(r - r0) * Block + (b - b0)] + DenseKernels.Dot(head, a.AsSpan(b * n + r, r1 - r));
                    if (b == r)
                    {
                        diagonal[r] = value;
                    }
                    else
                    {
                        a[r * n + b] = value;
                    }
                }
            }
        }
    }
}
