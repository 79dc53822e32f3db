using Recommender.Core.Data;

namespace Recommender.Core.Evaluation;

/// <summary>
/// What the ranking metrics need of a model: its id maps and the top items of a trained user, best first, never an item
/// the user rated in training. <see cref="Model.FactorModel"/> and <see cref="Ranking.RankingModel"/> both provide it, so
/// both are measured by the same <see cref="Evaluator.Ranking"/>.
/// </summary>
public interface ITopNRecommender
{
    /// <summary>Users known to the model.</summary>
    IdMap Users { get; }

    /// <summary>Items known to the model.</summary>
    IdMap Items { get; }

    /// <summary>The indices of the best <paramref name="count"/> items for trained user <paramref name="userIndex"/>.</summary>
    IReadOnlyList<int> TopItems(int userIndex, int count);
}
