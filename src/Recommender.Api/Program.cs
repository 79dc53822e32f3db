using Recommender.Api;
using Recommender.Api.Endpoints;
using Recommender.Api.Security;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSerilog((services, logger) => logger
    .ReadFrom.Configuration(builder.Configuration)
    .ReadFrom.Services(services));
builder.Services.AddRecommenderOptions(builder.Configuration);
builder.Services.AddRecommenderStore();
builder.Services.AddRecommenderTraining();
builder.Services.AddRecommenderHttp();
builder.Services.AddRecommenderSecurity();

var app = builder.Build();

app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSerilogRequestLogging();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseSwagger();
app.UseSwaggerUI(options => options.DocumentTitle = "Recommender.Api");
app.UseRecommenderSecurity();

app.MapRatingEndpoints();
app.MapUserEndpoints();
app.MapItemEndpoints();
app.MapPredictionEndpoints();
app.MapSimilarityEndpoints();
app.MapRecommendationEndpoints();
app.MapModelEndpoints();
app.MapHealthEndpoints();

app.Run();
