using System.Numerics;
using System.Runtime.CompilerServices;
using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Training;

/// <summary>
/// SVD++ (Koren 2008, "Factorization Meets the Neighborhood", section 4) by stochastic gradient descent: the biased
/// model plus implicit feedback from <em>which</em> items each user rated.
/// </summary>
/// <remarks>
/// <para><b>Model</b>: r̂_ui = μ + b_u + b_i + q_i·(p_u + z_u), z_u = |N(u)|^−½ Σ_{j∈N(u)} y_j, N(u) the items u rated in
/// training.</para>
/// <para><b>Objective</b>: Σ e_ui² + λ Σ_(u,i) (‖p_u‖² + ‖q_i‖² + Σ_{j∈N(u)} ‖y_j‖²) + λ_b Σ_(u,i) (b_u² + b_i²) — per-rating
/// regularization, as the paper's per-rating steps imply;
/// the reported objective adds λ(‖P‖² + ‖Q‖² + ‖Y‖²) + λ_b(‖b_u‖² + ‖b_i‖²) to the errors measured before each update.</para>
/// <para><b>Update</b>, user by user in a fresh seeded order each epoch, with α_t = α·decay^(t−1): z_u is computed once;
/// for each of u's ratings, in a fresh seeded order, e = r_ui − r̂_ui, b_u += α_t(e − λ_b b_u), b_i += α_t(e − λ_b b_i),
/// q_i += α_t(e (p_u + z_u) − λ q_i) and p_u += α_t(e q_i − λ p_u) simultaneously; then every y_j, j ∈ N(u), takes the
/// user's summed step once: y_j ← (1 − α_tλ)^|N(u)| y_j + α_t |N(u)|^−½ Σ_i e_ui q_i. Koren's per-rating y update costs
/// |N(u)| row updates per rating; summing the steps per user (z_u held fixed meanwhile) is the usual O(k) per rating
/// form, and the power keeps the paper's shrinkage of y — one decay per rating — which cross-validated clearly better
/// than one decay per user (0.8552 against 0.8725 on a holdout of the MovieLens training split).</para>
/// <para><b>Served model</b>: each user's row is the effective vector p_u + z_u, so the prediction rule is the
/// <see cref="FactorModel"/>'s; Y is kept in the model for fold-in, which solves p_u given z_u of the user's rated items.</para>
/// <para><b>Threads</b>: one. Each user's step writes the y rows of every item they rated, so no two users are
/// independent; the model depends on the seed only.</para>
/// <para><b>Initialisation</b>: p, q and y ~ N(0, σ²), biases 0.</para>
/// </remarks>
internal sealed class SvdPlusPlusTrainer(TrainingParameters parameters) : FactorTrainerBase(parameters)
{
    protected override bool HasBiases => true;

    protected override bool HasImplicitFactors => true;

    protected override void Initialize(FactorWeights weights, Gaussian gaussian)
    {
        var sigma = Parameters.EffectiveInitStandardDeviation;
        gaussian.FillRows(weights.UserFactors, weights.Users, weights.Factors, weights.Stride, sigma);
        gaussian.FillRows(weights.ItemFactors, weights.Items, weights.Factors, weights.Stride, sigma);
        gaussian.FillRows(weights.ImplicitFactors!, weights.Items, weights.Factors, weights.Stride, sigma);
    }

    protected override EpochRunner Prepare(
        RatingDataset train, FactorWeights weights, int[] userCounts, int[] itemCounts, Random random)
    {
        var byUser = SparseRows.Build(train.UserIndices, train.ItemIndices, train.Values, weights.Users);
        var p = (float[])weights.UserFactors.Clone();
        var order = Enumerable.Range(0, weights.Users).Where(u => userCounts[u] > 0).ToArray();
        var ratingOrder = new int[train.Count];
        var z = new float[weights.Stride];
        var gradient = new float[weights.Stride];
        return new EpochRunner(
            learningRate =>
            {
                random.Shuffle(order);
                double sse = 0;
                foreach (var u in order)
                {
                    sse += UserStep(byUser, u, weights, p.AsSpan(u * weights.Stride, weights.Stride), z, gradient, ratingOrder, random, learningRate);
                }

                var penalty = Parameters.Regularization * (SquaredNorm(p) + SquaredNorm(weights.ItemFactors) + SquaredNorm(weights.ImplicitFactors!))
                    + Parameters.BiasRegularization * (SquaredNorm(weights.UserBias) + SquaredNorm(weights.ItemBias));
                return (sse + penalty, Math.Sqrt(sse / train.Count));
            },
            () =>
            {
                for (var u = 0; u < weights.Users; u++)
                {
                    var row = weights.UserRow(u);
                    p.AsSpan(u * weights.Stride, weights.Stride).CopyTo(row);
                    if (userCounts[u] > 0)
                    {
                        ImplicitSum(byUser, u, weights, z);
                        VectorMath.AddScaled(1f, z, row);
                    }
                }
            });
    }

