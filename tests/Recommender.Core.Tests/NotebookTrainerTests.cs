using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class NotebookTrainerTests
{
    private static readonly TrainingParameters Notebook = TrainingParameters.For(Algorithm.Notebook) with { Seed = 7 };

    [Fact]
    public void Fit_ObjectiveFallsLikeTheNotebookLog_WhenRunWithItsSettings()
    {
        var result = Trainers.Create(Notebook).Fit(NotebookData.Dataset());
        var objective = result.History.Select(r => r.Objective).ToArray();

        // The notebook logs 482.78 at epoch 1, 1.4654 at epoch 101, then a slow rise to 1.5895 at epoch 901:
        // starting from small random factors, the sum of squared errors is close to Σr² (about 495).
        Assert.Equal(1000, objective.Length);
        Assert.InRange(objective[0], 380, 500);
        Assert.InRange(objective[100], 0.5, 5);
        Assert.True(objective[0] > 100 * objective[100]);
        Assert.All(Enumerable.Range(1, 9).Select(n => objective[n * 100]), o => Assert.InRange(o, 0.5, 5));
    }

    [Fact]
    public void Fit_RegularizedObjectiveMatchesItsDefinition_AfterTraining()
    {
        var parameters = Notebook with { Epochs = 50 };
        var result = Trainers.Create(parameters).Fit(NotebookData.Dataset());
        var model = result.Model;
        double sse = 0;
        for (var u = 0; u < 4; u++)
        {
            foreach (var i in NotebookData.RatedBy(u))
            {
                var e = NotebookData.Ratings[u][i] - model.Score(model.User(u), i);
                sse += e * e;
            }
        }

        var norms = 0.0;
        for (var u = 0; u < 4; u++)
        {
            norms += model.User(u).Factors.Span.ToArray().Sum(x => (double)x * x);
        }

        norms += Enumerable.Range(0, 12).Sum(i => model.Weights.ItemRow(i).ToArray().Sum(x => (double)x * x));
        Assert.Equal(sse + parameters.Regularization * norms, result.History[^1].Objective, 1e-3);
    }

    [Fact]
    public void Fit_Returns4x12PredictedMatrixCloseToTheRatings_WithTheNotebooks75FactorSettings()
    {
        var parameters = Notebook with { Factors = 75, LearningRate = 0.001f, Regularization = 0.02f, Epochs = 600 };
        var model = Trainers.Create(parameters).Fit(NotebookData.Dataset()).Model;

        var predicted = new float[4][];
        for (var u = 0; u < 4; u++)
        {
            predicted[u] = new float[12];
            model.Scores(model.User(u), predicted[u]);
        }

        Assert.All(predicted, row => Assert.All(row, v => Assert.True(float.IsFinite(v))));
        var errors = Enumerable.Range(0, 4).SelectMany(u => NotebookData.RatedBy(u).Select(i => predicted[u][i] - NotebookData.Ratings[u][i])).ToArray();
        Assert.True(Math.Sqrt(errors.Average(e => e * e)) < 0.3, "the 75-factor model should fit the known ratings closely");
        // Hermione's two unrated songs get predictions too (the notebook's whole matrix).
        Assert.InRange(predicted[1][1], 0.0, 7.0);
        Assert.InRange(predicted[1][3], 0.0, 7.0);
    }

    [Fact]
    public void Fit_IsDeterministic_WithTheSameSeed()
    {
        var a = Trainers.Create(Notebook with { Epochs = 20 }).Fit(NotebookData.Dataset()).Model;
        var b = Trainers.Create(Notebook with { Epochs = 20 }).Fit(NotebookData.Dataset()).Model;
        var c = Trainers.Create(Notebook with { Epochs = 20, Seed = 8 }).Fit(NotebookData.Dataset()).Model;
        Assert.Equal(a.Predict("Hermione", "Back in Black").Value, b.Predict("Hermione", "Back in Black").Value);
        Assert.NotEqual(a.Predict("Hermione", "Back in Black").Value, c.Predict("Hermione", "Back in Black").Value);
    }

    [Fact]
    public void Fit_HasNoBiasesAndUsesTheMeanOnlyAsFallback()
    {
        var model = Trainers.Create(Notebook with { Epochs = 5 }).Fit(NotebookData.Dataset()).Model;
        Assert.False(model.HasBiases);
        var user = model.User(0);
        Assert.Equal(model.Clip(model.Score(user, 0)), model.Predict(user, 0).Value);
        var fallback = model.Predict("Nobody", "Back in Black");
        Assert.Equal(PredictionFallback.UnknownUser, fallback.Fallback);
        Assert.Equal(model.Clip(model.GlobalMean), fallback.Value, 1e-6);
    }
}
