#!/usr/bin/env bash
# Cold start: a service holding a large model is restarted; how long until it answers its first recommendation?
# Generates a seeded synthetic set (default 10 M ratings, 200 k users × 50 k items), imports it over HTTP, trains
# once (k = 64, 10 epochs), stops the service, starts it again and times the first successful recommendation.
# The restart is repeated RESTARTS times (default 5) and the median reported.
# usage: bench/coldstart.sh [RATINGS] [USERS] [ITEMS]
# Last line: "first recommendation after a restart: median S s of R restarts (each: …) (N ratings, model version V)".
set -euo pipefail
ratings=${1:-10000000}
users=${2:-200000}
items=${3:-50000}
port=${PORT:-5393}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$work/cli" >/dev/null
dotnet "$work/cli/recommender.dll" generate --output "$work/ratings.csv" --ratings "$ratings" --users "$users" --items "$items"

start_service() {
  ConnectionStrings__Recommender="Data Source=$work/r.db" Model__Directory="$work/models" Demo__Seed=false \
    Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 \
    Training__Factors=64 Training__Epochs=10 Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
    Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin RateLimits__Enabled=false \
    dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$port" >>"$work/service.log" 2>&1 &
  pid=$!
}
base="http://127.0.0.1:$port"

start_service
for _ in $(seq 200); do curl -sf "$base/health/live" >/dev/null && break; sleep 0.1; done
dotnet "$work/cli/recommender.dll" import --url "$base" --input "$work/ratings.csv" --api-key "$key"
curl -sf -H "X-API-Key: $key" -X POST "$base/api/model/retrain" >/dev/null
until curl -sf "$base/health/ready" >/dev/null; do sleep 0.5; done
version=$(curl -sf "$base/api/model" | grep -o '"version":[0-9]*' | head -1 | cut -d: -f2)
user=$(curl -sf "$base/api/users?pageSize=1" | grep -o '"userId":"[^"]*"' | head -1 | cut -d'"' -f4)
ls -la "$work/models"
kill -TERM $pid; wait $pid || true

times=()
for _ in $(seq "${RESTARTS:-5}"); do
  begin=$(date +%s.%N)
  start_service
  until curl -sf "$base/api/users/$user/recommendations?count=10" >/dev/null; do sleep 0.02; done
  end=$(date +%s.%N)
  times+=("$(awk -v a="$begin" -v b="$end" 'BEGIN { printf "%.2f", b - a }')")
  kill -TERM $pid; wait $pid || true
  pid=
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "first recommendation after a restart: median $median s of ${#times[@]} restarts (each: ${times[*]}) ($ratings ratings, model version $version)"
