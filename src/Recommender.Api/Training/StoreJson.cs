using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Api.Training;

/// <summary>JSON for the parameters and metrics columns: a rejected run's metrics may be NaN and must still be recorded.</summary>
internal static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
