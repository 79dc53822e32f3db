namespace Recommender.Core.Training;

/// <summary>
/// Threads 1 … N of an epoch schedule (the caller's thread is thread 0). They live for the whole training run, run
/// <c>work(t)</c> once per <see cref="StartEpoch"/> and sleep in between.
/// </summary>
internal sealed class WorkerThreads : IDisposable
{
    private readonly SemaphoreSlim _epochStart = new(0);
    private readonly Thread[] _threads;
    private volatile bool _stopping;

    public WorkerThreads(int count, Action<int> work, string name)
    {
        _threads = new Thread[count];
        for (var t = 0; t < count; t++)
        {
            var part = t + 1;
            _threads[t] = new Thread(() =>
            {
                while (true)
                {
                    _epochStart.Wait();
                    if (_stopping)
                    {
                        return;
                    }

                    work(part);
                }
            })
            { IsBackground = true, Name = name };
            _threads[t].Start();
        }
    }

    public void StartEpoch()
    {
        if (_threads.Length > 0)
        {
            _epochStart.Release(_threads.Length);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        StartEpoch();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _epochStart.Dispose();
    }
}
