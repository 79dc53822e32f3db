using Microsoft.Extensions.Options;

namespace Recommender.Api.Startup;

/// <summary>
/// A setting that fails validation at start-up stops the service with one line per problem, naming the key, on
/// standard error and exit code 1 — not with the host's error log and an unhandled exception's stack trace.
/// </summary>
/// <remarks>
/// Only <see cref="OptionsValidationException"/> is handled (a binding error is turned into one by
/// <see cref="Options.OptionsRegistration"/>): every other start-up failure is a bug or an outage and keeps its stack
/// trace.
/// </remarks>
internal static class InvalidSettings
{
    public const int ExitCode = 1;

    /// <summary>
    /// True when the service runs as its own process. Hosted by another program (WebApplicationFactory runs Program's
    /// entry point inside the test host), the exception goes on to that host, which reports it.
    /// </summary>
    public static bool OwnsTheProcess => System.Reflection.Assembly.GetEntryAssembly() == typeof(InvalidSettings).Assembly;

    /// <summary>The validation failures <paramref name="exception"/> carries, or none when it is another kind of failure.</summary>
    public static IReadOnlyList<string> Failures(Exception? exception) => exception switch
    {
        OptionsValidationException invalid => invalid.Failures.ToList(),
        AggregateException all when all.InnerExceptions.All(e => e is OptionsValidationException) =>
            [.. all.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures)],
        _ => [],
    };

    /// <summary>True for a log event about invalid settings, which <see cref="Report"/> prints instead.</summary>
    public static bool IsReportedElsewhere(Serilog.Events.LogEvent logEvent) => Failures(logEvent.Exception).Count > 0;

    public static int Report(IReadOnlyList<string> failures, TextWriter error)
    {
        foreach (var failure in failures)
        {
            error.WriteLine($"The service did not start: {failure}");
        }

        return ExitCode;
    }
}
