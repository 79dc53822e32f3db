using Recommender.Core.Data;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

internal static partial class BenchCommand
{
    private sealed record ModelRates(double BayesianSweepsPerSecond, double BayesianUpdatesPerSecond, double SvdPlusPlusUpdatesPerSecond);

    /// <summary>
    /// The Gibbs sampler's sweeps per second and SVD++'s updates per second, at their default factors, over
    /// <paramref name="epochs"/> sweeps or epochs on <paramref name="threads"/> threads (SVD++ runs on one): the median of
    /// <paramref name="repeats"/> fits each, after a one-epoch warm-up. A sweep draws every user row and every item row
    /// once; an SVD++ update is one rating's step.
    /// </summary>
    private static ModelRates BenchModels(RatingDataset train, int threads, int epochs, int seed, int repeats, TextWriter output)
    {
        var bayesian = TrainingParameters.For(Algorithm.Bayesian) with
        {
            Epochs = epochs, BurnIn = epochs / 2, Samples = 1, Threads = threads, Seed = seed,
        };
        var svdpp = TrainingParameters.For(Algorithm.SvdPlusPlus) with { Epochs = epochs, EarlyStoppingPatience = 0, Seed = seed };
        Trainers.Create(bayesian with { Epochs = 2, BurnIn = 1 }).Fit(train);
        Trainers.Create(svdpp with { Epochs = 1 }).Fit(train);
        var sampler = Median(repeats, () => Trainers.Create(bayesian).Fit(train));
        var implicitModel = Median(repeats, () => Trainers.Create(svdpp).Fit(train));
        output.WriteLine(
            $"bayesian, {threads} thread(s)  {Output.F(sampler.EpochsPerSecond, "F2")} sweeps/s ({sampler.UpdatesPerSecond / 1e6:F2} M rating terms/s, k = {bayesian.Factors})");
        output.WriteLine($"svd++, 1 thread      {implicitModel.UpdatesPerSecond / 1e6,8:F2} M updates/s (k = {svdpp.Factors})");
        return new ModelRates(sampler.EpochsPerSecond, sampler.UpdatesPerSecond, implicitModel.UpdatesPerSecond);
    }

    private static TrainingResult Median(int repeats, Func<TrainingResult> fit)
    {
        var runs = new List<TrainingResult>(repeats);
        for (var n = 0; n < repeats; n++)
        {
            GC.Collect();
            runs.Add(fit());
        }

        return runs.OrderBy(r => r.UpdatesPerSecond).ElementAt(repeats / 2);
    }
}
