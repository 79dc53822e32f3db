#!/usr/bin/env bash
# Grid search of the biased-SGD hyperparameters by 5-fold cross-validation on a TRAINING file only.
# usage: bench/tune.sh TRAIN_FILE   — prints one line per setting, "cv_rmse factors lr decay reg epochs", then the best.
# The grid is set by FACTORS, LEARNING_RATES, DECAYS, REGULARIZATIONS and EPOCHS (space-separated lists).
set -euo pipefail
train=${1:?usage: bench/tune.sh TRAIN_FILE}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$out/cli" >/dev/null
results=$out/results.txt
for factors in ${FACTORS:-64 128}; do
  for lr in ${LEARNING_RATES:-0.005 0.007 0.01}; do
    for decay in ${DECAYS:-0.96 1}; do
      for reg in ${REGULARIZATIONS:-0.04 0.06 0.08 0.1}; do
        for epochs in ${EPOCHS:-40 60}; do
          rmse=$(dotnet "$out/cli/recommender.dll" cross-validate --input "$train" --folds 5 --factors $factors \
            --learning-rate $lr --decay $decay --regularization $reg --epochs $epochs --json 2>/dev/null \
            | tail -1 | sed -E 's/.*"rmse":([0-9.]+).*/\1/')
          echo "$rmse $factors $lr $decay $reg $epochs" | tee -a "$results"
        done
      done
    done
  done
done
echo "best settings (cv_rmse factors lr decay reg epochs):"
sort -n "$results" | head -5
