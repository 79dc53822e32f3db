using System.Runtime.CompilerServices;
using System.Diagnostics;
using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Training;

/// <summary>
/// The epoch loop every trainer shares: initialisation, per-epoch reporting, validation RMSE, early stopping
/// that keeps the best epoch, cancellation between epochs, divergence detection and building the snapshot.
/// </summary>
internal abstract class FactorTrainerBase(TrainingParameters parameters) : IFactorTrainer
{
    protected TrainingParameters Parameters { get; } = parameters;

    public TrainingResult Fit(
        RatingDataset train,
        RatingDataset? validation = null,
        Action<EpochReport>? onEpoch = null,
        CancellationToken cancellationToken = default)
    {
        CheckInputs(train, validation);
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var userCounts = new int[train.Users.Count];
        var itemCounts = new int[train.Items.Count];
        for (var n = 0; n < train.Count; n++)
        {
            userCounts[train.UserIndices[n]]++;
            itemCounts[train.ItemIndices[n]]++;
        }

        var weights = new FactorWeights(train.Users.Count, train.Items.Count, Parameters.Factors, HasBiases, HasImplicitFactors)
        {
            GlobalMean = (float)train.Mean(),
        };
        var gaussian = new Gaussian(new Random(Parameters.Seed));
        Initialize(weights, gaussian);
        using var epochRunner = Prepare(train, weights, userCounts, itemCounts, new Random(Parameters.Seed + 1));

        var history = new List<EpochReport>(Parameters.Epochs);
        FactorWeights? best = null;
        var bestRmse = double.PositiveInfinity;
        var bestEpoch = 0;
        var epochsRun = 0;
        var epochTime = TimeSpan.Zero;
        for (var epoch = 1; epoch <= Parameters.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var learningRate = Parameters.LearningRate * Math.Pow(Parameters.LearningRateDecay, epoch - 1);
            var epochStart = clock.Elapsed;
            var (objective, trainRmse) = epochRunner.Run((float)learningRate);
            epochTime += clock.Elapsed - epochStart;
            epochsRun = epoch;
            if (!double.IsFinite(objective) || !double.IsFinite(trainRmse))
            {
                throw new TrainingDivergedException(epoch, objective);
            }

            if (validation is not null)
            {
                epochRunner.Sync();
            }

            double? validationRmse = validation is null ? null : Rmse(weights, validation);
            var report = new EpochReport(epoch, objective, trainRmse, validationRmse, Parameters.Algorithm == Algorithm.Als ? 0 : learningRate, clock.Elapsed);
            history.Add(report);
            onEpoch?.Invoke(report);
            if (validationRmse is not { } rmse || Parameters.EarlyStoppingPatience == 0)
            {
                bestEpoch = epoch;
                continue;
            }

            if (rmse < bestRmse)
            {
                bestRmse = rmse;
                bestEpoch = epoch;
                if (best is null)
                {
                    best = weights.Clone();
                }
                else
                {
                    weights.CopyTo(best);
                }
            }
            else if (epoch - bestEpoch >= Parameters.EarlyStoppingPatience)
            {
                break;
            }
        }

        epochRunner.Sync();
        var final = best ?? weights;
        final.ClearUntrained(userCounts, itemCounts);
        var model = FactorModel.Create(final, train.Users, train.Items, Parameters, userCounts, itemCounts, train);
        return new TrainingResult(model, history, bestEpoch, (long)epochsRun * train.Count, clock.Elapsed, epochTime);
    }

    /// <summary>Refuses an empty training set and a validation set with other id maps.</summary>
    internal static void CheckInputs(RatingDataset train, RatingDataset? validation)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
        {
            throw new ArgumentException("Cannot train on an empty dataset.", nameof(train));
        }

        if (validation is not null && (!ReferenceEquals(validation.Users, train.Users) || !ReferenceEquals(validation.Items, train.Items)))
        {
            throw new ArgumentException("The validation set must share the training set's id maps.", nameof(validation));
        }
    }

    /// <summary>Whether the model has the μ + b_u + b_i terms.</summary>
    protected abstract bool HasBiases { get; }

    /// <summary>Whether the model carries SVD++'s implicit item factors.</summary>
    protected virtual bool HasImplicitFactors => false;

    /// <summary>Draws the initial parameters.</summary>
    protected abstract void Initialize(FactorWeights weights, Gaussian gaussian);

    /// <summary>Returns what runs one epoch at a learning rate and returns (objective, train RMSE).</summary>
    protected abstract EpochRunner Prepare(
        RatingDataset train, FactorWeights weights, int[] userCounts, int[] itemCounts, Random random);

    /// <summary>
    /// Runs epochs. A trainer may work on its own copy of the parameters (in another row order, say); <c>sync</c>
    /// writes that copy back to the weights, and is called before the weights are read.
    /// </summary>
    protected sealed class EpochRunner(Func<float, (double Objective, double TrainRmse)> run, Action? sync = null, Action? dispose = null)
        : IDisposable
    {
        public (double Objective, double TrainRmse) Run(float learningRate) => run(learningRate);

        public void Sync() => sync?.Invoke();

        public void Dispose() => dispose?.Invoke();
    }

    /// <summary>RMSE of clipped predictions on <paramref name="data"/>.</summary>
    internal double Rmse(FactorWeights weights, RatingDataset data)
    {
        double sse = 0;
        for (var n = 0; n < data.Count; n++)
        {
            var prediction = Math.Clamp(weights.Score(data.UserIndices[n], data.ItemIndices[n]), Parameters.MinRating, Parameters.MaxRating);
            var error = data.Values[n] - prediction;
            sse += error * error;
        }

        return data.Count == 0 ? 0 : Math.Sqrt(sse / data.Count);
    }

    /// <summary>Σ v² with SIMD partial sums over chunks, accumulated in double across chunks.</summary>
    /// <remarks>Fully optimised from the first call: it runs once per epoch, too rarely for tiered compilation to reach it.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected static double SquaredNorm(ReadOnlySpan<float> values)
    {
        const int chunk = 4096;
        double sum = 0;
        for (var start = 0; start < values.Length; start += chunk)
        {
            sum += VectorMath.SquaredNorm(values.Slice(start, Math.Min(chunk, values.Length - start)));
        }

        return sum;
    }
}

/// <summary>Thrown when training produces a non-finite objective (too large a learning rate, say).</summary>
public sealed class TrainingDivergedException(int epoch, double objective)
    : InvalidOperationException($"Training diverged at epoch {epoch}: the objective is {objective}. Lower the learning rate or raise the regularization.")
{
    /// <summary>The epoch at which the objective stopped being finite.</summary>
    public int Epoch { get; } = epoch;
}
