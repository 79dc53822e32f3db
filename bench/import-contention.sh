#!/usr/bin/env bash
# Write latency while an import's body streams in. Single ratings and 100-rating batches are sent one at a time, first
# with nothing else running, then while POST /api/ratings/import receives a rating file that stops half-way until the
# measurement is done (so the import is reading its body throughout; its idle timeout is raised for the pause). Prints p50 / p99 / max of each, the import's
# answer, and the service's peak resident memory.
# usage: bench/import-contention.sh RATINGS_FILE [WRITES]   (WRITES of each kind per phase, 200 by default)
set -euo pipefail
ratings=${1:?usage: bench/import-contention.sh RATINGS_FILE [WRITES]}
writes=${2:-200}
port=${PORT:-5395}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null
ConnectionStrings__Recommender="Data Source=$work/r.db" Model__Directory="$work/models" Demo__Seed=false \
  Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 \
  Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
  Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin RateLimits__Enabled=false \
  Limits__ImportIdleTimeout=00:30:00 \
  dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/health/live" >/dev/null && break; sleep 0.1; done

# Sends $writes single ratings and $writes batches (users of their own, tagged $1); prints "kind seconds" lines.
measure() {
  local tag=$1 n body
  for n in $(seq "$writes"); do
    printf 'single %s\n' "$(curl -s -o /dev/null -w '%{time_total}' -H "X-API-Key: $key" -H 'Content-Type: application/json' \
      -d "{\"userId\":\"$tag-s$((n % 50))\",\"itemId\":\"$tag-i$n\",\"rating\":3}" "$base/api/ratings")"
    body=$(awk -v t="$tag" -v n="$n" 'BEGIN { printf "{\"ratings\":["; for (k = 0; k < 100; k++) printf "%s{\"userId\":\"%s-b%d\",\"itemId\":\"%s-j%d-%d\",\"rating\":4}", (k ? "," : ""), t, n % 50, t, n, k; printf "]}" }')
    printf 'batch %s\n' "$(curl -s -o /dev/null -w '%{time_total}' -H "X-API-Key: $key" -H 'Content-Type: application/json' -d "$body" "$base/api/ratings/batch")"
  done
}

# p50 / p99 / max in milliseconds of one kind's lines.
summary() {
  grep "^$1 " "$2" | awk '{ print $2 * 1000 }' | sort -g | awk -v kind="$1" '{ v[NR] = $1 } END {
    printf "%-6s p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)\n", kind, v[int(NR * 0.5 + 0.5)], v[int(NR * 0.99 + 0.5)], v[NR], NR }'
}

measure idle >"$work/idle.txt"

lines=$(wc -l <"$ratings")
half=$((lines / 2))
mkfifo "$work/body"
{ head -n "$half" "$ratings"; touch "$work/half"; while [ ! -e "$work/go" ]; do sleep 0.05; done; tail -n +"$((half + 1))" "$ratings"; } >"$work/body" &
start=$(date +%s.%N)
curl -s -o "$work/import.json" -w '%{http_code}' -X POST -T "$work/body" -H 'Transfer-Encoding: chunked' -H 'Content-Type: text/csv' \
  -H "X-API-Key: $key" "$base/api/ratings/import" >"$work/import.status" &
importer=$!
while [ ! -e "$work/half" ]; do sleep 0.05; done
measure streaming >"$work/streaming.txt"
touch "$work/go"
wait $importer
end=$(date +%s.%N)

echo "with nothing else running:"
summary single "$work/idle.txt"
summary batch "$work/idle.txt"
echo "while the import's body streams in:"
summary single "$work/streaming.txt"
summary batch "$work/streaming.txt"
echo "import: $(cat "$work/import.status") $(cat "$work/import.json") in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
echo "service peak resident memory: $(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' /proc/$pid/status)"
