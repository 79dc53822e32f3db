using Microsoft.Extensions.Options;
using Recommender.Data;

namespace Recommender.Api.Options;

/// <summary>Which database holds the store; where it is, is <c>ConnectionStrings:Recommender</c>.</summary>
public sealed class StoreOptions
{
    public const string SectionName = "Store";

    /// <summary><c>Sqlite</c> (an embedded file, the default) or <c>Postgres</c> (a PostgreSQL server).</summary>
    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;
}

internal sealed class StoreOptionsValidator(IConfiguration configuration) : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        if (!Enum.IsDefined(options.Provider))
        {
            return ValidateOptionsResult.Fail($"Store:Provider must be {string.Join(" or ", Enum.GetNames<StoreProvider>())}.");
        }

        return StoreConnection.Problem(options.Provider, configuration.GetConnectionString("Recommender")) is { } problem
            ? ValidateOptionsResult.Fail(problem)
            : ValidateOptionsResult.Success;
    }
}
