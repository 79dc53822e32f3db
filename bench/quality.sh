#!/usr/bin/env bash
# Recommendation quality as a frontend sees it: a fresh service (Production, default settings) imports TRAIN_FILE
# over HTTP and retrains; `recommender score` then asks it for every test user's top 10 (the default strategy) and
# scores the lists on TEST_FILE; `recommender evaluate --algorithm ease` fits the same default ranking model in-process
# for comparison, and the popularity row is the reference.
# usage: bench/quality.sh TRAIN_FILE TEST_FILE      (e.g. the MovieLens ml-latest-small split)
set -euo pipefail
train=${1:?usage: bench/quality.sh TRAIN_FILE TEST_FILE}
test=${2:?usage: bench/quality.sh TRAIN_FILE TEST_FILE}
port=${PORT:-5397}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null
dotnet publish "$root/src/Recommender.Cli" -c Release -o "$work/cli" >/dev/null
ConnectionStrings__Recommender="Data Source=$work/r.db" Model__Directory="$work/models" Demo__Seed=false \
  Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 \
  Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
  Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin RateLimits__Enabled=false \
  dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/health/live" >/dev/null && break; sleep 0.1; done
cli() { dotnet "$work/cli/recommender.dll" "$@"; }
cli import --url "$base" --input "$train" --api-key "$key" >/dev/null
curl -sf -H "X-API-Key: $key" -X POST "$base/api/model/retrain" >/dev/null
for _ in $(seq 1200); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.1; done
echo "served (GET /recommendations, default strategy, over HTTP):"
cli score --url "$base" --train "$train" --test "$test" --api-key "$key" --json | tail -1
echo "the service's own holdout figures (GET /api/model .ranking):"
curl -sf -H "X-API-Key: $key" "$base/api/model" | grep -o '"ranking":{.*}' | head -c 600; echo
echo "in-process (evaluate --algorithm ease, the default ranking model):"
cli evaluate --train "$train" --test "$test" --algorithm ease --json 2>/dev/null | tail -1
echo "popularity (evaluate --algorithm popularity):"
cli evaluate --train "$train" --test "$test" --algorithm popularity --json 2>/dev/null | tail -1
