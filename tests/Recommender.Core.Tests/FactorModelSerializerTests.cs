using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class FactorModelSerializerTests
{
    [Theory]
    [InlineData(Algorithm.BiasedSgd, 5)]
    [InlineData(Algorithm.Notebook, 8)]
    public void Snapshot_RoundTripsEveryQueryExactly(Algorithm algorithm, int factors)
    {
        var model = Trainers.Create(TrainingParameters.For(algorithm) with { Factors = factors, Epochs = 20 })
            .Fit(Synthetic.LowRank(users: 30, items: 25, rank: 2, noise: 0.3, density: 0.5, seed: 3)).Model
            .WithInfo(12, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), new ModelMetrics(0.8, 0.6, 0.1, 0.2, 0.3, 40));
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(model, stream);
        stream.Position = 0;

        var copy = FactorModelSerializer.Read(stream);

        Assert.Equal(12, copy.Version);
        Assert.Equal(model.TrainedAt, copy.TrainedAt);
        Assert.Equal(model.Metrics, copy.Metrics);
        Assert.Equal(model.Parameters, copy.Parameters);
        Assert.Equal(model.Users.Ids, copy.Users.Ids);
        Assert.Equal(model.Items.Ids, copy.Items.Ids);
        for (var u = 0; u < model.Users.Count; u++)
        {
            Assert.Equal(model.User(u).RatedItems.ToArray(), copy.User(u).RatedItems.ToArray());
            Assert.Equal(model.Recommend(model.User(u), 5), copy.Recommend(copy.User(u), 5));
            for (var i = 0; i < model.Items.Count; i++)
            {
                Assert.Equal(model.Predict(model.User(u), i), copy.Predict(copy.User(u), i));
            }
        }
    }

    [Fact]
    public void Read_RejectsTruncatedAndForeignFiles()
    {
        var model = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 4, Epochs = 2 }).Fit(Synthetic.Checkerboard()).Model;
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(model, stream);
        var bytes = stream.ToArray();

        Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bytes[..^10])));
        Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bytes[..(bytes.Length / 2)])));
        Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream("not a model at all"u8.ToArray())));
    }

    [Theory]
    [InlineData("\"Factors\":4,", "\"Factors\":400000000,")]
    [InlineData("\"Factors\":4,", "\"Factors\":0,")]
    [InlineData("\"Users\":", "\"Users\":2000000000,\"Ignored\":")]
    [InlineData("\"Items\":", "\"Items\":-1,\"Ignored\":")]
    [InlineData("\"RatedCount\":", "\"RatedCount\":2147483647,\"Ignored\":")]
    [InlineData("\"Parameters\":", "\"Parameters\":null,\"Ignored\":")]
    public void Read_RefusesACorruptHeader_BeforeAllocatingWhatItDeclares(string field, string corrupted)
    {
        var bytes = SnapshotBytes();
        var edited = EditHeader(bytes, json =>
        {
            Assert.Contains(field, json);
            return json.Replace(field, corrupted, StringComparison.Ordinal);
        });

        var error = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(edited)));
        Assert.Contains("corrupt", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Read_RefusesAHugeHeaderLength_WithoutReadingIt()
    {
        var bytes = SnapshotBytes();
        // Magic and format version take 8 bytes; the header's 7-bit length prefix follows. 0xFFFFFFFF07 is int.MaxValue.
        var edited = bytes[..8].Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x07 }).Concat(bytes[9..]).ToArray();

        Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(edited)));
    }

    [Fact]
    public void WriteFile_LeavesNoTemporaryFile_WhenTheWriteFails()
    {
        var directory = Directory.CreateTempSubdirectory("snapshot-").FullName;
        try
        {
            var model = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 4, Epochs = 2 }).Fit(Synthetic.Checkerboard()).Model;
            // A directory where the snapshot should go: the temporary file is written, the rename fails.
            Directory.CreateDirectory(Path.Combine(directory, "model.bin"));

            Assert.ThrowsAny<IOException>(() => FactorModelSerializer.WriteFile(model, Path.Combine(directory, "model.bin")));
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static byte[] SnapshotBytes()
    {
        var model = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 4, Epochs = 2 }).Fit(Synthetic.Checkerboard()).Model;
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(model, stream);
        return stream.ToArray();
    }

    /// <summary>The snapshot with its JSON header rewritten by <paramref name="edit"/> (and its length prefix updated).</summary>
    private static byte[] EditHeader(byte[] snapshot, Func<string, string> edit)
    {
        using var input = new BinaryReader(new MemoryStream(snapshot));
        var magic = input.ReadUInt32();
        var format = input.ReadInt32();
        var header = edit(input.ReadString());
        var rest = input.ReadBytes(snapshot.Length);
        using var output = new MemoryStream();
        using var writer = new BinaryWriter(output);
        writer.Write(magic);
        writer.Write(format);
        writer.Write(header);
        writer.Write(rest);
        writer.Flush();
        return output.ToArray();
    }

    [Fact]
    public void WriteFile_ReplacesAtomically()
    {
        var directory = Directory.CreateTempSubdirectory("snapshot-").FullName;
        try
        {
            var path = Path.Combine(directory, "model.bin");
            var first = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 4, Epochs = 2 }).Fit(Synthetic.Checkerboard()).Model.WithInfo(1, default, null);
            FactorModelSerializer.WriteFile(first, path);
            FactorModelSerializer.WriteFile(first.WithInfo(2, default, null), path);
            Assert.Equal(2, FactorModelSerializer.ReadFile(path).Version);
            Assert.Equal(["model.bin"], Directory.GetFiles(directory).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
