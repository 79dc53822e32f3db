using System.Runtime.CompilerServices;

namespace Recommender.Core.Training;

/// <summary>
/// Runs SGD epochs over a <see cref="BlockGrid"/>: the strata in a seeded order, each stratum's blocks shared out among
/// the threads — largest block first, claimed from a counter — with a spinning barrier between strata. The worker
/// threads live for the whole training run and sleep between epochs.
/// </summary>
internal sealed class StratumSchedule : IDisposable
{
    private readonly BlockGrid _grid;
    private readonly int _threads;
    private readonly int[][] _claimOrder;
    private readonly int[] _strata;
    private readonly double[] _errors;
    private readonly int[] _claimed;
    private readonly SpinBarrier _barrier;
    private readonly SemaphoreSlim _epochStart = new(0);
    private readonly Thread[] _workers;
    private readonly double[] _partials;
    private Func<int, int, double>? _runBlock;
    private Func<int, int, double>? _afterEpoch;
    private volatile bool _stopping;

    public StratumSchedule(BlockGrid grid, int threads)
    {
        _grid = grid;
        _threads = Math.Max(1, threads);
        var size = grid.Size;
        _strata = new int[size];
        _errors = new double[size * size];
        _claimed = new int[size];
        _barrier = new SpinBarrier(_threads);
        _partials = new double[_threads];
        _claimOrder = new int[size][];
        for (var s = 0; s < size; s++)
        {
            // Longest-processing-time first: the big blocks start early and the small ones fill in.
            _claimOrder[s] = Enumerable.Range(0, size).OrderByDescending(row => Length(Block(row, s))).ThenBy(row => row).ToArray();
        }

        _workers = new Thread[_threads - 1];
        for (var t = 0; t < _workers.Length; t++)
        {
            var part = t + 1;
            _workers[t] = new Thread(() => WorkerLoop(part)) { IsBackground = true, Name = "sgd-stratum" };
            _workers[t].Start();
        }
    }

    /// <summary>
    /// Runs every block once; <paramref name="runBlock"/> trains ratings [start, end) and returns Σ e². Then each
    /// thread t of T runs <paramref name="afterEpoch"/>(t, T) — a share of the per-epoch bookkeeping, such as the
    /// parameter norms of the objective. Returns (Σ e², Σ of the shares).
    /// </summary>
    public (double SquaredErrors, double AfterEpoch) RunEpoch(Random random, Func<int, int, double> runBlock, Func<int, int, double> afterEpoch)
    {
        var size = _grid.Size;
        for (var s = 0; s < size; s++)
        {
            _strata[s] = s;
            _claimed[s] = 0;
        }

        random.Shuffle(_strata);
        _runBlock = runBlock;
        _afterEpoch = afterEpoch;
        if (_workers.Length > 0)
        {
            _epochStart.Release(_workers.Length);
        }

        Work(0);

        double sse = 0;
        foreach (var error in _errors)
        {
            sse += error;
        }

        double after = 0;
        foreach (var partial in _partials)
        {
            after += partial;
        }

        return (sse, after);
    }

    public void Dispose()
    {
        _stopping = true;
        if (_workers.Length > 0)
        {
            _epochStart.Release(_workers.Length);
        }

        foreach (var worker in _workers)
        {
            worker.Join();
        }

        _epochStart.Dispose();
    }

    private void WorkerLoop(int part)
    {
        while (true)
        {
            _epochStart.Wait();
            if (_stopping)
            {
                return;
            }

            Work(part);
        }
    }

    /// <summary>Every thread's share of one epoch; returns when all threads have finished their share of the bookkeeping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Work(int part)
    {
        var size = _grid.Size;
        var runBlock = _runBlock!;
        foreach (var stratum in _strata)
        {
            int next;
            while ((next = Interlocked.Increment(ref _claimed[stratum]) - 1) < size)
            {
                var block = Block(_claimOrder[stratum][next], stratum);
                _errors[block] = runBlock(_grid.Starts[block], _grid.Starts[block + 1]);
            }

            _barrier.SignalAndWait();
        }

        _partials[part] = _afterEpoch!(part, _threads);
        _barrier.SignalAndWait();
    }

    private int Block(int row, int stratum) => row * _grid.Size + (row + stratum) % _grid.Size;

    private int Length(int block) => _grid.Starts[block + 1] - _grid.Starts[block];

    /// <summary>A sense-reversing barrier that spins (the waits between strata are short) and yields under contention.</summary>
    private sealed class SpinBarrier(int participants)
    {
        private readonly ThreadLocal<bool> _localSense = new(() => false);
        private readonly int _participants = participants;
        private int _remaining = participants;
        private volatile bool _sense;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void SignalAndWait()
        {
            var sense = !_localSense.Value;
            _localSense.Value = sense;
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _remaining = _participants;
                _sense = sense;
                return;
            }

            var spinner = default(SpinWait);
            while (_sense != sense)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
    }
}
