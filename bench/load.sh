#!/usr/bin/env bash
# Serving benchmark: GET /api/users/{id}/recommendations?count=10 (the default strategy: the ranking model) against
# GET /health/live, measured side by side with wrk (Debian package) at 64 connections after a warm-up of each: ROUNDS
# rounds (3) of one run of each, the order flipped every round, then one run while a retrain runs. The ratio is the
# median of the rounds' ratios; each run also reports the service's own CPU time per request (from /proc), the figure
# this shared 2-core host disturbs least, since wrk shares the cores with the service.
# usage: bench/load.sh RATINGS_FILE [SECONDS] [ROUNDS]      (e.g. MovieLens ml-latest-small ratings.csv)
# Last line: "recommendations/live ratio R, p99 P ms; during retrain: ratio R2, p99 P2 ms".
set -euo pipefail
ratings=${1:?usage: bench/load.sh RATINGS_FILE [SECONDS]}
seconds=${2:-10}
rounds=${3:-3}
connections=64
port=${PORT:-5391}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/wrk.sh"
source "$root/bench/service.sh"
work=$(mktemp -d)
key=$SERVICE_KEY
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
trap 'service_stop; rm -rf "$work"' EXIT
service_start "$port" Training__Factors=100
pid=$SERVICE_PID
base=$SERVICE_BASE
service_import "$ratings"
service_train

# Every user id (URL-encoded), for requests spread over all users; and the probe the same way, a request formatted once
# by a Lua script, so that wrk's own cost per request (it shares the cores) is the same on both sides.
recommend_script "$base" "$work/recommend.lua"
cat >"$work/live.lua" <<'LUA'
local probe
init = function() probe = wrk.format("GET", "/health/live") end
request = function() return probe end
LUA

# One wrk run: its report, then "cpu <µs of the service's CPU per request>".
run() { measured "$pid" -c$connections -d"${seconds}s" "$@"; }

# Warm up both paths first (the JIT's optimizing tier, the caches), so that both are measured in steady state.
wrk -t2 -c$connections -d5s -s "$work/live.lua" "$base" >/dev/null 2>&1
wrk -t2 -c$connections -d5s -s "$work/recommend.lua" "$base" >/dev/null 2>&1
: >"$work/rounds"
for round in $(seq "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then
    live=$(run -s "$work/live.lua" "$base"); recs=$(run -s "$work/recommend.lua" "$base")
  else
    recs=$(run -s "$work/recommend.lua" "$base"); live=$(run -s "$work/live.lua" "$base")
  fi
  ratio=$(awk -v a="$(rps <<<"$recs")" -v b="$(rps <<<"$live")" 'BEGIN { printf "%.2f", a / b }')
  echo "round $round: live $(rps <<<"$live") req/s (p99 $(p99 <<<"$live") ms, $(cpu <<<"$live") µs CPU/request); recommendations $(rps <<<"$recs") req/s (p99 $(p99 <<<"$recs") ms, $(cpu <<<"$recs") µs CPU/request, non-2xx: $(errors <<<"$recs")); ratio $ratio"
  echo "$ratio $(p99 <<<"$recs") $(rps <<<"$live")" >>"$work/rounds"
done
version=$(curl -sf "$base/api/model" | grep -o '"version":[0-9]*' | head -1 | cut -d: -f2)
curl -sf -H "X-API-Key: $key" -X POST "$base/api/model/retrain" >/dev/null
during=$(run -s "$work/recommend.lua" "$base")
after=$(curl -sf "$base/api/model" | grep -o '"version":[0-9]*' | head -1 | cut -d: -f2)

echo "during retrain: $(rps <<<"$during") req/s, p99 $(p99 <<<"$during") ms, $(cpu <<<"$during") µs CPU/request, non-2xx: $(errors <<<"$during") (model version $version -> $after)"
ratio=$(cut -d' ' -f1 "$work/rounds" | service_median)
p99recs=$(cut -d' ' -f2 "$work/rounds" | service_median)
ratio2=$(awk -v a="$(rps <<<"$during")" -v b="$(cut -d' ' -f3 "$work/rounds" | service_median)" 'BEGIN { printf "%.2f", a / b }')
echo "recommendations/live ratio $ratio (median of $rounds rounds), p99 $p99recs ms; during retrain: ratio $ratio2 (against the median live run), p99 $(p99 <<<"$during") ms"
