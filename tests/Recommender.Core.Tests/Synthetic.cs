using Recommender.Core.Data;

namespace Recommender.Core.Tests;

/// <summary>Seeded synthetic rating data for tests.</summary>
internal static class Synthetic
{
    /// <summary>
    /// r = <paramref name="mean"/> + b_u + b_i + p_u·q_i + N(0, σ²), p and q of rank <paramref name="rank"/>, each
    /// (user, item) observed with probability <paramref name="density"/>.
    /// </summary>
    public static RatingDataset LowRank(int users, int items, int rank, double noise, double density, int seed, float mean = 3f)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var p = new double[users, rank];
        var q = new double[items, rank];
        var bu = new double[users];
        var bi = new double[items];
        for (var u = 0; u < users; u++)
        {
            bu[u] = 0.3 * Normal();
            for (var f = 0; f < rank; f++)
            {
                p[u, f] = Normal();
            }
        }

        for (var i = 0; i < items; i++)
        {
            bi[i] = 0.3 * Normal();
            for (var f = 0; f < rank; f++)
            {
                q[i, f] = 0.6 * Normal();
            }
        }

        var builder = new RatingDatasetBuilder();
        for (var u = 0; u < users; u++)
        {
            for (var i = 0; i < items; i++)
            {
                if (random.NextDouble() >= density)
                {
                    continue;
                }

                var value = mean + bu[u] + bi[i] + noise * Normal();
                for (var f = 0; f < rank; f++)
                {
                    value += p[u, f] * q[i, f];
                }

                builder.Add($"u{u}", $"i{i}", (float)value);
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// Two taste groups: even users rate items 0..9 five and 10..19 one, odd users the opposite.
    /// User 0's ratings of item 3 (which the group likes) and item 13 (which it dislikes) are withheld.
    /// </summary>
    public static RatingDataset Checkerboard(int users = 20, int items = 20)
    {
        var builder = new RatingDatasetBuilder(new IdMap(Enumerable.Range(0, users).Select(u => $"u{u}")), new IdMap(Enumerable.Range(0, items).Select(i => $"i{i}")));
        for (var u = 0; u < users; u++)
        {
            for (var i = 0; i < items; i++)
            {
                if (u == 0 && i is 3 or 13)
                {
                    continue;
                }

                var likes = (u % 2 == 0) == (i < items / 2);
                builder.Add(u, i, likes ? 5f : 1f);
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// Planted implicit structure: users and items fall into <paramref name="groups"/> equal groups; a user rates each
    /// item of their own group with probability <paramref name="density"/> and any other item with probability
    /// <paramref name="noise"/>. Every rating is drawn uniformly from {4, 4.5, 5}, so the values say nothing about the
    /// item: only which items a user rated carries the structure.
    /// </summary>
    public static RatingDataset Groups(int users, int items, int groups, double density, double noise, int seed)
    {
        var random = new Random(seed);
        var builder = new RatingDatasetBuilder(new IdMap(Enumerable.Range(0, users).Select(u => $"u{u}")), new IdMap(Enumerable.Range(0, items).Select(i => $"i{i}")));
        for (var u = 0; u < users; u++)
        {
            for (var i = 0; i < items; i++)
            {
                var same = u * groups / users == i * groups / items;
                if (random.NextDouble() < (same ? density : noise))
                {
                    builder.Add(u, i, 4f + 0.5f * random.Next(3));
                }
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// Which items a user rated carries signal: users and items have a taste t = ±1 each; a user rates an item of their
    /// own taste with probability <paramref name="match"/> and any other with probability <paramref name="mismatch"/>, and
    /// the rating is 3 + t_u·t_i + N(0, σ²). A user's choices reveal their taste even where the noisy values hardly do.
    /// </summary>
    public static RatingDataset ChosenByTaste(int users, int items, double match, double mismatch, double noise, int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var builder = new RatingDatasetBuilder(new IdMap(Enumerable.Range(0, users).Select(u => $"u{u}")), new IdMap(Enumerable.Range(0, items).Select(i => $"i{i}")));
        var itemTaste = Enumerable.Range(0, items).Select(_ => random.Next(2) * 2 - 1).ToArray();
        for (var u = 0; u < users; u++)
        {
            var taste = random.Next(2) * 2 - 1;
            for (var i = 0; i < items; i++)
            {
                if (random.NextDouble() < (taste == itemTaste[i] ? match : mismatch))
                {
                    builder.Add(u, i, (float)(3 + taste * itemTaste[i] + noise * Normal()));
                }
            }
        }

        return builder.Build();
    }
}
