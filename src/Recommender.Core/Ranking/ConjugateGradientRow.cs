using Recommender.Core.Numerics;

namespace Recommender.Core.Ranking;

/// <summary>
/// One implicit-ALS row update by conjugate gradient (Takács, Pilászy &amp; Tikk 2011): solves A p = b with
/// A = YᵀY + α Σ_{j∈row} y_j y_jᵀ + λ I and b = (1 + α) Σ_{j∈row} y_j, starting from the row's current value.
/// </summary>
/// <remarks>
/// A is applied implicitly: A v = (YᵀY) v + Σ_j α (y_j·v) y_j + λ v, all in float with SIMD over padded rows. Standard CG:
/// r = b − A p, d = r; per step a = r·r / d·A d, p += a d, r −= a A d, d = r + (r'·r' / r·r) d. It stops early when
/// the residual vanishes. A has the eigenvalues of an SPD matrix ≥ λ, so each step can only lower the row's loss.
/// </remarks>
internal sealed class ConjugateGradientRow(float[] gram, float[] other, int factors, int stride, float alpha)
{
    /// <summary>Updates <paramref name="p"/> in place; <paramref name="buffers"/> holds 3 × stride floats.</summary>
    public void Solve(ReadOnlySpan<int> columns, float lambda, int steps, Span<float> p, float[] buffers)
    {
        var residual = buffers.AsSpan(0, stride);
        var direction = buffers.AsSpan(stride, stride);
        var product = buffers.AsSpan(2 * stride, stride);

        // r = b − A p.
        Apply(columns, lambda, p, product);
        residual.Clear();
        foreach (var j in columns)
        {
            VectorMath.AddScaled(1 + alpha, other.AsSpan(j * stride, stride), residual);
        }

        VectorMath.AddScaled(-1, product, residual);
        residual.CopyTo(direction);
        var rr = VectorMath.SquaredNorm(residual);
        for (var step = 0; step < steps && rr > 1e-20f; step++)
        {
            Apply(columns, lambda, direction, product);
            var curvature = VectorMath.Dot(direction, product);
            if (!(curvature > 0))
            {
                return;
            }

            var a = rr / curvature;
            VectorMath.AddScaled(a, direction, p);
            VectorMath.AddScaled(-a, product, residual);
            var next = VectorMath.SquaredNorm(residual);
            var beta = next / rr;
            for (var f = 0; f < stride; f++)
            {
                direction[f] = residual[f] + beta * direction[f];
            }

            rr = next;
        }
    }

    /// <summary>destination = (YᵀY + α Σ y_j y_jᵀ + λ I) v.</summary>
    private void Apply(ReadOnlySpan<int> columns, float lambda, ReadOnlySpan<float> v, Span<float> destination)
    {
        destination.Clear();
        for (var f = 0; f < factors; f++)
        {
            destination[f] = VectorMath.Dot(gram.AsSpan(f * stride, stride), v) + lambda * v[f];
        }

        foreach (var j in columns)
        {
            var y = other.AsSpan(j * stride, stride);
            VectorMath.AddScaled(alpha * VectorMath.Dot(y, v), y, destination);
        }
    }
}
