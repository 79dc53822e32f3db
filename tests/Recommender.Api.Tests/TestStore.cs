using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Recommender.Data;

namespace Recommender.Api.Tests;

/// <summary>
/// The store a test's service runs on: by default a SQLite file in the test's folder; with
/// <c>RECOMMENDER_TEST_PROVIDER=Postgres</c> a PostgreSQL database of its own, created here on the server that
/// <c>RECOMMENDER_TEST_POSTGRES</c> names (an Npgsql connection string whose user may create databases) and dropped on
/// dispose. <c>.ci/run</c> runs the API tests both ways, with the same assertions.
/// </summary>
public sealed class TestStore : IDisposable
{
    public const string ProviderVariable = "RECOMMENDER_TEST_PROVIDER";
    public const string ServerVariable = "RECOMMENDER_TEST_POSTGRES";

    private readonly string? _database;

    private TestStore(string connectionString, string? database)
    {
        ConnectionString = connectionString;
        _database = database;
    }

    /// <summary>The provider this test run uses.</summary>
    public static StoreProvider Provider { get; } = ReadProvider();

    public static bool IsPostgres => Provider == StoreProvider.Postgres;

    /// <summary>Why a test that only SQLite can run is skipped on this run, or null on SQLite.</summary>
    public static string? SqliteOnly(string why) => IsPostgres ? $"SQLite only ({why}); this run's store is PostgreSQL." : null;

    public string ConnectionString { get; }

    /// <summary>The store's settings, as configuration keys.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Store:Provider"] = Provider.ToString(),
        ["ConnectionStrings:Recommender"] = ConnectionString,
    };

    /// <summary>The store's settings, as the environment variables of a service process.</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["Store__Provider"] = Provider.ToString(),
        ["ConnectionStrings__Recommender"] = ConnectionString,
    };

    /// <summary>A new store: SQLite's file <paramref name="name"/>.db in <paramref name="folder"/>, or a new PostgreSQL database.</summary>
    public static TestStore Create(string folder, string name = "test")
    {
        if (!IsPostgres)
        {
            return new TestStore($"Data Source={Path.Combine(folder, name + ".db")}", database: null);
        }

        var database = $"recommender_test_{Guid.NewGuid():N}";
        using (var server = OpenServer())
        using (var create = new NpgsqlCommand($"""CREATE DATABASE "{database}" """, server))
        {
            create.ExecuteNonQuery();
        }

        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database };
        return new TestStore(builder.ConnectionString, database);
    }

    /// <summary>A PostgreSQL database name that the server does not have yet (dropped on dispose if something created it).</summary>
    public static TestStore Missing()
    {
        var database = $"recommender_test_{Guid.NewGuid():N}";
        return new TestStore(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database }.ConnectionString, database);
    }

    /// <summary>Whether the server has this store's PostgreSQL database.</summary>
    public bool DatabaseExists()
    {
        using var server = OpenServer();
        using var find = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", server) { Parameters = { new() { Value = _database } } };
        return (long)find.ExecuteScalar()! == 1;
    }

    /// <summary>An open connection of the test's own to the store (not pooled), to look at what the service left.</summary>
    public DbConnection Open()
    {
        DbConnection connection = IsPostgres
            ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString)
            : new SqliteConnection($"{ConnectionString};Mode=ReadWrite;Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>
    /// The connection string with writes that wait at most <paramref name="seconds"/> for another writer's lock:
    /// SQLite's <c>Default Timeout</c> (its busy timeout), Npgsql's <c>Command Timeout</c>.
    /// </summary>
    public string WithLockWait(int seconds) => IsPostgres
        ? new NpgsqlConnectionStringBuilder(ConnectionString) { CommandTimeout = seconds }.ConnectionString
        : new SqliteConnectionStringBuilder(ConnectionString) { DefaultTimeout = seconds }.ToString();

    /// <summary>
    /// Holds the store's write lock, as another writer in the middle of its transaction would, until the connection is
    /// disposed: SQLite's write lock (<c>BEGIN IMMEDIATE</c>), or on PostgreSQL the data version's row lock that every
    /// write takes first.
    /// </summary>
    public DbConnection HoldWriteLock()
    {
        var connection = Open();
        var transaction = connection.BeginTransaction();
        using var lockRow = connection.CreateCommand();
        lockRow.Transaction = transaction;
        lockRow.CommandText = IsPostgres
            ? """SELECT 1 FROM "store_state" WHERE "Id" = 1 FOR UPDATE;"""
            : """UPDATE "store_state" SET "DataVersion" = "DataVersion" WHERE "Id" = 1;""";
        lockRow.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// "ok" when the store's structures are intact: SQLite's <c>PRAGMA integrity_check</c>; on PostgreSQL amcheck's
    /// <c>bt_index_check</c> of every index of the store (the extension is created if need be).
    /// </summary>
    public string IntegrityCheck()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        if (!IsPostgres)
        {
            command.CommandText = "PRAGMA integrity_check;";
            return command.ExecuteScalar() as string ?? "no answer";
        }

        command.CommandText = """
            CREATE EXTENSION IF NOT EXISTS amcheck;
            SELECT count(*) FROM (
                SELECT bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam
                WHERE n.nspname = 'public' AND a.amname = 'btree') AS checked;
            """;
        try
        {
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0 ? "ok" : "no index was checked";
        }
        catch (PostgresException e)
        {
            return e.Message;
        }
    }

    /// <summary>Closes the pooled connections a stopped app left to the store.</summary>
    public void ReleaseConnections()
    {
        if (_database is null)
        {
            SqliteConnection.ClearAllPools();
        }
        else
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(ConnectionString));
        }
    }

    public void Dispose()
    {
        ReleaseConnections();
        if (_database is null)
        {
            return;
        }

        using var server = OpenServer();
        using var drop = new NpgsqlCommand($"""DROP DATABASE IF EXISTS "{_database}" WITH (FORCE)""", server);
        drop.ExecuteNonQuery();
    }

    private static string ServerConnectionString => System.Environment.GetEnvironmentVariable(ServerVariable)
        ?? throw new InvalidOperationException($"{ProviderVariable}=Postgres needs {ServerVariable}: an Npgsql connection string to a server where its user may create databases.");

    private static NpgsqlConnection OpenServer()
    {
        var connection = new NpgsqlConnection(ServerConnectionString);
        connection.Open();
        return connection;
    }

    private static StoreProvider ReadProvider()
    {
        var value = System.Environment.GetEnvironmentVariable(ProviderVariable);
        if (string.IsNullOrEmpty(value))
        {
            return StoreProvider.Sqlite;
        }

        return Enum.TryParse<StoreProvider>(value, ignoreCase: true, out var provider) && Enum.IsDefined(provider)
            ? provider
            : throw new InvalidOperationException($"{ProviderVariable} must be Sqlite or Postgres, not '{value}'.");
    }
}
