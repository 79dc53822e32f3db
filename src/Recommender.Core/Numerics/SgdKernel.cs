using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recommender.Core.Numerics;

/// <summary>The per-rating SGD step on padded factor rows, as whole SIMD vectors.</summary>
internal static class SgdKernel
{
    /// <summary>
    /// Simultaneous update p ← p + α(e·q − λp), q ← q + α(e·p − λq) (both right-hand sides use the old values).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(Span<float> p, Span<float> q, float error, float learningRate, float regularization)
    {
        ref var rp = ref MemoryMarshal.GetReference(p);
        ref var rq = ref MemoryMarshal.GetReference(q);
        var e = new Vector<float>(learningRate * error);
        var decay = new Vector<float>(1f - learningRate * regularization);
        for (nuint n = 0; n < (nuint)p.Length; n += (nuint)Vector<float>.Count)
        {
            var pv = Vector.LoadUnsafe(ref rp, n);
            var qv = Vector.LoadUnsafe(ref rq, n);
            (decay * pv + e * qv).StoreUnsafe(ref rp, n);
            (decay * qv + e * pv).StoreUnsafe(ref rq, n);
        }
    }
}
