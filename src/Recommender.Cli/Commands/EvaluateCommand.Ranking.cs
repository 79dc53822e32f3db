using System.Text.Json;
using Recommender.Core.Evaluation;
using Recommender.Core.Ranking;

namespace Recommender.Cli.Commands;

internal static partial class EvaluateCommand
{
    /// <summary>A ranking model: fitted on the training file, ranked on the test file's protocol; no RMSE (it predicts no rating).</summary>
    private static int RunRanking(CommandLine options, TextWriter output, TextWriter error)
    {
        var trainPath = options.RequiredString("--train");
        var testPath = options.RequiredString("--test");
        var json = options.Flag("--json");
        var parameters = options.RankingGrid(grid: false)[0];
        if (options.Double("--validation") is not null)
        {
            throw new UsageException("--validation applies to rating models only: a ranking model has no epochs to stop early.");
        }

        options.EnsureAllRead();

        var (train, test) = LoadPair(trainPath, testPath);
        error.WriteLine($"train: {train.Count:N0} ratings, {train.Users.Count:N0} users, {train.Items.Count:N0} items; test: {test.Count:N0} ratings");
        var result = RankingTrainer.Fit(parameters, train);
        var (precision, recall, ndcg, users) = Evaluator.Ranking(result.Model, test, 10);

        output.WriteLine($"algorithm        {Output.Name(parameters.Algorithm)} ({Output.Describe(parameters)})");
        output.WriteLine("test RMSE        – (a ranking model predicts no rating)");
        output.WriteLine($"precision@10     {Output.F(precision)}");
        output.WriteLine($"recall@10        {Output.F(recall)}");
        output.WriteLine($"NDCG@10          {Output.F(ndcg)}  ({users:N0} users with a relevant test item)");
        output.WriteLine($"fit seconds      {Output.F(result.Elapsed.TotalSeconds, "F3")}");
        output.WriteLine($"updates/second   {Output.F(result.UpdatesPerSecond, "N0")}");
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                rmse = (double?)null,
                mae = (double?)null,
                precisionAt10 = precision,
                recallAt10 = recall,
                ndcgAt10 = ndcg,
                users,
                fitSeconds = result.Elapsed.TotalSeconds,
                updatesPerSecond = result.UpdatesPerSecond,
                factors = parameters.Algorithm == RankingAlgorithm.ImplicitAls ? parameters.Factors : (int?)null,
                epochs = parameters.Algorithm == RankingAlgorithm.ImplicitAls ? parameters.Epochs : (int?)null,
                algorithm = Output.Name(parameters.Algorithm),
                regularization = parameters.Algorithm == RankingAlgorithm.Popularity ? (float?)null : parameters.Regularization,
                alpha = parameters.Algorithm == RankingAlgorithm.ImplicitAls ? parameters.Alpha : (float?)null,
                positiveThreshold = parameters.PositiveThreshold,
            }));
        }

        return 0;
    }
}
