#!/usr/bin/env bash
# Rating accuracy of every algorithm at its defaults, on data of different shapes, without looking at a test file to
# choose anything: for each algorithm, 5-fold cross-validation RMSE (mean ± sd over the folds) on TRAIN_FILE and on
# three seeded synthetic sets from `recommender generate`, then (only to report it) RMSE on TEST_FILE.
# usage: bench/accuracy.sh TRAIN_FILE TEST_FILE      (e.g. the MovieLens ml-latest-small split)
#   ALGORITHMS (default "biased-sgd als bayesian svdpp blend notebook") limits the rows; FOLDS (5) the folds.
# Prints one Markdown table row per algorithm, then the mean over the four cross-validated sets.
set -euo pipefail
train=${1:?usage: bench/accuracy.sh TRAIN_FILE TEST_FILE}
test=${2:?usage: bench/accuracy.sh TRAIN_FILE TEST_FILE}
folds=${FOLDS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$work/cli" >/dev/null
cli() { dotnet "$work/cli/recommender.dll" "$@"; }
source "$root/bench/datasets.sh"
synthetic_sets cli "$work"

field() { sed -nE "s/.*\"$1\":([0-9.eE+-]+).*/\1/p"; }
cv() { # algorithm file -> "mean sd", or "diverged" when the trainer diverged (the notebook's rule can, on large sets)
  local line
  if line=$(cli cross-validate --input "$2" --folds "$folds" --algorithm "$1" --json 2>/dev/null | tail -1) && [ -n "$line" ]; then
    echo "$(field rmse <<<"$line") $(field rmseStdDev <<<"$line")"
  else
    echo "diverged"
  fi
}

echo "| algorithm | shared split RMSE | CV on the training file | CV sparse/skewed | CV dense | CV large/noisy | mean CV |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for algorithm in ${ALGORITHMS:-biased-sgd als bayesian svdpp blend notebook}; do
  split=$(cli evaluate --train "$train" --test "$test" --algorithm "$algorithm" --json 2>/dev/null | tail -1 | field rmse || true)
  row="| \`$algorithm\` | $([ -n "$split" ] && printf '%.4f' "$split" || echo diverged)"
  sum=0
  scored=0
  for set in "$train" "$work/sparse.csv" "$work/dense.csv" "$work/noisy.csv"; do
    read -r mean sd < <(cv "$algorithm" "$set")
    if [ "$mean" = diverged ]; then
      row+=" | diverged"
    else
      row+=" | $(printf '%.4f ± %.4f' "$mean" "$sd")"
      sum=$(awk -v a="$sum" -v b="$mean" 'BEGIN { print a + b }')
      scored=$((scored + 1))
    fi
  done
  # The mean is over all four sets only when every set was scored.
  echo "$row | $([ "$scored" -eq 4 ] && awk -v s="$sum" 'BEGIN { printf "%.4f", s / 4 }' || echo –) |"
done
