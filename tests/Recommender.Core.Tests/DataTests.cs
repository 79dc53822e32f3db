using Recommender.Core.Data;

namespace Recommender.Core.Tests;

public class DataTests
{
    [Fact]
    public void IdMap_AssignsDenseIndicesInOrderOfFirstAppearance()
    {
        var map = new IdMap();
        Assert.Equal(0, map.GetOrAdd("b"));
        Assert.Equal(1, map.GetOrAdd("a".AsSpan()));
        Assert.Equal(0, map.GetOrAdd("b".AsSpan()));
        Assert.Equal(2, map.Count);
        Assert.Equal("a", map.GetId(1));
        Assert.Equal(-1, map.IndexOf("c"));
        Assert.Throws<ArgumentException>(() => new IdMap(["x", "x"]));
    }

    [Fact]
    public void Holdout_IsDisjointCompleteAndDeterministic()
    {
        var data = Synthetic.LowRank(users: 30, items: 30, rank: 2, noise: 0.1, density: 0.5, seed: 1);
        var (train, test) = DatasetSplit.Holdout(data, 0.2, seed: 3);
        var (train2, test2) = DatasetSplit.Holdout(data, 0.2, seed: 3);
        var (_, test3) = DatasetSplit.Holdout(data, 0.2, seed: 4);

        Assert.Equal(data.Count, train.Count + test.Count);
        Assert.Equal((int)Math.Round(data.Count * 0.2), test.Count);
        var keys = Keys(train).ToHashSet();
        Assert.DoesNotContain(Keys(test), keys.Contains);
        Assert.Equal(Keys(test), Keys(test2));
        Assert.Equal(Keys(train), Keys(train2));
        Assert.NotEqual(Keys(test), Keys(test3));
        Assert.Same(data.Users, train.Users);
    }

    [Fact]
    public void KFold_TestsEveryRatingExactlyOnce()
    {
        var data = Synthetic.LowRank(users: 20, items: 20, rank: 2, noise: 0.1, density: 0.5, seed: 1);
        var tested = new List<(int, int)>();
        foreach (var (train, test) in DatasetSplit.KFold(data, 5, seed: 2))
        {
            Assert.Equal(data.Count, train.Count + test.Count);
            Assert.Empty(Keys(test).Intersect(Keys(train)));
            tested.AddRange(Keys(test));
        }

        Assert.Equal(Keys(data).Order(), tested.Order());
    }

    [Fact]
    public void Builder_RejectsNonFiniteRatings()
    {
        var builder = new RatingDatasetBuilder();
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Add("u", "i", float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Add("u", "i", float.PositiveInfinity));
        Assert.Equal(0, builder.Count);
    }

    [Theory]
    [InlineData("1\t10\t4\t881250949\n2\t20\t3.5\t881250950\n")]
    [InlineData("1::10::4::881250949\n2::20::3.5::881250950\n")]
    [InlineData("userId,movieId,rating,timestamp\n1,10,4.0,881250949\n2,20,3.5,881250950\n")]
    [InlineData("1,10,4\n2,20,3.5\n")]
    [InlineData("user,item,rating\r\n1,10,4\r\n\r\n2,20,3.5\r\n")]
    [InlineData("\"1\",\"10\",4\n2,\"20\",3.5\n")]
    public void Reader_ParsesEveryFormat(string text)
    {
        var records = RatingFileReader.ReadRecords(new StringReader(text)).ToList();
        Assert.Equal(2, records.Count);
        Assert.Equal(("1", "10", 4f), (records[0].UserId, records[0].ItemId, records[0].Rating));
        Assert.Equal(("2", "20", 3.5f), (records[1].UserId, records[1].ItemId, records[1].Rating));
    }

    [Fact]
    public void Reader_KeepsCommasAndQuotesInsideQuotedIds()
    {
        var records = RatingFileReader.ReadRecords(new StringReader("Hermione,\"Don't Stop, \"\"Believin'\"\"\",5\n")).ToList();
        Assert.Equal("Don't Stop, \"Believin'\"", records.Single().ItemId);
    }

