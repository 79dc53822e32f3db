#!/usr/bin/env bash
# How the defaults are chosen for generality: the service's self-tuning grid around an algorithm's defaults
# (`cross-validate --search`), cross-validated on TRAIN_FILE and on the three synthetic sets of bench/datasets.sh —
# never on a test file. For each setting, its RMSE on each set relative to that set's best setting; the setting with
# the lowest mean relative RMSE generalizes best.
# usage: ALGORITHM=bayesian bench/defaults.sh TRAIN_FILE      (FOLDS: 3)
# Prints one line per set and setting ("set factors regularization samples rmse"), then the settings ranked.
set -euo pipefail
train=${1:?usage: bench/defaults.sh TRAIN_FILE}
algorithm=${ALGORITHM:-biased-sgd}
folds=${FOLDS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$work/cli" >/dev/null
cli() { dotnet "$work/cli/recommender.dll" "$@"; }
source "$root/bench/datasets.sh"
synthetic_sets cli "$work"
cp "$train" "$work/train.csv"

for set in train sparse dense noisy; do
  cli cross-validate --input "$work/$set.csv" --folds "$folds" --search --algorithm "$algorithm" --json 2>/dev/null | tail -1 \
    | python3 -c 'import json, sys
d = json.load(sys.stdin)
for r in d["results"]:
    print(sys.argv[1], r["factors"], r["regularization"], r["samples"], r["rmse"])' "$set" | tee -a "$work/results.txt"
done

echo "settings ranked by mean RMSE relative to each set's best (factors regularization samples: mean relative RMSE, per set):"
python3 - "$work/results.txt" <<'PY'
import collections, sys
rows = [line.split() for line in open(sys.argv[1])]
best = collections.defaultdict(lambda: float("inf"))
for s, *_, rmse in rows:
    best[s] = min(best[s], float(rmse))
by = collections.defaultdict(dict)
for s, k, lam, samples, rmse in rows:
    by[(k, lam, samples)][s] = float(rmse) / best[s]
for key, sets in sorted(by.items(), key=lambda kv: sum(kv[1].values()) / len(kv[1])):
    print(" ".join(key) + ": " + f"{sum(sets.values()) / len(sets):.4f}", " ".join(f"{s}={v:.4f}" for s, v in sorted(sets.items())))
PY
