using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;

namespace Recommender.Api;

/// <summary>
/// Names the field of a request that could not be bound and says what it must be, in the words of JSON and of the
/// API's field names: "rating must be a number", never the CLR type (<c>System.Nullable`1[System.Double]</c>) that the
/// framework's messages carry.
/// </summary>
internal static partial class BindingProblems
{
    /// <summary>The field (a JSON path such as <c>ratings[1].rating</c>, a parameter name, or <c>body</c>) and its problem.</summary>
    /// <param name="exception">The binding failure.</param>
    /// <param name="endpoint">The endpoint that failed to bind (the exception handler's feature keeps it; the context no longer does).</param>
    public static (string Field, string Message) Describe(BadHttpRequestException exception, Endpoint? endpoint)
    {
        var handler = endpoint?.Metadata.GetMetadata<MethodInfo>();
        if (exception.InnerException is JsonException json)
        {
            return DescribeJson(json, endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType);
        }

        if (FailedToBind().Match(exception.Message) is { Success: true } bind)
        {
            var name = bind.Groups["name"].Value;
            var type = handler?.GetParameters().FirstOrDefault(p => p.Name == name)?.ParameterType;
            return (name, $"{name} must be {(type is null ? "a valid value" : JsonKind(type))}; got '{bind.Groups["value"].Value}'.");
        }

        if (exception.Message.StartsWith("Required parameter", StringComparison.Ordinal) && exception.Message.EndsWith("from body.", StringComparison.Ordinal))
        {
            return ("body", "The request needs a JSON body.");
        }

        return ("request", exception.Message);
    }

    private static (string Field, string Message) DescribeJson(JsonException json, Type? bodyType)
    {
        var path = json.Path is null or "$" ? "" : json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path.TrimStart('$');
        var field = path.Length == 0 ? "body" : path;
        if (UnmappedProperty().Match(json.Message) is { Success: true } unmapped)
        {
            // The path ends at the unknown property itself.
            var name = unmapped.Groups["name"].Value;
            var parent = path == name ? "" : path.EndsWith("." + name, StringComparison.Ordinal) ? path[..^(name.Length + 1)] : path;
            var fields = FieldType(bodyType, parent) is { } type ? string.Join(", ", Fields(type)) : null;
            return (parent.Length == 0 ? name : $"{parent}.{name}", $"{name} is not a field of this request{(fields is null ? "" : $"; its fields are {fields}")}.");
        }

        if (json.Message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal))
        {
            var expected = FieldType(bodyType, path) is { } type ? JsonKind(type) : "of another JSON type";
            return (field, path.Length == 0 ? $"The request body must be {expected}." : $"{field} must be {expected}.");
        }

        // A syntax error: the reader's message names the character and position, never a type.
        var message = json.Message.Contains("System.", StringComparison.Ordinal) || json.Message.Contains('`')
            ? $"at {json.Path ?? "$"}."
            : json.Message;
        return (field, $"The request body is not valid JSON for this endpoint: {message}");
    }

    /// <summary>The type found at <paramref name="path"/> (<c>ratings[1].rating</c>) under <paramref name="type"/>, or null.</summary>
    private static Type? FieldType(Type? type, string path)
    {
        foreach (var part in PathParts().Matches(path).Select(m => m.Value))
        {
            if (type is null)
            {
                return null;
            }

            type = part.StartsWith('[') ? ElementType(type) : Properties(type).FirstOrDefault(p => p.Name == part).Type;
        }

        return type;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static IEnumerable<string> Fields(Type type) => Properties(type).Select(p => p.Name);

    private static IEnumerable<(string Name, Type Type)> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name), p.PropertyType));

    /// <summary>What a value of <paramref name="type"/> is in JSON (or in a query string), with its article.</summary>
    internal static string JsonKind(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "an integer",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a date and time such as 2026-11-29T12:00:00Z",
            _ when type == typeof(JsonElement) => "a JSON value",
            _ when typeof(IEnumerable).IsAssignableFrom(type) => "an array",
            _ => "an object",
        };
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""^The JSON property '(?<name>[^']*)' could not be mapped""")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex("""\[[^\]]*\]|[^.\[]+""")]
    private static partial Regex PathParts();
}
