using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Recommender.Data.Entities;

namespace Recommender.Data;

/// <summary>The store: ratings, users, items, model versions with their training history, and the data version.</summary>
/// <remarks>
/// One context type for both stores (<see cref="StoreProvider"/>): SQLite's migrations are in this assembly, PostgreSQL's in
/// Recommender.Data.Postgres. The mapping is portable except that PostgreSQL compares ids bytewise, as SQLite does.
/// </remarks>
public sealed class RecommenderDbContext(DbContextOptions<RecommenderDbContext> options) : DbContext(options)
{
    public DbSet<Rating> Ratings => Set<Rating>();

    public DbSet<User> Users => Set<User>();

    public DbSet<Item> Items => Set<Item>();

    public DbSet<ModelVersion> ModelVersions => Set<ModelVersion>();

    public DbSet<TrainingEpoch> TrainingEpochs => Set<TrainingEpoch>();

    public DbSet<StoreState> StoreState => Set<StoreState>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Ids sort and compare by their bytes on PostgreSQL ("C" collation) as on SQLite, and as .NET's ordinal comparison:
        // the loader's ORDER BY gives the same dataset on both stores, and no order hangs on the server's locale.
        var postgres = Database.IsNpgsql();
        void Id(PropertyBuilder<string> property)
        {
            property.HasMaxLength(User.MaxIdLength);
            if (postgres)
            {
                property.UseCollation("C");
            }
        }

        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            Id(user.Property(u => u.Id));
            user.Property(u => u.DisplayName).HasMaxLength(256);
            user.HasIndex(u => u.RatingsVersion);
        });

        modelBuilder.Entity<Item>(item =>
        {
            item.ToTable("items");
            Id(item.Property(i => i.Id));
            item.Property(i => i.DisplayName).HasMaxLength(256);
        });

        modelBuilder.Entity<Rating>(rating =>
        {
            rating.ToTable("ratings");
            rating.HasKey(r => new { r.UserId, r.ItemId });
            Id(rating.Property(r => r.UserId));
            Id(rating.Property(r => r.ItemId));
            rating.HasIndex(r => r.ItemId);
            rating.HasOne(r => r.User).WithMany(u => u.Ratings).HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
            rating.HasOne(r => r.Item).WithMany(i => i.Ratings).HasForeignKey(r => r.ItemId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ModelVersion>(version =>
        {
            version.ToTable("model_versions");
            version.HasKey(v => v.Version);
            version.Property(v => v.Version).ValueGeneratedNever();
            version.Property(v => v.Algorithm).HasMaxLength(32);
            version.Property(v => v.State).HasConversion<string>().HasMaxLength(16);
            version.HasMany(v => v.Epochs).WithOne().HasForeignKey(e => e.ModelVersion).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<TrainingEpoch>(epoch =>
        {
            epoch.ToTable("training_epochs");
            epoch.HasKey(e => new { e.ModelVersion, e.Epoch });
        });

        modelBuilder.Entity<StoreState>(state =>
        {
            state.ToTable("store_state");
            state.Property(s => s.Id).ValueGeneratedNever();
            state.HasData(new StoreState { Id = Entities.StoreState.SingletonId, DataVersion = 0 });
        });
    }

    /// <summary>
    /// Bumps the data version inside the caller's transaction and returns the new one. Call it before the transaction's
    /// other writes: they are stamped with it (<see cref="User.RatingsVersion"/>), and the lock it takes orders
    /// concurrent writers — SQLite's write lock (the transaction began IMMEDIATE), PostgreSQL's lock on the row, which
    /// the next writer waits for until this transaction ends.
    /// </summary>
    public async Task<long> BumpDataVersionAsync(CancellationToken cancellationToken)
    {
        if (Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Begin a transaction before bumping the data version.");
        }

        if (Database.IsNpgsql())
        {
            // One round trip: the writer's first, so it starts waiting for the lock at once.
            return await Database.SqlQuery<long>(
                    $"""UPDATE "store_state" SET "DataVersion" = "DataVersion" + 1 WHERE "Id" = {Entities.StoreState.SingletonId} RETURNING "DataVersion" AS "Value" """)
                .AsAsyncEnumerable().SingleAsync(cancellationToken);
        }

        await StoreState.Where(s => s.Id == Entities.StoreState.SingletonId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.DataVersion, x => x.DataVersion + 1), cancellationToken);
        return await GetDataVersionAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the write lock and commits a write that changes nothing (the data version set to itself): succeeds exactly
    /// when a write could commit now.
    /// </summary>
    public Task<int> ProbeWriteAsync(CancellationToken cancellationToken) =>
        StoreState.Where(s => s.Id == Entities.StoreState.SingletonId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.DataVersion, x => x.DataVersion), cancellationToken);

    /// <summary>Records, inside the caller's transaction, that the write that bumped to <paramref name="dataVersion"/> deleted a user.</summary>
    public Task MarkUserDeletedAsync(long dataVersion, CancellationToken cancellationToken) =>
        StoreState.Where(s => s.Id == Entities.StoreState.SingletonId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.UserDeletedVersion, dataVersion), cancellationToken);

    /// <summary>
    /// The users whose ratings changed after <paramref name="dataVersion"/> and the data version of the last user
    /// deletion. Plain SQL: a restart waits for it, and compiling a LINQ query in a cold process costs more than running it.
    /// </summary>
    public async Task<(List<string> UserIds, long UserDeletedVersion)> ChangesSinceAsync(long dataVersion, CancellationToken cancellationToken)
    {
        var connection = Database.GetDbConnection();
        await Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT "UserDeletedVersion" FROM "store_state" WHERE "Id" = {Entities.StoreState.SingletonId};
                SELECT "Id" FROM "users" WHERE "RatingsVersion" > @v;
                """;
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@v";
            parameter.Value = dataVersion;
            command.Parameters.Add(parameter);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var userDeletedVersion = await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : 0;
            var userIds = new List<string>();
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                userIds.Add(reader.GetString(0));
            }

            return (userIds, userDeletedVersion);
        }
        finally
        {
            await Database.CloseConnectionAsync();
        }
    }

    /// <summary>Stamps <paramref name="userId"/>'s ratings as changed by the write that bumped to <paramref name="dataVersion"/>.</summary>
    public Task<int> StampUserRatingsAsync(string userId, long dataVersion, CancellationToken cancellationToken) =>
        Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.RatingsVersion, dataVersion), cancellationToken);

    /// <summary>The pinned model version (<see cref="Entities.StoreState.PinnedVersion"/>), or null.</summary>
    public Task<long?> GetPinnedVersionAsync(CancellationToken cancellationToken) =>
        StoreState.Where(s => s.Id == Entities.StoreState.SingletonId).Select(s => s.PinnedVersion).SingleAsync(cancellationToken);

    /// <summary>Pins <paramref name="version"/>, or unpins with null.</summary>
    public Task<int> SetPinnedVersionAsync(long? version, CancellationToken cancellationToken) =>
        StoreState.Where(s => s.Id == Entities.StoreState.SingletonId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.PinnedVersion, version), cancellationToken);

    /// <summary>The current data version.</summary>
    public Task<long> GetDataVersionAsync(CancellationToken cancellationToken) =>
        StoreState.Where(s => s.Id == Entities.StoreState.SingletonId).Select(s => s.DataVersion).SingleAsync(cancellationToken);
}

