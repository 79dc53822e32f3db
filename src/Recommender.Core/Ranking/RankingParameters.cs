using System.Text.Json.Serialization;

namespace Recommender.Core.Ranking;

/// <summary>
/// Hyperparameters of a ranking model. <see cref="For"/> is the one source of defaults; change a value with a
/// <c>with</c> expression. <see cref="Validate"/> names the first invalid field.
/// </summary>
/// <remarks>
/// The defaults were chosen by 5-fold cross-validation of NDCG@10 on the MovieLens latest-small training split only
/// (see the README, "Recommendation quality"): EASE λ = 300 with ratings ≥ 3 as interactions (0.1990 against 0.1871 for
/// the best λ with every rating); implicit ALS k = 128, α = 5, λ = 30, ν = 1, ratings ≥ 3 (0.1971); popularity over
/// ratings ≥ 4 (0.1154 against 0.1129 for every rating, within one standard deviation).
/// </remarks>
public sealed record RankingParameters
{
    /// <summary>The largest <see cref="MaxItems"/> allowed: beyond it one items × items array exceeds .NET's array size.</summary>
    public const int MaxItemsCeiling = 40_000;

    /// <summary>The model to fit.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<RankingAlgorithm>))]
    public RankingAlgorithm Algorithm { get; init; } = RankingAlgorithm.Ease;

    /// <summary>L2 regularization λ: EASE's λ‖B‖² weight; implicit ALS's λ on ‖p_u‖² and ‖q_i‖² (see <see cref="RegularizationExponent"/>).</summary>
    public float Regularization { get; init; } = 300f;

    /// <summary>
    /// A rating counts as an interaction (x_ui = 1) when it is at least this value; null counts every rating. Every
    /// rated item is excluded from the user's recommendations either way. Ratings of 3 and up carry the most signal
    /// under cross-validation: a low rating says the user saw the item, but not that it resembles what they will like.
    /// </summary>
    public float? PositiveThreshold { get; init; } = 3f;

    /// <summary>Implicit ALS: number of latent factors k.</summary>
    public int Factors { get; init; } = 128;

    /// <summary>Implicit ALS: alternations (a user pass then an item pass).</summary>
    public int Epochs { get; init; } = 16;

    /// <summary>Implicit ALS: confidence weight α of an interaction, c_ui = 1 + α x_ui.</summary>
    public float Alpha { get; init; } = 5f;

    /// <summary>Implicit ALS: conjugate-gradient steps per row and alternation, warm-started from the previous row.</summary>
    public int ConjugateGradientSteps { get; init; } = 3;

    /// <summary>
    /// Implicit ALS: ν in the row penalty λ·(Σ_i c_ui)^ν / |I|^ν ‖p_u‖², i.e. λ scaled by the row's total confidence
    /// relative to an empty row (Rendle et al. 2022's frequency-scaled regularization); 0 gives Hu et al.'s plain λ.
    /// </summary>
    public float RegularizationExponent { get; init; }

    /// <summary>Implicit ALS: standard deviation of the normal initialisation; null means 0.1/√k (Rendle et al. 2022).</summary>
    public double? InitStandardDeviation { get; init; }

    /// <summary>EASE: the most items with interactions it will fit (it needs about 12 × items² bytes while fitting).</summary>
    public int MaxItems { get; init; } = 12_000;

    /// <summary>Seed of every random choice. Equal seeds give equal models.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Threads for fitting; 0 means one per processor. The model does not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>The thread count actually used.</summary>
    [JsonIgnore]
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>The standard deviation actually used for initialisation.</summary>
    [JsonIgnore]
    public double EffectiveInitStandardDeviation => InitStandardDeviation ?? 0.1 / Math.Sqrt(Factors);

    /// <summary>True when a rating of <paramref name="rating"/> is an interaction.</summary>
    public bool IsPositive(float rating) => float.IsFinite(rating) && (PositiveThreshold is not { } threshold || rating >= threshold);

    /// <summary>The defaults of <paramref name="algorithm"/>.</summary>
    public static RankingParameters For(RankingAlgorithm algorithm) => algorithm switch
    {
        RankingAlgorithm.Popularity => new RankingParameters { Algorithm = algorithm, Regularization = 0f, PositiveThreshold = 4f },
        RankingAlgorithm.Ease => new RankingParameters(),
        RankingAlgorithm.ImplicitAls => new RankingParameters
        {
            Algorithm = algorithm,
            Regularization = 30f,
            Factors = 128,
            Epochs = 16,
            Alpha = 5f,
            RegularizationExponent = 1f,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown ranking algorithm."),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Check(Enum.IsDefined(Algorithm), nameof(Algorithm), "is not a known ranking algorithm");
        Check(float.IsFinite(Regularization) && Regularization >= 0, nameof(Regularization), "must be a finite non-negative number");
        Check(Algorithm == RankingAlgorithm.Popularity || Regularization > 0, nameof(Regularization), "must be positive for EASE and implicit ALS");
        Check(PositiveThreshold is null || float.IsFinite(PositiveThreshold.Value), nameof(PositiveThreshold), "must be a finite number when set");
        Check(Factors is >= 1 and <= 1024, nameof(Factors), "must be between 1 and 1024");
        Check(Epochs is >= 1 and <= 10_000, nameof(Epochs), "must be between 1 and 10000");
        Check(float.IsFinite(Alpha) && Alpha >= 0, nameof(Alpha), "must be a finite non-negative number");
        Check(ConjugateGradientSteps is >= 1 and <= 1024, nameof(ConjugateGradientSteps), "must be between 1 and 1024");
        Check(float.IsFinite(RegularizationExponent) && RegularizationExponent is >= 0 and <= 1, nameof(RegularizationExponent), "must be in [0, 1]");
        Check(InitStandardDeviation is null || (double.IsFinite(InitStandardDeviation.Value) && InitStandardDeviation > 0),
            nameof(InitStandardDeviation), "must be positive when set");
        Check(MaxItems is >= 1 and <= MaxItemsCeiling, nameof(MaxItems), $"must be between 1 and {MaxItemsCeiling}");
        Check(Threads is >= 0 and <= 1024, nameof(Threads), "must be between 0 (one per processor) and 1024");
    }

    private static void Check(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"{field} {message}.", field);
        }
    }
}
