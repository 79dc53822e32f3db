#!/usr/bin/env bash
# Training speed side by side with LIBMF (issue 14): the fast SGD trainer and LIBMF's mf-train at k = 100 on 1 and
# 2 threads, alternated within each of RUNS rounds (default 5), on the 1.8 M-rating generated set
#   recommender generate --users 50000 --items 10000 --ratings 2000000 --seed 7 --test-fraction 0.1
# and, when ML_TRAIN and ML_TEST name a split of ml-latest-small (userId,movieId,rating[,timestamp] with a header),
# on that too.
#
# LIBMF is not part of this project: pass the folder of its public source (or set LIBMF_SRC). It is copied into a
# temporary folder, built there with AVX (its Makefile's -DUSEAVX and -mavx, OpenMP kept) and deleted at the end.
#
# How each side is timed:
# - LIBMF: `mf-train -k 100 -s T --quiet` (its defaults otherwise: -l2 0.1, -r 0.1, squared loss), wall clock of a
#   41-iteration run minus that of a 1-iteration run, so reading the file and writing the model cancel out:
#   updates/s = 40 × training ratings / difference. Test RMSE from `mf-predict` with the 41-iteration model.
# - ours: `recommender evaluate --json` with k = 100, 40 epochs, --threads T and the default learning settings
#   (rate 0.01, decay 0.98, λ 0.04): updatesPerSecond times the 40 epochs inside the process; test RMSE on the test file.
# Ratios are ours / LIBMF and each side's 2-thread / 1-thread, both as ratios of the medians and as the median of
# the ratios taken within each round (the two runs of a round are seconds apart, so they share the host's load).
#
# usage: bench/libmf.sh LIBMF_SRC [RUNS]            (or LIBMF_SRC=... bench/libmf.sh "" [RUNS])
#        ML_TRAIN=train.csv ML_TEST=test.csv bench/libmf.sh LIBMF_SRC [RUNS]
set -euo pipefail
usage='usage: bench/libmf.sh LIBMF_SRC [RUNS]   (ML_TRAIN/ML_TEST: also an ml-latest-small split)'
src=${1:-${LIBMF_SRC:-}}
[[ -n $src && -f $src/mf-train.cpp && -f $src/Makefile ]] || { echo "$usage: LIBMF_SRC must be LIBMF's source folder" >&2; exit 2; }
runs=${2:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "$usage: RUNS must be a positive integer" >&2; exit 2; }
factors=100
epochs=40
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in g++ make awk; do
  command -v "$tool" >/dev/null || { echo "bench/libmf.sh: $tool is missing (Debian: apt-get install build-essential)" >&2; exit 2; }
done

echo "building the CLI (Release) and LIBMF (AVX) in a temporary folder" >&2
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$tmp/cli" >/dev/null
cli=(dotnet "$tmp/cli/recommender.dll")
cp -r "$src" "$tmp/libmf"
sed -i -E 's/^DFLAG = -DUSESSE/DFLAG = -DUSEAVX\nCXXFLAGS += -mavx/' "$tmp/libmf/Makefile"
grep -q '^DFLAG = -DUSEAVX' "$tmp/libmf/Makefile" || { echo "bench/libmf.sh: could not enable AVX in LIBMF's Makefile" >&2; exit 1; }
make -C "$tmp/libmf" clean all >/dev/null

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2f", lo, hi }'; }
field() { sed -E "s/.*\"$1\":([0-9.eE+-]+).*/\1/"; }
now() { date +%s.%N; }

# LIBMF wants `user item rating`, space-separated, with dense 0-based integer ids. One awk pass over the training file
# and then the test file numbers the ids in order of first appearance, so both files share one numbering (a test-only
# id gets a number past the training ones, which mf-predict answers with the mean). A header line (a rating that is
# not a number) is skipped.
to_libmf() { # TRAIN_CSV TEST_CSV TRAIN_OUT TEST_OUT
  awk -F, -v train_out="$3" -v test_out="$4" '
    FNR == 1 { file++ }
    $3 !~ /^[0-9.eE+-]+$/ { next }
    {
      if (!($1 in users)) users[$1] = nu++
      if (!($2 in items)) items[$2] = ni++
      print users[$1], items[$2], $3 > (file == 1 ? train_out : test_out)
    }' "$1" "$2"
}

# One LIBMF measurement: prints "updates/s rmse".
libmf_run() { # TRAIN TEST THREADS
  local lines t0 t1 t2
  lines=$(wc -l <"$1")
  t0=$(now)
  "$tmp/libmf/mf-train" -k "$factors" -t 1 -s "$3" --quiet "$1" "$tmp/model1" >/dev/null
  t1=$(now)
  "$tmp/libmf/mf-train" -k "$factors" -t $((epochs + 1)) -s "$3" --quiet "$1" "$tmp/model" >/dev/null
  t2=$(now)
  local rmse
  rmse=$("$tmp/libmf/mf-predict" -e 0 "$2" "$tmp/model" "$tmp/predictions" | sed -nE 's/^RMSE = ([0-9.]+).*/\1/p')
  rm -f "$tmp/model1" "$tmp/model" "$tmp/predictions"
  awk -v n="$lines" -v e="$epochs" -v a="$t0" -v b="$t1" -v c="$t2" -v r="$rmse" \
    'BEGIN { d = (c - b) - (b - a); if (d <= 0) { print "bench/libmf.sh: LIBMF 41-1 difference not positive" > "/dev/stderr"; exit 1 } printf "%.0f %s\n", e * n / d, r }'
}

