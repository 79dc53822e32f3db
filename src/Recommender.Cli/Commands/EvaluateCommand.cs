using System.Text.Json;
using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary><c>evaluate --train FILE --test FILE</c>: fits on one file and reports accuracy and ranking metrics on the other.</summary>
internal static partial class EvaluateCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        if (options.IsRanking)
        {
            return RunRanking(options, output, error);
        }

        var trainPath = options.RequiredString("--train");
        var testPath = options.RequiredString("--test");
        var json = options.Flag("--json");
        var validationFraction = options.Double("--validation");
        var parameters = options.Parameters();
        options.EnsureAllRead();

        var (train, test) = LoadPair(trainPath, testPath);
        var (fitData, validation) = validationFraction is { } fraction
            ? DatasetSplit.Holdout(train, fraction, parameters.Seed)
            : (train, null);
        error.WriteLine($"train: {train.Count:N0} ratings, {train.Users.Count:N0} users, {train.Items.Count:N0} items; test: {test.Count:N0} ratings");
        var result = Trainers.Create(parameters).Fit(fitData, validation, Output.Progress(error));
        var (rmse, mae) = Evaluator.Accuracy(result.Model, test);
        var (precision, recall, ndcg, _) = Evaluator.Ranking(result.Model, test, 10);

        output.WriteLine($"algorithm        {Output.Name(parameters.Algorithm)} (factors {parameters.Factors}, epochs {result.History.Count}, best epoch {result.BestEpoch})");
        output.WriteLine($"test RMSE        {Output.F(rmse)}");
        output.WriteLine($"test MAE         {Output.F(mae)}");
        output.WriteLine($"precision@10     {Output.F(precision)}");
        output.WriteLine($"recall@10        {Output.F(recall)}");
        output.WriteLine($"NDCG@10          {Output.F(ndcg)}");
        output.WriteLine($"fit seconds      {Output.F(result.Elapsed.TotalSeconds, "F3")}");
        output.WriteLine($"updates/second   {Output.F(result.UpdatesPerSecond, "N0")}");
        output.WriteLine($"epochs/second    {Output.F(result.EpochsPerSecond, "F2")}{(parameters.Algorithm == Algorithm.Bayesian ? " (Gibbs sweeps)" : "")}");
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                rmse,
                mae,
                precisionAt10 = precision,
                recallAt10 = recall,
                ndcgAt10 = ndcg,
                fitSeconds = result.Elapsed.TotalSeconds,
                updatesPerSecond = result.UpdatesPerSecond,
                epochsPerSecond = result.EpochsPerSecond,
                factors = parameters.Factors,
                epochs = result.History.Count,
                algorithm = Output.Name(parameters.Algorithm),
            }));
        }

        return 0;
    }

    /// <summary>Reads a training and a test file into datasets that share id maps.</summary>
    public static (RatingDataset Train, RatingDataset Test) LoadPair(string trainPath, string testPath)
    {
        var trainBuilder = new RatingDatasetBuilder(capacity: 1 << 16);
        using (var reader = new StreamReader(trainPath))
        {
            RatingFileReader.ReadInto(reader, trainBuilder);
        }

        var train = trainBuilder.Build();
        var testBuilder = new RatingDatasetBuilder(trainBuilder.Users, trainBuilder.Items, capacity: 1 << 14);
        using (var reader = new StreamReader(testPath))
        {
            RatingFileReader.ReadInto(reader, testBuilder);
        }

        return (train, testBuilder.Build());
    }
}
