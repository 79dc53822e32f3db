using Recommender.Cli;
using Recommender.Cli.Commands;
using Recommender.Core.Data;

return CliApp.Run(args, Console.Out, Console.Error);

namespace Recommender.Cli
{
    /// <summary>Dispatches a verb; returns 0 on success, 1 on a data or runtime error, 2 on a usage error.</summary>
    internal static class CliApp
    {
        private const string Usage = """
            usage: recommender <verb> [options]

            verbs:
              train     --input FILE [--holdout F] [model options]           train and report holdout metrics
              evaluate  --train FILE --test FILE [model options] [--json]    fit on one file, score another
              cross-validate --input FILE [--folds N] [model options] [--json]  k-fold CV for tuning
              bench     --train FILE --test FILE [--factors N] [--epochs N] [--threads N] [--json]
                        the notebook's scalar trainer against the fast trainer, same data, one process

              generate  --output FILE [--users N] [--items N] [--ratings N] [--rank N] [--noise X] [--skew X]
                        [--seed N] [--test-fraction F --test-output FILE]   seeded synthetic ratings

              import    --url URL --input FILE [--format auto|csv|tab|dat] [--api-key KEY]
                        stream a rating file into a running service (POST /api/ratings/import)
              import    --url URL --items FILE [--api-key KEY]
                        stream an item catalogue (itemId,name[,more], e.g. movies.csv) into it (POST /api/items/import)

            model options:
              --algorithm biased-sgd|als|notebook   --factors N   --epochs N   --learning-rate X
              --decay X   --regularization X   --bias-regularization X   --init-std X   --seed N
              --validation F (hold out F of the training file for early stopping)   --patience N
              --min-rating X   --max-rating X   --threads N (0 = one per processor; the model does not depend on it)

            files: MovieLens u.data (tab), ratings.dat (::), ratings.csv, or user,item,rating[,timestamp] CSV.
            """;

        public static int Run(string[] args, TextWriter output, TextWriter error)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                output.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }

            try
            {
                var options = CommandLine.Parse(args.AsSpan(1));
                return args[0] switch
                {
                    "train" => TrainCommand.Run(options, output, error),
                    "evaluate" => EvaluateCommand.Run(options, output, error),
                    "bench" => BenchCommand.Run(options, output, error),
                    "cross-validate" => CrossValidateCommand.Run(options, output, error),
                    "generate" => GenerateCommand.Run(options, output, error),
                    "import" => ImportCommand.Run(options, output, error),
                    _ => throw new UsageException($"unknown verb '{args[0]}'."),
                };
            }
            catch (UsageException e)
            {
                error.WriteLine($"error: {e.Message}");
                error.WriteLine(Usage);
                return 2;
            }
            catch (Exception e) when (e is RatingFormatException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        }
    }
}
