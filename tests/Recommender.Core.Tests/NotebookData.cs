using Recommender.Core.Data;

namespace Recommender.Core.Tests;

/// <summary>The seed notebook's 4 users × 12 songs (0 = not rated) and its printed 75-factor predicted matrix.</summary>
internal static class NotebookData
{
    public static readonly string[] Users = ["Darth Vader", "Hermione", "Ripley", "Spock"];

    public static readonly string[] Songs =
    [
        "Another One Bites the Dust", "Back in Black", "Bohemian Rhapsody", "Brandenburg Concerto No. 3",
        "Clair de Lune", "Comfortably Numb", "Don't Stop Believin'", "Firework", "Hedwig’s Theme", "O Fortuna",
        "Survivor", "The Imperial March",
    ];

    public static readonly float[][] Ratings =
    [
        [4, 4, 2, 0, 1, 2, 2, 0, 0, 4, 0, 5],
        [1, 0, 5, 0, 5, 2, 2, 5, 5, 2, 2, 1],
        [5, 5, 2, 1, 2, 3, 4, 4, 0, 5, 5, 4],
        [2, 0, 5, 5, 5, 4, 3, 2, 3, 4, 2, 0],
    ];

    /// <summary>The predicted matrix the notebook printed (rows in <see cref="Users"/> order).</summary>
    public static readonly float[][] PrintedPrediction =
    [
        [4.093801f, 3.991699f, 1.683605f, 0.632839f, 1.062763f, 2.210652f, 2.486155f, 2.502766f, 1.884188f, 4.086522f, 3.786563f, 4.418384f],
        [1.023098f, 3.145756f, 4.934192f, 4.100897f, 5.026325f, 2.118969f, 2.128347f, 4.854885f, 4.897921f, 2.071073f, 1.975606f, 0.909198f],
        [4.877507f, 4.974933f, 2.260267f, 1.031988f, 1.958296f, 2.831570f, 3.583941f, 3.954575f, 2.969706f, 4.904599f, 4.951301f, 4.466129f],
        [1.998512f, 3.763525f, 4.988831f, 4.968491f, 4.925842f, 3.869386f, 2.903590f, 2.141790f, 3.070534f, 3.923460f, 2.040637f, 2.446687f],
    ];

    /// <summary>The known ratings in the notebook's <c>ratings.nonzero()</c> order (row-major), with ids in notebook order.</summary>
    public static RatingDataset Dataset()
    {
        var builder = new RatingDatasetBuilder(new IdMap(Users), new IdMap(Songs));
        for (var u = 0; u < Users.Length; u++)
        {
            for (var i = 0; i < Songs.Length; i++)
            {
                if (Ratings[u][i] > 0)
                {
                    builder.Add(u, i, Ratings[u][i]);
                }
            }
        }

        return builder.Build();
    }

    /// <summary>Indices of the songs user <paramref name="user"/> rated, ascending.</summary>
    public static int[] RatedBy(int user) => Enumerable.Range(0, Songs.Length).Where(i => Ratings[user][i] > 0).ToArray();
}
