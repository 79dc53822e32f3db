namespace Recommender.Core.Data;

public static partial class RatingFileReader
{
    /// <summary>
    /// The longest line a rating file may hold, in characters. Two ids of at most a few hundred characters, a rating and
    /// a timestamp fit many times over; a longer line is refused before more of it is read, so one endless line cannot
    /// make the reader hold the whole input in memory.
    /// </summary>
    public const int MaxLineLength = 64 * 1024;

    /// <summary>
    /// Splits a <see cref="TextReader"/> into lines like <see cref="TextReader.ReadLine"/> does (<c>\n</c>, <c>\r\n</c> or
    /// <c>\r</c> ends a line), but holds at most <see cref="MaxLineLength"/> characters of a line (plus one read) and
    /// throws <see cref="RatingFormatException"/> for a longer one. A line is returned as a window on the buffer, valid
    /// until the next read.
    /// </summary>
    private sealed class LineReader(TextReader reader)
    {
        private const int InitialBuffer = 4096;

        private char[] _buffer = new char[InitialBuffer];
        private int _start;
        private int _end;
        private bool _endOfInput;
        private bool _skipLineFeed;

        /// <summary>The 1-based number of the line returned last.</summary>
        public long LineNumber { get; private set; }

        public bool TryReadLine(out ReadOnlyMemory<char> line)
        {
            while (true)
            {
                if (TryTakeLine(out line))
                {
                    return true;
                }

                if (_endOfInput)
                {
                    return false;
                }

                var room = MakeRoom();
                Filled(reader.Read(_buffer, _end, room));
            }
        }

        public async ValueTask<ReadOnlyMemory<char>?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                if (TryTakeLine(out var line))
                {
                    return line;
                }

                if (_endOfInput)
                {
                    return null;
                }

                var room = MakeRoom();
                Filled(await reader.ReadAsync(_buffer.AsMemory(_end, room), cancellationToken).ConfigureAwait(false));
            }
        }

        /// <summary>Takes the next complete line from the buffer (or the last, unterminated one at the end of the input).</summary>
        private bool TryTakeLine(out ReadOnlyMemory<char> line)
        {
            line = default;
            if (_skipLineFeed && _start < _end)
            {
                // The previous line ended with '\r' at the end of a read; a '\n' that follows belongs to it.
                _skipLineFeed = false;
                if (_buffer[_start] == '\n')
                {
                    _start++;
                }
            }

            var pending = _buffer.AsSpan(_start, _end - _start);
            var terminator = pending.IndexOfAny('\r', '\n');
            if (terminator < 0)
            {
                if (pending.Length > MaxLineLength)
                {
                    throw TooLong();
                }

                if (!_endOfInput || pending.IsEmpty)
                {
                    return false;
                }

                terminator = pending.Length;
            }
            else if (terminator > MaxLineLength)
            {
                throw TooLong();
            }

            LineNumber++;
            line = _buffer.AsMemory(_start, terminator);
            var next = _start + terminator;
            if (next < _end && _buffer[next] == '\r')
            {
                next++;
                if (next < _end)
                {
                    next += _buffer[next] == '\n' ? 1 : 0;
                }
                else
                {
                    _skipLineFeed = true;
                }
            }
            else if (next < _end)
            {
                next++;
            }

            _start = next;
            return true;
        }

        /// <summary>Moves the unfinished line to the front, growing the buffer (up to the limit) when it fills it.</summary>
        private int MakeRoom()
        {
            var pending = _end - _start;
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, pending);
                _start = 0;
                _end = pending;
            }

            if (_end == _buffer.Length)
            {
                // Room for a whole line of the maximum length and the character after it, which shows it is too long.
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineLength + 1));
            }

            return _buffer.Length - _end;
        }

        private void Filled(int read)
        {
            if (read == 0)
            {
                _endOfInput = true;
            }

            _end += read;
        }

        private RatingFormatException TooLong() =>
            new(LineNumber + 1, $"the line is longer than {MaxLineLength} characters, the most a rating line may have.");
    }
}
