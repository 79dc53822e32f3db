using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Training;

namespace Recommender.Core.Model;

/// <summary>
/// An immutable trained model: everything a query needs, and nothing changes after it is built, so any number of
/// threads may query it while a newer one is trained.
/// </summary>
/// <remarks>
/// <para><b>Prediction rule.</b> With biases (<see cref="Algorithm.BiasedSgd"/>, <see cref="Algorithm.Als"/>):
/// r̂(u, i) = μ + b_u + b_i + p_u·q_i; without (<see cref="Algorithm.Notebook"/>): r̂(u, i) = p_u·q_i.
/// The unclipped value is the <em>score</em> used for ranking and similarity; the <em>predicted rating</em> is the
/// score clipped to [<see cref="MinRating"/>, <see cref="MaxRating"/>].</para>
/// <para><b>Fallback.</b> For a user or item the model does not know, or that had no training rating, the prediction
/// is μ plus the bias of whichever side is known (μ alone when neither is), and it is flagged with
/// <see cref="PredictionFallback"/>. μ is the mean training rating for every algorithm.</para>
/// </remarks>
public sealed partial class FactorModel : ITopNRecommender
{
    private readonly FactorWeights _weights;
    private readonly int[] _ratedOffsets;
    private readonly int[] _ratedItems;
    private readonly int[] _userCounts;
    private readonly int[] _itemCounts;

    /// <summary>Builds a model from trained weights; <paramref name="rated"/> gives each user's rated items for exclusion.</summary>
    internal static FactorModel Create(
        FactorWeights weights,
        IdMap users,
        IdMap items,
        TrainingParameters parameters,
        int[] userTrainingCounts,
        int[] itemTrainingCounts,
        RatingDataset rated)
    {
        // Id maps may be shared with datasets that keep growing; the model keeps its own frozen copies.
        var (offsets, ratedItems) = BuildRatedIndex(rated, weights.Users);
        return new FactorModel(
            weights,
            new IdMap(users.Ids.Take(weights.Users)),
            new IdMap(items.Ids.Take(weights.Items)),
            parameters,
            userTrainingCounts,
            itemTrainingCounts,
            offsets,
            ratedItems);
    }

    internal FactorModel(
        FactorWeights weights,
        IdMap users,
        IdMap items,
        TrainingParameters parameters,
        int[] userTrainingCounts,
        int[] itemTrainingCounts,
        int[] ratedOffsets,
        int[] ratedItems)
    {
        if (users.Count != weights.Users || items.Count != weights.Items || userTrainingCounts.Length != weights.Users
            || itemTrainingCounts.Length != weights.Items || ratedOffsets.Length != weights.Users + 1
            || ratedOffsets[^1] != ratedItems.Length)
        {
            throw new ArgumentException("The model's arrays do not agree in size.");
        }

        foreach (var item in ratedItems)
        {
            if ((uint)item >= (uint)weights.Items)
            {
                throw new ArgumentException("A rated item index is out of range.");
            }
        }

        _weights = weights;
        Users = users;
        Items = items;
        Parameters = parameters;
        _userCounts = userTrainingCounts;
        _itemCounts = itemTrainingCounts;
        _ratedOffsets = ratedOffsets;
        _ratedItems = ratedItems;
        _gram = new Lazy<UserGram>(() => UserGram.Build(this));
        _itemNorms = new Lazy<float[]>(() => RowNorms(_weights.ItemFactors, _weights.Items));
        _userNorms = new Lazy<float[]>(() => RowNorms(_weights.UserFactors, _weights.Users));
    }

    private FactorModel(FactorModel source, long version, DateTimeOffset trainedAt, ModelMetrics? metrics)
    {
        _weights = source._weights;
        Users = source.Users;
        Items = source.Items;
        Parameters = source.Parameters;
        _userCounts = source._userCounts;
        _itemCounts = source._itemCounts;
        _ratedOffsets = source._ratedOffsets;
        _ratedItems = source._ratedItems;
        _gram = source._gram;
        _itemNorms = source._itemNorms;
        _userNorms = source._userNorms;
        Version = version;
        TrainedAt = trainedAt;
        Metrics = metrics;
    }

    /// <summary>Version number assigned when the model was published (0 until then).</summary>
    public long Version { get; }

    /// <summary>When the model was trained.</summary>
    public DateTimeOffset TrainedAt { get; }

    /// <summary>Holdout metrics recorded at publication, if any.</summary>
    public ModelMetrics? Metrics { get; }

    /// <summary>The parameters the model was trained with.</summary>
    public TrainingParameters Parameters { get; }

    /// <summary>Users known to the model.</summary>
    public IdMap Users { get; }

    /// <summary>Items known to the model.</summary>
    public IdMap Items { get; }

    /// <summary>Number of latent factors k.</summary>
    public int Factors => _weights.Factors;

    /// <summary>μ, the mean training rating.</summary>
    public float GlobalMean => _weights.GlobalMean;

    /// <summary>True when the prediction rule has the μ + b_u + b_i terms.</summary>
    public bool HasBiases => _weights.HasBiases;

    /// <summary>Lowest predicted rating.</summary>
    public float MinRating => Parameters.MinRating;

    /// <summary>Highest predicted rating.</summary>
    public float MaxRating => Parameters.MaxRating;

    internal FactorWeights Weights => _weights;

    internal int[] UserTrainingCounts => _userCounts;

    internal int[] ItemTrainingCounts => _itemCounts;

    internal (int[] Offsets, int[] Items) RatedIndex => (_ratedOffsets, _ratedItems);

    /// <summary>True when every parameter is a finite number (a publishing gate checks this).</summary>
    public bool IsFinite => _weights.AllFinite();

    /// <summary>The same model stamped with a version, training time and metrics; the parameters are shared, not copied.</summary>
    public FactorModel WithInfo(long version, DateTimeOffset trainedAt, ModelMetrics? metrics) =>
        new(this, version, trainedAt, metrics);

    /// <summary>The vector of trained user <paramref name="userIndex"/>.</summary>
    public UserVector User(int userIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(userIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(userIndex, Users.Count);
        var stride = _weights.Stride;
        var start = _ratedOffsets[userIndex];
        return new UserVector(
            userIndex,
            _weights.UserFactors.AsMemory(userIndex * stride, stride),
            _weights.UserBias[userIndex],
            _ratedItems.AsMemory(start, _ratedOffsets[userIndex + 1] - start),
            _userCounts[userIndex] == 0);
    }

    /// <summary>True when item <paramref name="itemIndex"/> had training ratings (otherwise its predictions fall back).</summary>
    public bool IsItemTrained(int itemIndex) => _itemCounts[itemIndex] > 0;

    private static (int[] Offsets, int[] Items) BuildRatedIndex(RatingDataset rated, int userCount)
    {
        var offsets = new int[userCount + 1];
        foreach (var u in rated.UserIndices)
        {
            if (u < userCount)
            {
                offsets[u + 1]++;
            }
        }

        for (var u = 0; u < userCount; u++)
        {
            offsets[u + 1] += offsets[u];
        }

        var items = new int[offsets[userCount]];
        var next = offsets[..^1];
        for (var n = 0; n < rated.Count; n++)
        {
            if (rated.UserIndices[n] < userCount)
            {
                items[next[rated.UserIndices[n]]++] = rated.ItemIndices[n];
            }
        }

        for (var u = 0; u < userCount; u++)
        {
            Array.Sort(items, offsets[u], offsets[u + 1] - offsets[u]);
        }

        return (offsets, items);
    }
}
