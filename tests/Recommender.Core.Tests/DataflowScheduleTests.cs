using System.Collections.Concurrent;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class DataflowScheduleTests
{
    private sealed record Run(int Block, int End, long Start, long Finish);

    /// <summary>
    /// Whatever the timing, every block runs once per epoch, and the blocks of each user band and of each item band run
    /// one after another in one and the same stratum order — the property that makes the model independent of timing.
    /// Blocks take seeded, uneven times and there are more threads than this machine may have cores, to shake the timing.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void RunEpoch_RunsEachBlockOnce_InOneStratumOrderPerBand(int threads)
    {
        var data = Synthetic.LowRank(users: 400, items: 300, rank: 2, noise: 0.1, density: 0.3, seed: 4);
        var grid = BlockGrid.Build(data, BlockGrid.SizeFor(threads), new Random(9));
        var size = grid.Size;
        var blockAt = new Dictionary<int, int>();
        for (var block = 0; block < size * size; block++)
        {
            blockAt.TryAdd(grid.Starts[block], block);
        }

        Assert.Equal(size * size, blockAt.Count); // every block holds ratings, so a start names one block
        using var schedule = new DataflowSchedule(grid, threads);
        var random = new Random(3);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            long clock = 0;
            var runs = new ConcurrentBag<Run>();
            var shares = new ConcurrentBag<(int Part, int Parts)>();
            var (errors, after) = schedule.RunEpoch(
                random,
                (start, end) =>
                {
                    var block = blockAt[start];
                    var begun = Interlocked.Increment(ref clock);
                    Thread.SpinWait(200 + (block * 7919 % 13) * 400);
                    runs.Add(new Run(block, end, begun, Interlocked.Increment(ref clock)));
                    return block;
                },
                (part, parts) =>
                {
                    shares.Add((part, parts));
                    return 1;
                });

            Assert.Equal(Enumerable.Range(0, size * size), runs.Select(r => r.Block).Order());
            Assert.All(runs, r => Assert.Equal(grid.Starts[r.Block + 1], r.End));
            Assert.Equal(size * size * (size * size - 1) / 2.0, errors);
            Assert.Equal(threads, after);
            Assert.Equal(Enumerable.Range(0, threads).Select(t => (t, threads)), shares.Order());

            // Block (r, c) belongs to stratum (c − r) mod G; user band 0 gives the epoch's stratum order.
            int Stratum(int block) => ((block % size) - (block / size) + size) % size;
            var order = runs.Where(r => r.Block / size == 0).OrderBy(r => r.Start).Select(r => Stratum(r.Block)).ToArray();
            for (var band = 0; band < size; band++)
            {
                AssertSequential(runs.Where(r => r.Block / size == band), $"user band {band}");
                AssertSequential(runs.Where(r => r.Block % size == band), $"item band {band}");
            }

            void AssertSequential(IEnumerable<Run> bandRuns, string band)
            {
                var inOrder = bandRuns.OrderBy(r => r.Start).ToArray();
                Assert.Equal(order, inOrder.Select(r => Stratum(r.Block)).ToArray());
                for (var n = 1; n < inOrder.Length; n++)
                {
                    Assert.True(inOrder[n - 1].Finish < inOrder[n].Start, $"{band}: blocks {inOrder[n - 1].Block} and {inOrder[n].Block} overlapped");
                }
            }
        }
    }
}
