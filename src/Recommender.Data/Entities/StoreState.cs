namespace Recommender.Data.Entities;

/// <summary>
/// The single row that counts changes to ratings: every write transaction bumps <see cref="DataVersion"/>, so the
/// trainer can skip a run when nothing changed since the model it serves.
/// </summary>
public sealed class StoreState
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public long DataVersion { get; set; }

    /// <summary>
    /// The data version of the last user deletion: a model trained on a later data version serves no deleted user, so
    /// only an older one needs its users checked against the store.
    /// </summary>
    public long UserDeletedVersion { get; set; }

    /// <summary>
    /// The version an administrator activated (a rollback, or a roll forward): automatic training runs leave it serving
    /// until a manual retrain publishes a new model or the pin is removed. Null when nothing is pinned.
    /// </summary>
    public long? PinnedVersion { get; set; }
}
