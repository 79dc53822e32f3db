using Npgsql;

namespace Recommender.Api.Cluster;

/// <summary>Pooled connections to the shared PostgreSQL store, for <see cref="Recommender.Data.ClusterStore"/>'s SQL.</summary>
public sealed class ClusterDatabase(IConfiguration configuration)
{
    private readonly string _connectionString = configuration.GetConnectionString("Recommender") ?? "";

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
