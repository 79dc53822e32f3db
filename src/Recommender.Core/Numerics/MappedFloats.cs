using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Recommender.Core.Numerics;

/// <summary>
/// Floats read in place from a file mapped into memory, as a <see cref="Memory{T}"/>: opening copies nothing, and the
/// operating system reads the pages in when they are first touched (from its page cache when the file was read
/// recently) and may drop them again under memory pressure, since they stay backed by the file.
/// </summary>
/// <remarks>
/// The mapping lives as long as this object is reachable (its handles unmap the file when they are finalized), so a
/// span taken from it must be used under <see cref="Memory{T}.Pin"/>, which holds the mapping until the handle is
/// disposed. The file must not be changed in place while mapped (reading a truncated page faults the process); the
/// snapshots this maps are only ever replaced by a rename or deleted, which leaves a mapping intact. Unix only: on
/// Windows a mapped file cannot be deleted, so callers read the floats into memory there (<see cref="IsSupported"/>).
/// </remarks>
public sealed unsafe class MappedFloats : MemoryManager<float>
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly float* _start;
    private readonly int _length;

    private MappedFloats(MemoryMappedFile file, MemoryMappedViewAccessor view, float* start, int length)
    {
        _file = file;
        _view = view;
        _start = start;
        _length = length;
    }

    /// <summary>Whether files are mapped on this operating system (not on Windows, where a mapped file cannot be deleted).</summary>
    public static bool IsSupported => !OperatingSystem.IsWindows();

    /// <summary>
    /// Maps the <paramref name="count"/> floats that start <paramref name="offset"/> bytes into the file at
    /// <paramref name="path"/>; throws <see cref="InvalidDataException"/> when the file is shorter than that.
    /// </summary>
    public static MappedFloats Open(string path, long offset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        // Others may read, replace or delete the file while it is mapped (a snapshot is replaced by a rename).
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        MemoryMappedFile? file = null;
        try
        {
            if (offset + 4L * count > stream.Length || stream.Length == 0)
            {
                throw new InvalidDataException($"The file is shorter ({stream.Length} bytes) than the {count} floats at byte {offset}.");
            }

            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            // The whole file is mapped, so the view starts at the file's first byte.
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            return new MappedFloats(file, view, (float*)(pointer + offset), count);
        }
        catch
        {
            if (file is null)
            {
                stream.Dispose();
            }
            else
            {
                file.Dispose();
            }

            throw;
        }
    }

    public override Span<float> GetSpan() => new(_start, _length);

    /// <summary>Holds the mapping until the returned handle is disposed (the memory itself never moves).</summary>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        var added = false;
        _view.SafeMemoryMappedViewHandle.DangerousAddRef(ref added);
        return new MemoryHandle(_start + elementIndex, default, this);
    }

    public override void Unpin() => _view.SafeMemoryMappedViewHandle.DangerousRelease();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _view.Dispose();
            _file.Dispose();
        }
    }
}
