using Recommender.Api;
using Recommender.Api.Endpoints;
using Recommender.Api.OpenApi;
using Recommender.Api.Security;
using Recommender.Api.Startup;
using Recommender.Api.Telemetry;
using Serilog;

TelemetryRegistration.NativeRequestTags();
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppFolder.ContentRoot(args) });

// preserveStaticLogger: this host's ILogger<T> loggers write to this host's Serilog logger, never to the static
// Log.Logger, which belongs to whichever host was built last (two hosts in one process would cross their logs).
builder.Services.AddSerilog(
    (services, logger) => logger
        .ReadFrom.Configuration(builder.Configuration)
        .ReadFrom.Services(services)
        .Filter.ByExcluding(InvalidSettings.IsReportedElsewhere),
    preserveStaticLogger: true);
builder.Services.AddRecommenderOptions(builder.Configuration);
builder.Services.AddRecommenderStore();
builder.Services.AddRecommenderTraining();
builder.Services.AddRecommenderHttp();
builder.Services.AddRecommenderSecurity();
builder.Services.AddRecommenderTelemetry(builder.Configuration);

var app = builder.Build();

app.UseRecommenderTracing();
app.UseDrain();
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSerilogRequestLogging();
app.UseDefaultFiles();
app.UseStaticFiles();
// Only requests under /swagger go through Swagger's two middlewares (each matched every path, one with a regex).
app.UseWhen(
    context => context.Request.Path.StartsWithSegments("/swagger"),
    swagger => swagger.UseSwagger(OpenApiSetup.ConfigureEndpoint).UseSwaggerUI(options => options.DocumentTitle = "Recommender.Api"));
app.UsePathIds();
app.UseRecommenderSecurity();

var endpoints = app.MapGroup("").CompletedBeforeWriting();
endpoints.MapRatingEndpoints();
endpoints.MapUserEndpoints();
endpoints.MapItemEndpoints();
endpoints.MapPredictionEndpoints();
endpoints.MapSimilarityEndpoints();
endpoints.MapRecommendationEndpoints();
endpoints.MapModelEndpoints();
app.MapHealthEndpoints();
app.MapRecommenderTelemetry();

try
{
    app.Run();
}
catch (Exception e) when (InvalidSettings.OwnsTheProcess && InvalidSettings.Failures(e) is { Count: > 0 } failures)
{
    return InvalidSettings.Report(failures, Console.Error);
}

return 0;
