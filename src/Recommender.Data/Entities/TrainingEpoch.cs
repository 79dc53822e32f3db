namespace Recommender.Data.Entities;

/// <summary>One epoch of a training run's history.</summary>
public sealed class TrainingEpoch
{
    public long ModelVersion { get; set; }

    public int Epoch { get; set; }

    public double Objective { get; set; }

    public double TrainRmse { get; set; }

    public double? ValidationRmse { get; set; }

    public double ElapsedSeconds { get; set; }
}
