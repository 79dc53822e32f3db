namespace Recommender.Api.Tests;

/// <summary>
/// A fact about the SQLite store itself (its file, its error codes, the CLI that copies it): skipped, saying why, when the
/// run's store is PostgreSQL (<see cref="TestStore"/>). Where the promise holds for PostgreSQL too, it has its own test.
/// </summary>
public sealed class SqliteOnlyFactAttribute : FactAttribute
{
    public SqliteOnlyFactAttribute(string why) => Skip = TestStore.SqliteOnly(why);
}

/// <inheritdoc cref="SqliteOnlyFactAttribute"/>
public sealed class SqliteOnlyTheoryAttribute : TheoryAttribute
{
    public SqliteOnlyTheoryAttribute(string why) => Skip = TestStore.SqliteOnly(why);
}

/// <summary>A fact about the PostgreSQL store: skipped, saying why, when the run's store is SQLite.</summary>
public sealed class PostgresOnlyFactAttribute : FactAttribute
{
    public PostgresOnlyFactAttribute(string why) => Skip = TestStore.IsPostgres ? null : $"PostgreSQL only ({why}); this run's store is SQLite.";
}
