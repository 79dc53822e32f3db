#!/usr/bin/env bash
# Matrix-page benchmark: the service pinned to one core (taskset) with a rating file imported and trained at the
# default settings, then GET /api/similarity/users?pageSize=100 and a full-width page of GET /api/predictions,
# each RUNS times (default 9) after a warm-up; prints every time and the medians.
# usage: bench/matrix.sh RATINGS_FILE [RUNS]      (e.g. MovieLens ml-latest-small ratings.csv)
set -euo pipefail
ratings=${1:?usage: bench/matrix.sh RATINGS_FILE [RUNS]}
runs=${2:-9}
port=${PORT:-5396}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null
ConnectionStrings__Recommender="Data Source=$work/r.db" Model__Directory="$work/models" Demo__Seed=false \
  Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 \
  Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
  Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin RateLimits__Enabled=false \
  taskset -c 0 dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/health/live" >/dev/null && break; sleep 0.1; done
curl -sf -H "X-API-Key: $key" -X POST --data-binary "@$ratings" -H 'Content-Type: text/csv' "$base/api/ratings/import" >/dev/null
curl -sf -H "X-API-Key: $key" -X POST "$base/api/model/retrain" >/dev/null
for _ in $(seq 1200); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.1; done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
measure() { # name url
  curl -sf -o /dev/null "$base$2" # warm-up (the first similarity query also builds the item Gram matrix)
  local times=()
  for _ in $(seq "$runs"); do
    times+=("$(curl -sf -o /dev/null -w '%{time_total}' "$base$2")")
  done
  local bytes
  bytes=$(curl -sf "$base$2" | wc -c)
  echo "$1: median $(printf '%s\n' "${times[@]}" | median) s of $runs (each: ${times[*]}), $bytes bytes"
}
measure "similarity, 100 users" "/api/similarity/users?pageSize=100"
cells=$(curl -sf "$base/api/model" | grep -o '"items":[0-9]*' | head -1 | cut -d: -f2)
rows=$(( 250000 / cells ))
measure "predictions, $rows users x $cells items" "/api/predictions?pageSize=$rows"
