using System.Text.Json.Serialization;

namespace Recommender.Core.Training;

/// <summary>
/// Hyperparameters of a training run. <see cref="For"/> is the one source of defaults; change a value with
/// a <c>with</c> expression. <see cref="Validate"/> names the first invalid field.
/// </summary>
/// <remarks>
/// Defaults for <see cref="Algorithm.BiasedSgd"/>, <see cref="Algorithm.Als"/>, <see cref="Algorithm.Bayesian"/> and
/// <see cref="Algorithm.SvdPlusPlus"/> were chosen by cross-validation on the MovieLens latest-small training split and
/// on synthetic sets of other shapes, never on a test split (README, "Accuracy"); the
/// <see cref="Algorithm.Blend"/> is the last two at their defaults, its Bayesian part with 16 samples (chosen by cross-validation
/// on the training split); the notebook's defaults are the notebook's own values.
/// </remarks>
public sealed record TrainingParameters
{
    /// <summary>The largest <see cref="Factors"/> accepted.</summary>
    public const int MaxFactors = 1024;

    /// <summary>The algorithm to run.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<Algorithm>))]
    public Algorithm Algorithm { get; init; } = Algorithm.BiasedSgd;

    /// <summary>Number of latent factors k (the length of each user and item vector).</summary>
    public int Factors { get; init; } = 256;

    /// <summary>Maximum number of passes over the training ratings (ALS: alternations; Bayesian: Gibbs sweeps, burn-in included).</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>SGD step size α at epoch 1 (unused by ALS and the Bayesian sampler).</summary>
    public float LearningRate { get; init; } = 0.01f;

    /// <summary>Per-epoch multiplicative learning-rate decay: α_t = α · decay^(t−1). 1 keeps α constant.</summary>
    public float LearningRateDecay { get; init; } = 0.98f;

    /// <summary>
    /// L2 regularization λ of the user and item factors (SVD++: and of y). The Bayesian sampler infers its precisions
    /// and does not read it: there it is only the per-rating weight of fold-in's ridge problem.
    /// </summary>
    public float Regularization { get; init; } = 0.04f;

    /// <summary>L2 regularization of the user and item biases (unused by the notebook algorithm; Bayesian: fold-in only).</summary>
    public float BiasRegularization { get; init; } = 0.01f;

    /// <summary>Standard deviation of the normal initialisation of the factors; null means 1/k (the notebook's choice).</summary>
    public double? InitStandardDeviation { get; init; } = 0.05;

    /// <summary>Seed of every random choice (initialisation and visiting order). Equal seeds give equal models.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// When a validation set is given: stop after this many epochs without a better validation RMSE and keep the
    /// best epoch's model. 0 disables early stopping. The Bayesian sampler never stops early.
    /// </summary>
    public int EarlyStoppingPatience { get; init; } = 3;

    /// <summary>
    /// Threads for training; 0 means one per processor. The parallel trainers partition the work so that the result does
    /// not depend on timing: ALS and the Bayesian sampler give the same model for any thread count, SGD for any count up
    /// to four (its block grid has eight bands a side up to four threads, and two bands per thread beyond). SVD++ runs on
    /// one thread.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>The thread count actually used.</summary>
    [JsonIgnore]
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>
    /// <see cref="Algorithm.Bayesian"/>: the number S of posterior samples the model averages, taken evenly from the
    /// sweeps after <see cref="BurnIn"/> and stored side by side (the model has <see cref="Factors"/> × S factors).
    /// Unused by the other algorithms.
    /// </summary>
    public int Samples { get; init; } = 1;

    /// <summary>
    /// <see cref="Algorithm.Bayesian"/>: Gibbs sweeps discarded before samples are kept (<see cref="Epochs"/> counts all
    /// sweeps). Unused by the other algorithms.
    /// </summary>
    public int BurnIn { get; init; }

