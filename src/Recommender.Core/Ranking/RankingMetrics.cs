namespace Recommender.Core.Ranking;

/// <summary>Top-N quality of a ranking model on held-out ratings (the protocol of <see cref="Evaluation.Evaluator.Ranking"/>).</summary>
/// <param name="PrecisionAt10">Precision at 10 over users with a relevant held-out item.</param>
/// <param name="RecallAt10">Recall at 10 over the same users.</param>
/// <param name="NdcgAt10">Normalised discounted cumulative gain at 10 (binary relevance).</param>
/// <param name="Users">Number of users averaged over.</param>
/// <param name="TestCount">Number of held-out ratings.</param>
public sealed record RankingMetrics(double PrecisionAt10, double RecallAt10, double NdcgAt10, int Users, int TestCount);
