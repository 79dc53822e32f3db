using System.Globalization;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;
using Recommender.Core.Model;
using Recommender.Core.Ranking;

namespace Recommender.Api.Training;

/// <summary>The published snapshots on disk, one file per version: <c>model-00000042.bin</c>.</summary>
public sealed class SnapshotStore(IOptions<ModelOptions> options, IHostEnvironment environment, ILogger<SnapshotStore> logger)
{
    private readonly string _directory = Path.GetFullPath(options.Value.Directory, environment.ContentRootPath);

    public string PathOf(long version) =>
        Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"model-{version:D8}.bin"));

    public bool Exists(long version) => File.Exists(PathOf(version));

    /// <summary>The highest version with a snapshot file, or null.</summary>
    public long? NewestVersion()
    {
        if (!Directory.Exists(_directory))
        {
            return null;
        }

        long? newest = null;
        foreach (var path in Directory.EnumerateFiles(_directory, "model-*.bin"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name.AsSpan("model-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > (newest ?? 0))
            {
                newest = version;
            }
        }

        return newest;
    }

    /// <summary>Deletes every snapshot file except those of <paramref name="keep"/> (a node that follows a cluster keeps no history).</summary>
    public void DeleteAllBut(IReadOnlySet<long> keep)
    {
        if (!Directory.Exists(_directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(_directory, "model-*.bin"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name.AsSpan("model-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && !keep.Contains(version))
            {
                Delete(version);
            }
        }
    }

    /// <summary>Writes a version's snapshot: the rating model, then its ranking model when it has one.</summary>
    public void Save(FactorModel model, RankingModel? ranking)
    {
        Directory.CreateDirectory(_directory);
        AtomicFile.Write(PathOf(model.Version), stream =>
        {
            FactorModelSerializer.Write(model, stream);
            if (ranking is not null)
            {
                RankingModelSerializer.Write(ranking, stream);
            }
        });
    }

    /// <summary>
    /// The snapshot of <paramref name="version"/> — its rating model and, when the file has one, its ranking model — or
    /// null and why when it is missing or cannot be read.
    /// </summary>
    public (FactorModel? Model, RankingModel? Ranking, string? Problem) Load(long version)
    {
        var path = PathOf(version);
        if (!File.Exists(path))
        {
            return (null, null, $"the file {Path.GetFileName(path)} is missing.");
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var model = FactorModelSerializer.Read(stream);
            // EASE's B (items², most of the file) is mapped, not copied: activating a kept version reads little more than its ids.
            var ranking = stream.Position < stream.Length ? RankingModelSerializer.Read(stream, mapWeights: true) : null;
            if (model.Version != version || ranking is not null && ranking.Version != version)
            {
                return (null, null, $"the file {Path.GetFileName(path)} holds version {model.Version}.");
            }

            return (model, ranking, null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            logger.LogError(e, "Snapshot {Path} is unreadable", path);
            return (null, null, $"the file {Path.GetFileName(path)} is unreadable: {e.Message}");
        }
    }

    /// <summary>Removes temporary files left by a snapshot write that a crash interrupted.</summary>
    public void DeleteTemporaryFiles()
    {
        if (!Directory.Exists(_directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(_directory, "model-*.bin.tmp"))
        {
            try
            {
                File.Delete(path);
                logger.LogWarning("Deleted {Path}, left by an interrupted snapshot write", path);
            }
            catch (IOException e)
            {
                logger.LogWarning(e, "Could not delete {Path}", path);
            }
        }
    }

    /// <summary>Deletes the snapshot of <paramref name="version"/> if present.</summary>
    public void Delete(long version)
    {
        try
        {
            File.Delete(PathOf(version));
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not delete the snapshot of version {Version}", version);
        }
    }
}
