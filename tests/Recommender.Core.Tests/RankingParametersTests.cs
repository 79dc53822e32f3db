using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public class RankingParametersTests
{
    public static TheoryData<RankingParameters, string> Invalid => new()
    {
        { RankingParameters.For(RankingAlgorithm.Ease) with { Regularization = 0f }, nameof(RankingParameters.Regularization) },
        { RankingParameters.For(RankingAlgorithm.Ease) with { Regularization = float.NaN }, nameof(RankingParameters.Regularization) },
        { RankingParameters.For(RankingAlgorithm.ImplicitAls) with { Factors = 0 }, nameof(RankingParameters.Factors) },
        { RankingParameters.For(RankingAlgorithm.ImplicitAls) with { Epochs = 0 }, nameof(RankingParameters.Epochs) },
        { RankingParameters.For(RankingAlgorithm.ImplicitAls) with { Alpha = -1f }, nameof(RankingParameters.Alpha) },
        { RankingParameters.For(RankingAlgorithm.ImplicitAls) with { ConjugateGradientSteps = 0 }, nameof(RankingParameters.ConjugateGradientSteps) },
        { RankingParameters.For(RankingAlgorithm.ImplicitAls) with { RegularizationExponent = 2f }, nameof(RankingParameters.RegularizationExponent) },
        { RankingParameters.For(RankingAlgorithm.ImplicitAls) with { InitStandardDeviation = 0 }, nameof(RankingParameters.InitStandardDeviation) },
        { RankingParameters.For(RankingAlgorithm.Ease) with { PositiveThreshold = float.PositiveInfinity }, nameof(RankingParameters.PositiveThreshold) },
        { RankingParameters.For(RankingAlgorithm.Ease) with { MaxItems = RankingParameters.MaxItemsCeiling + 1 }, nameof(RankingParameters.MaxItems) },
        { RankingParameters.For(RankingAlgorithm.Ease) with { Threads = -1 }, nameof(RankingParameters.Threads) },
        { RankingParameters.For(RankingAlgorithm.Ease) with { Algorithm = (RankingAlgorithm)9 }, nameof(RankingParameters.Algorithm) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_NamesTheField_WhenAValueIsInvalid(RankingParameters parameters, string field)
    {
        var error = Assert.Throws<ArgumentException>(parameters.Validate);

        Assert.Equal(field, error.ParamName);
        Assert.StartsWith(field, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RankingAlgorithm.Popularity)]
    [InlineData(RankingAlgorithm.Ease)]
    [InlineData(RankingAlgorithm.ImplicitAls)]
    public void Defaults_AreValid_ForEveryAlgorithm(RankingAlgorithm algorithm)
    {
        var parameters = RankingParameters.For(algorithm);

        parameters.Validate();
        Assert.Equal(algorithm, parameters.Algorithm);
    }

    [Fact]
    public void IsPositive_CountsEveryFiniteRating_WithoutAThreshold()
    {
        var every = RankingParameters.For(RankingAlgorithm.Ease) with { PositiveThreshold = null };
        var high = every with { PositiveThreshold = 4f };

        Assert.True(every.IsPositive(0.5f));
        Assert.False(every.IsPositive(float.NaN));
        Assert.False(high.IsPositive(3.5f));
        Assert.True(high.IsPositive(4f));
    }
}
