#!/usr/bin/env bash
# Grid search of hyperparameters by 5-fold cross-validation on a TRAINING file only.
# usage: bench/tune.sh TRAIN_FILE — prints one line per setting, then the best five.
#   biased SGD (the default): "cv_rmse factors lr decay reg epochs"; the grid is set by FACTORS, LEARNING_RATES,
#     DECAYS, REGULARIZATIONS and EPOCHS (space-separated lists).
#   ALGORITHM=als: "cv_rmse factors reg bias_reg epochs"; the grid is set by FACTORS, REGULARIZATIONS,
#     BIAS_REGULARIZATIONS and EPOCHS.
set -euo pipefail
train=${1:?usage: bench/tune.sh TRAIN_FILE}
algorithm=${ALGORITHM:-biased-sgd}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$out/cli" >/dev/null
results=$out/results.txt
cv() { dotnet "$out/cli/recommender.dll" cross-validate --input "$train" --folds 5 --algorithm "$algorithm" "$@" --json 2>/dev/null \
  | tail -1 | sed -E 's/.*"rmse":([0-9.]+).*/\1/'; }
if [ "$algorithm" = als ]; then
  for factors in ${FACTORS:-16 32 64}; do
    for reg in ${REGULARIZATIONS:-0.05 0.1 0.2}; do
      for bias in ${BIAS_REGULARIZATIONS:-0.1}; do
        for epochs in ${EPOCHS:-15}; do
          rmse=$(cv --factors $factors --regularization $reg --bias-regularization $bias --epochs $epochs)
          echo "$rmse $factors $reg $bias $epochs" | tee -a "$results"
        done
      done
    done
  done
  echo "best settings (cv_rmse factors reg bias_reg epochs):"
else
  for factors in ${FACTORS:-64 128}; do
    for lr in ${LEARNING_RATES:-0.005 0.007 0.01}; do
      for decay in ${DECAYS:-0.96 1}; do
        for reg in ${REGULARIZATIONS:-0.04 0.06 0.08 0.1}; do
          for epochs in ${EPOCHS:-40 60}; do
            rmse=$(cv --factors $factors --learning-rate $lr --decay $decay --regularization $reg --epochs $epochs)
            echo "$rmse $factors $lr $decay $reg $epochs" | tee -a "$results"
          done
        done
      done
    done
  done
  echo "best settings (cv_rmse factors lr decay reg epochs):"
fi
sort -n "$results" | head -5
