using Recommender.Cli;
using Recommender.Cli.Commands;
using Recommender.Core.Data;

return CliApp.Run(args, Console.Out, Console.Error);

namespace Recommender.Cli
{
    /// <summary>Dispatches a verb; returns 0 on success (and for help), 1 on a data or runtime error, 2 on a usage error.</summary>
    internal static class CliApp
    {
        private static readonly Dictionary<string, Func<CommandLine, TextWriter, TextWriter, int>> Commands = new(StringComparer.Ordinal)
        {
            ["train"] = TrainCommand.Run,
            ["evaluate"] = EvaluateCommand.Run,
            ["cross-validate"] = CrossValidateCommand.Run,
            ["bench"] = BenchCommand.Run,
            ["generate"] = GenerateCommand.Run,
            ["import"] = ImportCommand.Run,
            ["backup"] = BackupCommand.Run,
            ["score"] = ScoreCommand.Run,
        };

        public static int Run(string[] args, TextWriter output, TextWriter error)
        {
            if (args.Length == 0)
            {
                output.WriteLine(Usage.All());
                return 2;
            }

            if (IsHelp(args[0]))
            {
                // "recommender help VERB" is "recommender VERB --help".
                output.WriteLine(args.Length > 1 && Usage.Find(args[1]) is { } asked ? Usage.Of(asked) : Usage.All());
                return 0;
            }

            var verb = Usage.Find(args[0]);
            if (verb is null || !Commands.TryGetValue(verb.Name, out var command))
            {
                error.WriteLine($"error: unknown verb '{args[0]}'.");
                error.WriteLine(Usage.All());
                return 2;
            }

            if (args.Skip(1).Any(a => a is "-h" or "--help"))
            {
                output.WriteLine(Usage.Of(verb));
                return 0;
            }

            try
            {
                return command(CommandLine.Parse(args.AsSpan(1), verb.Options), output, error);
            }
            catch (UsageException e)
            {
                error.WriteLine($"error: {e.Message}");
                error.WriteLine(Usage.Of(verb));
                return 2;
            }
            catch (Exception e) when (e is RatingFormatException or IOException or ArgumentException or UnauthorizedAccessException or InvalidOperationException)
            {
                // A data or runtime problem the run cannot get past (a malformed line, EASE above its item limit).
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        }

        private static bool IsHelp(string arg) => arg is "-h" or "--help" or "help";
    }
}
