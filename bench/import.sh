#!/usr/bin/env bash
# Import benchmark: a rating file streamed over HTTP into a fresh service (POST /api/ratings/import), RUNS times
# (default 5), each into an empty store; prints each run (with the service's peak resident memory) and the median on
# the last line.
# usage: [STORE=sqlite|postgres] bench/import.sh RATINGS_FILE [RUNS]   (the store: see bench/store.sh)
set -euo pipefail
ratings=${1:?usage: bench/import.sh RATINGS_FILE [RUNS]}
runs=${2:-5}
port=${PORT:-5394}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
pid=
source "$root/bench/store.sh"
trap 'set +e; [ -n "$pid" ] && kill $pid 2>/dev/null; store_stop; rm -rf "$work"' EXIT
store_start
dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$work/cli" >/dev/null
times=()
for run in $(seq "$runs"); do
  rm -rf "$work/models"
  store_env "import$run"
  env "${STORE_ENV[@]}" Model__Directory="$work/models" Demo__Seed=false \
    Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 \
    Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
    Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin RateLimits__Enabled=false \
    dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
  out=$(dotnet "$work/cli/recommender.dll" import --url "http://127.0.0.1:$port" --input "$ratings" --api-key "$key")
  seconds=$(awk '/total seconds/ {print $3}' <<<"$out")
  echo "run $run: $(head -1 <<<"$out" | sed 's/  */ /g'), $seconds s, service peak resident memory $(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' /proc/$pid/status)"
  times+=("$seconds")
  kill $pid; wait $pid 2>/dev/null || true
  pid=
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "import over HTTP into an empty store: median $median s of $runs runs (each: ${times[*]})"