    [Theory]
    [InlineData("1,10,4\n2,20\n", 2, "expected 3 or 4 fields")]
    [InlineData("1,10,4\n2,20,abc\n", 2, "rating 'abc'")]
    [InlineData("1,10,4\n2,20,3\n3,30,NaN\n", 3, "not a finite number")]
    [InlineData("1,10,4,x\n", 1, "timestamp 'x'")]
    [InlineData("1,,4\n", 1, "item id is empty")]
    [InlineData("1,\"10,4\n", 1, "not closed")]
    public void Reader_NamesTheLineAndProblem_ForMalformedInput(string text, int line, string problem)
    {
        var error = Assert.Throws<RatingFormatException>(() => RatingFileReader.ReadRecords(new StringReader(text)).ToList());
        Assert.Equal(line, error.Line);
        Assert.Contains($"Line {line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_RefusesAnEndlessLine_ShortlyAfterTheLimit_WithoutReadingOn()
    {
        using var stream = new EndlessLineStream("1,2,3\n"u8.ToArray());
        using var text = new StreamReader(stream, bufferSize: 1 << 16);

        var error = await Assert.ThrowsAsync<RatingFormatException>(async () =>
        {
            await foreach (var _ in RatingFileReader.ReadRecordsAsync(text))
            {
            }
        });

        Assert.Equal(2, error.Line);
        Assert.Contains($"longer than {RatingFileReader.MaxLineLength} characters", error.Message, StringComparison.Ordinal);
        // The line is bounded, not the input: the reader stops within one buffer of the limit.
        Assert.InRange(stream.Produced, RatingFileReader.MaxLineLength, RatingFileReader.MaxLineLength + (2 << 16));
    }

    [Fact]
    public void Reader_AcceptsALineOfExactlyTheLimit_AndLineEndsSplitAcrossReads()
    {
        var longId = new string('i', RatingFileReader.MaxLineLength - "u,,5".Length);
        var text = $"u,{longId},5\r\n" + string.Concat(Enumerable.Range(0, 3000).Select(n => $"u{n},i,1\r\n")) + "last,i,2\rend,i,3";
        var records = RatingFileReader.ReadRecords(new StringReader(text)).ToList();

        Assert.Equal(3003, records.Count);
        Assert.Equal(longId, records[0].ItemId);
        Assert.Equal(("last", 3002L), (records[^2].UserId, records[^2].Line));
        Assert.Equal(("end", 3003L), (records[^1].UserId, records[^1].Line));
        var tooLong = Assert.Throws<RatingFormatException>(() => RatingFileReader.ReadRecords(new StringReader($"u,{longId}x,5\n")).ToList());
        Assert.Equal(1, tooLong.Line);
    }

    /// <summary>
    /// A stream that starts with <c>prefix</c> and then sends 'x' as long as it is read — up to 64 MiB, so that a reader
    /// that does not stop fails the test instead of exhausting the machine — counting the bytes it produced.
    /// </summary>
    private sealed class EndlessLineStream(byte[] prefix) : Stream
    {
        private const long Cap = 64L << 20;

        public long Produced { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (Produced >= Cap)
            {
                return 0;
            }

            var written = 0;
            while (Produced < prefix.Length && written < buffer.Length)
            {
                buffer[written++] = prefix[Produced++];
            }

            buffer[written..].Fill((byte)'x');
            Produced += buffer.Length - written;
            return buffer.Length;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void ReadInto_BuildsADatasetSharingIds()
    {
        var builder = new RatingDatasetBuilder();
        Assert.Equal(3, RatingFileReader.ReadInto(new StringReader("a,x,1\nb,x,2\na,y,3\n"), builder));
        var data = builder.Build();
        Assert.Equal(2, data.Users.Count);
        Assert.Equal(2, data.Items.Count);
        Assert.Equal(2.0, data.Mean(), 1e-9);
    }

    private static IEnumerable<(int, int)> Keys(RatingDataset data) =>
        Enumerable.Range(0, data.Count).Select(n => (data.UserIndices[n], data.ItemIndices[n]));
}
