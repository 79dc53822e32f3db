using Recommender.Core.Numerics;

namespace Recommender.Core.Ranking;

/// <summary>
/// The Gram matrix YᵀY = Σ_r y_r y_rᵀ of the padded factor rows of one side (k × stride floats, row-major), the term
/// that makes implicit ALS cost O(k²) per row instead of O(k² · rows) (Hu, Koren &amp; Volinsky 2008).
/// </summary>
/// <remarks>
/// The rows are cut into a fixed number of chunks whatever the thread count; each chunk's sum is formed in float with
/// SIMD outer products and the chunks are added in order in double, so the result is the same on any number of threads.
/// </remarks>
internal static class FactorGram
{
    private const int Chunks = 32;

    public static float[] Compute(float[] rows, int count, int factors, int stride, ParallelOptions options)
    {
        var size = factors * stride;
        var partial = new float[Chunks * size];
        Parallel.For(0, Chunks, options, c =>
        {
            var gram = partial.AsSpan(c * size, size);
            for (var r = (int)((long)count * c / Chunks); r < (int)((long)count * (c + 1) / Chunks); r++)
            {
                var y = rows.AsSpan(r * stride, stride);
                for (var f = 0; f < factors; f++)
                {
                    if (y[f] != 0)
                    {
                        VectorMath.AddScaled(y[f], y, gram.Slice(f * stride, stride));
                    }
                }
            }
        });

        var total = new double[size];
        for (var c = 0; c < Chunks; c++)
        {
            for (var n = 0; n < size; n++)
            {
                total[n] += partial[c * size + n];
            }
        }

        return Array.ConvertAll(total, v => (float)v);
    }
}
