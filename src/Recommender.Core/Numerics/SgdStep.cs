using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Recommender.Core.Model;

namespace Recommender.Core.Numerics;

/// <summary>
/// The biased-SGD inner loop over a run of ratings: SIMD dot product and update on padded rows, no bounds checks
/// and no allocation.
/// </summary>
internal readonly struct SgdStep(FactorWeights weights, float learningRate, float regularization, float biasRegularization)
{
    private readonly float[] _userFactors = weights.UserFactors;
    private readonly float[] _itemFactors = weights.ItemFactors;
    private readonly float[] _userBias = weights.UserBias;
    private readonly float[] _itemBias = weights.ItemBias;
    private readonly int _stride = weights.Stride;
    private readonly float _mean = weights.GlobalMean;

    /// <summary>Runs the update for ratings <paramref name="start"/> … <paramref name="end"/> − 1; returns Σ e² (errors before each update).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Run(int[] users, int[] items, float[] values, int start, int end)
    {
        var width = Vector<float>.Count;
        var stride = _stride;
        ref var userFactors = ref MemoryMarshal.GetArrayDataReference(_userFactors);
        ref var itemFactors = ref MemoryMarshal.GetArrayDataReference(_itemFactors);
        ref var userBias = ref MemoryMarshal.GetArrayDataReference(_userBias);
        ref var itemBias = ref MemoryMarshal.GetArrayDataReference(_itemBias);
        ref var userIndex = ref MemoryMarshal.GetArrayDataReference(users);
        ref var itemIndex = ref MemoryMarshal.GetArrayDataReference(items);
        ref var rating = ref MemoryMarshal.GetArrayDataReference(values);
        var rate = learningRate;
        var decay = new Vector<float>(1f - learningRate * regularization);
        var biasDecay = 1f - learningRate * biasRegularization;
        double sse = 0;
        const int ahead = 4;
        for (var n = start; n < end; n++)
        {
            if (n + ahead < end)
            {
                Prefetch(ref Unsafe.Add(ref userFactors, (nint)Unsafe.Add(ref userIndex, n + ahead) * stride), stride);
                Prefetch(ref Unsafe.Add(ref itemFactors, (nint)Unsafe.Add(ref itemIndex, n + ahead) * stride), stride);
            }

            var u = Unsafe.Add(ref userIndex, n);
            var i = Unsafe.Add(ref itemIndex, n);
            ref var p = ref Unsafe.Add(ref userFactors, (nint)u * stride);
            ref var q = ref Unsafe.Add(ref itemFactors, (nint)i * stride);
            var acc0 = Vector<float>.Zero;
            var acc1 = Vector<float>.Zero;
            var f = 0;
            for (; f + 2 * width <= stride; f += 2 * width)
            {
                acc0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref p, (nuint)f), Vector.LoadUnsafe(ref q, (nuint)f), acc0);
                acc1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref p, (nuint)(f + width)), Vector.LoadUnsafe(ref q, (nuint)(f + width)), acc1);
            }

            if (f < stride)
            {
                acc0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref p, (nuint)f), Vector.LoadUnsafe(ref q, (nuint)f), acc0);
            }

            ref var bu = ref Unsafe.Add(ref userBias, u);
            ref var bi = ref Unsafe.Add(ref itemBias, i);
            var error = Unsafe.Add(ref rating, n) - (_mean + bu + bi + Vector.Sum(acc0 + acc1));
            sse += error * error;
            var scaled = rate * error;
            bu = biasDecay * bu + scaled;
            bi = biasDecay * bi + scaled;
            var e = new Vector<float>(scaled);
            for (f = 0; f < stride; f += width)
            {
                var pv = Vector.LoadUnsafe(ref p, (nuint)f);
                var qv = Vector.LoadUnsafe(ref q, (nuint)f);
                Vector.FusedMultiplyAdd(e, qv, decay * pv).StoreUnsafe(ref p, (nuint)f);
                Vector.FusedMultiplyAdd(e, pv, decay * qv).StoreUnsafe(ref q, (nuint)f);
            }
        }

        return sse;
    }

    /// <summary>Asks for a row's cache lines ahead of use: the visiting order is random, so the hardware cannot guess it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref float row, int length)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        var address = (byte*)Unsafe.AsPointer(ref row);
        for (var offset = 0; offset < length * sizeof(float); offset += 64)
        {
            Sse.Prefetch0(address + offset);
        }
    }
}
