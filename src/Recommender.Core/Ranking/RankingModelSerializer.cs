using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Recommender.Core.Data;
using Recommender.Core.Numerics;
using Recommender.Core.Training;

namespace Recommender.Core.Ranking;

/// <summary>
/// Writes and reads a <see cref="RankingModel"/> as one binary snapshot: magic, format version, a length-prefixed JSON
/// header (parameters, version, time, metrics, sizes), the ids (length-prefixed UTF-8), then raw little-endian arrays —
/// each user's rated items and ratings, EASE's B or implicit ALS's unpadded factor rows — and an end marker.
/// </summary>
/// <remarks>
/// Reading checks every size in the header against the bytes left in the stream before it allocates anything, so a
/// corrupt or hostile file fails with <see cref="InvalidDataException"/> — never an overflow or an out-of-memory error.
/// It reads exactly what <see cref="Write"/> wrote and leaves the stream after it, so a snapshot can hold other parts.
/// </remarks>
public static class RankingModelSerializer
{
    private const uint Magic = 0x314B5252; // "RRK1"
    private const int FormatVersion = 1;
    private const uint EndMarker = 0x444E4521; // "!END"
    private const int MaxHeaderBytes = 1 << 20;

    private sealed record Header(
        RankingParameters Parameters, long Version, DateTimeOffset TrainedAt, RankingMetrics? Metrics, int Users, int Items, int RatedCount, int ActiveItems);

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/>.</summary>
    public static void Write(RankingModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        var rated = model.Rated;
        var active = Enumerable.Range(0, model.Items.Count).Count(model.IsItemTrained);
        var header = new Header(model.Parameters, model.Version, model.TrainedAt, model.Metrics, model.Users.Count, model.Items.Count,
            rated.Columns.Length, model.Algorithm == RankingAlgorithm.Ease ? active : 0);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        writer.Write(json.Length);
        writer.Write(json);
        foreach (var id in model.Users.Ids.Concat(model.Items.Ids))
        {
            var bytes = Encoding.UTF8.GetBytes(id);
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }

        writer.Flush();
        WriteArray(stream, rated.Offsets.AsSpan());
        WriteArray(stream, rated.Columns.AsSpan());
        WriteArray(stream, rated.Values.AsSpan());
        using (model.Weights.Pin())
        {
            WriteArray(stream, model.Weights.Span);
        }

        var k = model.Parameters.Factors;
        for (var r = 0; model.Algorithm == RankingAlgorithm.ImplicitAls && r < model.Users.Count; r++)
        {
            WriteArray(stream, model.UserFactors.AsSpan(r * model.Stride, k));
        }

        for (var r = 0; model.Algorithm == RankingAlgorithm.ImplicitAls && r < model.Items.Count; r++)
        {
            WriteArray(stream, model.ItemFactors.AsSpan(r * model.Stride, k));
        }

        writer.Write(EndMarker);
    }

    /// <summary>EASE weights at least this large are mapped rather than read, when the caller asks for it.</summary>
    public const long MapThresholdBytes = 1 << 20;

    /// <summary>
    /// Reads a snapshot written by <see cref="Write"/> from a seekable stream; throws <see cref="InvalidDataException"/>
    /// for anything else. With <paramref name="mapWeights"/>, a <see cref="FileStream"/> and EASE weights of at least
    /// <see cref="MapThresholdBytes"/>, the weights (items² floats: most of the file) are mapped from the file in place
    /// (<see cref="MappedFloats"/>) instead of being copied into memory: the model is ready once the rest is read, and
    /// the weights are paged in as they are used. The file must then be replaced only by a rename, never rewritten.
    /// </summary>
    public static RankingModel Read(Stream stream, bool mapWeights = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable, so every size can be checked before it is allocated.", nameof(stream));
        }

        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            Need(stream, 12);
            if (reader.ReadUInt32() != Magic || reader.ReadInt32() != FormatVersion)
            {
                throw new InvalidDataException("Not a ranking model snapshot of a known format.");
            }

