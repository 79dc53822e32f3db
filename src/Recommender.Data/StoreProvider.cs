using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Recommender.Data;

/// <summary>The database that holds the store.</summary>
public enum StoreProvider
{
    /// <summary>An embedded SQLite file (the default): nothing to install, one process on one machine.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server (tested on 15).</summary>
    Postgres,
}

/// <summary>How the context reaches each store; the one place that names a provider's EF Core options.</summary>
public static class StoreConnection
{
    /// <summary>The assembly of PostgreSQL's migrations (SQLite's are in this one).</summary>
    public const string PostgresMigrationsAssembly = "Recommender.Data.Postgres";

    /// <summary>
    /// Points <paramref name="options"/> at the store. On PostgreSQL a write that waits for another's lock fails as busy
    /// after the connection's command timeout (Npgsql's <c>Command Timeout</c>, 30 s unless the connection string says
    /// otherwise), as a SQLite write does after its busy timeout (30 s).
    /// </summary>
    public static DbContextOptionsBuilder UseStore(this DbContextOptionsBuilder options, StoreProvider provider, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        return provider switch
        {
            StoreProvider.Postgres => options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(PostgresMigrationsAssembly)),
            _ => options.UseSqlite(connectionString),
        };
    }

    /// <summary>
    /// What keeps <paramref name="connectionString"/> from reaching a <paramref name="provider"/> store, or null. The
    /// answer never quotes the connection string, which may hold a password.
    /// </summary>
    public static string? Problem(StoreProvider provider, string? connectionString)
    {
        if (provider != StoreProvider.Postgres)
        {
            return null;
        }

        const string Example = "such as Host=db.example.com;Database=recommender;Username=recommender;Password=…";
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return $"ConnectionStrings:Recommender must be set to a PostgreSQL connection string ({Example}) when Store:Provider is Postgres.";
        }

        try
        {
            return string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(connectionString).Host)
                ? $"ConnectionStrings:Recommender names no Host; Store:Provider is Postgres, so it must be a PostgreSQL connection string ({Example})."
                : null;
        }
        catch (ArgumentException e)
        {
            // The outer message names the keyword ("Couldn't set data source"); the inner one may quote a value.
            return $"ConnectionStrings:Recommender is not a PostgreSQL connection string ({e.Message}); Store:Provider is Postgres, so it must be one {Example}.";
        }
    }
}
