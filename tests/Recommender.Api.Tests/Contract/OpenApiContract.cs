using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Recommender.Api.Tests.Contract;

/// <summary>
/// The service's OpenAPI document as a checker of responses: finds the operation a request reached by path template and
/// method, and validates the response's status, content type and JSON body against what that operation declares.
/// </summary>
/// <remarks>
/// The document is OpenAPI 3.0; its schemas are translated to JSON Schema 2020-12 for JsonSchema.Net: <c>nullable</c>
/// becomes a <c>"null"</c> type (or an <c>anyOf</c> with one), <c>$ref</c>s point into <c>$defs</c>, examples go.
/// </remarks>
internal sealed class OpenApiContract
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    private readonly JsonObject _paths;
    private readonly JsonObject _definitions;
    private readonly string _basePath;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();

    public OpenApiContract(string document)
    {
        var root = JsonNode.Parse(document)!.AsObject();
        Text = document;
        _paths = root["paths"]!.AsObject();
        _definitions = new JsonObject();
        foreach (var (name, schema) in root["components"]?["schemas"]?.AsObject() ?? [])
        {
            _definitions[name] = Translate(schema!);
        }

        var server = root["servers"]?[0]?["url"]?.GetValue<string>();
        _basePath = server is null ? "" : new Uri(new Uri("http://localhost"), server).AbsolutePath.TrimEnd('/');
    }

    /// <summary>The document as served.</summary>
    public string Text { get; }

    /// <summary>
    /// The operation a request reached as "METHOD /template", or null when the document has none for it (a static file,
    /// the health probes, an unknown route or method): like routing, a literal segment beats a parameter.
    /// </summary>
    public string? FindOperation(string method, string path)
    {
        method = method.ToLowerInvariant();
        if (path.StartsWith(_basePath, StringComparison.OrdinalIgnoreCase))
        {
            path = path[_basePath.Length..];
        }

        var segments = path.TrimEnd('/').Split('/');
        return _paths
            .Where(p => p.Value![method] is not null && Matches(p.Key.Split('/'), segments))
            .OrderByDescending(p => Precedence(p.Key.Split('/')))
            .Select(p => $"{method.ToUpperInvariant()} {p.Key}")
            .FirstOrDefault();
    }

    /// <summary>What is wrong with a response of <paramref name="operation"/>, or null when it is what the document declares.</summary>
    public string? Check(string operation, HttpStatusCode status, string? mediaType, byte[] body)
    {
        var (method, template) = (operation[..operation.IndexOf(' ')].ToLowerInvariant(), operation[(operation.IndexOf(' ') + 1)..]);
        var responses = _paths[template]![method]!["responses"]!.AsObject();
        var code = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var key = responses.ContainsKey(code) ? code : responses.ContainsKey($"{code[0]}XX") ? $"{code[0]}XX" : responses.ContainsKey("default") ? "default" : null;
        if (key is null)
        {
            return $"status {code} is not documented (documented: {string.Join(", ", responses.Select(r => r.Key))})";
        }

        var content = responses[key]!["content"]?.AsObject();
        if (content is null or { Count: 0 })
        {
            return body.Length == 0 ? null : $"a {body.Length}-byte body ({mediaType}) where the document declares none";
        }

        if (body.Length == 0)
        {
            return $"no body where the document declares {string.Join(", ", content.Select(c => c.Key))}";
        }

        var declared = content.FirstOrDefault(c => MediaTypeMatches(c.Key, mediaType));
        if (declared.Key is null)
        {
            return $"Content-Type {mediaType ?? "(none)"} is not documented (documented: {string.Join(", ", content.Select(c => c.Key))})";
        }

        if (!IsJson(mediaType) || declared.Value?["schema"] is not { } schema)
        {
            return null;
        }

        JsonElement instance;
        try
        {
            instance = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException e)
        {
            return $"the body is not JSON: {e.Message}";
        }

        var validator = _schemas.GetOrAdd($"{operation} {key} {declared.Key}", _ => Build(schema));
        var result = validator.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        return result.IsValid
            ? null
            : "the body does not match the declared schema:\n    " + string.Join("\n    ", Errors(result).Distinct().Take(10));
    }

    /// <summary>The errors of failed evaluations only: a failed branch of an anyOf that passed is no violation.</summary>
    private static IEnumerable<string> Errors(EvaluationResults result) =>
        result.IsValid
            ? []
            : (result.Errors ?? new Dictionary<string, string>()).Select(e => $"{result.InstanceLocation} ({result.EvaluationPath}): {e.Value}")
                .Concat((result.Details ?? []).SelectMany(Errors));

    public static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal));

    private JsonSchema Build(JsonNode schema)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = _definitions.DeepClone(),
            ["allOf"] = new JsonArray(Translate(schema)),
        };
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        return JsonSchema.Build(JsonSerializer.SerializeToElement(root), options, new Uri($"https://contract.test/{Guid.NewGuid():N}"));
    }

    /// <summary>An OpenAPI 3.0 schema as JSON Schema 2020-12.</summary>
    internal static JsonNode Translate(JsonNode node)
    {
        if (node is JsonArray array)
        {
            return new JsonArray([.. array.Select(n => n is null ? null : Translate(n))]);
        }

        if (node is not JsonObject schema)
        {
            return node.DeepClone();
        }

        var result = new JsonObject();
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "nullable" or "example" or "xml" or "externalDocs" or "discriminator":
                    break;
                case "$ref":
                    result[key] = value!.GetValue<string>().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                    break;
                case "properties":
                    result[key] = new JsonObject(value!.AsObject().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Translate(p.Value!))));
                    break;
                case "items" or "additionalProperties" or "not" or "allOf" or "anyOf" or "oneOf":
                    result[key] = Translate(value!);
                    break;
                case "exclusiveMinimum" or "exclusiveMaximum" when value is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                    var bound = key == "exclusiveMinimum" ? "minimum" : "maximum";
                    if (flag.GetValue<bool>() && schema[bound] is { } limit)
                    {
                        result[key] = limit.DeepClone();
                    }

                    break;
                default:
                    result[key] = value?.DeepClone();
                    break;
            }
        }

        if (schema["exclusiveMinimum"] is JsonValue { } min && min.GetValueKind() == JsonValueKind.True)
        {
            result.Remove("minimum");
        }

        if (schema["exclusiveMaximum"] is JsonValue { } max && max.GetValueKind() == JsonValueKind.True)
        {
            result.Remove("maximum");
        }

        if (schema["nullable"] is not JsonValue nullable || nullable.GetValueKind() != JsonValueKind.True)
        {
            return result;
        }

        if (result["type"] is JsonValue type)
        {
            result["type"] = new JsonArray(type.GetValue<string>(), "null");
            (result["enum"] as JsonArray)?.Add(null);
            return result;
        }

        return new JsonObject { ["anyOf"] = new JsonArray(result, new JsonObject { ["type"] = "null" }) };
    }

    private static bool Matches(string[] template, string[] segments) =>
        template.Length == segments.Length
        && template.Zip(segments).All(p => p.First.StartsWith('{') || string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));

    /// <summary>Literal segments first, from the left, as routing prefers them.</summary>
    private static string Precedence(string[] template) => new([.. template.Select(s => s.StartsWith('{') ? '0' : '1')]);

    private static bool MediaTypeMatches(string declared, string? actual) =>
        actual is not null && (declared == "*/*" || string.Equals(declared, actual, StringComparison.OrdinalIgnoreCase)
            || declared.EndsWith("/*", StringComparison.Ordinal) && actual.StartsWith(declared[..^1], StringComparison.OrdinalIgnoreCase));
}
