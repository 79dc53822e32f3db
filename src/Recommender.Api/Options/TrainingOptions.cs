using Microsoft.Extensions.Options;
using Recommender.Core.Training;

namespace Recommender.Api.Options;

/// <summary>When the background trainer searches hyperparameters on the store's own training data.</summary>
public enum TuneSchedule
{
    /// <summary>Never: the configured parameters (or the algorithm's defaults) train every run.</summary>
    Off,

    /// <summary>Every training run searches first and trains with the winner.</summary>
    OnRetrain,

    /// <summary>A run searches when the last search of the same configuration is a day old or more; runs in between reuse its winner.</summary>
    Daily,
}

/// <summary>When and how the background trainer runs. Unset model parameters take the algorithm's defaults.</summary>
public sealed class TrainingOptions
{
    public const string SectionName = "Training";

    /// <summary>Retrain this often (when the data changed). Zero turns the periodic schedule off.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Retrain this long after the last rating change; further changes restart the wait. Zero turns it off.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Train at start-up when there is data and no usable snapshot.</summary>
    public bool TrainOnStart { get; set; } = true;

    /// <summary>
    /// PostgreSQL only: how often the node that trains looks for a model an external trainer (a Spark MLlib ALS job)
    /// marked ready in <c>external_models</c>, to check, gate and publish it (README, "Scaling out"). Zero turns it off.
    /// </summary>
    public TimeSpan ExternalPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Give up a run that takes longer than this.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Fraction of ratings held out (seeded) to measure the new model.</summary>
    public double HoldoutFraction { get; set; } = 0.1;

    /// <summary>A new model is refused when its holdout RMSE exceeds the serving model's by more than this.</summary>
    public double MaxRmseRegression { get; set; } = 0.05;

    public Algorithm Algorithm { get; set; } = Algorithm.BiasedSgd;

    /// <summary>Search hyperparameters by cross-validation on the training ratings before a run trains (see <see cref="TuneSchedule"/>).</summary>
    public TuneSchedule Tune { get; set; } = TuneSchedule.Off;

    /// <summary>The search's time box: no candidate starts after it. The baseline is always scored.</summary>
    public TimeSpan TuneBudget { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Cross-validation folds per candidate.</summary>
    public int TuneFolds { get; set; } = 3;

    public int? Factors { get; set; }

    public int? Epochs { get; set; }

    public float? LearningRate { get; set; }

    public float? LearningRateDecay { get; set; }

    public float? Regularization { get; set; }

    public float? BiasRegularization { get; set; }

    /// <summary>Bayesian only: the posterior samples the model averages and stores side by side.</summary>
    public int? Samples { get; set; }

    /// <summary>Bayesian only: Gibbs sweeps discarded before samples are kept (<see cref="Epochs"/> counts every sweep).</summary>
    public int? BurnIn { get; set; }

    public int Seed { get; set; } = 42;

    /// <summary>Training threads; by default one fewer than the processors, so queries keep a core while a model trains.</summary>
    public int? Threads { get; set; }

    /// <summary>The trainer's parameters: the algorithm's defaults, overridden by what is configured.</summary>
    public TrainingParameters ToParameters(RatingsOptions ratings)
    {
        var defaults = TrainingParameters.For(Algorithm);
        // A blend's parts keep their own defaults; the validator refuses the model settings a blend does not read.
        var model = Algorithm == Algorithm.Blend ? defaults : defaults with
        {
            Factors = Factors ?? defaults.Factors,
            Epochs = Epochs ?? defaults.Epochs,
            LearningRate = LearningRate ?? defaults.LearningRate,
            LearningRateDecay = LearningRateDecay ?? defaults.LearningRateDecay,
            Regularization = Regularization ?? defaults.Regularization,
            BiasRegularization = BiasRegularization ?? defaults.BiasRegularization,
            Samples = Samples ?? defaults.Samples,
            BurnIn = BurnIn ?? defaults.BurnIn,
        };
        return model with
        {
            Seed = Seed,
            Threads = Threads ?? Math.Max(1, Environment.ProcessorCount - 1),
            MinRating = (float)ratings.Min,
            MaxRating = (float)ratings.Max,
        };
    }
}

internal sealed class TrainingOptionsValidator(IOptions<RatingsOptions> ratings) : IValidateOptions<TrainingOptions>
{
    public ValidateOptionsResult Validate(string? name, TrainingOptions options)
    {
        var errors = new List<string>();
        if (options.Interval < TimeSpan.Zero)
        {
            errors.Add("Training:Interval must not be negative.");
        }

        if (options.Debounce < TimeSpan.Zero)
        {
            errors.Add("Training:Debounce must not be negative.");
        }

        if (options.ExternalPollInterval < TimeSpan.Zero)
        {
            errors.Add("Training:ExternalPollInterval must not be negative.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            errors.Add("Training:Timeout must be positive.");
        }

        if (!Enum.IsDefined(options.Tune))
        {
            errors.Add("Training:Tune must be Off, OnRetrain or Daily.");
        }

        if (options.TuneBudget <= TimeSpan.Zero)
        {
            errors.Add("Training:TuneBudget must be positive.");
        }

        if (options.TuneFolds is < 2 or > 10)
        {
            errors.Add("Training:TuneFolds must be between 2 and 10.");
        }

        if (!(options.HoldoutFraction >= 0 && options.HoldoutFraction < 0.5))
        {
            errors.Add("Training:HoldoutFraction must be in [0, 0.5).");
        }

        if (!(options.MaxRmseRegression >= 0) || !double.IsFinite(options.MaxRmseRegression))
        {
            errors.Add("Training:MaxRmseRegression must be a finite non-negative number.");
        }

        if (options.Algorithm == Algorithm.Blend)
        {
            var unused = new (string Name, object? Value)[]
            {
                (nameof(options.Factors), options.Factors), (nameof(options.Epochs), options.Epochs),
                (nameof(options.LearningRate), options.LearningRate), (nameof(options.LearningRateDecay), options.LearningRateDecay),
                (nameof(options.Regularization), options.Regularization), (nameof(options.BiasRegularization), options.BiasRegularization),
                (nameof(options.Samples), options.Samples), (nameof(options.BurnIn), options.BurnIn),
            };
            errors.AddRange(unused.Where(u => u.Value is not null)
                .Select(u => $"Training:{u.Name} is not read by the Blend algorithm: each of its models trains with its own defaults."));
            if (options.Tune != TuneSchedule.Off)
            {
                errors.Add("Training:Tune must be Off with the Blend algorithm: tune a single algorithm instead.");
            }
        }

        try
        {
            options.ToParameters(ratings.Value).Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"Training:{e.ParamName}: {e.Message}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