            var headerLength = reader.ReadInt32();
            Check(headerLength is > 0 and <= MaxHeaderBytes, "The header length is out of range.");
            Need(stream, headerLength);
            var header = JsonSerializer.Deserialize<Header>(reader.ReadBytes(headerLength))
                ?? throw new InvalidDataException("The snapshot header is empty.");
            Check(header.Parameters is not null, "The snapshot header has no parameters.");
            header.Parameters!.Validate();
            var (users, items, ratedCount, active) = (header.Users, header.Items, header.RatedCount, header.ActiveItems);
            Check(users >= 0 && items >= 0 && ratedCount >= 0 && active >= 0 && active <= items, "A size in the header is negative or inconsistent.");
            var isEase = header.Parameters.Algorithm == RankingAlgorithm.Ease;
            var isFactor = header.Parameters.Algorithm == RankingAlgorithm.ImplicitAls;
            Check(isEase ? active <= RankingParameters.MaxItemsCeiling : active == 0, "The header's item count for the weights is out of range.");
            var k = header.Parameters.Factors;
            var stride = Numerics.VectorMath.PaddedLength(k);
            Check(!isFactor || (long)Math.Max(users, items) * stride <= Array.MaxLength, "The factor matrices are too large.");
            var arrays = 4L * (users + 1) + 8L * ratedCount + (isEase ? 4L * active * active : 0) + (isFactor ? 4L * k * ((long)users + items) : 0) + 4;
            Need(stream, 4L * ((long)users + items) + arrays);
            var userIds = ReadIds(reader, stream, users);
            var itemIds = ReadIds(reader, stream, items);
            Need(stream, arrays);
            var offsets = ReadArray<int>(stream, users + 1);
            var ratedItems = ReadArray<int>(stream, ratedCount);
            var ratings = ReadArray<float>(stream, ratedCount);
            var weights = isEase && mapWeights && MappedFloats.IsSupported && stream is FileStream file && 4L * active * active >= MapThresholdBytes
                ? Map(file, active * active)
                : ReadArray<float>(stream, isEase ? active * active : 0);
            var userFactors = isFactor ? ReadRows(stream, users, k, stride) : [];
            var itemFactors = isFactor ? ReadRows(stream, items, k, stride) : [];
            Check(reader.ReadUInt32() == EndMarker, "The snapshot is truncated or corrupt.");
            return new RankingModel(header.Parameters, userIds, itemIds, new SparseRows(users, offsets, ratedItems, ratings), weights, userFactors, itemFactors)
                .WithInfo(header.Version, header.TrainedAt, header.Metrics);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or NotSupportedException or DecoderFallbackException)
        {
            throw new InvalidDataException($"The ranking snapshot is truncated or corrupt: {e.Message}", e);
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }

    /// <summary>Throws unless at least <paramref name="bytes"/> bytes are left in the stream.</summary>
    private static void Need(Stream stream, long bytes) =>
        Check(bytes >= 0 && bytes <= stream.Length - stream.Position, "The snapshot is shorter than its header says (truncated or corrupt).");

    private static IdMap ReadIds(BinaryReader reader, Stream stream, int count)
    {
        var map = new IdMap(0);
        for (var n = 0; n < count; n++)
        {
            Need(stream, 4);
            var length = reader.ReadInt32();
            Check(length >= 0, "An id has a negative length.");
            Need(stream, length);
            map.GetOrAdd(Encoding.UTF8.GetString(reader.ReadBytes(length)));
        }

        Check(map.Count == count, "The snapshot has duplicate ids.");
        return map;
    }

    private static void WriteArray<T>(Stream stream, ReadOnlySpan<T> values)
        where T : unmanaged => stream.Write(MemoryMarshal.AsBytes(values));

    private static T[] ReadArray<T>(Stream stream, int count)
        where T : unmanaged
    {
        var values = new T[count];
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>Maps the <paramref name="count"/> floats at <paramref name="file"/>'s position and moves past them.</summary>
    private static ReadOnlyMemory<float> Map(FileStream file, int count)
    {
        var mapped = MappedFloats.Open(file.Name, file.Position, count);
        file.Seek(4L * count, SeekOrigin.Current);
        return mapped.Memory;
    }

    private static float[] ReadRows(Stream stream, int count, int factors, int stride)
    {
        var rows = new float[count * stride];
        for (var r = 0; r < count; r++)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(rows.AsSpan(r * stride, factors)));
        }

        return rows;
    }
}
