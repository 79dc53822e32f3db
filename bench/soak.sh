#!/usr/bin/env bash
# Sustained load: publishes the service and the soak tool (Release), starts the service on 127.0.0.1 with a temporary
# database and API keys (Production environment), runs mixed reads, writes and retrains against it, then checks that
# every acknowledged write is stored. Stops everything it started.
#
#   bench/soak.sh [SECONDS] [WORKERS]      (SECONDS defaults to $SOAK_SECONDS, else 60; WORKERS to 8)
#
# The last line printed is: requests N, 5xx N, lost writes N
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${SOAK_SECONDS:-60}}"
workers="${2:-8}"
work="$(mktemp -d)"
service_pid=""
result="requests 0, 5xx 0, lost writes 0 (the soak did not run)"

cleanup() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building (Release) ..."
dotnet publish src/Recommender.Api -c Release -p:PublishReadyToRun=true -o "$work/api" --nologo -v quiet >/dev/null
dotnet publish bench/Recommender.Soak -c Release -o "$work/soak" --nologo -v quiet >/dev/null

key="soak-admin-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# env, not plain assignments: one variable name has a dot in it.
env \
  "ASPNETCORE_ENVIRONMENT=Production" \
  "ConnectionStrings__Recommender=Data Source=$work/soak.db" \
  "Model__Directory=$work/models" \
  "Auth__Keys__0__Name=soak" \
  "Auth__Keys__0__Key=$key" \
  "Auth__Keys__0__Role=admin" \
  "RateLimits__Enabled=false" \
  "Training__Debounce=00:00:00" \
  "Training__Interval=00:00:00" \
  "Serilog__MinimumLevel__Default=Warning" \
  "Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime=Information" \
  dotnet "$work/api/Recommender.Api.dll" --contentRoot "$work/api" --urls http://127.0.0.1:0 >"$work/service.log" 2>&1 &
service_pid=$!

url=""
for _ in $(seq 1 300); do
  url="$(grep -oE 'Now listening on: http://127\.0\.0\.1:[0-9]+' "$work/service.log" | head -n 1 | sed 's/^Now listening on: //')" || true
  [ -n "$url" ] && break
  if ! kill -0 "$service_pid" 2>/dev/null; then
    cat "$work/service.log"
    echo "the service exited before listening"
    echo "$result"
    exit 1
  fi
  sleep 0.2
done
if [ -z "$url" ]; then
  echo "the service did not start listening within 60 s"
  echo "$result"
  exit 1
fi

echo "service (pid $service_pid) on $url; soaking for ${seconds} s with $workers workers"
status=0
SOAK_API_KEY="$key" dotnet "$work/soak/Recommender.Soak.dll" "$url" "$seconds" "$workers" >"$work/soak.out" || status=$?
head -n -1 "$work/soak.out"
result="$(tail -n 1 "$work/soak.out")"

if grep -qE '\[(ERR|FTL)\]' "$work/service.log"; then
  echo "service errors:"
  grep -E '\[(ERR|FTL)\]' "$work/service.log" | head -n 20
fi

kill "$service_pid" 2>/dev/null || true
wait "$service_pid" 2>/dev/null || true
service_pid=""
echo "$result"
exit "$status"
