namespace Recommender.Core.Model;

/// <summary>Accuracy of a model on held-out ratings.</summary>
/// <param name="Rmse">Root-mean-square error of the clipped predictions.</param>
/// <param name="Mae">Mean absolute error of the clipped predictions.</param>
/// <param name="PrecisionAt10">Precision at 10 over users with a relevant held-out item.</param>
/// <param name="RecallAt10">Recall at 10 over the same users.</param>
/// <param name="NdcgAt10">Normalised discounted cumulative gain at 10 (binary relevance).</param>
/// <param name="TestCount">Number of held-out ratings evaluated.</param>
public sealed record ModelMetrics(double Rmse, double Mae, double PrecisionAt10, double RecallAt10, double NdcgAt10, int TestCount);
