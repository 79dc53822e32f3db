namespace Recommender.Core.Numerics;

/// <summary>
/// A small, fast random stream (xoshiro256**, Blackman &amp; Vigna 2018) that is cheap to create, so a sampler can give
/// every (sweep, side, row) its own stream derived from the seed: what a row draws then depends on the seed and the
/// row's coordinates only, never on which thread ran it or in what order.
/// </summary>
/// <remarks>
/// Normal deviates by the Box–Muller transform; gamma deviates by Marsaglia &amp; Tsang (2000), with the
/// u^(1/a) boost for shapes below one; χ²(ν) = 2·Gamma(ν/2).
/// </remarks>
internal struct RandomStream
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spare;
    private bool _hasSpare;

    /// <summary>The stream of (<paramref name="seed"/>, <paramref name="a"/>, <paramref name="b"/>, <paramref name="c"/>).</summary>
    public static RandomStream For(int seed, int a, int b, int c)
    {
        // SplitMix64 over the mixed coordinates fills the state, as the xoshiro authors recommend.
        var x = (ulong)(uint)seed;
        x = Mix(x ^ ((ulong)(uint)a << 32)) ^ (uint)b;
        x = Mix(x) ^ ((ulong)(uint)c << 17);
        var stream = default(RandomStream);
        stream._s0 = SplitMix(ref x);
        stream._s1 = SplitMix(ref x);
        stream._s2 = SplitMix(ref x);
        stream._s3 = SplitMix(ref x);
        return stream;
    }

    /// <summary>A uniform 64-bit value.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A standard normal deviate.</summary>
    public double Normal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        var u1 = 1.0 - NextDouble(); // (0, 1]: the logarithm is finite
        var u2 = NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = radius * Math.Sin(2.0 * Math.PI * u2);
        _hasSpare = true;
        return radius * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A Gamma(<paramref name="shape"/>, 1) deviate (mean = shape); divide by a rate to rescale.</summary>
    public double Gamma(double shape)
    {
        if (!(shape > 0) || !double.IsFinite(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "The gamma shape must be positive and finite.");
        }

        if (shape < 1)
        {
            // Gamma(a) = Gamma(a + 1) · U^(1/a).
            return Gamma(shape + 1) * Math.Pow(1.0 - NextDouble(), 1.0 / shape);
        }

        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1.0 + c * x;
            }
            while (v <= 0);

            v = v * v * v;
            var u = 1.0 - NextDouble();
            if (u < 1.0 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1.0 - v + Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    /// <summary>A χ² deviate with <paramref name="degrees"/> degrees of freedom.</summary>
    public double ChiSquare(double degrees) => 2.0 * Gamma(degrees / 2.0);

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return Mix(x);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
