using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Recommender.Data.Postgres;

/// <summary>
/// Lets <c>dotnet ef migrations add … --project src/Recommender.Data.Postgres</c> build the PostgreSQL model without a
/// server: adding a migration never connects.
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<RecommenderDbContext>
{
    public RecommenderDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<RecommenderDbContext>();
        options.UseStore(StoreProvider.Postgres, "Host=localhost;Database=recommender");
        return new RecommenderDbContext(options.Options);
    }
}
