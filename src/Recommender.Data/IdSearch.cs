using Microsoft.EntityFrameworkCore;
using Recommender.Data.Entities;

namespace Recommender.Data;

/// <summary>Finding users and items by a prefix of their id, alike on both stores.</summary>
/// <remarks>
/// EF Core turns <see cref="string.StartsWith(string)"/> into SQLite's <c>LIKE</c>, which folds the case of ASCII letters;
/// PostgreSQL's <c>LIKE</c> does not, but its <c>ILIKE</c> does — and under the ids' "C" collation it folds ASCII letters
/// only, exactly as SQLite.
/// </remarks>
public static class IdSearch
{
    private const string Escape = "\\";

    /// <summary>The users whose id starts with <paramref name="prefix"/>, ASCII letters in either case.</summary>
    public static IQueryable<User> WhereIdStartsWith(this IQueryable<User> users, RecommenderDbContext db, string prefix)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.IsNpgsql()
            ? users.Where(u => EF.Functions.ILike(u.Id, Pattern(prefix), Escape))
            : users.Where(u => u.Id.StartsWith(prefix));
    }

    /// <summary>The items whose id starts with <paramref name="prefix"/>, ASCII letters in either case.</summary>
    public static IQueryable<Item> WhereIdStartsWith(this IQueryable<Item> items, RecommenderDbContext db, string prefix)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.IsNpgsql()
            ? items.Where(i => EF.Functions.ILike(i.Id, Pattern(prefix), Escape))
            : items.Where(i => i.Id.StartsWith(prefix));
    }

    /// <summary>The prefix taken literally (its wildcards escaped), then anything.</summary>
    private static string Pattern(string prefix) =>
        prefix.Replace(Escape, Escape + Escape, StringComparison.Ordinal)
            .Replace("%", Escape + "%", StringComparison.Ordinal)
            .Replace("_", Escape + "_", StringComparison.Ordinal) + "%";
}
