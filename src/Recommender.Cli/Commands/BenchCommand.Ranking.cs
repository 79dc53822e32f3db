using System.Text.Json;
using Recommender.Core.Data;
using Recommender.Core.Ranking;

namespace Recommender.Cli.Commands;

internal static partial class BenchCommand
{
    private static readonly JsonSerializerOptions Camel = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record RankingBench(double EaseFitSeconds, double IalsFitSeconds, double IalsUpdatesPerSecond, double EaseRecommendationsPerSecond, double IalsRecommendationsPerSecond);

    /// <summary>
    /// EASE and implicit ALS at their defaults (implicit ALS: k = 128, 16 epochs) on <paramref name="threads"/> threads,
    /// each fitted <paramref name="repeats"/> times after a warm-up; the medians are printed. Updates count one per
    /// interaction and epoch, as the rating trainers count one per rating and epoch.
    /// </summary>
    private static RankingBench BenchRanking(RatingDataset train, int threads, int repeats, TextWriter output)
    {
        var ease = RankingParameters.For(RankingAlgorithm.Ease) with { Threads = threads };
        var ials = RankingParameters.For(RankingAlgorithm.ImplicitAls) with { Threads = threads };
        RankingTrainer.Fit(ease, train);
        RankingTrainer.Fit(ials with { Epochs = 1 }, train);
        var easeRuns = new List<double>();
        var ialsRuns = new List<RankingTrainingResult>();
        for (var n = 0; n < repeats; n++)
        {
            GC.Collect();
            easeRuns.Add(RankingTrainer.Fit(ease, train).Elapsed.TotalSeconds);
            GC.Collect();
            ialsRuns.Add(RankingTrainer.Fit(ials, train));
        }

        var easeSeconds = easeRuns.Order().ElementAt(repeats / 2);
        var ialsRun = ialsRuns.OrderBy(r => r.Elapsed).ElementAt(repeats / 2);
        var easeRate = RecommendationsPerSecond(RankingTrainer.Fit(ease, train).Model);
        var ialsRate = RecommendationsPerSecond(ialsRun.Model);
        output.WriteLine($"ease (λ {Output.F(ease.Regularization, "G4")})        fit {Output.F(easeSeconds, "F3")} s  (median of {repeats}, {threads} thread(s))  top-10 {easeRate,8:N0}/s on one thread");
        output.WriteLine($"ials (k {ials.Factors}, {ials.Epochs} epochs)  fit {Output.F(ialsRun.Elapsed.TotalSeconds, "F3")} s  {ialsRun.UpdatesPerSecond / 1e6,6:F2} M updates/s  (median of {repeats})  top-10 {ialsRate,8:N0}/s on one thread");
        return new RankingBench(easeSeconds, ialsRun.Elapsed.TotalSeconds, ialsRun.UpdatesPerSecond, easeRate, ialsRate);
    }

    /// <summary>Uncached top-10 lists per second on one thread, over every trained user in turn (the best of three passes).</summary>
    private static double RecommendationsPerSecond(RankingModel model)
    {
        var best = 0.0;
        for (var pass = 0; pass < 3; pass++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var u = 0; u < model.Users.Count; u++)
            {
                model.Recommend(u, 10);
            }

            best = Math.Max(best, model.Users.Count / clock.Elapsed.TotalSeconds);
        }

        return best;
    }
}
