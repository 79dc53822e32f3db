using System.Diagnostics;
using Recommender.Core.Data;
using Recommender.Core.Evaluation;

namespace Recommender.Core.Training;

/// <summary>One setting the search tried: its parameters and its cross-validated RMSE, or why it was not scored.</summary>
/// <param name="Parameters">The setting.</param>
/// <param name="Rmse">Mean RMSE over the folds; null when the setting was not scored.</param>
/// <param name="RmseStdDev">Standard deviation of the folds' RMSE; null when not scored.</param>
/// <param name="Seconds">Time spent fitting and scoring it.</param>
/// <param name="Skipped">Why it was not scored (the time box ran out), or null.</param>
public sealed record TuningCandidate(TrainingParameters Parameters, double? Rmse, double? RmseStdDev, double Seconds, string? Skipped);

/// <summary>What a search found: every candidate in the order tried, the winner, and how the search went.</summary>
/// <param name="Winner">The scored candidate with the lowest mean RMSE (the baseline when nothing beat it).</param>
/// <param name="Candidates">Every candidate, the baseline first.</param>
/// <param name="Folds">Cross-validation folds per candidate.</param>
/// <param name="Ratings">Ratings the search saw (the training part only).</param>
/// <param name="Seconds">Wall time of the search.</param>
/// <param name="TimedOut">True when the time box stopped the search before every candidate was scored.</param>
public sealed record TuningResult(
    TrainingParameters Winner, IReadOnlyList<TuningCandidate> Candidates, int Folds, int Ratings, double Seconds, bool TimedOut);

/// <summary>
/// Chooses hyperparameters on the deployment's own training data: every candidate of a small grid around the
/// configured parameters is fitted on the same seeded k-fold split of the ratings it is given and scored by the mean
/// held-out RMSE of its folds; the lowest mean wins. It sees only the dataset passed in — a caller that keeps a holdout
/// for its quality gate passes the rest. The search is time-boxed (candidates not started when the box closes are
/// reported as skipped; the baseline always runs first, so there is always a winner) and cancellable between epochs.
/// </summary>
public static class HyperparameterSearch
{
    /// <summary>
    /// The grid searched for <paramref name="baseline"/>'s algorithm, the baseline first. Only what matters most for
    /// each algorithm varies (factors and the factor regularization; the Bayesian sampler infers its regularization, so
    /// only its rank varies, with as many samples as fit the model's factor limit up to the baseline's); epochs, rates
    /// and seeds stay the baseline's. The notebook algorithm is the notebook's and is not tuned.
    /// </summary>
    public static IReadOnlyList<TrainingParameters> Grid(TrainingParameters baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var grid = new List<TrainingParameters> { baseline };
        switch (baseline.Algorithm)
        {
            case Algorithm.BiasedSgd:
                AddProduct([64, 128, 256], [0.04f, 0.07f, 0.1f]);
                break;
            case Algorithm.Als:
                AddProduct([16, 32, 64], [0.06f, 0.12f, 0.2f]);
                break;
            case Algorithm.SvdPlusPlus:
                AddProduct([32, 64], [0.03f, 0.05f, 0.08f]);
                break;
            case Algorithm.Bayesian:
                foreach (var factors in new[] { 8, 16, 32 })
                {
                    var samples = Math.Max(1, Math.Min(Math.Min(baseline.Samples, TrainingParameters.MaxFactors / factors), baseline.Epochs - baseline.BurnIn));
                    Add(baseline with { Factors = factors, Samples = samples });
                }

                break;
        }

        return grid;

        void AddProduct(int[] factors, float[] regularizations)
        {
            foreach (var k in factors)
            {
                foreach (var lambda in regularizations)
                {
                    Add(baseline with { Factors = k, Regularization = lambda });
                }
            }
        }

        void Add(TrainingParameters candidate)
        {
            if (!grid.Contains(candidate))
            {
                grid.Add(candidate);
            }
        }
    }

    /// <summary>
    /// Cross-validates each of <paramref name="candidates"/> on <paramref name="data"/> (the same <paramref name="folds"/>
    /// folds, seeded by the first candidate's seed) and returns the best. <paramref name="budget"/> bounds the search:
    /// no candidate starts after it has passed. <paramref name="onCandidate"/> is told of each scored candidate.
    /// </summary>
    public static TuningResult Run(
        RatingDataset data,
        IReadOnlyList<TrainingParameters> candidates,
        Func<TrainingParameters, IFactorTrainer> trainers,
        int folds,
        TimeSpan budget,
        Action<TuningCandidate>? onCandidate = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(trainers);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("The search needs at least one candidate.", nameof(candidates));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        if (data.Count < folds * 2)
        {
            throw new ArgumentException($"Cross-validation with {folds} folds needs at least {folds * 2} ratings; there are {data.Count}.", nameof(data));
        }

        var clock = Stopwatch.StartNew();
        var splits = DatasetSplit.KFold(data, folds, candidates[0].Seed).ToList();
        var results = new List<TuningCandidate>(candidates.Count);
        var timedOut = false;
        foreach (var candidate in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (results.Count > 0 && clock.Elapsed >= budget)
            {
                timedOut = true;
                results.Add(new TuningCandidate(candidate, null, null, 0, "the time box ran out before it started"));
                continue;
            }

            var started = clock.Elapsed;
            var errors = new double[splits.Count];
            try
            {
                for (var f = 0; f < splits.Count; f++)
                {
                    var (train, test) = splits[f];
                    var model = trainers(candidate).Fit(train, null, null, cancellationToken).Model;
                    errors[f] = Evaluator.Accuracy(model, test).Rmse;
                }
            }
            catch (TrainingDivergedException e)
            {
                var diverged = new TuningCandidate(candidate, null, null, (clock.Elapsed - started).TotalSeconds, e.Message);
                results.Add(diverged);
                onCandidate?.Invoke(diverged);
                continue;
            }

            var mean = errors.Average();
            var spread = Math.Sqrt(errors.Sum(e => (e - mean) * (e - mean)) / Math.Max(1, errors.Length - 1));
            var scored = double.IsFinite(mean)
                ? new TuningCandidate(candidate, mean, spread, (clock.Elapsed - started).TotalSeconds, null)
                : new TuningCandidate(candidate, null, null, (clock.Elapsed - started).TotalSeconds, "its RMSE was not finite");
            results.Add(scored);
            onCandidate?.Invoke(scored);
        }

        var winner = results.Where(r => r.Rmse is not null).MinBy(r => r.Rmse!.Value)?.Parameters ?? candidates[0];
        return new TuningResult(winner, results, folds, data.Count, clock.Elapsed.TotalSeconds, timedOut);
    }
}
