using Recommender.Core.Data;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class HyperparameterSearchTests
{
    private static readonly RatingDataset Data = Synthetic.LowRank(users: 150, items: 100, rank: 3, noise: 0.4, density: 0.3, seed: 7);

    private static TrainingParameters Als(int factors, float regularization) => TrainingParameters.For(Algorithm.Als) with
    {
        Factors = factors, Regularization = regularization, Epochs = 10, MinRating = -100, MaxRating = 100, Threads = 1,
    };

    [Fact]
    public void Run_ScoresEveryCandidateOnTheSameFolds_AndChoosesTheLowestMeanRmse()
    {
        // A rank-1 model under heavy shrinkage cannot fit a rank-3 matrix; rank 6 with mild shrinkage can.
        TrainingParameters[] candidates = [Als(1, 2f), Als(6, 0.1f), Als(6, 3f)];

        var result = HyperparameterSearch.Run(Data, candidates, Trainers.Create, folds: 3, budget: TimeSpan.FromHours(1));

        Assert.Equal(candidates, result.Candidates.Select(c => c.Parameters));
        Assert.All(result.Candidates, c => Assert.NotNull(c.Rmse));
        Assert.Equal(candidates[1], result.Winner);
        Assert.Equal(result.Candidates.Min(c => c.Rmse), result.Candidates[1].Rmse);
        Assert.True(result.Candidates[0].Rmse > result.Candidates[1].Rmse + 0.1, $"{result.Candidates[0].Rmse} vs {result.Candidates[1].Rmse}");
        Assert.False(result.TimedOut);
        Assert.Equal(Data.Count, result.Ratings);

        // Same seed, same folds, same scores.
        var again = HyperparameterSearch.Run(Data, candidates, Trainers.Create, folds: 3, budget: TimeSpan.FromHours(1));
        Assert.Equal(result.Candidates.Select(c => c.Rmse), again.Candidates.Select(c => c.Rmse));
    }

    [Fact]
    public void Run_FitsOnlyOnTheRatingsItIsGiven_EachFoldLeavingOneThirdOut()
    {
        var seen = new List<int>();
        HyperparameterSearch.Run(
            Data, [Als(2, 0.1f)], p => new Recording(Trainers.Create(p), seen), folds: 3, budget: TimeSpan.FromHours(1));

        Assert.Equal(3, seen.Count);
        Assert.Equal(2 * Data.Count, seen.Sum());
        Assert.All(seen, count => Assert.InRange(count, Data.Count * 2 / 3 - 1, Data.Count * 2 / 3 + 1));
    }

    [Fact]
    public void Run_StopsStartingCandidates_WhenTheTimeBoxHasPassed_ButAlwaysScoresTheBaseline()
    {
        TrainingParameters[] candidates = [Als(2, 0.1f), Als(4, 0.1f), Als(8, 0.1f)];

        var result = HyperparameterSearch.Run(Data, candidates, Trainers.Create, folds: 2, budget: TimeSpan.Zero);

        Assert.True(result.TimedOut);
        Assert.NotNull(result.Candidates[0].Rmse);
        Assert.All(result.Candidates.Skip(1), c => Assert.Null(c.Rmse));
        Assert.All(result.Candidates.Skip(1), c => Assert.Contains("time box", c.Skipped, StringComparison.Ordinal));
        Assert.Equal(candidates[0], result.Winner);
    }

    [Fact]
    public void Run_IsCancellable()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            HyperparameterSearch.Run(Data, [Als(2, 0.1f)], Trainers.Create, folds: 2, budget: TimeSpan.FromHours(1), cancellationToken: cancelled.Token));
    }

    [Theory]
    [InlineData(Algorithm.BiasedSgd, 9)]
    [InlineData(Algorithm.Als, 9)]
    [InlineData(Algorithm.SvdPlusPlus, 6)]
    [InlineData(Algorithm.Bayesian, 3)]
    [InlineData(Algorithm.Notebook, 1)]
    public void Grid_StartsWithTheBaseline_AndHoldsOnlyValidDistinctSettings(Algorithm algorithm, int size)
    {
        var baseline = TrainingParameters.For(algorithm);

        var grid = HyperparameterSearch.Grid(baseline);

        Assert.Equal(baseline, grid[0]);
        Assert.Equal(size, grid.Count);
        Assert.Equal(grid.Count, grid.Distinct().Count());
        Assert.All(grid, p => p.Validate());
        Assert.All(grid, p => Assert.Equal(baseline with { Factors = p.Factors, Regularization = p.Regularization, Samples = p.Samples }, p));
    }

    private sealed class Recording(IFactorTrainer inner, List<int> seen) : IFactorTrainer
    {
        public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default)
        {
            seen.Add(train.Count);
            return inner.Fit(train, validation, onEpoch, cancellationToken);
        }
    }
}