    /// <summary>
    /// <see cref="Algorithm.Blend"/>: the models whose predictions are averaged with equal weights, each with its own
    /// parameters (biased algorithms only, no blend inside a blend). The blend's <see cref="Seed"/>, <see cref="Threads"/>,
    /// <see cref="MinRating"/> and <see cref="MaxRating"/> replace the parts' own, and its <see cref="Factors"/> is the
    /// width the parts take side by side (<see cref="BlendWidth"/>; the trainer records it). Null for every other algorithm.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<TrainingParameters>? Parts { get; init; }

    /// <summary>Lowest rating of the scale; predictions are clipped to it.</summary>
    public float MinRating { get; init; } = 0.5f;

    /// <summary>Highest rating of the scale; predictions are clipped to it.</summary>
    public float MaxRating { get; init; } = 5f;

    /// <summary>The defaults of <paramref name="algorithm"/>.</summary>
    public static TrainingParameters For(Algorithm algorithm) => algorithm switch
    {
        Algorithm.BiasedSgd => new TrainingParameters(),
        Algorithm.Als => new TrainingParameters
        {
            Algorithm = Algorithm.Als,
            Factors = 64,
            Epochs = 15,
            Regularization = 0.06f,
            BiasRegularization = 0.1f,
            LearningRate = 0f,
            LearningRateDecay = 1f,
            InitStandardDeviation = 0.1,
        },
        Algorithm.Notebook => new TrainingParameters
        {
            Algorithm = Algorithm.Notebook,
            Factors = 5,
            Epochs = 1000,
            LearningRate = 0.01f,
            LearningRateDecay = 1f,
            Regularization = 0.02f,
            BiasRegularization = 0f,
            InitStandardDeviation = null,
            EarlyStoppingPatience = 0,
        },
        Algorithm.Bayesian => new TrainingParameters
        {
            Algorithm = Algorithm.Bayesian,
            Factors = 32,
            Epochs = 200,
            BurnIn = 40,
            Samples = 32,
            LearningRate = 0f,
            LearningRateDecay = 1f,
            Regularization = 0.05f,
            BiasRegularization = 0.05f,
            InitStandardDeviation = 0.1,
            EarlyStoppingPatience = 0,
        },
        Algorithm.SvdPlusPlus => new TrainingParameters
        {
            Algorithm = Algorithm.SvdPlusPlus,
            Factors = 64,
            Epochs = 40,
            LearningRate = 0.007f,
            LearningRateDecay = 0.98f,
            Regularization = 0.03f,
            BiasRegularization = 0.01f,
            InitStandardDeviation = 0.05,
        },
        Algorithm.Blend => Blend(For(Algorithm.Bayesian) with { Samples = 16 }, For(Algorithm.SvdPlusPlus)),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown algorithm."),
    };

    /// <summary>
    /// A blend of <paramref name="parts"/> with the default seed, threads and rating scale. Its own SGD, regularization
    /// and epoch fields are unused: each part trains with its own.
    /// </summary>
    public static TrainingParameters Blend(params TrainingParameters[] parts)
    {
        var blend = new TrainingParameters
        {
            Algorithm = Algorithm.Blend,
            Parts = parts,
            Epochs = 1,
            LearningRate = 0f,
            LearningRateDecay = 1f,
            Regularization = 0f,
            BiasRegularization = 0f,
            EarlyStoppingPatience = 0,
        };
        return blend with { Factors = blend.BlendWidth };
    }

    /// <summary>The factors a model of these parameters stores side by side: k·S for the Bayesian sampler, the sum of the parts' for a blend, else k.</summary>
    [JsonIgnore]
    public int BlendWidth => Algorithm switch
    {
        Algorithm.Blend => Parts?.Sum(p => p.BlendWidth) ?? 0,
        Algorithm.Bayesian => Factors * Samples,
        _ => Factors,
    };