# One measurement of ours: prints "updates/s rmse".
ours_run() { # TRAIN TEST THREADS
  local json
  json=$("${cli[@]}" evaluate --train "$1" --test "$2" --factors "$factors" --epochs "$epochs" --threads "$3" --json 2>/dev/null | tail -1)
  [[ $json == *'"updatesPerSecond":'* ]] || { echo "bench/libmf.sh: evaluate printed no figures" >&2; return 1; }
  printf '%s %s\n' "$(field updatesPerSecond <<<"$json")" "$(field rmse <<<"$json")"
}

compare() { # NAME TRAIN_CSV TEST_CSV
  local name=$1 train=$2 test=$3 r t side
  to_libmf "$train" "$test" "$tmp/train.txt" "$tmp/test.txt"
  local ratings
  ratings=$(wc -l <"$tmp/train.txt")
  echo "== $name: $ratings training ratings, $(wc -l <"$tmp/test.txt") test ratings; k = $factors, $epochs epochs/iterations; $runs rounds"
  : >"$tmp/rounds.txt"
  for r in $(seq "$runs"); do
    local line="$r"
    for t in 1 2; do
      # Alternate which side goes first from round to round.
      local first=ours second=libmf
      if (( r % 2 == 0 )); then first=libmf second=ours; fi
      for side in "$first" "$second"; do
        local result
        if [[ $side == ours ]]; then
          result=$(ours_run "$train" "$test" "$t")
          read -r ours_ups ours_rmse <<<"$result"
        else
          result=$(libmf_run "$tmp/train.txt" "$tmp/test.txt" "$t")
          read -r libmf_ups libmf_rmse <<<"$result"
        fi
      done
      line+=" $ours_ups $ours_rmse $libmf_ups $libmf_rmse"
    done
    echo "$line" >>"$tmp/rounds.txt"
    # columns: round, ours1 rmse1 libmf1 lrmse1, ours2 rmse2 libmf2 lrmse2
    awk '{ printf "round %d: 1 thread  ours %6.2f M/s (rmse %.4f)  LIBMF %6.2f M/s (rmse %.4f)  ours/LIBMF %.2fx\n         2 threads ours %6.2f M/s (rmse %.4f)  LIBMF %6.2f M/s (rmse %.4f)  ours/LIBMF %.2fx   2/1 thread: ours %.2fx  LIBMF %.2fx\n",
      $1, $2 / 1e6, $3, $4 / 1e6, $5, $2 / $4, $6 / 1e6, $7, $8 / 1e6, $9, $6 / $8, $6 / $2, $8 / $4 }' <<<"$line"
  done
  col() { awk -v c="$1" '{ print $c }' "$tmp/rounds.txt"; }
  ratio() { awk -v a="$1" -v b="$2" '{ printf "%.4f\n", $a / $b }' "$tmp/rounds.txt"; }
  m() { col "$1" | median; }
  mm() { col "$1" | median | awk '{ printf "%.2f", $1 / 1e6 }'; }
  rg() { col "$1" | awk '{ printf "%.2f\n", $1 / 1e6 }' | range; }
  echo "-- $name: medians of $runs rounds (range), M updates/s"
  printf '%-10s %-24s %-24s %s\n' "" "ours" "LIBMF" "ours/LIBMF (of medians; median of per-round ratios, range)"
  printf '%-10s %-24s %-24s %.2fx; %.2fx (%s)\n' "1 thread" "$(mm 2) ($(rg 2))" "$(mm 4) ($(rg 4))" \
    "$(awk -v a="$(m 2)" -v b="$(m 4)" 'BEGIN { print a / b }')" "$(ratio 2 4 | median)" "$(ratio 2 4 | range)"
  printf '%-10s %-24s %-24s %.2fx; %.2fx (%s)\n' "2 threads" "$(mm 6) ($(rg 6))" "$(mm 8) ($(rg 8))" \
    "$(awk -v a="$(m 6)" -v b="$(m 8)" 'BEGIN { print a / b }')" "$(ratio 6 8 | median)" "$(ratio 6 8 | range)"
  printf '%-10s ours %.2fx; %.2fx (%s)   LIBMF %.2fx; %.2fx (%s)\n' "2/1 thread" \
    "$(awk -v a="$(m 6)" -v b="$(m 2)" 'BEGIN { print a / b }')" "$(ratio 6 2 | median)" "$(ratio 6 2 | range)" \
    "$(awk -v a="$(m 8)" -v b="$(m 4)" 'BEGIN { print a / b }')" "$(ratio 8 4 | median)" "$(ratio 8 4 | range)"
  printf '%-10s ours 1 thread %.4f, 2 threads %.4f   LIBMF 1 thread %.4f, 2 threads %.4f (medians)\n' "test RMSE" \
    "$(m 3)" "$(m 7)" "$(m 5)" "$(m 9)"
}

echo "generating the 1.8 M set" >&2
"${cli[@]}" generate --users 50000 --items 10000 --ratings 2000000 --seed 7 --test-fraction 0.1 \
  --output "$tmp/gen-train.csv" --test-output "$tmp/gen-test.csv" 2>/dev/null
compare "generated (generate --users 50000 --items 10000 --ratings 2000000 --seed 7 --test-fraction 0.1)" "$tmp/gen-train.csv" "$tmp/gen-test.csv"
rm -f "$tmp/gen-train.csv" "$tmp/gen-test.csv"
if [[ -n ${ML_TRAIN:-} && -n ${ML_TEST:-} ]]; then
  compare "ml-latest-small ($(basename "$ML_TRAIN"), $(basename "$ML_TEST"))" "$ML_TRAIN" "$ML_TEST"
fi