    /// <summary>One user's updates; returns Σ e² over their ratings (errors before each update).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double UserStep(
        SparseRows byUser, int u, FactorWeights weights, Span<float> p, float[] z, float[] gradient, int[] ratingOrder, Random random, float rate)
    {
        var (start, end) = (byUser.Offsets[u], byUser.Offsets[u + 1]);
        ImplicitSum(byUser, u, weights, z);
        Array.Clear(gradient);
        var visit = ratingOrder.AsSpan(start, end - start);
        for (var n = 0; n < visit.Length; n++)
        {
            visit[n] = start + n;
        }

        random.Shuffle(visit);
        var width = Vector<float>.Count;
        var decay = new Vector<float>(1f - rate * Parameters.Regularization);
        var biasDecay = 1f - rate * Parameters.BiasRegularization;
        double sse = 0;
        foreach (var n in visit)
        {
            var i = byUser.Columns[n];
            var q = weights.ItemRow(i);
            var acc = Vector<float>.Zero;
            for (var f = 0; f < p.Length; f += width)
            {
                acc = Vector.FusedMultiplyAdd(new Vector<float>(p[f..]) + new Vector<float>(z.AsSpan(f)), new Vector<float>(q[f..]), acc);
            }

            var error = byUser.Values[n] - (weights.GlobalMean + weights.UserBias[u] + weights.ItemBias[i] + Vector.Sum(acc));
            sse += error * error;
            var scaled = rate * error;
            weights.UserBias[u] = biasDecay * weights.UserBias[u] + scaled;
            weights.ItemBias[i] = biasDecay * weights.ItemBias[i] + scaled;
            var e = new Vector<float>(scaled);
            for (var f = 0; f < p.Length; f += width)
            {
                var pv = new Vector<float>(p[f..]);
                var qv = new Vector<float>(q[f..]);
                Vector.FusedMultiplyAdd(e, qv, new Vector<float>(gradient.AsSpan(f))).CopyTo(gradient.AsSpan(f));
                Vector.FusedMultiplyAdd(e, pv + new Vector<float>(z.AsSpan(f)), decay * qv).CopyTo(q[f..]);
                Vector.FusedMultiplyAdd(e, qv, decay * pv).CopyTo(p[f..]);
            }
        }

        var norm = 1f / MathF.Sqrt(end - start);
        // Koren's per-rating step shrinks every y_j of N(u) at each of u's |N(u)| ratings.
        var implicitDecay = MathF.Pow(1f - rate * Parameters.Regularization, end - start);
        for (var n = start; n < end; n++)
        {
            var y = weights.ImplicitRow(byUser.Columns[n]);
            for (var f = 0; f < y.Length; f++)
            {
                y[f] = implicitDecay * y[f] + norm * gradient[f];
            }
        }

        return sse;
    }

    /// <summary>z_u = |N(u)|^−½ Σ_{j∈N(u)} y_j into <paramref name="z"/>.</summary>
    internal static void ImplicitSum(SparseRows byUser, int u, FactorWeights weights, Span<float> z)
    {
        z.Clear();
        var (start, end) = (byUser.Offsets[u], byUser.Offsets[u + 1]);
        for (var n = start; n < end; n++)
        {
            VectorMath.AddScaled(1f, weights.ImplicitRow(byUser.Columns[n]), z);
        }

        if (end > start)
        {
            var norm = 1f / MathF.Sqrt(end - start);
            for (var f = 0; f < z.Length; f++)
            {
                z[f] *= norm;
            }
        }
    }
}
