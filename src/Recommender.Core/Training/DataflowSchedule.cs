using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Recommender.Core.Training;

/// <summary>
/// Runs SGD epochs over a <see cref="BlockGrid"/> in DSGD's strata order without a barrier between strata. Each epoch
/// visits the strata in a seeded order; that order fixes, for every user band and every item band, the order of the
/// blocks that touch it. A block may run as soon as the block before it in its user band and the block before it in its
/// item band are done, on whichever thread is free. Every band therefore sees the same updates in the same order
/// whatever the timing and the thread count — on one grid the model is the same bit for bit — yet a thread that is
/// paused (by the operating system, or by the hypervisor on a shared machine) holds up only the blocks that need its
/// block, where a barrier between strata would hold up every thread at the end of the stratum.
/// </summary>
/// <remarks>
/// Among ready blocks a thread prefers those of the bands it ran last, so a band's rows mostly stay in one core's
/// cache. Threads do not wait for each other at the end of an epoch either: the caller's thread returns once every
/// block is done, and a worker that comes late to an epoch simply finds nothing left to take. An exception in a block,
/// on any thread, stops the handing out of blocks and is rethrown to the caller; the schedule is then spent.
/// </remarks>
internal sealed class DataflowSchedule : IDisposable
{
    private const int Finished = -1;
    private const int NoneReady = -2;

    private readonly BlockGrid _grid;
    private readonly int _threads;
    private readonly object _gate = new();
    private readonly int[] _strata;
    private readonly int[][] _rowsBySize;
    private readonly int[] _pending;
    private readonly bool[] _taken;
    private readonly int[] _done;

    /// <summary>
    /// The thread that last ran a block of each band of the smaller side. A thread takes such a band's blocks first,
    /// so the band's rows stay in its core's cache instead of moving between cores with every block; a thread with
    /// none of its bands ready takes any ready block and the band with it. The smaller side is the one a block reads in
    /// random order (<see cref="BlockGrid"/> sorts each block by the larger side, whose rows it reads once each, in
    /// address order), and its band is the one that can fit a core's cache.
    /// </summary>
    private readonly int[] _holder;
    private readonly bool _cacheItemBands;
    private readonly double[] _errors;
    private readonly double[] _bandTotals;
    private readonly WorkerThreads _workers;
    private int _firstOpen;
    private int _untaken;
    private int _completed;
    private volatile Exception? _fault;
    private Func<int, int, double>? _runBlock;
    private Func<int, int, double>? _bandsDone;

    public DataflowSchedule(BlockGrid grid, int threads)
    {
        _grid = grid;
        _threads = Math.Max(1, threads);
        var size = grid.Size;
        _strata = new int[size];
        _pending = new int[size * size];
        _taken = new bool[size * size];
        _done = new int[size];
        _holder = new int[size];
        for (var band = 0; band < size; band++)
        {
            _holder[band] = band % _threads;
        }

        _cacheItemBands = grid.SortedByUser;
        _errors = new double[size * size];
        _bandTotals = new double[size * size];
        _rowsBySize = new int[size][];
        for (var s = 0; s < size; s++)
        {
            // Among ready blocks of one stratum, the biggest first: the small ones fill in at the end.
            _rowsBySize[s] = Enumerable.Range(0, size).OrderByDescending(row => Length(Block(row, s))).ThenBy(row => row).ToArray();
        }

        _workers = new WorkerThreads(_threads - 1, part => Work(part), "sgd-dataflow");
    }

