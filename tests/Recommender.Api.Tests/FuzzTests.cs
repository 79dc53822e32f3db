using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Recommender.Api.Tests;

/// <summary>
/// Random requests to every endpoint — random paths, query strings, content types and bodies, from well-formed to
/// garbage — drawn by CsCheck from one fixed seed, so every run sends the same few hundred requests.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>A CsCheck seed (12 characters of its alphabet): the first and only sample is generated from it.</summary>
    private const string Seed = "0recommender";

    private const int Requests = 400;

    /// <summary>A batch whose user ids all start with <see cref="Prefix"/>, so what it wrote can be counted afterwards.</summary>
    public sealed record Batch(string Prefix, IReadOnlyList<(string UserSuffix, string ItemId, string Rating)> Entries);

    /// <summary>
    /// A rating file whose lines' user ids all start with <see cref="Prefix"/>; <see cref="BadLine"/>, when set, goes in at
    /// line <see cref="BadAt"/> and must make the import store nothing.
    /// </summary>
    public sealed record ImportFile(
        string Prefix, IReadOnlyList<(string UserSuffix, string ItemId, string Rating)> Lines, string? BadLine, int BadAt, bool CrLf)
    {
        public bool Valid => BadLine is null && Lines.Count > 0;

        public int Pairs => Lines.Select(l => (l.UserSuffix, l.ItemId)).Distinct().Count();
    }

    public sealed record FuzzRequest(string Method, string Path, string Query, byte[]? Body, string? ContentType, Batch? Batch, ImportFile? Import = null)
    {
        public override string ToString() =>
            $"{Method} {Path}{Query} [{ContentType}] {(Body is null ? "" : Encoding.UTF8.GetString(Body[..Math.Min(Body.Length, 300)]))}";
    }

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789 -_."].Array[1, 12].Select(c => new string(c)),
        Gen.Char.Array[0, 40].Select(c => new string(c)),
        Gen.Char['\u0000', '\u00FF'].Array[0, 20].Select(c => new string(c)),
        Gen.OneOf(
            "Hermione", "Spock", "Back in Black", "Firework", "", " ", "\t", "'; DROP TABLE Ratings;--", "x' OR '1'='1", "../..",
            "..\\..", "%00", "\u0001", "\u007F", "\u202E", "\ud800", "\udc00x", "NaN", "-1", "0", "1e309", "null", "{}", "[]",
            new string('x', 128), new string('x', 129), new string('é', 200)));

    private static readonly Gen<string> Number = Gen.OneOf(
        Gen.Int[-5, 120].Select(n => n.ToString(CultureInfo.InvariantCulture)),
        Gen.OneOf("0", "-1", "2147483647", "2147483648", "99999999999", "-2147483649", "1.5", "abc", "", "NaN", "1e3", "0x10", " 3"));

    private static readonly Gen<string> RatingValue = Gen.OneOf(
        Gen.Double[-2, 8].Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
        Gen.OneOf("3", "0.5", "5", "0", "5.0000001", "NaN", "Infinity", "-Infinity", "1e309", "-1e309", "\"4\"", "null", "true", "[]", "{}", "1e-400"));

    private static readonly Gen<string> JsonString = Text.Select(s => JsonSerializer.Serialize(s));

    private static readonly Gen<string> RatingJson = Gen.Select(
        Gen.OneOf(JsonString, Gen.OneOf("null", "42", "[]")), Gen.OneOf(JsonString, Gen.OneOf("null", "7")), RatingValue,
        Gen.OneOf("", ",\"timestamp\":\"2020-01-02T03:04:05Z\"", ",\"timestamp\":\"never\"", ",\"timestamp\":12", ",\"extra\":{\"a\":[1,2]}"),
        (user, item, rating, more) => $"{{\"userId\":{user},\"itemId\":{item},\"rating\":{rating}{more}}}");

    private static readonly Gen<string> JsonBody = Gen.OneOf(
        RatingJson,
        RatingJson.Array[0, 6].Select(r => $"{{\"ratings\":[{string.Join(",", r)}]}}"),
        Gen.Select(JsonString, Gen.OneOf(JsonString, Gen.Const("{\"year\":1982,\"tags\":[\"a\"]}"), Gen.Const("null")), (name, metadata) => $"{{\"name\":{name},\"metadata\":{metadata}}}"),
        Gen.OneOf("", "{", "}", "[", "null", "0", "\"x\"", "{\"ratings\":null}", "{\"ratings\":{}}", "{\"ratings\":[null,1,\"a\"]}", new string('[', 70) + new string(']', 70)));

    private static readonly Gen<byte[]?> Body = Gen.Frequency(
        (5, JsonBody.Select(s => (byte[]?)Encoding.UTF8.GetBytes(s))),
        (1, Gen.Byte.Array[0, 64].Select(b => (byte[]?)b)),
        (1, Gen.Select(JsonBody, Gen.Byte.Array[1, 4], Gen.Int[0, 100], (s, junk, at) =>
        {
            var bytes = Encoding.UTF8.GetBytes(s).ToList();
            bytes.InsertRange(Math.Min(at, bytes.Count), junk);
            return (byte[]?)[.. bytes];
        })),
        (1, Gen.Const((byte[]?)null)));

    private static readonly Gen<string?> ContentType = Gen.Frequency(
        (6, Gen.Const<string?>("application/json")),
        (1, Gen.OneOf<string?>("application/json; charset=utf-8", "text/plain", "application/xml", "application/x-www-form-urlencoded", "application/problem+json", "multipart/form-data; boundary=x", null)));

    private static readonly string[] QueryKeys = ["count", "page", "pageSize", "strategy", "neighbors", "basis", "exclude", "search", "userId", "itemId", "x"];

    private static readonly Gen<string> Query = Gen.Select(Gen.Int[0, QueryKeys.Length - 1], Gen.OneOf(Number, Text, Gen.OneOf("model", "neighbors", "predicted", "factors", "magic")))
        .Array[0, 4]
        .Select(pairs => pairs.Length == 0 ? "" : "?" + string.Join("&", pairs.Select(p => $"{QueryKeys[p.Item1]}={Escape(p.Item2)}")));

    private static readonly (string Method, string Template)[] Routes =
    [
        ("GET", "/api/ratings"), ("POST", "/api/ratings"), ("POST", "/api/ratings/batch"), ("POST", "/api/ratings/import"),
        ("DELETE", "/api/ratings/{u}/{i}"), ("GET", "/api/users"), ("GET", "/api/users/{u}"), ("DELETE", "/api/users/{u}"),
        ("GET", "/api/items"), ("GET", "/api/items/{i}"), ("PUT", "/api/items/{i}"), ("GET", "/api/users/{u}/predictions/{i}"),
        ("GET", "/api/users/{u}/predictions"), ("GET", "/api/predictions"), ("GET", "/api/users/{u}/similar-users"),
        ("GET", "/api/similarity/users"), ("GET", "/api/items/{i}/similar-items"), ("GET", "/api/users/{u}/recommendations"),
        ("GET", "/api/model"), ("GET", "/api/model/versions"), ("POST", "/api/model/retrain"), ("POST", "/api/model/versions/{v}/activate"),
        ("GET", "/health/live"), ("GET", "/health/ready"), ("GET", "/swagger/v1/swagger.json"), ("GET", "/{u}/{i}"),
    ];

    private static readonly Gen<FuzzRequest> Plain = Gen.Select(
        Gen.Int[0, Routes.Length - 1], Gen.Frequency((9, Gen.Const((string?)null)), (1, Gen.OneOf<string?>("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"))),
        Text, Text, Number, Query, Body, ContentType,
        (route, method, user, item, version, query, body, contentType) =>
        {
            var (defaultMethod, template) = Routes[route];
            var path = template.Replace("{u}", Escape(user), StringComparison.Ordinal).Replace("{i}", Escape(item), StringComparison.Ordinal)
                .Replace("{v}", Escape(version), StringComparison.Ordinal);
            var verb = method ?? defaultMethod;
            return new FuzzRequest(verb, path, query, verb is "GET" or "HEAD" ? null : body, contentType, null);
        });

    private static readonly Gen<FuzzRequest> Batches = Gen.Select(
        Gen.Select(
            Gen.Frequency((4, Gen.Char["abcxyz"].Array[1, 3].Select(c => new string(c))), (1, Text)),
            Gen.Frequency((4, Gen.OneOf("Firework", "Survivor", "i1", "i2", "i3")), (1, Text)),
            Gen.Frequency((6, Gen.Double[0.5, 5].Select(d => d.ToString("R", CultureInfo.InvariantCulture))), (1, RatingValue))).Array[1, 7],
        entries => new FuzzRequest("POST", "/api/ratings/batch", "", null, "application/json", new Batch("", [.. entries])));

    /// <summary>Lines that each make an import refuse the whole file.</summary>
    private static readonly Gen<string> BadImportLine = Gen.OneOf(
        "x,y", "a,,3", "a,b,NaN", "a,b,1e39", "a,b,9", "a,b,0", "\"a,b,3", "a,b,3,soon", "a,b,3,99999999999999", "a,b,3,4,5", "a\u0001,b,3",
        "a,b\u202E,3", "a,..,3", $"a,{new string('i', 129)},3", new string('x', 70_000), "a,b," + new string('3', 70_000));

    private static readonly Gen<FuzzRequest> Imports = Gen.Select(
        Gen.Select(
            Gen.Char["abcxyz"].Array[1, 3].Select(c => new string(c)),
            Gen.OneOf("Firework", "Survivor", "i1", "i2", "new item"),
            Gen.Double[0.5, 5].Select(d => d.ToString("R", CultureInfo.InvariantCulture))).Array[0, 8],
        Gen.Frequency((2, Gen.Const((string?)null)), (1, BadImportLine.Select(line => (string?)line))),
        Gen.Int[0, 8],
        Gen.Bool,
        (lines, bad, at, crLf) => new FuzzRequest("POST", "/api/ratings/import", "", null, "text/csv", null, new ImportFile("", [.. lines], bad, at, crLf)));

    private static readonly Gen<FuzzRequest> Request = Gen.Frequency((4, Plain), (1, Batches), (1, Imports));

    [Fact]
    public async Task RandomRequests_NeverGet5xx_AndABatchOrImportIsWrittenWholeOrNotAtAll()
    {
        using var app = new RecommenderApp(settings: new() { ["Ratings:MaxBatchSize"] = "6" });
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var batchNumber = 0;

        await Request.List[Requests].SampleAsync(
            async requests =>
            {
                foreach (var generated in requests)
                {
                    var request = generated.Batch is not null ? WithPrefix(generated, $"fz{++batchNumber}-")
                        : generated.Import is not null ? WithPrefix(generated, $"im{++batchNumber}-")
                        : generated;
                    using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.Query);
                    if (request.Body is not null)
                    {
                        message.Content = new ByteArrayContent(request.Body);
                        if (request.ContentType is not null)
                        {
                            message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
                        }
                    }

                    var response = await client.SendAsync(message);
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {request}: {body}");
                    if (request.Batch is { } batch)
                    {
                        var written = await CountWrittenAsync(client, batch.Prefix);
                        var expected = response.IsSuccessStatusCode ? batch.Entries.Count : 0;
                        Assert.True(written == expected, $"{(int)response.StatusCode} for {request} but {written} of {batch.Entries.Count} ratings were written: {body}");
                    }

                    if (request.Import is { } import)
                    {
                        Assert.True(response.IsSuccessStatusCode == import.Valid, $"{(int)response.StatusCode} for {request}: {body}");
                        var written = await CountWrittenAsync(client, import.Prefix);
                        var expected = response.IsSuccessStatusCode ? import.Pairs : 0;
                        Assert.True(written == expected, $"{(int)response.StatusCode} for {request} but {written} of {import.Pairs} ratings were written: {body}");
                    }
                }
            },
            seed: Seed,
            iter: 1,
            threads: 1);
    }

    /// <summary>Gives every user id in the batch or file a prefix no other request uses, and renders it as JSON or CSV.</summary>
    private static FuzzRequest WithPrefix(FuzzRequest request, string prefix)
    {
        if (request.Import is { } file)
        {
            var import = file with { Prefix = prefix };
            var lines = import.Lines.Select(l => $"{prefix}{l.UserSuffix},{l.ItemId},{l.Rating}").ToList();
            if (import.BadLine is { } bad)
            {
                lines.Insert(Math.Min(import.BadAt, lines.Count), bad);
            }

            var csv = string.Concat(lines.Select(line => line + (import.CrLf ? "\r\n" : "\n")));
            return request with { Body = Encoding.UTF8.GetBytes(csv), Import = import };
        }

        var batch = request.Batch! with { Prefix = prefix };
        var json = "{\"ratings\":[" + string.Join(",", batch.Entries.Select(e =>
            $"{{\"userId\":{JsonSerializer.Serialize(prefix + e.UserSuffix)},\"itemId\":{JsonSerializer.Serialize(e.ItemId)},\"rating\":{e.Rating}}}")) + "]}";
        return request with { Body = Encoding.UTF8.GetBytes(json), Batch = batch };
    }

    /// <summary>How many ratings users whose id starts with <paramref name="prefix"/> have.</summary>
    private static async Task<int> CountWrittenAsync(HttpClient client, string prefix)
    {
        var users = await client.GetFromJsonAsync<JsonElement>($"/api/users?pageSize=100&search={Uri.EscapeDataString(prefix)}");
        return users.GetProperty("items").EnumerateArray().Sum(u => u.GetProperty("ratingCount").GetInt32());
    }

    /// <summary>Percent-encodes the UTF-8 bytes of <paramref name="value"/> (unpaired surrogates become U+FFFD), leaving NUL out: the test host refuses it before any server code runs.</summary>
    private static string Escape(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value.Replace("\0", "", StringComparison.Ordinal)))
        {
            var c = (char)b;
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' ? c.ToString() : $"%{b:X2}");
        }

        return builder.ToString();
    }
}
