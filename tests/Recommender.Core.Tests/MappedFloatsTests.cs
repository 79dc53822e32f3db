using System.Runtime.InteropServices;
using Recommender.Core.Numerics;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public sealed class MappedFloatsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mapped-floats-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Open_ReadsTheFloatsInPlace_AtAnUnalignedOffset_AndRefusesAFileTooShort()
    {
        var path = Path.Combine(_directory, "floats.bin");
        var floats = Enumerable.Range(0, 1000).Select(i => i * 0.5f - 7f).ToArray();
        File.WriteAllBytes(path, [.. new byte[13], .. MemoryMarshal.AsBytes(floats.AsSpan()).ToArray(), 9]);

        var mapped = MappedFloats.Open(path, offset: 13, count: floats.Length).Memory;
        using (mapped.Pin())
        {
            Assert.Equal(floats, mapped.Span.ToArray());
        }

        Assert.Equal(floats[..10], MappedFloats.Open(path, 13, 10).Memory.ToArray());
        Assert.Throws<InvalidDataException>(() => MappedFloats.Open(path, offset: 15, count: floats.Length));
        Assert.Throws<InvalidDataException>(() => MappedFloats.Open(path, offset: 0, count: 1004));
    }

    [Fact]
    public void AMappedFile_StaysReadable_WhenItIsReplacedByARenameOrDeleted()
    {
        if (!MappedFloats.IsSupported)
        {
            return; // Windows reads snapshots into memory instead.
        }

        var path = Path.Combine(_directory, "floats.bin");
        var floats = Enumerable.Range(0, 4096).Select(i => (float)i).ToArray();
        File.WriteAllBytes(path, MemoryMarshal.AsBytes(floats.AsSpan()).ToArray());
        var mapped = MappedFloats.Open(path, 0, floats.Length).Memory;

        var replacement = Path.Combine(_directory, "floats.tmp");
        File.WriteAllBytes(replacement, new byte[16]);
        File.Move(replacement, path, overwrite: true);
        using (mapped.Pin())
        {
            Assert.Equal(floats, mapped.Span.ToArray());
        }

        File.Delete(path);
        using (mapped.Pin())
        {
            Assert.Equal(floats[^1], mapped.Span[^1]);
        }
    }

    [Fact]
    public void ASnapshotsEaseWeights_AreMappedFromItsFile_AndServeExactlyWhatAReadCopyServes()
    {
        // 600 active items: B is 1.4 MB, above the mapping threshold.
        var model = RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Ease) with { Regularization = 20f, PositiveThreshold = 0f },
            Synthetic.Groups(users: 80, items: 600, groups: 3, density: 0.3, noise: 0.1, seed: 5)).Model;
        Assert.True(4L * model.Weights.Length >= RankingModelSerializer.MapThresholdBytes);
        var path = Path.Combine(_directory, "model.bin");
        using (var output = File.Create(path))
        {
            output.Write([1, 2, 3]); // the snapshot's other parts come first
            RankingModelSerializer.Write(model, output);
            output.Write([4, 5]);
        }

        RankingModel mapped;
        using (var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            input.Position = 3;
            mapped = RankingModelSerializer.Read(input, mapWeights: true);
            Assert.Equal(input.Length - 2, input.Position);
        }

        RankingModel copied;
        using (var input = File.OpenRead(path))
        {
            input.Position = 3;
            copied = RankingModelSerializer.Read(input);
        }

        Assert.Equal(MappedFloats.IsSupported, MemoryMarshal.TryGetMemoryManager<float, MappedFloats>(mapped.Weights, out _));
        Assert.False(MemoryMarshal.TryGetMemoryManager<float, MappedFloats>(copied.Weights, out _));
        File.Delete(path);
        Assert.Equal(model.Weights.ToArray(), mapped.Weights.ToArray());
        Assert.True(mapped.IsFinite);
        for (var u = 0; u < model.Users.Count; u += 7)
        {
            Assert.Equal(copied.Recommend(u, 10), mapped.Recommend(u, 10));
        }

        Assert.Equal(copied.SimilarItems(4, 10), mapped.SimilarItems(4, 10));
    }
}