    /// <summary>A blend's parts as they train: each with the blend's seed, threads and rating scale.</summary>
    public IReadOnlyList<TrainingParameters> ResolvedParts() =>
        Parts?.Select(p => p with { Seed = Seed, Threads = Threads, MinRating = MinRating, MaxRating = MaxRating }).ToArray()
        ?? throw new InvalidOperationException("Only a blend has parts.");

    /// <summary>The standard deviation actually used for initialisation.</summary>
    [JsonIgnore]
    public double EffectiveInitStandardDeviation => InitStandardDeviation ?? 1.0 / Factors;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Check(Enum.IsDefined(Algorithm), nameof(Algorithm), "is not a known algorithm");
        Check(Algorithm == Algorithm.Blend || Factors is >= 1 and <= MaxFactors, nameof(Factors), $"must be between 1 and {MaxFactors}");
        Check(Epochs is >= 1 and <= 100_000, nameof(Epochs), "must be between 1 and 100000");
        Check(float.IsFinite(LearningRate) && LearningRate >= 0 && LearningRate < 1, nameof(LearningRate), "must be in [0, 1)");
        Check(Algorithm is Algorithm.Als or Algorithm.Bayesian or Algorithm.Blend || LearningRate > 0, nameof(LearningRate), "must be positive for SGD");
        Check(float.IsFinite(LearningRateDecay) && LearningRateDecay is > 0 and <= 1, nameof(LearningRateDecay), "must be in (0, 1]");
        Check(float.IsFinite(Regularization) && Regularization >= 0, nameof(Regularization), "must be a finite non-negative number");
        Check(Algorithm != Algorithm.Als || Regularization > 0, nameof(Regularization), "must be positive for ALS");
        Check(float.IsFinite(BiasRegularization) && BiasRegularization >= 0, nameof(BiasRegularization), "must be a finite non-negative number");
        Check(InitStandardDeviation is null || (double.IsFinite(InitStandardDeviation.Value) && InitStandardDeviation > 0),
            nameof(InitStandardDeviation), "must be positive when set");
        Check(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), "must not be negative");
        Check(Samples is >= 1 and <= MaxFactors, nameof(Samples), $"must be between 1 and {MaxFactors}");
        Check(BurnIn >= 0 && (Algorithm != Algorithm.Bayesian || BurnIn < Epochs), nameof(BurnIn),
            "must not be negative, and for the Bayesian sampler must be below Epochs");
        Check(Algorithm != Algorithm.Bayesian || Samples <= Epochs - BurnIn, nameof(Samples),
            "must not exceed the sweeps after the burn-in (Epochs − BurnIn)");
        Check(Algorithm != Algorithm.Bayesian || Factors * Samples <= MaxFactors, nameof(Samples),
            $"times Factors must not exceed {MaxFactors}: the model stores every sample's factors side by side");
        Check(Threads is >= 0 and <= 1024, nameof(Threads), "must be between 0 (one per processor) and 1024");
        Check(float.IsFinite(MinRating) && float.IsFinite(MaxRating) && MinRating < MaxRating, nameof(MinRating),
            "must be finite and below MaxRating");
        Check((Algorithm == Algorithm.Blend) == (Parts is not null), nameof(Parts), "must be given for a blend and only for a blend");
        if (Parts is { } parts)
        {
            Check(parts.Count is >= 2 and <= 4, nameof(Parts), "must list two to four models");
            foreach (var part in parts)
            {
                Check(part is { Algorithm: Algorithm.BiasedSgd or Algorithm.Als or Algorithm.Bayesian or Algorithm.SvdPlusPlus }, nameof(Parts),
                    "may only hold biased-sgd, als, bayesian or svdpp models");
                try
                {
                    part.Validate();
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"{nameof(Parts)}: the {part.Algorithm} part's {e.Message}", nameof(Parts), e);
                }
            }

            Check(BlendWidth <= MaxFactors, nameof(Parts), $"must not take more than {MaxFactors} factors side by side (Bayesian parts take Factors × Samples)");
        }
    }

    private static void Check(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"{field} {message}.", field);
        }
    }
}
