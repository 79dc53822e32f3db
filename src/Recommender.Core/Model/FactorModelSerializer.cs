using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Recommender.Core.Data;
using Recommender.Core.Training;

namespace Recommender.Core.Model;

/// <summary>
/// Writes and reads a <see cref="FactorModel"/> as one binary snapshot. Arrays are copied in bulk (no per-element
/// parsing), so a large model loads at disk speed. Layout: magic, format version, a JSON header (parameters,
/// version, time, metrics, sizes), the ids, then the raw little-endian arrays, and an end marker that exposes a
/// truncated file. Format 2 adds SVD++'s implicit item factors after the item factors; a model without them is still
/// written as format 1, so older readers keep reading every other model.
/// </summary>
public static class FactorModelSerializer
{
    private const uint Magic = 0x31464D52; // "RMF1"
    private const int FormatVersion = 1;
    private const int ImplicitFormatVersion = 2;
    private const uint EndMarker = 0x444E4521; // "!END"

    private sealed record Header(
        TrainingParameters Parameters,
        long Version,
        DateTimeOffset TrainedAt,
        ModelMetrics? Metrics,
        int Users,
        int Items,
        int Factors,
        bool HasBiases,
        float GlobalMean,
        int RatedCount,
        bool HasImplicitFactors = false);

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/>.</summary>
    public static void Write(FactorModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        var w = model.Weights;
        var (offsets, rated) = model.RatedIndex;
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        var hasImplicit = w.ImplicitFactors is not null;
        writer.Write(hasImplicit ? ImplicitFormatVersion : FormatVersion);
        var header = new Header(model.Parameters, model.Version, model.TrainedAt, model.Metrics, w.Users, w.Items, w.Factors, w.HasBiases, w.GlobalMean, rated.Length, hasImplicit);
        writer.Write(JsonSerializer.Serialize(header));
        foreach (var id in model.Users.Ids)
        {
            writer.Write(id);
        }

        foreach (var id in model.Items.Ids)
        {
            writer.Write(id);
        }

        writer.Flush();
        WriteArray(stream, model.UserTrainingCounts.AsSpan());
        WriteArray(stream, model.ItemTrainingCounts.AsSpan());
        WriteArray(stream, offsets.AsSpan());
        WriteArray(stream, rated.AsSpan());
        WriteArray(stream, w.UserBias.AsSpan());
        WriteArray(stream, w.ItemBias.AsSpan());
        WriteRows(stream, w.UserFactors, w.Users, w.Factors, w.Stride);
        WriteRows(stream, w.ItemFactors, w.Items, w.Factors, w.Stride);
        if (hasImplicit)
        {
            WriteRows(stream, w.ImplicitFactors!, w.Items, w.Factors, w.Stride);
        }

        writer.Write(EndMarker);
    }

    /// <summary>
    /// Reads a snapshot written by <see cref="Write"/>; throws <see cref="InvalidDataException"/> for anything else. Every
    /// size in the header is checked against the bytes the stream still holds before anything is allocated, so a
    /// corrupt header is refused rather than overflowing or exhausting memory.
    /// </summary>
    public static FactorModel Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            var format = reader.ReadUInt32() == Magic ? reader.ReadInt32() : 0;
            if (format is not (FormatVersion or ImplicitFormatVersion))
            {
                throw new InvalidDataException("Not a model snapshot of a known format.");
            }

            var header = JsonSerializer.Deserialize<Header>(ReadBoundedString(reader, MaxHeaderBytes))
                ?? throw new InvalidDataException("The snapshot header is empty.");
            if (header.HasImplicitFactors != (format == ImplicitFormatVersion))
            {
                throw new InvalidDataException("The snapshot header is corrupt: its implicit factors do not match its format.");
            }

            CheckSizes(header, stream);
            var users = ReadIds(reader, header.Users, stream);
            var items = ReadIds(reader, header.Items, stream);
            CheckRemaining(stream, ArrayBytes(header));
            var userCounts = ReadArray<int>(stream, header.Users);
            var itemCounts = ReadArray<int>(stream, header.Items);
            var offsets = ReadArray<int>(stream, header.Users + 1);
            var rated = ReadArray<int>(stream, header.RatedCount);
            var weights = new FactorWeights(header.Users, header.Items, header.Factors, header.HasBiases, header.HasImplicitFactors)
            {
                GlobalMean = header.GlobalMean,
            };
            ReadInto(stream, weights.UserBias.AsSpan());
            ReadInto(stream, weights.ItemBias.AsSpan());
            ReadRows(stream, weights.UserFactors, header.Users, header.Factors, weights.Stride);
            ReadRows(stream, weights.ItemFactors, header.Items, header.Factors, weights.Stride);
            if (header.HasImplicitFactors)
            {
                ReadRows(stream, weights.ImplicitFactors!, header.Items, header.Factors, weights.Stride);
            }

