#!/usr/bin/env bash
# Training speed: the CLI's bench verb RUNS times (default 5) at k = 100 and k = 64, 20 epochs, on two threads, and
# the medians of its figures (each run measures the fast trainer on 2 threads and on 1, alternated nine times, each
# pair followed by two separate 1-thread runs at once — what the machine offered two threads — and the scalar notebook
# trainer, side by side in one process). The 1- and 2-thread figures on the generated 1.8 M-rating set, side by side
# with LIBMF, come from bench/libmf.sh (which also covers an ml-latest-small split given by ML_TRAIN and ML_TEST).
# usage: bench/speed.sh TRAIN_FILE TEST_FILE [RUNS]
set -euo pipefail
train=${1:?usage: bench/speed.sh TRAIN_FILE TEST_FILE [RUNS]}
test=${2:?usage: bench/speed.sh TRAIN_FILE TEST_FILE [RUNS]}
runs=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$out/cli" >/dev/null
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -E "s/.*\"$1\":([0-9.eE+-]+).*/\1/"; }
for factors in 100 64; do
  : >"$out/runs.txt"
  for _ in $(seq "$runs"); do
    dotnet "$out/cli/recommender.dll" bench --train "$train" --test "$test" --factors "$factors" --epochs 20 --threads 2 --repeat 9 --json 2>/dev/null | tail -1 >>"$out/runs.txt"
  done
  printf 'k = %-3s  medians of %s runs: 2 threads %.1f M updates/s, 1 thread %.1f M/s, 2 vs 1 thread %.2fx (2 separate runs %.2fx), scalar %.2f M/s, rmse %.4f (1 thread %.4f), fit %.3f s, peak %.0f MB\n' \
    "$factors" "$runs" \
    "$(field updatesPerSecond <"$out/runs.txt" | median | awk '{print $1 / 1e6}')" \
    "$(field singleThreadUpdatesPerSecond <"$out/runs.txt" | median | awk '{print $1 / 1e6}')" \
    "$(field threadSpeedup <"$out/runs.txt" | median)" \
    "$(field hostSpeedup <"$out/runs.txt" | median)" \
    "$(field scalarUpdatesPerSecond <"$out/runs.txt" | median | awk '{print $1 / 1e6}')" \
    "$(field rmse <"$out/runs.txt" | median)" \
    "$(field singleThreadRmse <"$out/runs.txt" | median)" \
    "$(field fitSeconds <"$out/runs.txt" | median)" \
    "$(field peakWorkingSetMb <"$out/runs.txt" | median)"
done
