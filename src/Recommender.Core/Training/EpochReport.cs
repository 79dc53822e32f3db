namespace Recommender.Core.Training;

/// <summary>What a trainer reports after each epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Objective">The algorithm's regularized objective (each trainer documents its form).</param>
/// <param name="TrainRmse">Root-mean-square error on the training ratings.</param>
/// <param name="ValidationRmse">RMSE on the validation ratings, when a validation set was given.</param>
/// <param name="LearningRate">Step size used in this epoch (0 for ALS).</param>
/// <param name="Elapsed">Time since the start of training.</param>
public readonly record struct EpochReport(
    int Epoch,
    double Objective,
    double TrainRmse,
    double? ValidationRmse,
    double LearningRate,
    TimeSpan Elapsed);
