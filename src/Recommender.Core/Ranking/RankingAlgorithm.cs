namespace Recommender.Core.Ranking;

/// <summary>
/// The top-N ranking models. Unlike the rating trainers (<see cref="Training.Algorithm"/>) they do not predict a
/// rating: they learn which items a user will interact with next, from the binary matrix X of interactions
/// (x_ui = 1 when u rated i at or above <see cref="RankingParameters.PositiveThreshold"/>).
/// </summary>
public enum RankingAlgorithm
{
    /// <summary>Every user gets the items with the most interactions: the reference row and the cold-start fallback.</summary>
    Popularity = 0,

    /// <summary>
    /// EASE (Steck 2019): a closed-form item-item linear model B with a zero diagonal; score(u) = x_u·B.
    /// Memory grows as items², so it is refused above <see cref="RankingParameters.MaxItems"/>.
    /// </summary>
    Ease = 1,

    /// <summary>
    /// Implicit-feedback ALS (Hu, Koren &amp; Volinsky 2008) with conjugate-gradient row updates (Takács, Pilászy
    /// &amp; Tikk 2011): score(u, i) = p_u·q_i. Memory grows as (users + items) × factors, so it scales to any catalogue.
    /// </summary>
    ImplicitAls = 2,
}
