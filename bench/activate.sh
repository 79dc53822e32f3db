#!/usr/bin/env bash
# Activation and rollback: how long does POST /api/model/versions/{v}/activate take, idle and while a retrain runs?
# Imports RATINGS_FILE (e.g. MovieLens ml-latest-small ratings.csv, whose snapshots are 291 MB, nearly all EASE's B),
# trains four versions, then ROUNDS times (9): with the trainer idle, activates a kept version that is not in memory
# (neither the serving one nor the one before it: read from its snapshot) and rolls back to the one before it (held in
# memory); then starts a retrain and, at a random point 0–3 s into it, activates another kept version not in memory.
# usage: bench/activate.sh RATINGS_FILE [ROUNDS]
# Last line: "activation of a kept version: idle median M ms (max X ms); during a retrain median M2 ms (max X2 ms); rollback …".
set -euo pipefail
ratings=${1:?usage: bench/activate.sh RATINGS_FILE [ROUNDS]}
rounds=${2:-9}
port=${PORT:-5394}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/service.sh"
work=$(mktemp -d)
trap 'set +e; service_stop; rm -rf "$work"' EXIT
service_start "$port" Model__KeepVersions=20
base=$SERVICE_BASE
auth=(-H "X-API-Key: $SERVICE_KEY")
service_import "$ratings"

version() { curl -sf "$base/api/model" | grep -o '"version":[0-9]*' | head -1 | cut -d: -f2; }
idle() { until curl -sf "$base/api/model" | grep -q '"state":"idle"'; do sleep 0.2; done; }
# Seconds one request took; fails unless it answered 200.
timed() { curl -s "${auth[@]}" -X POST -o /dev/null -w '%{http_code} %{time_total}\n' "$base$1" | awk '$1 != 200 { exit 1 } { print $2 * 1000 }'; }
max() { sort -g | tail -1; }

for _ in 1 2 3 4; do
  before=$(version || echo 0)
  curl -sf "${auth[@]}" -X POST "$base/api/model/retrain" >/dev/null
  until [ "$(version || echo 0)" != "$before" ]; do sleep 0.2; done
  idle
done
newest=$(version)
pool=$(seq $((newest - 3)) "$newest")
echo "versions $(echo $pool), snapshots of $(du -h "$work/models/model-$(printf %08d "$newest").bin" | cut -f1)"
# The serving version and the one before it are in memory; any other kept version is read from its snapshot.
current=$newest
previous=$((newest - 1))
cold() { for v in $pool; do if [ "$v" != "$current" ] && [ "$v" != "$previous" ]; then echo "$v"; fi; done | shuf -n1; }
activate() { timed "/api/model/versions/$1/activate"; previous=$current; current=$1; }

: >"$work/idle"; : >"$work/busy"; : >"$work/rollback"
for round in $(seq "$rounds"); do
  activate "$(cold)" >>"$work/idle"
  activate "$previous" >>"$work/rollback"
  curl -sf "${auth[@]}" -X POST "$base/api/model/retrain" >/dev/null
  sleep "$(awk -v s="$RANDOM" 'BEGIN { printf "%.2f", (s % 300) / 100 }')"
  activate "$(cold)" >>"$work/busy"
  idle
  # The run is refused when the activation came first; when it published first, its version is the one before.
  if curl -sf "$base/api/model" | grep -q '"lastOutcome":"published"'; then previous=0; fi
  echo "round $round: idle $(tail -1 "$work/idle") ms, rollback $(tail -1 "$work/rollback") ms, during a retrain $(tail -1 "$work/busy") ms"
done

echo "activation of a kept version: idle median $(service_median <"$work/idle") ms (max $(max <"$work/idle") ms); during a retrain median $(service_median <"$work/busy") ms (max $(max <"$work/busy") ms); rollback to the previous version median $(service_median <"$work/rollback") ms (max $(max <"$work/rollback") ms)"
