namespace Recommender.Api.Startup;

/// <summary>The seed notebook's interactions: 4 users rate 12 songs from 1 to 5; a 0 means "not rated" and is not stored.</summary>
internal static class NotebookDemo
{
    public static readonly string[] Users = ["Darth Vader", "Hermione", "Ripley", "Spock"];

    public static readonly string[] Songs =
    [
        "Another One Bites the Dust", "Back in Black", "Bohemian Rhapsody", "Brandenburg Concerto No. 3",
        "Clair de Lune", "Comfortably Numb", "Don't Stop Believin'", "Firework", "Hedwig’s Theme", "O Fortuna",
        "Survivor", "The Imperial March",
    ];

    private static readonly int[][] Matrix =
    [
        [4, 4, 2, 0, 1, 2, 2, 0, 0, 4, 0, 5],
        [1, 0, 5, 0, 5, 2, 2, 5, 5, 2, 2, 1],
        [5, 5, 2, 1, 2, 3, 4, 4, 0, 5, 5, 4],
        [2, 0, 5, 5, 5, 4, 3, 2, 3, 4, 2, 0],
    ];

    /// <summary>The known ratings, row by row.</summary>
    public static IEnumerable<(string UserId, string ItemId, double Rating)> Ratings()
    {
        for (var u = 0; u < Users.Length; u++)
        {
            for (var i = 0; i < Songs.Length; i++)
            {
                if (Matrix[u][i] > 0)
                {
                    yield return (Users[u], Songs[i], Matrix[u][i]);
                }
            }
        }
    }
}
