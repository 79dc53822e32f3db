namespace Recommender.Core.Model;

/// <summary>
/// Partial selection of the <c>count</c> best-scoring indices with a bounded min-heap: O(n log count), no full sort.
/// Ties are broken by the lower index, so results are deterministic. NaN scores are never selected.
/// </summary>
internal static class TopN
{
    /// <summary>
    /// The best <paramref name="count"/> indices of <paramref name="scores"/>, best first, skipping the indices in
    /// <paramref name="sortedExcluded"/> (ascending) and in <paramref name="extraExcluded"/>.
    /// </summary>
    public static (int Index, float Score)[] Select(
        ReadOnlySpan<float> scores,
        int count,
        ReadOnlySpan<int> sortedExcluded,
        IReadOnlySet<int>? extraExcluded = null,
        int skipIndex = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        count = Math.Min(count, scores.Length);
        if (count == 0)
        {
            return [];
        }

        var heap = new (int Index, float Score)[count];
        var size = 0;
        var nextExcluded = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            while (nextExcluded < sortedExcluded.Length && sortedExcluded[nextExcluded] < i)
            {
                nextExcluded++;
            }

            if ((nextExcluded < sortedExcluded.Length && sortedExcluded[nextExcluded] == i)
                || i == skipIndex
                || float.IsNaN(scores[i])
                || (extraExcluded is not null && extraExcluded.Contains(i)))
            {
                continue;
            }

            var candidate = (i, scores[i]);
            if (size < count)
            {
                heap[size] = candidate;
                SiftUp(heap, size++);
            }
            else if (Better(candidate, heap[0]))
            {
                heap[0] = candidate;
                SiftDown(heap, size);
            }
        }

        var result = heap[..size];
        Array.Sort(result, (a, b) => Better(a, b) ? -1 : Better(b, a) ? 1 : 0);
        return result;
    }

    private static bool Better((int Index, float Score) a, (int Index, float Score) b) =>
        a.Score > b.Score || (a.Score == b.Score && a.Index < b.Index);

    private static void SiftUp((int, float)[] heap, int n)
    {
        while (n > 0)
        {
            var parent = (n - 1) / 2;
            if (!Better(heap[parent], heap[n]))
            {
                break;
            }

            (heap[parent], heap[n]) = (heap[n], heap[parent]);
            n = parent;
        }
    }

    private static void SiftDown((int, float)[] heap, int size)
    {
        var n = 0;
        while (true)
        {
            var worst = n;
            var left = 2 * n + 1;
            var right = left + 1;
            if (left < size && Better(heap[worst], heap[left]))
            {
                worst = left;
            }

            if (right < size && Better(heap[worst], heap[right]))
            {
                worst = right;
            }

            if (worst == n)
            {
                return;
            }

            (heap[worst], heap[n]) = (heap[n], heap[worst]);
            n = worst;
        }
    }
}
