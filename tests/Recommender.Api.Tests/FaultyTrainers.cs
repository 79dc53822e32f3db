using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Api.Tests;

/// <summary>Trainers that fail the way real ones can: by throwing, or by returning a model full of NaN.</summary>
internal static class FaultyTrainers
{
    public sealed class Throwing : IFactorTrainer
    {
        public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the trainer exploded");
    }

    public sealed class ReturnsNaN(TrainingParameters parameters) : IFactorTrainer
    {
        public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default)
        {
            var result = Trainers.Create(parameters).Fit(train, validation, onEpoch, cancellationToken);
            return result with { Model = Poison(result.Model) };
        }

        /// <summary>The same model with its last item factor set to NaN, through the public snapshot format.</summary>
        private static FactorModel Poison(FactorModel model)
        {
            using var stream = new MemoryStream();
            FactorModelSerializer.Write(model, stream);
            var bytes = stream.ToArray();
            BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8, 4), float.NaN);
            return FactorModelSerializer.Read(new MemoryStream(bytes));
        }
    }
}
