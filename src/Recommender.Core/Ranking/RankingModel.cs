using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Numerics;
using Recommender.Core.Training;

namespace Recommender.Core.Ranking;

/// <summary>
/// An immutable top-N model — popularity, EASE or implicit ALS — with everything a query needs; any number of threads
/// may query it while a newer one is trained.
/// </summary>
/// <remarks>
/// <para><b>Scores</b>: popularity, the item's interaction count; EASE, x_u·B over the user's interactions; implicit ALS,
/// p_u·q_i. Only items with a training interaction are ever recommended, and never an item the user rated.</para>
/// <para><b>Cold start</b>: a user with no usable interaction is served <see cref="Popular"/> minus what they rated.</para>
/// <para>The interaction matrix X is rebuilt from the stored ratings and <see cref="RankingParameters.IsPositive"/>, so
/// a model and its snapshot hold only the ratings, the weights and the ids.</para>
/// </remarks>
public sealed partial class RankingModel : ITopNRecommender
{
    private readonly SparseRows _rated;
    private readonly SparseRows _positive;
    private readonly int[] _itemCounts;
    private readonly int[] _popular;
    private readonly int[] _activeItems;
    private readonly int[] _slot;
    private readonly ReadOnlyMemory<float> _weights;
    private readonly float[] _userFactors;
    private readonly float[] _itemFactors;
    private readonly Lazy<double[]> _gram;
    private readonly Lazy<float[]> _itemNorms;

    /// <summary>Checks that the parts agree; <paramref name="weights"/> is B over the items with interactions (EASE), factors are padded rows (implicit ALS).</summary>
    internal RankingModel(RankingParameters parameters, IdMap users, IdMap items, SparseRows rated, ReadOnlyMemory<float> weights, float[] userFactors, float[] itemFactors)
    {
        parameters.Validate();
        if (rated.Count != users.Count || rated.Offsets.Length != users.Count + 1 || rated.Offsets[0] != 0
            || rated.Offsets[^1] != rated.Columns.Length || rated.Columns.Length != rated.Values.Length)
        {
            throw new ArgumentException("The rated items do not agree with the users.");
        }

        for (var u = 0; u < users.Count; u++)
        {
            if (rated.Offsets[u + 1] < rated.Offsets[u])
            {
                throw new ArgumentException("The rated-item offsets decrease.");
            }
        }

        for (var u = 0; u < users.Count; u++)
        {
            for (var n = rated.Offsets[u]; n < rated.Offsets[u + 1]; n++)
            {
                if ((uint)rated.Columns[n] >= (uint)items.Count || (n > rated.Offsets[u] && rated.Columns[n] <= rated.Columns[n - 1]))
                {
                    throw new ArgumentException("A rated item index is out of range or out of order.");
                }
            }
        }

        var x = Interactions.FromRated(rated, items.Count, parameters.IsPositive);
        _itemCounts = x.ItemCounts();
        _activeItems = Enumerable.Range(0, items.Count).Where(i => _itemCounts[i] > 0).ToArray();
        _slot = new int[items.Count];
        Array.Fill(_slot, -1);
        for (var k = 0; k < _activeItems.Length; k++)
        {
            _slot[_activeItems[k]] = k;
        }

        Stride = VectorMath.PaddedLength(parameters.Factors);
        var expectWeights = parameters.Algorithm == RankingAlgorithm.Ease ? (long)_activeItems.Length * _activeItems.Length : 0;
        var factorModel = parameters.Algorithm == RankingAlgorithm.ImplicitAls;
        if (weights.Length != expectWeights || userFactors.LongLength != (factorModel ? (long)users.Count * Stride : 0)
            || itemFactors.LongLength != (factorModel ? (long)items.Count * Stride : 0))
        {
            throw new ArgumentException("The model's weights do not agree with its items and users.");
        }

        Parameters = parameters;
        Users = users;
        Items = items;
        _rated = rated;
        _positive = x.ByUser;
        _weights = weights;
        _userFactors = userFactors;
        _itemFactors = itemFactors;
        _popular = _activeItems.OrderByDescending(i => _itemCounts[i]).ThenBy(i => i).ToArray();
        _gram = new Lazy<double[]>(ItemGram);
        _itemNorms = new Lazy<float[]>(ItemNorms);
    }

    private RankingModel(RankingModel source, long version, DateTimeOffset trainedAt, RankingMetrics? metrics)
    {
        (Parameters, Users, Items, Stride) = (source.Parameters, source.Users, source.Items, source.Stride);
        (_rated, _positive, _itemCounts, _popular) = (source._rated, source._positive, source._itemCounts, source._popular);
        (_activeItems, _slot, _weights) = (source._activeItems, source._slot, source._weights);
        (_userFactors, _itemFactors, _gram, _itemNorms) = (source._userFactors, source._itemFactors, source._gram, source._itemNorms);
        (Version, TrainedAt, Metrics) = (version, trainedAt, metrics);
    }

    /// <summary>Version number assigned when the model was published (0 until then).</summary>
    public long Version { get; }

    /// <summary>When the model was trained.</summary>
    public DateTimeOffset TrainedAt { get; }

    /// <summary>Holdout metrics recorded at publication, if any.</summary>
    public RankingMetrics? Metrics { get; }

    /// <summary>The parameters the model was fitted with.</summary>
    public RankingParameters Parameters { get; }

    /// <summary>The kind of model.</summary>
    public RankingAlgorithm Algorithm => Parameters.Algorithm;

    /// <summary>Users known to the model.</summary>
    public IdMap Users { get; }

    /// <summary>Items known to the model.</summary>
    public IdMap Items { get; }

    /// <summary>True when every weight is a finite number (a publishing gate checks this).</summary>
    public bool IsFinite
    {
        get
        {
            using var pin = _weights.Pin();
            return AllFinite(_weights.Span) && AllFinite(_userFactors) && AllFinite(_itemFactors);
        }
    }

    internal SparseRows Rated => _rated;

    /// <summary>EASE's B over the active items, row-major; in memory or mapped from a snapshot (use it under <see cref="ReadOnlyMemory{T}.Pin"/>).</summary>
    internal ReadOnlyMemory<float> Weights => _weights;

    internal float[] UserFactors => _userFactors;

    internal float[] ItemFactors => _itemFactors;

    internal int Stride { get; }

    /// <summary>The same model stamped with a version, training time and metrics; the weights are shared, not copied.</summary>
    public RankingModel WithInfo(long version, DateTimeOffset trainedAt, RankingMetrics? metrics) => new(this, version, trainedAt, metrics);

    /// <summary>True when item <paramref name="itemIndex"/> had a training interaction (only such items are recommended).</summary>
    public bool IsItemTrained(int itemIndex) => _itemCounts[itemIndex] > 0;

    /// <summary>The number of training interactions (positive ratings) of item <paramref name="itemIndex"/>.</summary>
    public int InteractionCount(int itemIndex) => _itemCounts[itemIndex];

    private static bool AllFinite(ReadOnlySpan<float> values)
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
