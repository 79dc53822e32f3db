using System.Globalization;
using System.Text;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>generate</c>: writes a seeded synthetic rating set of any size — a low-rank model plus Gaussian noise, with
/// power-law (Zipf) user and item popularity, so a few users and items hold most ratings as in real data.
/// </summary>
/// <remarks>
/// r = clip(round½(μ + b_u + b_i + p_u·q_i + ε)) on the 0.5–5 scale, with μ = 3.5, b ~ N(0, 0.3²), p and q of the
/// given rank with entries ~ N(0, 1/√rank) (so p·q has unit variance), ε ~ N(0, σ²). Users and items are drawn with
/// probability ∝ 1/(rank+1)^s; each (user, item) pair appears at most once.
/// </remarks>
internal static class GenerateCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var path = options.RequiredString("--output");
        var users = options.Int("--users") ?? 200_000;
        var items = options.Int("--items") ?? 50_000;
        var ratings = options.Int("--ratings") ?? 10_000_000;
        var rank = options.Int("--rank") ?? 10;
        var noise = options.Double("--noise") ?? 0.5;
        var skew = options.Double("--skew") ?? 0.8;
        var seed = options.Int("--seed") ?? 42;
        var testFraction = options.Double("--test-fraction") ?? 0;
        var testPath = options.String("--test-output");
        options.EnsureAllRead();
        if (users < 1 || items < 1 || ratings < 1 || rank < 1 || (long)users * items < ratings * 2L)
        {
            throw new UsageException("--users, --items, --ratings and --rank must be positive, with at least twice as many cells as ratings.");
        }

        if (testFraction is < 0 or >= 1 || (testFraction > 0) != (testPath is not null))
        {
            throw new UsageException("--test-fraction in (0, 1) and --test-output go together.");
        }

        var random = new Random(seed);
        var userFactors = Matrix(random, users, rank);
        var itemFactors = Matrix(random, items, rank);
        var userBias = Vector(random, users, 0.3);
        var itemBias = Vector(random, items, 0.3);
        var userCdf = ZipfCdf(users, skew);
        var itemCdf = ZipfCdf(items, skew);
        var userOrder = Shuffled(random, users);
        var itemOrder = Shuffled(random, items);
        var seen = new HashSet<long>(ratings);
        using var train = Open(path);
        using var test = testPath is null ? null : Open(testPath);
        var line = new StringBuilder(64);
        var written = 0;
        while (written < ratings)
        {
            var u = userOrder[Sample(random, userCdf)];
            var i = itemOrder[Sample(random, itemCdf)];
            if (!seen.Add((long)u * items + i))
            {
                continue;
            }

            var value = 3.5 + userBias[u] + itemBias[i] + noise * Normal(random);
            for (var f = 0; f < rank; f++)
            {
                value += userFactors[u * rank + f] * itemFactors[i * rank + f];
            }

            value = Math.Clamp(Math.Round(value * 2) / 2, 0.5, 5);
            line.Clear().Append('u').Append(u).Append(",i").Append(i).Append(',').Append(value.ToString("0.0", CultureInfo.InvariantCulture));
            (test is not null && random.NextDouble() < testFraction ? test : train).WriteLine(line);
            written++;
        }

        error.WriteLine($"wrote {written:N0} ratings ({users:N0} users, {items:N0} items, rank {rank}, σ {noise}) to {path}{(test is null ? "" : $" and {testPath}")}");
        return 0;
    }

    private static StreamWriter Open(string path)
    {
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20);
        writer.WriteLine("user,item,rating");
        return writer;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static float[] Matrix(Random random, int rows, int rank)
    {
        var scale = 1 / Math.Sqrt(rank);
        var values = new float[rows * rank];
        for (var n = 0; n < values.Length; n++)
        {
            values[n] = (float)(Normal(random) * Math.Sqrt(scale));
        }

        return values;
    }

    private static double[] Vector(Random random, int count, double sd)
    {
        var values = new double[count];
        for (var n = 0; n < count; n++)
        {
            values[n] = sd * Normal(random);
        }

        return values;
    }

    private static double[] ZipfCdf(int count, double skew)
    {
        var cdf = new double[count];
        double sum = 0;
        for (var r = 0; r < count; r++)
        {
            sum += 1 / Math.Pow(r + 1, skew);
            cdf[r] = sum;
        }

        for (var r = 0; r < count; r++)
        {
            cdf[r] /= sum;
        }

        return cdf;
    }

    private static int Sample(Random random, double[] cdf)
    {
        var index = Array.BinarySearch(cdf, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, cdf.Length - 1);
    }

    private static int[] Shuffled(Random random, int count)
    {
        var order = new int[count];
        for (var n = 0; n < count; n++)
        {
            order[n] = n;
        }

        random.Shuffle(order);
        return order;
    }
}
