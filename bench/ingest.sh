#!/usr/bin/env bash
# Write benchmark: single-rating POST /api/ratings from 32 concurrent connections (wrk, Debian package), then a
# check that every acknowledged rating is in the store. A first, unmeasured run of WARMUP seconds (20) lets the runtime
# finish compiling the write path: the service's figure is what it sustains, not its first seconds, when the tiered
# compiler's background thread still takes a third of the CPU (seen with perf). WARMUP=0 measures from a cold start.
# usage: [STORE=sqlite|postgres] [WARMUP=S] bench/ingest.sh [SECONDS]   (the store: see bench/store.sh)
# Last line: "ratings/s R, acknowledged A, stored S, lost L".
set -euo pipefail
seconds=${1:-10}
warmup=${WARMUP:-20}
port=${PORT:-5392}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

source "$root/bench/store.sh"
pid=
# Not stopped by errexit: the service's exit status (or a failed wait) must not keep the store from being stopped.
trap 'set +e; [ -n "$pid" ] && { kill $pid 2>/dev/null; wait $pid 2>/dev/null; }; store_stop; rm -rf "$work"' EXIT
store_start
store_env ingest

dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null
env "${STORE_ENV[@]}" Model__Directory="$work/models" Demo__Seed=false \
  Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 \
  Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
    Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin RateLimits__Enabled=false \
  dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/health/live" >/dev/null && break; sleep 0.1; done
curl -sf "$base/health/live" >/dev/null || { echo "the service did not start:" >&2; tail -20 "$work/service.log" >&2; exit 1; }

# Each wrk connection posts new (user, item) pairs: run name, thread id, a per-thread counter; every rating is distinct.
cat >"$work/post.lua" <<'LUA'
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = args[1]
  run = args[2]
end
function request()
  counter = counter + 1
  local body = string.format('{"userId":"%s%d-%d","itemId":"i%d","rating":%d}', run, id, counter % 5000, counter, 1 + counter % 5)
  return wrk.format(nil, "/api/ratings", nil, body)
end
function response(status)
  if status >= 200 and status < 300 then ok = (ok or 0) + 1 end
end
function done(summary, latency, requests)
  local acknowledged = 0
  for _, thread in ipairs(threads) do acknowledged = acknowledged + (thread:get("ok") or 0) end
  io.write(string.format("acknowledged %d\n", acknowledged))
end
LUA

warmed=0
if [ "$warmup" -gt 0 ]; then
  warm=$(wrk -t2 -c32 -d"${warmup}s" -s "$work/post.lua" "$base" -- "$key" w 2>&1)
  warmed=$(awk '/^acknowledged/ {print $2}' <<<"$warm")
  echo "warm-up: $warmed ratings in ${warmup} s (not measured)"
fi
out=$(wrk -t2 -c32 -d"${seconds}s" --latency -s "$work/post.lua" "$base" -- "$key" m 2>&1)
echo "$out"
acknowledged=$(awk '/^acknowledged/ {print $2}' <<<"$out")
stored=$(curl -sf "$base/api/ratings?pageSize=1" | grep -o '"total":[0-9]*' | cut -d: -f2)
rate=$(awk -v a="$acknowledged" -v s="$seconds" 'BEGIN { printf "%.0f", a / s }')
# Every rating of both runs is a distinct pair, so the store must hold at least all of them.
lost=$(( acknowledged + warmed > stored ? acknowledged + warmed - stored : 0 ))
echo "ratings/s $rate, acknowledged $acknowledged, stored $stored, lost $lost"
