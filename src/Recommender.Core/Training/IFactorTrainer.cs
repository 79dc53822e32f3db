using Recommender.Core.Data;

namespace Recommender.Core.Training;

/// <summary>A factorization algorithm: fits a <see cref="Model.FactorModel"/> to explicit ratings.</summary>
public interface IFactorTrainer
{
    /// <summary>
    /// Trains on <paramref name="train"/>. When <paramref name="validation"/> is given (sharing the id maps), its RMSE
    /// is reported every epoch and drives early stopping. <paramref name="onEpoch"/> is called after each epoch
    /// on the training thread. Cancellation is observed between epochs.
    /// </summary>
    TrainingResult Fit(
        RatingDataset train,
        RatingDataset? validation = null,
        Action<EpochReport>? onEpoch = null,
        CancellationToken cancellationToken = default);
}

/// <summary>Creates the trainer for a set of parameters.</summary>
public static class Trainers
{
    /// <summary>The trainer of <paramref name="parameters"/>' algorithm, after validating the parameters.</summary>
    public static IFactorTrainer Create(TrainingParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        return parameters.Algorithm switch
        {
            Algorithm.BiasedSgd => new BiasedSgdTrainer(parameters),
            Algorithm.Als => new AlsTrainer(parameters),
            Algorithm.Notebook => new NotebookSgdTrainer(parameters),
            Algorithm.Bayesian => new BayesianTrainer(parameters),
            Algorithm.SvdPlusPlus => new SvdPlusPlusTrainer(parameters),
            Algorithm.Blend => new BlendTrainer(parameters),
            _ => throw new ArgumentOutOfRangeException(nameof(parameters), parameters.Algorithm, "Unknown algorithm."),
        };
    }
}