    /// <summary>
    /// Runs every block once; <paramref name="runBlock"/>(start, end) trains ratings [start, end) and returns Σ e².
    /// A block of the epoch's last stratum is the last of its user band and of its item band: the thread that ran it
    /// then calls <paramref name="bandsDone"/>(user band, item band), while no block touches either band, for the
    /// epoch's bookkeeping of those two bands (such as their parameter norms). Returns (Σ e², Σ of
    /// <paramref name="bandsDone"/>), each summed in block order, so neither depends on the thread count.
    /// </summary>
    public (double SquaredErrors, double BandTotals) RunEpoch(Random random, Func<int, int, double> runBlock, Func<int, int, double> bandsDone)
    {
        var size = _grid.Size;
        if (_fault is not null)
        {
            throw new InvalidOperationException("A block failed in an earlier epoch; this schedule cannot run another.", _fault);
        }

        lock (_gate)
        {
            // Under the lock: a worker still leaving the previous epoch must see this one whole or not at all.
            for (var s = 0; s < size; s++)
            {
                _strata[s] = s;
            }

            random.Shuffle(_strata);
            Array.Clear(_done);
            Array.Clear(_taken);
            Array.Clear(_bandTotals);
            for (var position = 0; position < _pending.Length; position++)
            {
                // Position (p, row) is row band `row`'s block in the p-th stratum visited; all but the first stratum's
                // wait for two blocks: the previous one in their user band and the previous one in their item band.
                _pending[position] = position < size ? 0 : 2;
            }

            _firstOpen = 0;
            _untaken = _pending.Length;
            _completed = 0;
            _runBlock = runBlock;
            _bandsDone = bandsDone;
        }

        _workers.StartEpoch();
        Work(0);
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _completed) < _pending.Length && _fault is null)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        if (_fault is { } fault)
        {
            ExceptionDispatchInfo.Throw(fault);
        }

        return (Sum(_errors), Sum(_bandTotals));
    }

    public void Dispose() => _workers.Dispose();

    /// <summary>Takes and runs blocks until none is left to take; returns without waiting for the others' blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Work(int part)
    {
        var size = _grid.Size;
        var spinner = default(SpinWait);
        int position;
        while ((position = Take(part, out var runBlock, out var bandsDone)) != Finished)
        {
            if (position == NoneReady)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            spinner = default;
            var (order, row) = Math.DivRem(position, size);
            var block = Block(row, _strata[order]);
            var column = block % size;
            try
            {
                _errors[block] = runBlock(_grid.Starts[block], _grid.Starts[block + 1]);
                if (order == size - 1)
                {
                    _bandTotals[block] = bandsDone(row, column);
                }
            }
            catch (Exception exception)
            {
                // The block's successors will never be ready: stop handing out blocks, and let the caller rethrow.
                lock (_gate)
                {
                    _fault ??= exception;
                }

                return;
            }

            Complete(order, row, column);
        }
    }

    /// <summary>
    /// A ready block not yet taken, <see cref="NoneReady"/>, or <see cref="Finished"/>: the first, earliest stratum
    /// first, whose cached band this thread holds (see <see cref="_holder"/>); else the first of any. Also hands out
    /// the current epoch's callbacks, read under the same lock as the block.
    /// </summary>
    private int Take(int part, out Func<int, int, double> runBlock, out Func<int, int, double> bandsDone)
    {
        var size = _grid.Size;
        lock (_gate)
        {
            runBlock = _runBlock!;
            bandsDone = _bandsDone!;
            if (_untaken == 0 || _fault is not null)
            {
                return Finished;
            }

            while (_firstOpen < size && Open(_firstOpen) == 0)
            {
                _firstOpen++;
            }

            var other = NoneReady;
            for (var order = _firstOpen; order < size; order++)
            {
                foreach (var row in _rowsBySize[_strata[order]])
                {
                    var position = order * size + row;
                    if (_taken[position] || _pending[position] != 0)
                    {
                        continue;
                    }

                    if (_holder[CachedBand(order, row)] == part)
                    {
                        return Claim(position);
                    }

                    if (other == NoneReady)
                    {
                        other = position;
                    }
                }

                if (_done[order] == 0)
                {
                    break; // no block of the next stratum can be ready before one of this stratum's is done
                }
            }

            return other == NoneReady ? NoneReady : Claim(other);

            int Claim(int position)
            {
                var (order, row) = Math.DivRem(position, size);
                _holder[CachedBand(order, row)] = part;
                _taken[position] = true;
                _untaken--;
                return position;
            }
        }

        int Open(int order)
        {
            var open = 0;
            for (var row = 0; row < size; row++)
            {
                open += _taken[order * size + row] ? 0 : 1;
            }

            return open;
        }
    }

    /// <summary>The band of block (order, row) on the side a block is not sorted by: the item band if it is sorted by user.</summary>
    private int CachedBand(int order, int row) => _cacheItemBands ? (row + _strata[order]) % _grid.Size : row;

    /// <summary>Counts the finished block and releases the next blocks of its user band and its item band.</summary>
    private void Complete(int order, int row, int column)
    {
        var size = _grid.Size;
        var next = order + 1;
        lock (_gate)
        {
            _done[order]++;
            if (next < size)
            {
                _pending[next * size + row]--;
                _pending[next * size + (column - _strata[next] + size) % size]--;
            }

            _completed++;
        }
    }

    private int Block(int row, int stratum) => row * _grid.Size + (row + stratum) % _grid.Size;

    private int Length(int block) => _grid.Starts[block + 1] - _grid.Starts[block];

    private static double Sum(double[] values)
    {
        double sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum;
    }
}
