namespace Recommender.Api.Startup;

/// <summary>Where the service keeps its files: the app's own folder, wherever the process was started from.</summary>
internal static class AppFolder
{
    /// <summary>
    /// The content root to start with: the folder of the app's assemblies (where <c>appsettings.json</c> and
    /// <c>wwwroot</c> are published), or null when <c>--contentRoot</c>, <c>ASPNETCORE_CONTENTROOT</c> or
    /// <c>DOTNET_CONTENTROOT</c> names one, which the host then takes as usual.
    /// </summary>
    /// <remarks>
    /// ASP.NET Core's default is the working directory: started from another folder, the app read no settings, served
    /// no dashboard and put its database in that folder. The sources are read here the way the host reads them.
    /// </remarks>
    public static string? ContentRoot(string[] args)
    {
        var given = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build()[HostDefaults.ContentRootKey];
        return string.IsNullOrEmpty(given) ? AppContext.BaseDirectory : null;
    }
}
