using Recommender.Core.Numerics;

namespace Recommender.Core.Ranking;

/// <summary>
/// EASE, "Embarrassingly Shallow Autoencoders for Sparse Data" (Steck, WWW 2019).
/// </summary>
/// <remarks>
/// <para><b>Model</b>: an item-item weight matrix B with a zero diagonal; the scores of user u are x_u·B, x_u the user's
/// row of the binary interaction matrix X (users × items).</para>
/// <para><b>Objective</b>: ‖X − XB‖²_F + λ‖B‖²_F subject to diag B = 0.</para>
/// <para><b>Solution</b> (closed form, by Lagrange multipliers for the diagonal): with P = (XᵀX + λI)⁻¹,
/// B = I − P·diag(1/diag P), i.e. B_ij = −P_ij / P_jj for i ≠ j and B_jj = 0.</para>
/// <para><b>Two ways to P</b>, both in double precision over the items with an interaction (n of them) and the users with
/// one (m): when m ≥ n, the Gram matrix XᵀX + λI is built densely and inverted by Cholesky (n³ multiply-adds); when
/// m &lt; n, the Woodbury identity P = (1/λ)(I − Xᵀ(λI_m + XXᵀ)⁻¹X) needs only an m × m inverse, and the n × n product
/// is a sparse-times-dense sum: with C = (λI_m + XXᵀ)⁻¹X and D_j = (XᵀC)_jj, B_ij = (XᵀC)_ij / (1 − D_j).</para>
/// <para><b>Memory</b>: n² floats for B plus n² doubles (direct) or m·n doubles (Woodbury) while fitting, so it refuses
/// more than <see cref="RankingParameters.MaxItems"/> items (default 12,000: under 2 GB).</para>
/// </remarks>
internal static class EaseTrainer
{
    /// <summary>B over <paramref name="activeItems"/> (the items with an interaction, ascending), row-major n × n.</summary>
    public static float[] Fit(Interactions x, int[] activeItems, RankingParameters parameters)
    {
        var n = activeItems.Length;
        if (n > parameters.MaxItems)
        {
            throw new InvalidOperationException(
                $"EASE holds an items × items matrix: {n:N0} items with interactions exceed the limit of {parameters.MaxItems:N0} " +
                $"({nameof(RankingParameters)}.{nameof(RankingParameters.MaxItems)}; about 12 × items² bytes are needed while fitting). " +
                "Raise the limit if the memory is there, or use implicit ALS, whose memory grows only with users + items.");
        }

        var slot = new int[x.Items];
        Array.Fill(slot, -1);
        for (var k = 0; k < n; k++)
        {
            slot[activeItems[k]] = k;
        }

        var activeUsers = Enumerable.Range(0, x.Users).Where(u => x.ByUser.Offsets[u + 1] > x.ByUser.Offsets[u]).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = parameters.EffectiveThreads };
        return activeUsers.Length < n
            ? EaseWoodbury.Fit(x, activeItems, slot, activeUsers, parameters.Regularization, options)
            : Direct(x, activeItems, slot, parameters.Regularization, options);
    }

    /// <summary>P = (XᵀX + λI)⁻¹ by Cholesky, then B_ij = −P_ij / P_jj.</summary>
    internal static float[] Direct(Interactions x, int[] activeItems, int[] slot, double lambda, ParallelOptions options)
    {
        var n = activeItems.Length;
        var p = new double[n * n];
        Parallel.For(0, n, options, r =>
        {
            var row = p.AsSpan(r * n, n);
            var item = activeItems[r];
            for (var k = x.ByItem.Offsets[item]; k < x.ByItem.Offsets[item + 1]; k++)
            {
                var u = x.ByItem.Columns[k];
                for (var m = x.ByUser.Offsets[u]; m < x.ByUser.Offsets[u + 1]; m++)
                {
                    row[slot[x.ByUser.Columns[m]]] += 1;
                }
            }

            row[r] += lambda;
        });
        if (!Cholesky.Invert(p, n, options.MaxDegreeOfParallelism))
        {
            throw new InvalidOperationException("XᵀX + λI is not positive definite in double precision; raise the regularization.");
        }

        var scale = new double[n];
        for (var j = 0; j < n; j++)
        {
            scale[j] = -1 / p[j * n + j];
        }

        var b = new float[n * n];
        Parallel.For(0, n, options, r =>
        {
            ScaleRow(p.AsSpan(r * n, n), scale, b.AsSpan(r * n, n));
            b[r * n + r] = 0;
        });
        return b;
    }

    /// <summary>destination[j] = (float)(source[j] · scale[j]).</summary>
    internal static void ScaleRow(ReadOnlySpan<double> source, ReadOnlySpan<double> scale, Span<float> destination)
    {
        for (var j = 0; j < destination.Length; j++)
        {
            destination[j] = (float)(source[j] * scale[j]);
        }
    }
}
