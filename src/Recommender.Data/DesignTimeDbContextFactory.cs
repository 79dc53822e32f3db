using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Recommender.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting the service.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<RecommenderDbContext>
{
    public RecommenderDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<RecommenderDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
