using System.Text;
using System.Text.RegularExpressions;

namespace Recommender.Cli;

/// <summary>One verb's line of the usage: its options (every option the verb reads, and only those) and what it does.</summary>
internal sealed record VerbUsage(string Name, string Synopsis, string Summary)
{
    /// <summary>The options the synopsis names, with <c>[model options]</c> and <c>[ranking options]</c> expanded.</summary>
    public IReadOnlySet<string> Options => Usage.OptionsOf(Usage.Expand(Synopsis)).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    public bool TakesModelOptions => Synopsis.Contains(Usage.ModelOptionsToken, StringComparison.Ordinal);

    public bool TakesRankingOptions => Synopsis.Contains(Usage.RankingOptionsToken, StringComparison.Ordinal);
}

/// <summary>
/// The usage text, one entry per verb. It is also the list of options each verb may read: <see cref="CommandLine"/>
/// refuses to read an option its verb's entry does not name, so the text cannot fall behind the code. A new option is
/// one more <c>--name PLACEHOLDER</c> in its verb's synopsis (or in <see cref="ModelOptions"/>).
/// </summary>
internal static partial class Usage
{
    public const string ModelOptionsToken = "[model options]";

    public const string RankingOptionsToken = "[ranking options]";

    public static readonly VerbUsage[] Verbs =
    [
        new("train", "--input FILE [--holdout F] [model options]", "train and report metrics on a seeded holdout"),
        new("evaluate", "--train FILE --test FILE [--validation F] [model options] [ranking options] [--json]",
            "fit on one file, score another: RMSE, MAE and the ranking metrics of a rating model, or the ranking metrics of a\nranking model (--validation F: hold out F of the training file for early stopping, rating models only)"),
        new("cross-validate", "--input FILE [--folds N] [--search] [model options] [ranking options] [--json]",
            "k-fold cross-validation, for tuning without a test set; --search cross-validates the service's self-tuning grid\naround the model options, best first; for a ranking model, comma-separated values of --regularization, --alpha,\n--factors, --regularization-exponent and --positive-threshold form a grid, best NDCG@10 first"),
        new("bench", "--train FILE --test FILE [--factors N] [--epochs N] [--threads N] [--seed N] [--repeat N] [--scalar-learning-rate X] [--ranking-only] [--json]",
            "the fast trainer on N threads and on one against the notebook's scalar trainer, same data, one process; the Gibbs\nsampler's sweeps/s and SVD++'s updates/s (default factors, --epochs sweeps or epochs); then the fit seconds of EASE\nand implicit ALS (k = 128, 16 epochs) and their top-10 lists per second (--ranking-only: just those)"),
        new("generate", "--output FILE [--users N] [--items N] [--ratings N] [--rank N] [--noise X] [--skew X] [--seed N]\n[--test-fraction F --test-output FILE]",
            "seeded synthetic ratings: low rank + noise, Zipf user and item popularity"),
        new("import", "--url URL (--input FILE [--format auto|csv|tab|dat] | --items FILE) [--api-key KEY]",
            "stream a rating file (POST /api/ratings/import) or an item catalogue such as movies.csv (POST /api/items/import)\ninto a running service; the key may also come from RECOMMENDER_API_KEY"),
        new("score", "--url URL --train FILE --test FILE [--strategy ranking|rating|neighbors] [--count N] [--api-key KEY] [--json]",
            "what a frontend gets, scored: each test user's recommendations from a running service trained on the training\nfile, by evaluate's protocol (precision, recall and NDCG at --count, 10 by default; relevant = a test rating >= 4)"),
        new("backup", "--database FILE --output FILE [--models DIR --models-output DIR]",
            "a consistent copy of the service's SQLite store, safe while it runs (SQLite's online backup, checked with\nPRAGMA integrity_check); with --models, then a copy of its model snapshots"),
    ];

    /// <summary>The options of <c>[model options]</c>.</summary>
    public const string ModelOptions = """
        --algorithm biased-sgd|als|notebook|bayesian|svdpp|blend   --factors N   --epochs N (bayesian: Gibbs sweeps)
        --learning-rate X   --decay X   --regularization X   --bias-regularization X   --init-std X   --seed N   --patience N
        --samples N (bayesian: posterior samples averaged and stored)   --burn-in N (bayesian: sweeps discarded first)
        --min-rating X   --max-rating X   --threads N (0 = one per processor; the model does not depend on it)
        blend: the mean of bayesian (16 samples) and svdpp at their defaults; only --seed, --threads and the scale apply
        """;

    /// <summary>The options of <c>[ranking options]</c>: a ranking model instead of a rating model.</summary>
    public const string RankingOptions = """
        --algorithm ease|ials|popularity   --regularization X (λ)   --positive-threshold X|none (ratings >= X are interactions)
        --factors N   --epochs N   --alpha X (confidence 1 + αx)   --regularization-exponent X   --cg-steps N   --init-std X
        --max-items N (EASE's limit: its memory grows as items²)   --seed N   --threads N
        """;

    /// <summary>A synopsis with its option groups written out.</summary>
    public static string Expand(string synopsis) =>
        synopsis.Replace(ModelOptionsToken, ModelOptions, StringComparison.Ordinal).Replace(RankingOptionsToken, RankingOptions, StringComparison.Ordinal);

    private const string Files = "files: MovieLens u.data (tab), ratings.dat (::), ratings.csv, or user,item,rating[,timestamp] CSV.";

    public static VerbUsage? Find(string verb) => Verbs.FirstOrDefault(v => v.Name == verb);

    /// <summary>Every verb with its options.</summary>
    public static string All()
    {
        var text = new StringBuilder("usage: recommender <verb> [options]      (recommender <verb> --help for one verb)\n\nverbs:\n");
        foreach (var verb in Verbs)
        {
            text.Append(Indent(verb.Name.PadRight(16) + verb.Synopsis, "  ", 18)).Append('\n');
            text.Append(Indent(verb.Summary, new string(' ', 18), 18)).Append("\n\n");
        }

        return text.Append("model options:\n").Append(Indent(ModelOptions, "  ", 2))
            .Append("\n\nranking options (no RMSE: a ranking model predicts no rating):\n").Append(Indent(RankingOptions, "  ", 2))
            .Append("\n\n").Append(Files).ToString();
    }

    /// <summary>One verb's usage.</summary>
    public static string Of(VerbUsage verb)
    {
        var text = new StringBuilder($"usage: recommender {verb.Name} ")
            .Append(Indent(verb.Synopsis, "", 20 + verb.Name.Length)).Append("\n\n").Append(verb.Summary).Append('\n');
        if (verb.TakesModelOptions)
        {
            text.Append("\nmodel options:\n").Append(Indent(ModelOptions, "  ", 2)).Append('\n');
        }

        if (verb.TakesRankingOptions)
        {
            text.Append("\nranking options (no RMSE: a ranking model predicts no rating):\n").Append(Indent(RankingOptions, "  ", 2)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The <c>--name PLACEHOLDER</c> pairs of a synopsis (a flag such as <c>--json</c> has no placeholder).</summary>
    public static IEnumerable<(string Name, string? Placeholder)> OptionsOf(string synopsis) =>
        Option().Matches(synopsis).Select(m => (m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null));

    private static string Indent(string text, string first, int rest) =>
        first + text.Replace("\n", "\n" + new string(' ', rest), StringComparison.Ordinal);

    [GeneratedRegex(@"(--[a-z][a-z0-9-]*)(?: ([A-Z]+|[a-z0-9-]+(?:\|[a-z0-9-]+)+))?")]
    private static partial Regex Option();
}
