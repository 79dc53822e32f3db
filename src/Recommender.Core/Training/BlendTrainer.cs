using System.Diagnostics;
using Recommender.Core.Data;
using Recommender.Core.Model;

namespace Recommender.Core.Training;

/// <summary>
/// The equal-weight mean of several biased models' predictions (<see cref="Algorithm.Blend"/>): each part is trained on
/// the same ratings with its own parameters, one after the other, and the parts are combined into one model of the
/// usual rule.
/// </summary>
/// <remarks>
/// <para><b>Why</b>: models fitted in different ways make partly independent errors, so their mean is more accurate than
/// either (the Netflix Prize's lesson: Bell, Koren &amp; Volinsky 2008). Equal weights are not fitted on anything, so they
/// cannot over-fit a validation set; on the MovieLens latest-small split the Bayesian sampler and SVD++ are 0.8287 and
/// 0.8337 alone and about 0.82 together (README, "Accuracy").</para>
/// <para><b>Exact combination</b>: with P parts of weight w = 1/P, the blend's μ, b_u and b_i are the means of the parts'
/// and its user and item rows are the parts' rows side by side, each multiplied by √w; then
/// p_u·q_i = Σ_c w p_uᶜ·q_iᶜ, and the blend's score is exactly the mean of the parts' scores (the parts' μ is the same
/// mean training rating). A predicted rating is that mean clipped to the scale, which differs from the mean of the
/// clipped parts only where a part leaves the scale. SVD++'s implicit factors y are kept in its columns, also scaled by
/// √w, for fold-in.</para>
/// <para><b>Cost</b>: training takes the parts' time together; a query costs what a model of the summed width does
/// (the default, a 16-sample k = 32 Bayesian model beside a k = 64 SVD++ model, is 576 factors wide).</para>
/// <para><b>History</b>: the parts' epochs in order, numbered on; validation RMSE, when a validation set is given, is
/// each part's own.</para>
/// </remarks>
internal sealed class BlendTrainer(TrainingParameters parameters) : IFactorTrainer
{
    public TrainingResult Fit(
        RatingDataset train,
        RatingDataset? validation = null,
        Action<EpochReport>? onEpoch = null,
        CancellationToken cancellationToken = default)
    {
        FactorTrainerBase.CheckInputs(train, validation);
        var clock = Stopwatch.StartNew();
        var parts = parameters.ResolvedParts();
        var history = new List<EpochReport>();
        var models = new List<FactorModel>(parts.Count);
        long updates = 0;
        var epochTime = TimeSpan.Zero;
        foreach (var part in parts)
        {
            var result = Trainers.Create(part).Fit(train, validation, Report, cancellationToken);
            models.Add(result.Model);
            updates += result.Updates;
            epochTime += result.EpochTime;
        }

        var resolved = parameters with { Parts = parts, Factors = parameters.BlendWidth };
        var model = Combine(models, resolved, train);
        return new TrainingResult(model, history, history.Count, updates, clock.Elapsed, epochTime);

        void Report(EpochReport report)
        {
            var numbered = report with { Epoch = history.Count + 1, Elapsed = clock.Elapsed };
            history.Add(numbered);
            onEpoch?.Invoke(numbered);
        }
    }

    /// <summary>The parts' weights combined as the remarks describe; every part was trained on <paramref name="train"/>.</summary>
    internal static FactorModel Combine(IReadOnlyList<FactorModel> parts, TrainingParameters parameters, RatingDataset train)
    {
        var first = parts[0];
        var (users, items) = (first.Users.Count, first.Items.Count);
        var width = parts.Sum(p => p.Factors);
        var weight = 1f / parts.Count;
        var scale = MathF.Sqrt(weight);
        var blend = new FactorWeights(users, items, width, hasBiases: true, parts.Any(p => p.Weights.ImplicitFactors is not null));
        var offset = 0;
        foreach (var part in parts)
        {
            var w = part.Weights;
            if (w.Users != users || w.Items != items || !w.HasBiases)
            {
                throw new ArgumentException("A blend's parts must be biased models of the same users and items.", nameof(parts));
            }

            blend.GlobalMean += weight * w.GlobalMean;
            AddScaled(w.UserBias, blend.UserBias, weight);
            AddScaled(w.ItemBias, blend.ItemBias, weight);
            CopyColumns(w.UserFactors, w.Stride, blend.UserFactors, blend.Stride, users, w.Factors, offset, scale);
            CopyColumns(w.ItemFactors, w.Stride, blend.ItemFactors, blend.Stride, items, w.Factors, offset, scale);
            if (w.ImplicitFactors is { } implicitFactors)
            {
                CopyColumns(implicitFactors, w.Stride, blend.ImplicitFactors!, blend.Stride, items, w.Factors, offset, scale);
            }

            offset += w.Factors;
        }

        return FactorModel.Create(blend, train.Users, train.Items, parameters, first.UserTrainingCounts, first.ItemTrainingCounts, train);
    }

    private static void AddScaled(float[] source, float[] target, float weight)
    {
        for (var n = 0; n < source.Length; n++)
        {
            target[n] += weight * source[n];
        }
    }

    private static void CopyColumns(float[] source, int sourceStride, float[] target, int targetStride, int rows, int factors, int offset, float scale)
    {
        for (var r = 0; r < rows; r++)
        {
            var from = source.AsSpan(r * sourceStride, factors);
            var to = target.AsSpan(r * targetStride + offset, factors);
            for (var f = 0; f < factors; f++)
            {
                to[f] = scale * from[f];
            }
        }
    }
}
