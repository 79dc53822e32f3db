using Recommender.Core.Numerics;

namespace Recommender.Core.Ranking;

/// <summary>
/// EASE's weights when there are fewer users than items, through the Woodbury identity
/// (XᵀX + λI_n)⁻¹ = (1/λ)(I_n − Xᵀ(λI_m + XXᵀ)⁻¹X): an m × m inverse instead of an n × n one.
/// </summary>
/// <remarks>
/// With K = λI_m + XXᵀ and C = K⁻¹X (m × n), P = (I − XᵀC)/λ, so for i ≠ j B_ij = −P_ij/P_jj = (XᵀC)_ij / (1 − D_j)
/// with D_j = (XᵀC)_jj, and λ cancels outside K. Row i of XᵀC is the sum of the rows of C of the users who interacted
/// with item i: nnz(X) · n additions, done in tiles of 256 columns so a tile of C stays in cache. Every sum runs in a
/// fixed order, so the result does not depend on the thread count.
/// </remarks>
internal static class EaseWoodbury
{
    private const int Tile = 256;

    public static float[] Fit(Interactions x, int[] activeItems, int[] slot, int[] activeUsers, double lambda, ParallelOptions options)
    {
        var n = activeItems.Length;
        var m = activeUsers.Length;
        var userSlot = new int[x.Users];
        for (var r = 0; r < m; r++)
        {
            userSlot[activeUsers[r]] = r;
        }

        // K = λI + XXᵀ: K_uv counts the items u and v share.
        var k = new double[m * m];
        Parallel.For(0, m, options, r =>
        {
            var row = k.AsSpan(r * m, m);
            var u = activeUsers[r];
            for (var a = x.ByUser.Offsets[u]; a < x.ByUser.Offsets[u + 1]; a++)
            {
                var item = x.ByUser.Columns[a];
                for (var b = x.ByItem.Offsets[item]; b < x.ByItem.Offsets[item + 1]; b++)
                {
                    row[userSlot[x.ByItem.Columns[b]]] += 1;
                }
            }

            row[r] += lambda;
        });
        if (!Cholesky.Invert(k, m, options.MaxDegreeOfParallelism))
        {
            throw new InvalidOperationException("λI + XXᵀ is not positive definite in double precision; raise the regularization.");
        }

        // C = K⁻¹X: row r of C is Σ_s K⁻¹_rs x_s.
        var c = new double[m * n];
        Parallel.For(0, m, options, r =>
        {
            var row = c.AsSpan(r * n, n);
            for (var s = 0; s < m; s++)
            {
                var weight = k[r * m + s];
                var u = activeUsers[s];
                for (var a = x.ByUser.Offsets[u]; a < x.ByUser.Offsets[u + 1]; a++)
                {
                    row[slot[x.ByUser.Columns[a]]] += weight;
                }
            }
        });

        var scale = new double[n];
        for (var j = 0; j < n; j++)
        {
            var item = activeItems[j];
            double diagonal = 0;
            for (var a = x.ByItem.Offsets[item]; a < x.ByItem.Offsets[item + 1]; a++)
            {
                diagonal += c[userSlot[x.ByItem.Columns[a]] * n + j];
            }

            // 1 − D_j = λ P_jj > 0 in exact arithmetic.
            if (!(1 - diagonal > 0))
            {
                throw new InvalidOperationException("The Woodbury form lost positive definiteness in double precision; raise the regularization.");
            }

            scale[j] = 1 / (1 - diagonal);
        }

        var weights = new float[n * n];
        Parallel.For(0, (n + Tile - 1) / Tile, options, t =>
        {
            var first = t * Tile;
            var width = Math.Min(Tile, n - first);
            var sum = new double[width];
            for (var i = 0; i < n; i++)
            {
                Array.Clear(sum);
                var item = activeItems[i];
                for (var a = x.ByItem.Offsets[item]; a < x.ByItem.Offsets[item + 1]; a++)
                {
                    DenseKernels.Add(c.AsSpan(userSlot[x.ByItem.Columns[a]] * n + first, width), sum);
                }

                EaseTrainer.ScaleRow(sum, scale.AsSpan(first, width), weights.AsSpan(i * n + first, width));
                if (i >= first && i < first + width)
                {
                    weights[i * n + i] = 0;
                }
            }
        });
        return weights;
    }
}
