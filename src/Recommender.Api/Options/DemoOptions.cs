namespace Recommender.Api.Options;

/// <summary>The notebook's demo data.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Load the notebook's 4 users × 12 songs into an empty store on first start.</summary>
    public bool Seed { get; set; } = true;
}
