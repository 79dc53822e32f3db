#!/usr/bin/env bash
# What metrics and tracing cost the serving path: two services on the same data, one with the Prometheus endpoint
# scraped every second and traces recorded (Telemetry:Traces), one with both off, measured alternately with wrk
# (GET /api/users/{id}/recommendations?count=10, 64 connections, REPEAT rounds of SECONDS each) in one run.
# usage: bench/telemetry.sh RATINGS_FILE [SECONDS] [REPEAT]     (e.g. MovieLens ml-latest-small ratings.csv)
#   TRACES=false keeps traces off on the telemetry-on service too, to tell the metrics' cost from the traces';
#   TRACE_RATIO=R records that share of traces (Telemetry:TraceSampleRatio, 1 by default); WARMUP=S (30) seconds of
#   unmeasured load on each service first, so neither is still compiling its request path when the rounds start.
# Last line: "telemetry on R1 req/s (p99 P1 ms), off R2 req/s (p99 P2 ms): on/off ratio X" (medians of the rounds).
set -euo pipefail
ratings=${1:?usage: bench/telemetry.sh RATINGS_FILE [SECONDS] [REPEAT]}
seconds=${2:-10}
repeat=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/wrk.sh"
work=$(mktemp -d)
key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
pids=()
scraper=
trap '[ -n "$scraper" ] && kill $scraper 2>/dev/null; for p in "${pids[@]}"; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null

start() { # NAME PORT TELEMETRY(true|false)
  mkdir -p "$work/$1"
  ConnectionStrings__Recommender="Data Source=$work/$1/r.db" Model__Directory="$work/$1/models" Demo__Seed=false \
    Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 Training__Factors=100 \
    Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production RateLimits__Enabled=false \
    Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin \
    Telemetry__Prometheus="$3" Telemetry__Traces="$([ "$3" = true ] && echo "${TRACES:-true}" || echo false)" \
    Telemetry__TraceSampleRatio="${TRACE_RATIO:-1}" \
    dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$2" >"$work/$1/service.log" 2>&1 &
  pids+=($!)
  local base="http://127.0.0.1:$2"
  for _ in $(seq 100); do curl -sf "$base/health/live" >/dev/null && break; sleep 0.1; done
  curl -sf -H "X-API-Key: $key" -X POST --data-binary "@$ratings" -H 'Content-Type: text/csv' "$base/api/ratings/import" >/dev/null
  curl -sf -H "X-API-Key: $key" -X POST "$base/api/model/retrain" >/dev/null
  for _ in $(seq 1200); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.1; done
}
on=${PORT:-5393}
off=$((on + 1))
start on "$on" true
start off "$off" false
curl -sf -H "X-API-Key: $key" "http://127.0.0.1:$on/metrics" | grep -q '^recommender_model_version' \
  || { echo "the telemetry-on service serves no recommender metrics" >&2; exit 1; }
curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $key" "http://127.0.0.1:$off/metrics" | grep -q 404 \
  || { echo "the telemetry-off service still serves /metrics" >&2; exit 1; }

# The same user ids for both (both imported the same file).
recommend_script "http://127.0.0.1:$on" "$work/recommend.lua" "$key"

# A Prometheus-like scraper on the telemetry-on service for the whole run.
(while :; do curl -sf -H "X-API-Key: $key" "http://127.0.0.1:$on/metrics" >/dev/null || true; sleep 1; done) &
scraper=$!

# One run against the service on port $1: wrk's report, then "cpu <µs of that service's CPU per request>".
measure() { measured "${pids[$([ "$1" = "$on" ] && echo 0 || echo 1)]}" -c64 -d"${seconds}s" -s "$work/recommend.lua" "http://127.0.0.1:$1"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for port in "$on" "$off"; do wrk -t2 -c64 -d"${WARMUP:-30}s" -s "$work/recommend.lua" "http://127.0.0.1:$port" >/dev/null 2>&1; done
for round in $(seq "$repeat"); do
  # Odd rounds measure "on" first, even rounds "off" first: neither side always runs right after the other.
  order=$([ $((round % 2)) -eq 1 ] && echo "on off" || echo "off on")
  for name in $order; do
    port=$([ "$name" = on ] && echo "$on" || echo "$off")
    out=$(measure "$port")
    echo "round $round telemetry $name: $(rps <<<"$out") req/s, p99 $(p99 <<<"$out") ms, $(cpu <<<"$out") µs CPU/request"
    rps <<<"$out" >>"$work/$name.rps"
    p99 <<<"$out" >>"$work/$name.p99"
    cpu <<<"$out" >>"$work/$name.cpu"
  done
done
on_rps=$(median <"$work/on.rps"); off_rps=$(median <"$work/off.rps")
echo "service CPU per request: on $(median <"$work/on.cpu") µs, off $(median <"$work/off.cpu") µs (medians of the rounds)"
echo "telemetry on $on_rps req/s (p99 $(median <"$work/on.p99") ms), off $off_rps req/s (p99 $(median <"$work/off.p99") ms): on/off ratio $(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN { printf "%.3f", a / b }')"
