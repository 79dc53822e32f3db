using System.Collections.Concurrent;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class DataflowScheduleTests
{
    private sealed record Run(int Block, int End, long Start, long Finish);

    private static BlockGrid Grid(int threads) =>
        BlockGrid.Build(Synthetic.LowRank(users: 400, items: 300, rank: 2, noise: 0.1, density: 0.3, seed: 4), BlockGrid.SizeFor(threads), new Random(9));

    /// <summary>
    /// Whatever the timing, every block runs once per epoch, and the blocks of each user band and of each item band run
    /// one after another in one and the same stratum order — the property that makes the model independent of timing;
    /// each band's end-of-epoch bookkeeping runs once, after the band's last block.
    /// Blocks take seeded, uneven times and there are more threads than this machine may have cores, to shake the timing.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void RunEpoch_RunsEachBlockOnce_InOneStratumOrderPerBand(int threads)
    {
        var grid = Grid(threads);
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
            var closes = new ConcurrentBag<(int UserBand, int ItemBand, long At)>();
            var (errors, bandTotals) = schedule.RunEpoch(
                random,
                (start, end) =>
                {
                    var block = blockAt[start];
                    var begun = Interlocked.Increment(ref clock);
                    Thread.SpinWait(200 + (block * 7919 % 13) * 400);
                    runs.Add(new Run(block, end, begun, Interlocked.Increment(ref clock)));
                    return block;
                },
                (userBand, itemBand) =>
                {
                    closes.Add((userBand, itemBand, Interlocked.Increment(ref clock)));
                    return 1000 * userBand + itemBand;
                });

            // RunEpoch returns only when every block and every band's bookkeeping is done.
            Assert.Equal(Enumerable.Range(0, size * size), runs.Select(r => r.Block).Order());
            Assert.All(runs, r => Assert.Equal(grid.Starts[r.Block + 1], r.End));
            Assert.Equal(size * size * (size * size - 1) / 2.0, errors);
            Assert.Equal(Enumerable.Range(0, size), closes.Select(c => c.UserBand).Order());
            Assert.Equal(Enumerable.Range(0, size), closes.Select(c => c.ItemBand).Order());
            Assert.Equal(closes.Sum(c => 1000.0 * c.UserBand + c.ItemBand), bandTotals);
            foreach (var (userBand, itemBand, at) in closes)
            {
                // A band's bookkeeping comes after its last block, and no block of the band runs after it.
                Assert.All(runs.Where(r => r.Block / size == userBand || r.Block % size == itemBand), r => Assert.True(r.Finish < at));
            }

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

    [Fact]
    public void BlockGrid_BandsCoverEveryRowOnce_AndHoldTheirBlocksRatings()
    {
        var data = Synthetic.LowRank(users: 37, items: 29, rank: 2, noise: 0.1, density: 0.5, seed: 5);
        var grid = BlockGrid.Build(data, 8, new Random(2));
        Assert.Equal(Enumerable.Range(0, 37), Enumerable.Range(0, 8).SelectMany(b => Enumerable.Range(grid.UserBand(b).Start, grid.UserBand(b).Length)));
        Assert.Equal(Enumerable.Range(0, 29), Enumerable.Range(0, 8).SelectMany(b => Enumerable.Range(grid.ItemBand(b).Start, grid.ItemBand(b).Length)));
        for (var block = 0; block < 64; block++)
        {
            var (users, items) = (grid.UserBand(block / 8), grid.ItemBand(block % 8));
            for (var n = grid.Starts[block]; n < grid.Starts[block + 1]; n++)
            {
                Assert.InRange(grid.Users[n], users.Start, users.Start + users.Length - 1);
                Assert.InRange(grid.Items[n], items.Start, items.Start + items.Length - 1);
            }
        }
    }

    /// <summary>
    /// The grid holds every rating exactly once, and inside each block the ratings run in order of the larger side's
    /// label, then the other side's (LIBMF's order: a row of the larger side is read once per block).
    /// </summary>
    [Theory]
    [InlineData(53, 17)]
    [InlineData(17, 53)]
    public void BlockGrid_HoldsEveryRatingOnce_SortedInsideEachBlockByTheLargerSide(int userCount, int itemCount)
    {
        var data = Synthetic.LowRank(users: userCount, items: itemCount, rank: 2, noise: 0.1, density: 0.6, seed: 9);
        var grid = BlockGrid.Build(data, 8, new Random(4));
        var expected = Enumerable.Range(0, data.Count).Select(n => (data.UserIndices[n], data.ItemIndices[n], data.Values[n])).Order();
        var held = Enumerable.Range(0, data.Count).Select(n => (grid.UserOrder[grid.Users[n]], grid.ItemOrder[grid.Items[n]], grid.Values[n])).Order();
        Assert.Equal(expected, held);
        var byUser = userCount >= itemCount;
        Assert.Equal(byUser, grid.SortedByUser);
        for (var block = 0; block < 64; block++)
        {
            for (var n = grid.Starts[block] + 1; n < grid.Starts[block + 1]; n++)
            {
                var previous = byUser ? (grid.Users[n - 1], grid.Items[n - 1]) : (grid.Items[n - 1], grid.Users[n - 1]);
                var current = byUser ? (grid.Users[n], grid.Items[n]) : (grid.Items[n], grid.Users[n]);
                Assert.True(previous.CompareTo(current) < 0, $"block {block}: {previous} before {current}");
            }
        }
    }

    /// <summary>
    /// A block that throws, on whichever thread runs it, fails the epoch on the caller's thread with its exception —
    /// not the process, and without leaving the other threads waiting for blocks that can no longer become ready.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void RunEpoch_RethrowsABlocksException_OnTheCallersThread(int threads)
    {
        var grid = Grid(threads);
        var failing = grid.Starts[9];
        using (var schedule = new DataflowSchedule(grid, threads))
        {
            var error = Assert.Throws<InvalidOperationException>(() => schedule.RunEpoch(
                new Random(1),
                (start, _) =>
                {
                    Thread.SpinWait(2000);
                    return start == failing ? throw new InvalidOperationException("block 9 failed") : 1;
                },
                (_, _) => 0));
            Assert.Equal("block 9 failed", error.Message);

            var again = Assert.Throws<InvalidOperationException>(() => schedule.RunEpoch(new Random(2), (_, _) => 1, (_, _) => 0));
            Assert.Same(error, again.InnerException);
        }
    }
}
