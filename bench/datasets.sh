#!/usr/bin/env bash
# Sourced by the accuracy scripts: the three seeded synthetic rating sets of different shape they cross-validate on,
# beside the training file given by the user.
#   synthetic_sets CLI DIR   writes DIR/sparse.csv (sparse, strongly skewed popularity), DIR/dense.csv (dense, little
#                            noise) and DIR/noisy.csv (larger and noisy) with `CLI generate` (CLI: a command prefix)
synthetic_sets() {
  local cli=$1 dir=$2
  $cli generate --output "$dir/sparse.csv" --users 3000 --items 4000 --ratings 80000 --rank 8 --noise 0.9 --skew 1.1 --seed 11 >/dev/null
  $cli generate --output "$dir/dense.csv" --users 800 --items 400 --ratings 120000 --rank 5 --noise 0.3 --skew 0.3 --seed 12 >/dev/null
  $cli generate --output "$dir/noisy.csv" --users 6000 --items 3000 --ratings 300000 --rank 12 --noise 1.2 --skew 0.8 --seed 13 >/dev/null
}
