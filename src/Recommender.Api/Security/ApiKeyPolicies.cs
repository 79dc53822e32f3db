namespace Recommender.Api;

// In the root namespace so the endpoint files, in Recommender.Api.Endpoints, name these without another using.

/// <summary>The authorization policies endpoints name with <c>.RequireAuthorization(...)</c>.</summary>
public static class ApiKeyPolicies
{
    /// <summary>For a resource group: GET and HEAD need the read role (when Auth:RequireKeyForReads), every other method write.</summary>
    public const string Api = "api";

    /// <summary>Changing data: the write role.</summary>
    public const string Write = "write";

    /// <summary>Operating the model (retrain, activate): the admin role.</summary>
    public const string Admin = "admin";
}
