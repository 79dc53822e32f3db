using Recommender.Core.Numerics;

namespace Recommender.Core.Ranking;

public sealed partial class RankingModel
{
    /// <summary>
    /// A user given by their current ratings (item index, rating), for a new or changed user, without a retrain.
    /// </summary>
    /// <remarks>
    /// Every given item is excluded from recommendations; the positive ratings (<see cref="RankingParameters.IsPositive"/>)
    /// of items with training interactions are the user's row x_u of X. EASE needs nothing more: its scores are x_u·B,
    /// exactly as for a trained user with the same ratings. Implicit ALS solves the user's row of its objective against
    /// the fixed item factors in closed form, (QᵀQ + α Σ_{i∈u} q_i q_iᵀ + λ_u I) p_u = (1 + α) Σ_{i∈u} q_i, by Cholesky in
    /// double precision — the fixed point the trainer's conjugate-gradient steps approach. A repeated item counts once,
    /// with its last rating. <paramref name="userIndex"/> is the model's index of the user, or -1.
    /// </remarks>
    public RankingUser FoldIn(IReadOnlyList<(int ItemIndex, float Rating)> ratings, int userIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        var items = new int[ratings.Count];
        var values = new float[ratings.Count];
        for (var n = 0; n < ratings.Count; n++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(ratings[n].ItemIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ratings[n].ItemIndex, Items.Count);
            (items[n], values[n]) = ratings[n];
        }

        var row = Interactions.RatedRows(new int[items.Length], items, values, 1);
        var positives = new List<int>(row.Columns.Length);
        for (var n = 0; n < row.Columns.Length; n++)
        {
            if (Parameters.IsPositive(row.Values[n]) && _itemCounts[row.Columns[n]] > 0)
            {
                positives.Add(row.Columns[n]);
            }
        }

        var factors = Algorithm == RankingAlgorithm.ImplicitAls && positives.Count > 0 ? SolveFactors(positives) : [];
        return new RankingUser(userIndex, row.Columns, positives.ToArray(), factors, isFoldedIn: true);
    }

    private float[] SolveFactors(List<int> positives)
    {
        var k = Parameters.Factors;
        var alpha = (double)Parameters.Alpha;
        var normal = (double[])_gram.Value.Clone();
        var rhs = new double[k];
        foreach (var item in positives)
        {
            var q = _itemFactors.AsSpan(item * Stride, k);
            for (var r = 0; r < k; r++)
            {
                rhs[r] += (1 + alpha) * q[r];
                for (var s = 0; s <= r; s++)
                {
                    normal[r * k + s] += alpha * q[r] * q[s];
                }
            }
        }

        var lambda = ImplicitAlsTrainer.RowRegularization(Parameters, positives.Count, _activeItems.Length);
        for (var f = 0; f < k; f++)
        {
            normal[f * k + f] += lambda;
        }

        var factors = new float[Stride];
        if (Cholesky.Solve(normal, rhs, k))
        {
            for (var f = 0; f < k; f++)
            {
                factors[f] = (float)rhs[f];
            }
        }

        return factors;
    }

    /// <summary>QᵀQ over every item row in double precision (lower triangle filled; all the Cholesky solve reads).</summary>
    private double[] ItemGram()
    {
        var k = Parameters.Factors;
        var gram = new double[k * k];
        if (Algorithm != RankingAlgorithm.ImplicitAls)
        {
            return gram;
        }

        foreach (var item in _activeItems)
        {
            var q = _itemFactors.AsSpan(item * Stride, k);
            for (var r = 0; r < k; r++)
            {
                for (var s = 0; s <= r; s++)
                {
                    gram[r * k + s] += (double)q[r] * q[s];
                }
            }
        }

        return gram;
    }
}