            if (reader.ReadUInt32() != EndMarker)
            {
                throw new InvalidDataException("The snapshot is truncated or corrupt.");
            }

            return new FactorModel(weights, users, items, header.Parameters, userCounts, itemCounts, offsets, rated)
                .WithInfo(header.Version, header.TrainedAt, header.Metrics);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"The snapshot is truncated or corrupt: {e.Message}", e);
        }
    }

    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>Refuses header sizes that are out of range or that the rest of the stream cannot hold.</summary>
    private static void CheckSizes(Header header, Stream stream)
    {
        if (header.Parameters is null)
        {
            throw new InvalidDataException("The snapshot header is corrupt: it has no parameters.");
        }

        if (header.Users < 0 || header.Items < 0 || header.RatedCount < 0 || header.Factors is < 1 or > TrainingParameters.MaxFactors)
        {
            throw new InvalidDataException(
                $"The snapshot header is corrupt: {header.Users} users, {header.Items} items, {header.RatedCount} rated entries, {header.Factors} factors.");
        }

        // Each id takes at least one byte; then come the fixed-size arrays.
        CheckRemaining(stream, header.Users + (long)header.Items + ArrayBytes(header));
    }

    /// <summary>Bytes of the arrays after the ids: counts, offsets, rated items, biases, factor rows (and implicit rows) and the end marker.</summary>
    private static long ArrayBytes(Header header) =>
        4L * (2L * header.Users + 2L * header.Items + header.Users + 1 + header.RatedCount)
        + 4L * header.Factors * ((long)header.Users + header.Items * (header.HasImplicitFactors ? 2L : 1L)) + 4;

    private static void CheckRemaining(Stream stream, long needed)
    {
        if (stream.CanSeek && needed > stream.Length - stream.Position)
        {
            throw new InvalidDataException(
                $"The snapshot is truncated or its header is corrupt: it declares {needed} more bytes than the {stream.Length - stream.Position} left.");
        }
    }

    private static IdMap ReadIds(BinaryReader reader, int count, Stream stream)
    {
        var ids = new IdMap(count);
        for (var n = 0; n < count; n++)
        {
            ids.GetOrAdd(ReadBoundedString(reader, MaxIdBytes));
        }

        if (ids.Count != count)
        {
            throw new InvalidDataException("The snapshot has duplicate ids.");
        }

        return ids;
    }

    private const int MaxIdBytes = 1024;

    /// <summary>A length-prefixed string (BinaryWriter's format) of at most <paramref name="maxBytes"/> bytes.</summary>
    private static string ReadBoundedString(BinaryReader reader, int maxBytes)
    {
        var length = reader.Read7BitEncodedInt();
        if (length < 0 || length > maxBytes)
        {
            throw new InvalidDataException($"The snapshot holds a string of {length} bytes; at most {maxBytes} are expected.");
        }

        var bytes = reader.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new EndOfStreamException();
        }

        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/> and renames it, so a crash never leaves half a file
    /// under the snapshot's name; a write that fails deletes its temporary file.
    /// </summary>
    public static void WriteFile(FactorModel model, string path) => AtomicFile.Write(path, stream => Write(model, stream));

    /// <summary>Reads a snapshot file.</summary>
    public static FactorModel ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream);
    }

    private static void WriteArray<T>(Stream stream, ReadOnlySpan<T> values)
        where T : unmanaged => stream.Write(MemoryMarshal.AsBytes(values));

    private static T[] ReadArray<T>(Stream stream, int count)
        where T : unmanaged
    {
        if (count < 0)
        {
            throw new InvalidDataException("A negative array length.");
        }

        var values = new T[count];
        ReadInto(stream, values.AsSpan());
        return values;
    }

    private static void ReadInto<T>(Stream stream, Span<T> values)
        where T : unmanaged => stream.ReadExactly(MemoryMarshal.AsBytes(values));

    private static void WriteRows(Stream stream, float[] rows, int count, int factors, int stride)
    {
        if (factors == stride)
        {
            WriteArray(stream, rows.AsSpan(0, count * stride));
            return;
        }

        for (var r = 0; r < count; r++)
        {
            WriteArray(stream, rows.AsSpan(r * stride, factors));
        }
    }

    private static void ReadRows(Stream stream, float[] rows, int count, int factors, int stride)
    {
        if (factors == stride)
        {
            ReadInto(stream, rows.AsSpan(0, count * stride));
            return;
        }

        for (var r = 0; r < count; r++)
        {
            ReadInto(stream, rows.AsSpan(r * stride, factors));
        }
    }
}
