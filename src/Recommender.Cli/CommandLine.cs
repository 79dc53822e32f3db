using System.Globalization;
using Recommender.Core.Training;

namespace Recommender.Cli;

/// <summary>A command-line mistake; the message names the option.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// <c>--name value</c> pairs and bare <c>--flag</c>s. Every option must be read, so a typo is an error; and only the
/// options the verb's usage names may be read (<see cref="Usage"/>), so the usage lists every option.
/// </summary>
internal sealed partial class CommandLine
{
    private static readonly HashSet<string> Flags = ["--json", "--ranking-only", "--search"];
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly IReadOnlySet<string>? _documented;

    private CommandLine(IReadOnlySet<string>? documented) => _documented = documented;

    /// <summary>Parses a verb's arguments; with <paramref name="documented"/>, reading any other option is a bug.</summary>
    public static CommandLine Parse(ReadOnlySpan<string> args, IReadOnlySet<string>? documented = null)
    {
        var line = new CommandLine(documented);
        for (var n = 0; n < args.Length; n++)
        {
            var name = args[n];
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{name}'.");
            }

            string? value = null;
            if (!Flags.Contains(name))
            {
                if (n + 1 >= args.Length)
                {
                    throw new UsageException($"{name} needs a value.");
                }

                value = args[++n];
            }

            if (!line._values.TryAdd(name, value))
            {
                throw new UsageException($"{name} is given twice.");
            }
        }

        return line;
    }

    public bool Flag(string name)
    {
        Read(name);
        return _values.ContainsKey(name);
    }

    public string? String(string name)
    {
        Read(name);
        return _values.GetValueOrDefault(name);
    }

    private void Read(string name)
    {
        if (_documented is not null && !_documented.Contains(name))
        {
            throw new InvalidOperationException($"{name} is read but its verb's usage does not list it: add it to Usage.");
        }

        _read.Add(name);
    }

    public string RequiredString(string name) => String(name) ?? throw new UsageException($"{name} is required.");

    public int? Int(string name) => Number(name, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public double? Double(string name) => Number(name, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <summary>Throws when an option was given that no command read.</summary>
    public void EnsureAllRead()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option {string.Join(", ", unknown)}.");
        }
    }

    /// <summary>Training parameters: the algorithm's defaults overridden by any options given.</summary>
    public TrainingParameters Parameters()
    {
        var algorithm = String("--algorithm") switch
        {
            null or "biased-sgd" => Algorithm.BiasedSgd,
            "als" => Algorithm.Als,
            "notebook" => Algorithm.Notebook,
            "bayesian" => Algorithm.Bayesian,
            "svdpp" => Algorithm.SvdPlusPlus,
            "blend" => Algorithm.Blend,
            var other => throw new UsageException($"--algorithm must be biased-sgd, als, notebook, bayesian, svdpp or blend, not '{other}'."),
        };
        var p = TrainingParameters.For(algorithm);
        p = algorithm == Algorithm.Blend ? RefuseBlendPartOptions(p) : p with
        {
            Factors = Int("--factors") ?? p.Factors,
            Epochs = Int("--epochs") ?? p.Epochs,
            LearningRate = (float?)Double("--learning-rate") ?? p.LearningRate,
            LearningRateDecay = (float?)Double("--decay") ?? p.LearningRateDecay,
            Regularization = (float?)Double("--regularization") ?? p.Regularization,
            BiasRegularization = (float?)Double("--bias-regularization") ?? p.BiasRegularization,
            InitStandardDeviation = Double("--init-std") ?? p.InitStandardDeviation,
            EarlyStoppingPatience = Int("--patience") ?? p.EarlyStoppingPatience,
            Samples = Int("--samples") ?? p.Samples,
            BurnIn = Int("--burn-in") ?? p.BurnIn,
        };
        p = p with
        {
            Seed = Int("--seed") ?? p.Seed,
            MinRating = (float?)Double("--min-rating") ?? p.MinRating,
            MaxRating = (float?)Double("--max-rating") ?? p.MaxRating,
            Threads = Int("--threads") ?? p.Threads,
        };
        try
        {
            p.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        return p;
    }

    /// <summary>A blend's parts keep their own defaults: only the options every part shares (seed, threads, scale) may be given.</summary>
    private TrainingParameters RefuseBlendPartOptions(TrainingParameters blend)
    {
        string[] partOptions =
        [
            "--factors", "--epochs", "--learning-rate", "--decay", "--regularization", "--bias-regularization", "--init-std",
            "--patience", "--samples", "--burn-in",
        ];
        foreach (var option in partOptions)
        {
            if (String(option) is not null)
            {
                throw new UsageException($"{option} is not an option of --algorithm blend: each of its models trains with its own defaults.");
            }
        }

        return blend;
    }

    private T? Number<T>(string name, Func<string, T> parse)
        where T : struct
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        try
        {
            return parse(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new UsageException($"{name} must be a number, not '{text}'.");
        }
    }
}
