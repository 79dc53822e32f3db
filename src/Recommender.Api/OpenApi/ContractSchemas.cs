using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Recommender.Api.OpenApi;

/// <summary>
/// Each object schema says what its C# type promises: a property is nullable exactly when its type is (nullable
/// reference annotations, <c>Nullable&lt;T&gt;</c>), required when it has the <c>required</c> modifier or
/// <c>[Required]</c> (which also makes it non-nullable: the service refuses a null there), and an enum when it has
/// <c>[AllowedValues]</c> — on a contract property or on a handler's parameter. Every problem names its type, title
/// and status.
/// </summary>
/// <remarks>
/// OpenAPI 3.0 ignores <c>nullable</c> beside a <c>$ref</c>, so a nullable reference is written
/// <c>{"nullable": true, "allOf": [{"$ref": …}]}</c>, which NSwag and other generators read as a nullable type.
/// </remarks>
internal sealed class ContractSchemas : ISchemaFilter, IParameterFilter
{

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { Count: > 0 } properties } target || context.Type is not { IsClass: true } type)
        {
            return;
        }

        target.Required ??= new HashSet<string>();
        if (typeof(ProblemDetails).IsAssignableFrom(type))
        {
            // The service fills these in for every problem it writes (InputProblems), and every 400 names its fields; detail
            // and instance may be absent.
            var always = type == typeof(HttpValidationProblemDetails) ? new[] { "type", "title", "status", "errors" } : ["type", "title", "status"];
            foreach (var name in always)
            {
                target.Required.Add(name);
                if (properties.TryGetValue(name, out var property))
                {
                    properties[name] = WithNullable(property, nullable: false);
                }
            }

            return;
        }

        foreach (var member in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (member.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always }
                || !properties.TryGetValue(JsonName(member), out var property))
            {
                continue;
            }

            var name = JsonName(member);
            var demanded = member.GetCustomAttribute<RequiredAttribute>() is not null;
            if (demanded || member.GetCustomAttribute<RequiredMemberAttribute>() is not null)
            {
                target.Required.Add(name);
            }

            if (member.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed && property is OpenApiSchema values)
            {
                values.Enum = Values(allowed);
            }

            properties[name] = WithNullable(property, nullable: !demanded && IsNullable(member));
        }
    }

    public void Apply(IOpenApiParameter parameter, ParameterFilterContext context)
    {
        if (context.ParameterInfo?.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed && parameter.Schema is OpenApiSchema schema)
        {
            schema.Enum = Values(allowed);
        }
    }

    private static List<JsonNode> Values(AllowedValuesAttribute allowed) =>
        [.. allowed.Values.Select(v => (JsonNode)JsonValue.Create(v?.ToString())!)];

    /// <summary>Whether the property's value may be null: <c>T?</c> of a value type, or a reference type annotated <c>T?</c>.</summary>
    internal static bool IsNullable(PropertyInfo member) =>
        Nullable.GetUnderlyingType(member.PropertyType) is not null
        || !member.PropertyType.IsValueType && new NullabilityInfoContext().Create(member).ReadState != NullabilityState.NotNull;

    /// <summary><paramref name="schema"/>, nullable or not; a nullable reference is wrapped in <c>allOf</c>.</summary>
    internal static IOpenApiSchema WithNullable(IOpenApiSchema schema, bool nullable)
    {
        switch (schema)
        {
            case OpenApiSchemaReference reference when nullable:
                return new OpenApiSchema { AllOf = [reference], Type = JsonSchemaType.Null, Description = reference.Description };
            case OpenApiSchemaReference reference:
                return reference;
            case OpenApiSchema { AllOf: [OpenApiSchemaReference reference] } wrapper when !nullable && wrapper.Properties is not { Count: > 0 }:
                return reference;
            case OpenApiSchema concrete when concrete.Type is { } type:
                concrete.Type = nullable ? type | JsonSchemaType.Null : type & ~JsonSchemaType.Null;
                return concrete;
            case OpenApiSchema untyped:
                // Any JSON value (a JsonElement): written as {"nullable": true} when null is one.
                untyped.Type = nullable ? JsonSchemaType.Null : null;
                return untyped;
            default:
                return schema;
        }
    }

    private static string JsonName(PropertyInfo member) =>
        member.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(member.Name);
}
