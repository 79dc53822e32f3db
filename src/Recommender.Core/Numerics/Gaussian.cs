namespace Recommender.Core.Numerics;

/// <summary>Seeded normal deviates by the Box–Muller transform over <see cref="Random"/>.</summary>
internal sealed class Gaussian(Random random)
{
    private double _spare;
    private bool _hasSpare;

    /// <summary>A draw from N(0, <paramref name="standardDeviation"/>²).</summary>
    public double Next(double standardDeviation)
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare * standardDeviation;
        }

        double u1;
        do
        {
            u1 = random.NextDouble();
        }
        while (u1 <= double.Epsilon);

        var u2 = random.NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = radius * Math.Sin(2.0 * Math.PI * u2);
        _hasSpare = true;
        return radius * Math.Cos(2.0 * Math.PI * u2) * standardDeviation;
    }

    /// <summary>Fills the first <paramref name="factors"/> entries of each padded row with N(0, σ²) draws.</summary>
    public void FillRows(float[] rows, int count, int factors, int stride, double standardDeviation)
    {
        for (var r = 0; r < count; r++)
        {
            var offset = r * stride;
            for (var f = 0; f < factors; f++)
            {
                rows[offset + f] = (float)Next(standardDeviation);
            }
        }
    }
}
