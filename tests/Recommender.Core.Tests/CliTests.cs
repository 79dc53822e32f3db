using System.Text.Json;
using Recommender.Cli;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("recommender-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteRatings(string name, Core.Data.RatingDataset data)
    {
        var path = Path.Combine(_directory, name);
        using var writer = new StreamWriter(path);
        writer.WriteLine("userId,movieId,rating");
        for (var n = 0; n < data.Count; n++)
        {
            writer.WriteLine(FormattableString.Invariant($"{data.Users.GetId(data.UserIndices[n])},{data.Items.GetId(data.ItemIndices[n])},{data.Values[n]}"));
        }

        return path;
    }

    private (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private (string Train, string Test) Files()
    {
        var data = Synthetic.LowRank(users: 60, items: 40, rank: 2, noise: 0.3, density: 0.5, seed: 2);
        var (train, test) = Core.Data.DatasetSplit.Holdout(data, 0.2, 1);
        return (WriteRatings("train.csv", train), WriteRatings("test.csv", test));
    }

    [Fact]
    public void Evaluate_PrintsMetricsAndAJsonLastLine()
    {
        var (train, test) = Files();
        var (code, output, error) = Run("evaluate", "--train", train, "--test", test, "--factors", "8", "--epochs", "5", "--json");

        Assert.Equal(0, code);
        Assert.Contains("epoch    5", error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        foreach (var field in new[] { "rmse", "mae", "precisionAt10", "ndcgAt10", "fitSeconds", "updatesPerSecond", "factors", "epochs", "algorithm" })
        {
            Assert.True(json.RootElement.TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.InRange(json.RootElement.GetProperty("rmse").GetDouble(), 0.01, 1.5);
        Assert.Equal(8, json.RootElement.GetProperty("factors").GetInt32());
        Assert.Equal("biased-sgd", json.RootElement.GetProperty("algorithm").GetString());
    }

    [Theory]
    [InlineData("bayesian", "--samples", "3")]
    [InlineData("svdpp", "--learning-rate", "0.01")]
    public void Evaluate_RunsTheBayesianSamplerAndSvdPlusPlus_WithTheirOptions(string algorithm, string option, string value)
    {
        var (train, test) = Files();
        var (code, output, error) = Run(
            "evaluate", "--train", train, "--test", test, "--algorithm", algorithm, "--factors", "4", "--epochs", "6", "--burn-in", "2", option, value, "--json");

        Assert.Equal(0, code);
        Assert.Contains("epoch    6", error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.Equal(algorithm, json.RootElement.GetProperty("algorithm").GetString());
        Assert.InRange(json.RootElement.GetProperty("rmse").GetDouble(), 0.01, 1.5);
        Assert.True(json.RootElement.GetProperty("epochsPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void Evaluate_RunsTheBlend_AndRefusesTheOptionsOnlyItsPartsHave()
    {
        var (train, test) = Files();

        var (code, output, error) = Run("evaluate", "--train", train, "--test", test, "--algorithm", "blend", "--threads", "2", "--json");
        var (refused, _, refusal) = Run("evaluate", "--train", train, "--test", test, "--algorithm", "blend", "--factors", "8");

        Assert.Equal(0, code);
        Assert.Contains("epoch  240", error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.Equal("blend", json.RootElement.GetProperty("algorithm").GetString());
        Assert.Equal((32 * 16) + 64, json.RootElement.GetProperty("factors").GetInt32());
        Assert.InRange(json.RootElement.GetProperty("rmse").GetDouble(), 0.01, 1.5);
        Assert.Equal(2, refused);
        Assert.Contains("--factors is not an option of --algorithm blend", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NamesTheOption_WhenBayesianSamplesDoNotFit()
    {
        var (train, test) = Files();
        var (code, _, error) = Run("evaluate", "--train", train, "--test", test, "--algorithm", "bayesian", "--epochs", "10", "--burn-in", "8", "--samples", "5");

        Assert.Equal(2, code);
        Assert.Contains("Samples must not exceed the sweeps after the burn-in", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_ReportsADivergedScalarTrainer_AsARow_AndExitsZero()
    {
        var (train, test) = Files();
        var (code, output, _) = Run("bench", "--train", train, "--test", test, "--factors", "8", "--epochs", "3", "--threads", "1", "--repeat", "1",
            "--scalar-learning-rate", "0.9", "--json");

        Assert.Equal(0, code);
        Assert.Contains("scalar (notebook)    diverged at epoch", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.StartsWith("diverged at epoch", json.RootElement.GetProperty("scalarDiverged").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("speedup").ValueKind);
        Assert.True(json.RootElement.GetProperty("updatesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void Bench_SmokeRunPrintsBothTrainersAndTheSpeedup()
    {
        var (train, test) = Files();
        var (code, output, _) = Run("bench", "--train", train, "--test", test, "--factors", "8", "--epochs", "2", "--threads", "2", "--repeat", "3", "--json");
        Assert.Equal(0, code);
        Assert.Contains("2 threads vs 1", output, StringComparison.Ordinal);
        Assert.Contains("median of 3 alternated pairs", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.Equal(3, json.RootElement.GetProperty("repeats").GetInt32());
        Assert.True(json.RootElement.GetProperty("threadSpeedup").GetDouble() > 0);
        Assert.Contains("2 separate runs vs 1", output, StringComparison.Ordinal);
        Assert.True(json.RootElement.GetProperty("hostSpeedup").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("updatesPerSecond").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("scalarUpdatesPerSecond").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("speedup").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("peakWorkingSetMb").GetDouble() > 1);
        Assert.True(json.RootElement.GetProperty("bayesianSweepsPerSecond").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("svdPlusPlusUpdatesPerSecond").GetDouble() > 0);
        Assert.Contains("sweeps/s", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainAndCrossValidate_Run()
    {
        var (train, _) = Files();
        Assert.Equal(0, Run("train", "--input", train, "--algorithm", "als", "--factors", "4", "--epochs", "3").Code);
        var (code, output, _) = Run("cross-validate", "--input", train, "--folds", "3", "--factors", "4", "--epochs", "3");
        Assert.Equal(0, code);
        Assert.Contains("over 3 folds", output, StringComparison.Ordinal);
    }

    [Fact]
    public void CrossValidateSearch_ScoresTheSelfTuningGrid_BestFirst()
    {
        var (train, _) = Files();
        var (code, output, _) = Run("cross-validate", "--input", train, "--folds", "3", "--search", "--algorithm", "als", "--epochs", "3", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        var rmses = json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("rmse").GetDouble()).ToList();
        Assert.Equal(HyperparameterSearch.Grid(TrainingParameters.For(Algorithm.Als)).Count, rmses.Count);
        Assert.Equal(rmses.Order(), rmses);
    }

    [Theory]
    [InlineData("ease")]
    [InlineData("ials")]
    [InlineData("popularity")]
    public void Evaluate_ReportsRankingMetricsAndNoRmse_ForARankingAlgorithm(string algorithm)
    {
        var (train, test) = Files();
        var (code, output, _) = Run("evaluate", "--train", train, "--test", test, "--algorithm", algorithm,
            "--regularization", "5", "--factors", "4", "--epochs", "3", "--alpha", "5", "--positive-threshold", "3", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("rmse").ValueKind);
        Assert.Equal(algorithm, json.RootElement.GetProperty("algorithm").GetString());
        Assert.InRange(json.RootElement.GetProperty("ndcgAt10").GetDouble(), 0, 1);
        Assert.InRange(json.RootElement.GetProperty("precisionAt10").GetDouble(), 0, 1);
        Assert.InRange(json.RootElement.GetProperty("recallAt10").GetDouble(), 0, 1);
        Assert.Equal(3, json.RootElement.GetProperty("positiveThreshold").GetDouble());
    }

    [Fact]
    public void CrossValidate_RanksEveryCombinationOfTheListedValues_ByNdcg()
    {
        var (train, _) = Files();
        var (code, output, _) = Run("cross-validate", "--input", train, "--folds", "3", "--algorithm", "ease",
            "--regularization", "1,10", "--positive-threshold", "none,3.5", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        var results = json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("ndcgAt10").GetDouble()).ToList();
        Assert.Equal(4, results.Count);
        Assert.Equal(results.OrderDescending(), results);
        Assert.Equal(results[0], json.RootElement.GetProperty("best").GetProperty("ndcgAt10").GetDouble());
    }

    [Fact]
    public void Bench_RankingOnly_PrintsEaseAndIalsFitSeconds()
    {
        var (train, test) = Files();
        var (code, output, _) = Run("bench", "--train", train, "--test", test, "--ranking-only", "--repeat", "1", "--threads", "2", "--json");

        Assert.Equal(0, code);
        Assert.Contains("ease", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.True(json.RootElement.GetProperty("easeFitSeconds").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("ialsUpdatesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void Evaluate_ReportsTheLineNumber_OfAMalformedLine()
    {
        var path = Path.Combine(_directory, "bad.csv");
        File.WriteAllText(path, "1,1,4\n1,2,5\n2,1,oops\n");
        var (code, _, error) = Run("evaluate", "--train", path, "--test", path);
        Assert.Equal(1, code);
        Assert.Contains("Line 3:", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public void Help_PrintsTheUsageOfEveryVerb_AndExitsZero(string help)
    {
        var (code, output, error) = Run(help);

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.StartsWith("usage: recommender <verb>", output, StringComparison.Ordinal);
        foreach (var verb in Usage.Verbs)
        {
            Assert.Contains($"\n  {verb.Name} ", output, StringComparison.Ordinal);
        }

        Assert.Contains("--repeat N", output, StringComparison.Ordinal);
        Assert.Contains("model options:", output, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> VerbHelp()
    {
        var data = new TheoryData<string[], string>();
        foreach (var verb in Usage.Verbs)
        {
            data.Add([verb.Name, "--help"], verb.Name);
            data.Add([verb.Name, "-h"], verb.Name);
            data.Add(["help", verb.Name], verb.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VerbHelp))]
    public void VerbHelp_PrintsThatVerbsUsage_AndExitsZero(string[] args, string verb)
    {
        var (code, output, error) = Run(args);

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.StartsWith($"usage: recommender {verb} ", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each verb is run with every option its usage lists: an option the verb does not read fails as unknown, and one
    /// it reads but the usage omits throws (CommandLine checks), so the usage and the code list the same options.
    /// </summary>
    [Theory]
    [MemberData(nameof(Verbs))]
    public void Verb_ReadsExactlyTheOptionsItsUsageLists(string name)
    {
        var verb = Usage.Find(name)!;
        // A rating model with the model options; a ranking model with the ranking options (--algorithm's first alternative each).
        AssertEveryOptionIsRead(name, verb.Synopsis.Replace(Usage.RankingOptionsToken, "", StringComparison.Ordinal));
        if (verb.TakesRankingOptions)
        {
            AssertEveryOptionIsRead(name, verb.Synopsis.Replace(Usage.ModelOptionsToken, "", StringComparison.Ordinal));
        }
    }

    private void AssertEveryOptionIsRead(string name, string synopsis)
    {
        var (train, _) = Files();
        var args = new List<string> { name };
        foreach (var (option, placeholder) in Usage.OptionsOf(Usage.Expand(synopsis)))
        {
            args.Add(option);
            var value = (option, placeholder) switch
            {
                (_, null) => null,
                ("--max-rating", _) => "5",
                ("--output" or "--test-output", _) => Path.Combine(_directory, option.TrimStart('-') + ".csv"),
                (_, "FILE") => train,
                (_, "DIR") => _directory,
                (_, "N") => "2",
                (_, "F") => "0.2",
                (_, "X") => "0.5",
                (_, "URL") => "http://127.0.0.1:9",
                (_, "KEY") => "key-of-the-test",
                (_, var alternatives) => alternatives.Split('|')[0],
            };
            if (value is not null)
            {
                args.Add(value);
            }
        }

        var (_, _, error) = Run([.. args]);

        Assert.DoesNotContain("unknown option", error, StringComparison.Ordinal);
    }

    public static TheoryData<string> Verbs() => [.. Usage.Verbs.Select(v => v.Name)];

    [Theory]
    [InlineData("evaluate", "--train", "a")]
    [InlineData("evaluate", "--train", "a", "--test", "b", "--factors", "many")]
    [InlineData("evaluate", "--train", "a", "--test", "b", "--algorithm", "magic")]
    [InlineData("evaluate", "--train", "a", "--test", "b", "--typo", "1")]
    [InlineData("evaluate", "--train", "a", "--test", "b", "--algorithm", "ease", "--regularization", "0")]
    [InlineData("evaluate", "--train", "a", "--test", "b", "--algorithm", "ials", "--alpha", "lots")]
    [InlineData("cross-validate", "--input", "a", "--algorithm", "ease", "--regularization", "1,x")]
    [InlineData("fly")]
    public void UsageErrors_ExitWithTwoAndNameTheProblem(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }
}
