using System.Buffers.Binary;
using System.Text;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public class RankingModelSerializerTests
{
    private static RankingModel Model(RankingAlgorithm algorithm) =>
        RankingTrainer.Fit(RankingParameters.For(algorithm) with { Factors = 5, Epochs = 4, Regularization = 2f, PositiveThreshold = 4.5f },
            Synthetic.Groups(users: 25, items: 20, groups: 2, density: 0.5, noise: 0.1, seed: 13)).Model
            .WithInfo(9, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), new RankingMetrics(0.1, 0.2, 0.3, 20, 99));

    private static byte[] Bytes(RankingModel model)
    {
        using var stream = new MemoryStream();
        RankingModelSerializer.Write(model, stream);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(RankingAlgorithm.Popularity)]
    [InlineData(RankingAlgorithm.Ease)]
    [InlineData(RankingAlgorithm.ImplicitAls)]
    public void Snapshot_RoundTripsEveryQueryExactly_AndLeavesTheStreamAfterItself(RankingAlgorithm algorithm)
    {
        var model = Model(algorithm);
        using var stream = new MemoryStream();
        RankingModelSerializer.Write(model, stream);
        stream.Write([1, 2, 3]);
        stream.Position = 0;

        var copy = RankingModelSerializer.Read(stream);

        Assert.Equal(stream.Length - 3, stream.Position);
        Assert.Equal((model.Version, model.TrainedAt, model.Metrics, model.Parameters), (copy.Version, copy.TrainedAt, copy.Metrics, copy.Parameters));
        Assert.Equal(model.Users.Ids, copy.Users.Ids);
        Assert.Equal(model.Items.Ids, copy.Items.Ids);
        Assert.Equal(model.Weights.ToArray(), copy.Weights.ToArray());
        Assert.Equal(model.UserFactors, copy.UserFactors);
        Assert.Equal(model.ItemFactors, copy.ItemFactors);
        for (var u = 0; u < model.Users.Count; u++)
        {
            Assert.Equal(model.User(u).RatedItems.ToArray(), copy.User(u).RatedItems.ToArray());
            Assert.Equal(model.Recommend(u, 8), copy.Recommend(u, 8));
        }

        Assert.Equal(model.SimilarItems(1, 5), copy.SimilarItems(1, 5));
    }

    [Theory]
    [InlineData(RankingAlgorithm.Ease)]
    [InlineData(RankingAlgorithm.ImplicitAls)]
    public void Read_RejectsTruncatedAndForeignStreams_WithInvalidData(RankingAlgorithm algorithm)
    {
        var bytes = Bytes(Model(algorithm));

        foreach (var length in new[] { 0, 3, 11, 20, bytes.Length / 2, bytes.Length - 5, bytes.Length - 1 })
        {
            Assert.Throws<InvalidDataException>(() => RankingModelSerializer.Read(new MemoryStream(bytes[..length])));
        }

        Assert.Throws<InvalidDataException>(() => RankingModelSerializer.Read(new MemoryStream("not a ranking model at all"u8.ToArray())));
    }

    [Theory]
    [InlineData("\"Users\":25", "\"Users\":2147483647")]
    [InlineData("\"Users\":25", "\"Users\":-1")]
    [InlineData("\"Items\":20", "\"Items\":2147483600")]
    [InlineData("\"Items\":20", "\"Items\":-20")]
    [InlineData("\"RatedCount\":", "\"RatedCount\":1999999999,\"x\":")]
    [InlineData("\"ActiveItems\":", "\"ActiveItems\":39999,\"y\":")]
    [InlineData("\"ActiveItems\":", "\"ActiveItems\":-7,\"y\":")]
    [InlineData("\"Factors\":5", "\"Factors\":1000000")]
    [InlineData("\"Users\":25", "\"Users\":99999999999")]
    public void Read_RejectsACorruptHeader_WithInvalidDataBeforeAllocating(string field, string corrupt)
    {
        foreach (var algorithm in new[] { RankingAlgorithm.Ease, RankingAlgorithm.ImplicitAls })
        {
            var bytes = Bytes(Model(algorithm));
            var header = Encoding.UTF8.GetString(bytes, 12, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
            Assert.Contains(field, header, StringComparison.Ordinal);
            var changed = Encoding.UTF8.GetBytes(ReplaceFirst(header, field, corrupt));
            var corrupted = new byte[bytes.Length - header.Length + changed.Length];
            bytes.AsSpan(0, 8).CopyTo(corrupted);
            BinaryPrimitives.WriteInt32LittleEndian(corrupted.AsSpan(8), changed.Length);
            changed.CopyTo(corrupted.AsSpan(12));
            bytes.AsSpan(12 + header.Length).CopyTo(corrupted.AsSpan(12 + changed.Length));

            Assert.Throws<InvalidDataException>(() => RankingModelSerializer.Read(new MemoryStream(corrupted)));
        }
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(-5)]
    [InlineData(0)]
    public void Read_RejectsAnImpossibleHeaderLength_WithInvalidData(int length)
    {
        var bytes = Bytes(Model(RankingAlgorithm.Ease));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), length);

        Assert.Throws<InvalidDataException>(() => RankingModelSerializer.Read(new MemoryStream(bytes)));
    }

    [Fact]
    public void Read_RejectsAHugeIdLength_AndAnOutOfRangeRatedItem_WithInvalidData()
    {
        var bytes = Bytes(Model(RankingAlgorithm.Ease));
        var ids = 12 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var hugeId = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(hugeId.AsSpan(ids), int.MaxValue - 3);
        Assert.Throws<InvalidDataException>(() => RankingModelSerializer.Read(new MemoryStream(hugeId)));

        // The first rated item follows the ids and the 26 offsets of 25 users.
        var position = ids;
        for (var n = 0; n < 45; n++)
        {
            position += 4 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position));
        }

        var badItem = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(badItem.AsSpan(position + 26 * 4), 1_000_000);
        Assert.Throws<InvalidDataException>(() => RankingModelSerializer.Read(new MemoryStream(badItem)));
    }

    [Theory]
    [InlineData(RankingAlgorithm.Popularity)]
    [InlineData(RankingAlgorithm.Ease)]
    [InlineData(RankingAlgorithm.ImplicitAls)]
    public void Read_ThrowsOnlyInvalidData_ForRandomlyCorruptedBytes(RankingAlgorithm algorithm)
    {
        var bytes = Bytes(Model(algorithm));
        var random = new Random(17);
        for (var trial = 0; trial < 1500; trial++)
        {
            // Half the trials corrupt the header and ids, where a bad size would do the most harm.
            var copy = (byte[])bytes.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                copy[random.Next(trial % 2 == 0 ? Math.Min(copy.Length, 400) : copy.Length)] = (byte)random.Next(256);
            }

            var error = Record.Exception(() => RankingModelSerializer.Read(new MemoryStream(copy)));

            Assert.True(error is null or InvalidDataException, $"trial {trial}: {error}");
        }
    }

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        var at = text.IndexOf(old, StringComparison.Ordinal);
        return text[..at] + replacement + text[(at + old.Length)..];
    }
}
