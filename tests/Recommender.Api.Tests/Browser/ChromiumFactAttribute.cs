namespace Recommender.Api.Tests.Browser;

/// <summary>A fact that needs Chromium: skipped, saying why, where the browser is not installed. CI installs it.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(ChromiumProcess.ExecutablePath))
        {
            Skip = $"Chromium is not installed at {ChromiumProcess.ExecutablePath} (apt-get install chromium, or set CHROMIUM_PATH).";
        }
    }
}
