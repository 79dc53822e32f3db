using Recommender.Core.Numerics;

namespace Recommender.Core.Model;

/// <summary>
/// The mutable parameters a trainer fits: global mean μ, biases b_u and b_i, and row-major factor matrices
/// P (users × <see cref="Stride"/>) and Q (items × <see cref="Stride"/>), each row zero-padded from
/// <see cref="Factors"/> to whole SIMD vectors. A published <see cref="FactorModel"/> owns its weights exclusively.
/// SVD++ models also carry the implicit item factors Y (items × <see cref="Stride"/>), which only fold-in reads.
/// </summary>
internal sealed class FactorWeights
{
    public FactorWeights(int users, int items, int factors, bool hasBiases, bool hasImplicitFactors = false)
    {
        Users = users;
        Items = items;
        Factors = factors;
        Stride = VectorMath.PaddedLength(factors);
        HasBiases = hasBiases;
        UserBias = new float[users];
        ItemBias = new float[items];
        UserFactors = new float[(long)users * Stride];
        ItemFactors = new float[(long)items * Stride];
        ImplicitFactors = hasImplicitFactors ? new float[(long)items * Stride] : null;
    }

    public int Users { get; }

    public int Items { get; }

    public int Factors { get; }

    public int Stride { get; }

    public bool HasBiases { get; }

    /// <summary>μ: the mean training rating. Part of the prediction rule only when <see cref="HasBiases"/>; always the fallback.</summary>
    public float GlobalMean { get; set; }

    public float[] UserBias { get; }

    public float[] ItemBias { get; }

    public float[] UserFactors { get; }

    public float[] ItemFactors { get; }

    /// <summary>SVD++'s y_j (items × <see cref="Stride"/>), or null for the other algorithms.</summary>
    public float[]? ImplicitFactors { get; }

    public Span<float> UserRow(int user) => UserFactors.AsSpan(user * Stride, Stride);

    public Span<float> ItemRow(int item) => ItemFactors.AsSpan(item * Stride, Stride);

    public Span<float> ImplicitRow(int item) => ImplicitFactors!.AsSpan(item * Stride, Stride);

    /// <summary>The unclipped score: μ + b_u + b_i + p_u·q_i (biased) or p_u·q_i.</summary>
    public float Score(int user, int item)
    {
        var dot = VectorMath.Dot(UserRow(user), ItemRow(item));
        return HasBiases ? GlobalMean + UserBias[user] + ItemBias[item] + dot : dot;
    }

    /// <summary>True when every parameter is a finite number.</summary>
    public bool AllFinite() =>
        float.IsFinite(GlobalMean) && AllFinite(UserBias) && AllFinite(ItemBias) && AllFinite(UserFactors) && AllFinite(ItemFactors)
        && (ImplicitFactors is null || AllFinite(ImplicitFactors));

    public FactorWeights Clone()
    {
        var copy = new FactorWeights(Users, Items, Factors, HasBiases, ImplicitFactors is not null) { GlobalMean = GlobalMean };
        CopyTo(copy);
        return copy;
    }

    public void CopyTo(FactorWeights target)
    {
        target.GlobalMean = GlobalMean;
        UserBias.CopyTo(target.UserBias, 0);
        ItemBias.CopyTo(target.ItemBias, 0);
        UserFactors.CopyTo(target.UserFactors, 0);
        ItemFactors.CopyTo(target.ItemFactors, 0);
        ImplicitFactors?.CopyTo(target.ImplicitFactors!, 0);
    }

    /// <summary>Zeroes the rows and biases of users and items that have no training rating, so they predict the fallback.</summary>
    public void ClearUntrained(int[] userCounts, int[] itemCounts)
    {
        for (var u = 0; u < Users; u++)
        {
            if (userCounts[u] == 0)
            {
                UserBias[u] = 0;
                UserRow(u).Clear();
            }
        }

        for (var i = 0; i < Items; i++)
        {
            if (itemCounts[i] == 0)
            {
                ItemBias[i] = 0;
                ItemRow(i).Clear();
                if (ImplicitFactors is not null)
                {
                    ImplicitRow(i).Clear();
                }
            }
        }
    }

    private static bool AllFinite(float[] values)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
