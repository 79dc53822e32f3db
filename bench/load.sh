#!/usr/bin/env bash
# Serving benchmark: GET /api/users/{id}/recommendations?count=10 (the default strategy: the ranking model) against
# GET /health/live, measured in the same run with wrk (Debian package) at 64 connections after a warm-up of each, then
# again while a retrain runs.
# usage: bench/load.sh RATINGS_FILE [SECONDS]      (e.g. MovieLens ml-latest-small ratings.csv)
# Last line: "recommendations/live ratio R, p99 P ms; during retrain: ratio R2, p99 P2 ms".
set -euo pipefail
ratings=${1:?usage: bench/load.sh RATINGS_FILE [SECONDS]}
seconds=${2:-10}
connections=64
port=${PORT:-5391}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/wrk.sh"
work=$(mktemp -d)
key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null
ConnectionStrings__Recommender="Data Source=$work/r.db" Model__Directory="$work/models" Demo__Seed=false \
  Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 Training__Factors=100 \
  Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
    Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin RateLimits__Enabled=false \
  dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/health/live" >/dev/null && break; sleep 0.1; done

curl -sf -H "X-API-Key: $key" -X POST --data-binary "@$ratings" -H 'Content-Type: text/csv' "$base/api/ratings/import" >/dev/null
curl -sf -H "X-API-Key: $key" -X POST "$base/api/model/retrain" >/dev/null
for _ in $(seq 600); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.1; done

# Every user id (URL-encoded), for requests spread over all users.
recommend_script "$base" "$work/recommend.lua"

run() { wrk -t2 -c$connections -d"${seconds}s" --latency "$@" 2>&1; }

# Warm up both paths first (the JIT's optimizing tier, the caches), so that both are measured in steady state.
wrk -t2 -c$connections -d5s "$base/health/live" >/dev/null 2>&1
wrk -t2 -c$connections -d5s -s "$work/recommend.lua" "$base" >/dev/null 2>&1
live=$(run "$base/health/live")
recs=$(run -s "$work/recommend.lua" "$base")
version=$(curl -sf "$base/api/model" | grep -o '"version":[0-9]*' | head -1 | cut -d: -f2)
curl -sf -H "X-API-Key: $key" -X POST "$base/api/model/retrain" >/dev/null
during=$(run -s "$work/recommend.lua" "$base")
after=$(curl -sf "$base/api/model" | grep -o '"version":[0-9]*' | head -1 | cut -d: -f2)

echo "live:            $(rps <<<"$live") req/s, p99 $(p99 <<<"$live") ms"
echo "recommendations: $(rps <<<"$recs") req/s, p99 $(p99 <<<"$recs") ms, non-2xx: $(errors <<<"$recs")"
echo "during retrain:  $(rps <<<"$during") req/s, p99 $(p99 <<<"$during") ms, non-2xx: $(errors <<<"$during") (model version $version -> $after)"
ratio=$(awk -v a="$(rps <<<"$recs")" -v b="$(rps <<<"$live")" 'BEGIN { printf "%.2f", a / b }')
ratio2=$(awk -v a="$(rps <<<"$during")" -v b="$(rps <<<"$live")" 'BEGIN { printf "%.2f", a / b }')
echo "recommendations/live ratio $ratio, p99 $(p99 <<<"$recs") ms; during retrain: ratio $ratio2, p99 $(p99 <<<"$during") ms"
