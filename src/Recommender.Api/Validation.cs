using Microsoft.AspNetCore.Http.HttpResults;
using Recommender.Data.Entities;

namespace Recommender.Api;

/// <summary>Request checks and the ProblemDetails every error is answered with.</summary>
internal static class Validation
{
    /// <summary>Why <paramref name="id"/> is not a valid user or item id, or null when it is.</summary>
    public static string? IdProblem(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "is required and must not be blank.";
        }

        if (id is "." or "..")
        {
            return $"must not be '{id}': browsers and servers resolve it as a dot segment of a path, so no path could address it.";
        }

        if (id.Length > User.MaxIdLength)
        {
            return $"must be at most {User.MaxIdLength} characters.";
        }

        foreach (var c in id)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) && !HasValidSurrogates(id))
            {
                return "must not contain control characters or invalid UTF-16.";
            }

            if (IsBidiControl(c))
            {
                return $"must not contain bidirectional control characters (here U+{(int)c:X4}): they make an id display as another.";
            }
        }

        return null;
    }

    /// <summary>The marks and embeddings that reorder text when it is displayed (Unicode's Bidi_Control property).</summary>
    private static bool IsBidiControl(char c) =>
        c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>Adds the problem of <paramref name="id"/> to <paramref name="errors"/> under <paramref name="field"/>.</summary>
    public static void CheckId(Dictionary<string, string[]> errors, string field, string? id)
    {
        if (IdProblem(id) is { } problem)
        {
            errors[field] = [$"{field} {problem}"];
        }
    }

    public static void CheckRange(Dictionary<string, string[]> errors, string field, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors[field] = [$"{field} must be between {min} and {max}."];
        }
    }

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is invalid.");

    public static ValidationProblem InvalidId(string field, string? id) =>
        Invalid(new Dictionary<string, string[]> { [field] = [$"{field} {IdProblem(id)}"] });

    public static ProblemHttpResult UnknownUser(string userId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown user.", detail: $"There is no user '{userId}'.");

    public static ProblemHttpResult UnknownItem(string itemId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown item.", detail: $"There is no item '{itemId}'.");

    public static ProblemHttpResult NoModel() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "No model yet.",
            detail: "No model has been trained yet; post ratings and wait for training (or POST /api/model/retrain).");

    private static bool HasValidSurrogates(string value)
    {
        for (var n = 0; n < value.Length; n++)
        {
            if (char.IsHighSurrogate(value[n]))
            {
                if (n + 1 >= value.Length || !char.IsLowSurrogate(value[n + 1]))
                {
                    return false;
                }

                n++;
            }
            else if (char.IsLowSurrogate(value[n]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Stored JSON metadata (written only after validation) as a JSON value, or null.</summary>
    public static System.Text.Json.JsonElement? ParseMetadata(string? metadata)
    {
        if (metadata is null)
        {
            return null;
        }

        using var document = System.Text.Json.JsonDocument.Parse(metadata);
        return document.RootElement.Clone();
    }
}
