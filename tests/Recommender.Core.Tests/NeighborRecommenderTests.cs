using Recommender.Core.Model;

namespace Recommender.Core.Tests;

public class NeighborRecommenderTests
{
    private const int Hermione = 1;

    [Fact]
    public void Recommend_GivesHermioneTheCorrectNeighboursAndScores_FromTheNotebooksPrintedMatrix()
    {
        var result = NeighborRecommender.Recommend(NotebookData.PrintedPrediction, Hermione, NotebookData.RatedBy(Hermione), neighbors: 3);

        Assert.Equal(["Spock", "Ripley", "Darth Vader"], result.Neighbors.Select(n => NotebookData.Users[n.Index]));
        Assert.Equal(0.926022, result.Neighbors[0].Similarity, 1e-5);
        Assert.Equal(0.746803, result.Neighbors[1].Similarity, 1e-5);
        Assert.Equal(0.676900, result.Neighbors[2].Similarity, 1e-5);

        Assert.Equal(["Back in Black", "Brandenburg Concerto No. 3"], result.Items.Select(i => NotebookData.Songs[i.ItemIndex]));
        Assert.Equal(9.902383, result.Items[0].Score, 1e-5);
        Assert.Equal(5.799994, result.Items[1].Score, 1e-5);
        // Not the notebook's mislabeled figures.
        Assert.NotEqual(10.669412, result.Items[0].Score, 1e-3);
        Assert.NotEqual(5.459433, result.Items[1].Score, 1e-3);
    }

    [Fact]
    public void CosineSimilarity_IsSymmetricWithUnitDiagonal_AndSafeForZeroRows()
    {
        var rows = NotebookData.PrintedPrediction.Append(new float[12]).ToArray();
        var similarity = NeighborRecommender.CosineSimilarity(rows);
        for (var a = 0; a < rows.Length; a++)
        {
            for (var b = 0; b < rows.Length; b++)
            {
                Assert.Equal(similarity[a, b], similarity[b, a]);
                Assert.True(float.IsFinite(similarity[a, b]));
            }
        }

        for (var a = 0; a < 4; a++)
        {
            Assert.Equal(1f, similarity[a, a], 1e-6f);
        }

        Assert.Equal(0f, similarity[4, 4]);
        Assert.Equal(0f, similarity[0, 4]);
    }

    [Fact]
    public void Recommend_ReturnsNothing_WhenTheUserRatedEverything()
    {
        var result = NeighborRecommender.Recommend(NotebookData.PrintedPrediction, 0, Enumerable.Range(0, 12).ToArray(), neighbors: 2);
        Assert.Empty(result.Items);
        Assert.Equal(2, result.Neighbors.Count);
    }
}
