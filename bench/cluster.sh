#!/usr/bin/env bash
# The cluster on loopback: PostgreSQL 15, Redis, two api replicas, two trainers and nginx, from a Release publish, in a
# temporary folder, without systemd; every process is started here and stopped by its pid. It demonstrates:
#   (a) a rating POSTed through nginx changes predictions on every replica read directly, within 1 s, one version on all
#   (b) kill -9 of the active trainer: the standby publishes the next version; versions are never repeated or reordered
#   (c) pg_terminate_backend on the lock holder's session while it trains: that run does not publish (fenced)
#   (d) Redis stopped and restarted: replicas converge on the current version by polling
#   (e) kill -9 of one replica under mixed load through nginx: no acknowledged write lost, no 5xx after the first second
#   (f) SIGTERM of a replica under wrk: no failed request (readiness drops and connections close first)
#   (g) req/s and p99 of recommendations through nginx with 1 and 2 replicas; single-rating POST/s on PostgreSQL; the
#       import of RATINGS_FILE over HTTP
#
#   bench/cluster.sh RATINGS_FILE [SECONDS]      (e.g. MovieLens ml-latest-small ratings.csv; SECONDS per wrk run, 10)
#
# Missing pieces are installed with apt-get (postgresql-15, redis-server, nginx, wrk). The ranking model is implicit
# ALS unless CLUSTER_RANKING names another (Auto picks EASE, whose snapshots are hundreds of MB). nginx runs
# docker/nginx.conf with the replicas' loopback ports and its per-client limit raised out of the way of the load.
# The last line is: cluster: lost N, 5xx N, failover ok|FAILED, fresh across replicas N ms, replicas N
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
ratings=${1:?usage: bench/cluster.sh RATINGS_FILE [SECONDS]}
seconds=${2:-10}
ranking=${CLUSTER_RANKING:-ImplicitAls}
[ -f "$ratings" ] || { echo "no such file: $ratings" >&2; exit 2; }
ratings=$(cd "$(dirname "$ratings")" && pwd)/$(basename "$ratings")

source .ci/postgres.sh
source .ci/redis.sh

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2") >/dev/null 2>&1
  command -v "$1" >/dev/null 2>&1 || { echo "could not install $2" >&2; exit 1; }
}
postgres_install || exit 1
redis_install || exit 1
need nginx nginx
need wrk wrk
need curl curl

work=$(mktemp -d)
chmod 755 "$work"
declare -A pid port
nginx_pids=()

stop_node() {
  local name=$1
  [ -n "${pid[$name]:-}" ] || return 0
  kill -TERM "${pid[$name]}" 2>/dev/null
  wait "${pid[$name]}" 2>/dev/null
  pid[$name]=
}

cleanup() {
  local name p
  for p in "${nginx_pids[@]}"; do kill -QUIT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for name in "${!pid[@]}"; do stop_node "$name"; done
  redis_stop
  postgres_stop
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

echo "building (Release) ..."
dotnet publish src/Recommender.Api -c Release -p:PublishReadyToRun=true -o "$work/app" --nologo -v quiet >/dev/null || exit 1
dotnet publish src/Recommender.Cli -c Release -o "$work/cli" --nologo -v quiet >/dev/null || exit 1
dotnet publish bench/Recommender.Soak -c Release -o "$work/soak" --nologo -v quiet >/dev/null || exit 1

postgres_start "$work/pg" || exit 1
connection=${POSTGRES_CONNECTION/Database=postgres/Database=recommender}
sql() { postgres_psql recommender -Atqc "$1"; }
postgres_psql postgres -qc "CREATE DATABASE recommender" || exit 1
redis_start "$work/redis" || exit 1
redis_port=${REDIS_CONNECTION#*:}
echo "PostgreSQL 15 (pid $POSTGRES_PID) on port $POSTGRES_PORT, Redis (pid $REDIS_PID) on port $redis_port"

key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
for name in api1 api2 trainer1 trainer2; do port[$name]=$(free_port); done

start_node() {
  local name=$1 role=$2
  mkdir -p "$work/$name"
  env ASPNETCORE_ENVIRONMENT=Production Store__Provider=Postgres ConnectionStrings__Recommender="$connection" \
    Redis__Connection="$REDIS_CONNECTION,connectTimeout=500" Node__Role="$role" Node__DrainDelay=00:00:02 \
    Model__Directory="$work/$name/models" Demo__Seed=true Training__Interval=00:00:00 Training__Debounce=00:00:05 \
    Ranking__Algorithm="$ranking" RateLimits__Enabled=false Serilog__MinimumLevel__Default=Information \
    Auth__Keys__0__Name=bench Auth__Keys__0__Key="$key" Auth__Keys__0__Role=admin \
    dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:${port[$name]}" >>"$work/$name/service.log" 2>&1 &
  pid[$name]=$!
}

wait_for() { # URL SECONDS
  local deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$deadline" ]; do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done
  return 1
}

url() { echo "http://127.0.0.1:${port[$1]}"; }
version_of() { curl -sf "$1/api/model" | grep -o '"version":[0-9]*' | head -1 | cut -d: -f2; }
prediction() { curl -sf "$1/api/users/$2/predictions/$3" | grep -o '"predictedRating":[-0-9.eE]*' | cut -d: -f2; }
holder_name() {
  local holder_pid name
  holder_pid=$(sql "SELECT split_part(holder, ':', 2) FROM trainer_lease")
  for name in trainer1 trainer2; do [ "${pid[$name]:-}" = "$holder_pid" ] && echo "$name"; done
}

# The first trainer migrates the new database; then the others start.
start_node trainer1 trainer
wait_for "$(url trainer1)/health/live" 120 || { echo "trainer1 did not start"; tail -20 "$work/trainer1/service.log"; exit 1; }
start_node trainer2 trainer
start_node api1 api
start_node api2 api
for name in trainer2 api1 api2; do
  wait_for "$(url "$name")/health/live" 120 || { echo "$name did not start"; tail -20 "$work/$name/service.log"; exit 1; }
done

# nginx: docker/nginx.conf with the replicas' loopback ports (and a second instance with api1 only, for (g)).
ng_port=$(free_port)
ng1_port=$(free_port)
start_nginx() { # DIR PORT [drop api2]
  local dir=$1 listen=$2 drop=${3:-}
  mkdir -p "$dir/logs"
  sed -e "s/server api1:8080/server 127.0.0.1:${port[api1]}/" -e "s/server api2:8080/server 127.0.0.1:${port[api2]}/" \
      -e "s/listen 8080;/listen 127.0.0.1:$listen;/" -e 's/rate=300r\/s/rate=1000000r\/s/' -e 's/burst=600/burst=100000/' \
      docker/nginx.conf >"$dir/nginx.conf"
  [ -n "$drop" ] && sed -i '/server 127.0.0.1:'"${port[api2]}"'/d' "$dir/nginx.conf"
  nginx -c "$dir/nginx.conf" -p "$dir" -g "daemon off; pid $dir/nginx.pid; error_log $dir/logs/error.log;" &
  nginx_pids+=($!)
  wait_for "http://127.0.0.1:$listen/health/live" 20
}
start_nginx "$work/nginx" "$ng_port" || { echo "nginx did not start"; exit 1; }
start_nginx "$work/nginx1" "$ng1_port" drop || { echo "nginx (one replica) did not start"; exit 1; }
edge="http://127.0.0.1:$ng_port"
echo "nodes: api1 ${port[api1]}, api2 ${port[api2]}, trainer1 ${port[trainer1]}, trainer2 ${port[trainer2]}; nginx $ng_port (api1 only: $ng1_port)"

# (g) import over HTTP into the (demo-only) store, through one replica.
import=$(dotnet "$work/cli/recommender.dll" import --url "$(url api1)" --input "$ratings" --api-key "$key" 2>&1)
import_seconds=$(awk '/total seconds/ {print $3}' <<<"$import")
echo "(g) import of $(basename "$ratings") over HTTP on PostgreSQL: ${import_seconds:-FAILED} s ($(head -1 <<<"$import" | sed 's/  */ /g'))"

# The trainer notices the import (data version), trains after its debounce and publishes; every node follows.
wait_version() { # VERSION SECONDS: every running node serves at least VERSION
  local deadline=$(($(date +%s) + $2)) name ok
  while [ "$(date +%s)" -lt "$deadline" ]; do
    ok=1
    for name in api1 api2 trainer1 trainer2; do
      [ -n "${pid[$name]:-}" ] || continue
      [ "$(version_of "$(url "$name")" || echo 0)" -ge "$1" ] 2>/dev/null || ok=0
    done
    [ "$ok" -eq 1 ] && return 0
    sleep 0.05
  done
  return 1
}
covered="SELECT coalesce(bool_and(v.\"DataVersion\" = s.\"DataVersion\"), false) FROM model_current c JOIN model_versions v ON v.\"Version\" = c.version, store_state s"
deadline=$(($(date +%s) + 300))
while [ "$(sql "$covered")" != t ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
current=$(sql 'SELECT version FROM model_current')
wait_version "$current" 120 || echo "not every node serves version $current"
echo "trained on the import: version $current, snapshot $(sql "SELECT length FROM model_snapshots WHERE version = $current") bytes"

# (a) freshness across replicas: a batch for user 1 through nginx; both replicas read directly until it shows.
before1=$(prediction "$(url api1)" 1 2571)
before2=$(prediction "$(url api2)" 1 2571)
# Counted from the acknowledgement: what a client can know, and what "within 1 s" promises.
posted=$(now_ms)
curl -sf -H "X-API-Key: $key" -H 'Content-Type: application/json' -X POST "$edge/api/ratings/batch" \
  -d '{"ratings":[{"userId":"1","itemId":"1","rating":0.5},{"userId":"1","itemId":"3","rating":0.5},{"userId":"1","itemId":"6","rating":0.5},{"userId":"1","itemId":"47","rating":0.5},{"userId":"1","itemId":"50","rating":0.5}]}' >/dev/null
start=$(now_ms)
seen1= seen2=
while [ -z "$seen1" ] || [ -z "$seen2" ]; do
  [ $(($(now_ms) - start)) -gt 10000 ] && break
  [ -z "$seen1" ] && [ "$(prediction "$(url api1)" 1 2571)" != "$before1" ] && seen1=$(($(now_ms) - start))
  [ -z "$seen2" ] && [ "$(prediction "$(url api2)" 1 2571)" != "$before2" ] && seen2=$(($(now_ms) - start))
done
versions=$(for name in api1 api2 trainer1 trainer2; do version_of "$(url "$name")"; done | sort -u | tr '\n' ' ')
if [ -n "$seen1" ] && [ -n "$seen2" ]; then
  fresh=$((seen1 > seen2 ? seen1 : seen2))
  echo "(a) rating through nginx (acknowledged in $((start - posted)) ms) seen on api1 $seen1 ms after the acknowledgement, on api2 after $seen2 ms; model versions on the nodes: $versions"
else
  fresh=FAILED
  echo "(a) FAILED: the rating was not seen on both replicas within 10 s (api1: ${seen1:-no}, api2: ${seen2:-no})"
fi

# (g) throughput: recommendations through nginx with 2 replicas and with 1, then single-rating POSTs.
cat >"$work/recommend.lua" <<'LUA'
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/users/" .. math.random(610) .. "/recommendations?count=10")
end
LUA
cat >"$work/post.lua" <<LUA
math.randomseed(7)
request = function()
  local body = string.format('{"userId":"w%d","itemId":"%d","rating":%.1f}', math.random(2000), math.random(9000), math.random(10) * 0.5)
  return wrk.format("POST", "/api/ratings", { ["Content-Type"] = "application/json", ["X-API-Key"] = "$key" }, body)
end
LUA
run() { wrk -t2 -c64 -d"${seconds}s" --latency "$@" 2>&1; }
rps() { awk '/^Requests\/sec/ {printf "%.0f", $2}'; }
p99() { awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }'; }
non2xx() { awk '/Non-2xx/ {n = $5} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}'; }
wrk -t2 -c64 -d5s -s "$work/recommend.lua" "$edge" >/dev/null 2>&1
two=$(run -s "$work/recommend.lua" "$edge")
one=$(run -s "$work/recommend.lua" "http://127.0.0.1:$ng1_port")
# Writes warm up first as well (bench/ingest.sh explains why): the figure is what the replicas sustain.
wrk -t2 -c64 -d15s -s "$work/post.lua" "$edge" >/dev/null 2>&1
posts=$(run -s "$work/post.lua" "$edge")
echo "(g) recommendations through nginx: 2 replicas $(rps <<<"$two") req/s, p99 $(p99 <<<"$two") ms, failed $(non2xx <<<"$two"); 1 replica $(rps <<<"$one") req/s, p99 $(p99 <<<"$one") ms, failed $(non2xx <<<"$one")"
echo "(g) single-rating POST /api/ratings through nginx on PostgreSQL: $(rps <<<"$posts") POST/s, p99 $(p99 <<<"$posts") ms, failed $(non2xx <<<"$posts")"

# (e) kill -9 of api1 under mixed load through nginx; the soak tool checks every acknowledged write afterwards.
soak_start=$(now_ms)
SOAK_API_KEY=$key "$work/soak/Recommender.Soak" "$edge" 12 8 >"$work/soak.out" 2>&1 &
soak_pid=$!
sleep 3
killed_at=$(now_ms)
kill -KILL "${pid[api1]}"; wait "${pid[api1]}" 2>/dev/null; pid[api1]=
wait "$soak_pid"
kill_offset=$(awk -v a="$killed_at" -v b="$soak_start" 'BEGIN { print (a - b) / 1000 }')
lost=$(awk '/^requests .* lost writes/ {print $NF}' "$work/soak.out")
late=$(awk -v k="$kill_offset" '/^5xx at seconds:/ { for (i = 4; i <= NF; i++) if ($i > k + 1) n++ } END { print n + 0 }' "$work/soak.out")
early=$(awk -v k="$kill_offset" '/^5xx at seconds:/ { for (i = 4; i <= NF; i++) if ($i <= k + 1) n++ } END { print n + 0 }' "$work/soak.out")
echo "(e) kill -9 api1 at ${kill_offset} s of a 12 s mixed load through nginx: $(tail -1 "$work/soak.out"); 5xx within the first second after the kill $early, after it $late"
[ -n "$lost" ] || { lost=FAILED; cat "$work/soak.out"; }
start_node api1 api
wait_for "$(url api1)/health/ready" 120 || echo "api1 did not come back"

# (f) SIGTERM of api2 under wrk through nginx.
wrk -t2 -c64 -d8s --latency -s "$work/recommend.lua" "$edge" >"$work/drain.out" 2>&1 &
wrk_pid=$!
sleep 2
kill -TERM "${pid[api2]}"
wait "${pid[api2]}" 2>/dev/null
pid[api2]=
wait "$wrk_pid"
drained=$(non2xx <"$work/drain.out")
echo "(f) SIGTERM api2 under wrk through nginx: $(rps <"$work/drain.out") req/s, failed requests $drained"
start_node api2 api
wait_for "$(url api2)/health/ready" 120 || echo "api2 did not come back"

# (b) kill -9 of the active trainer: the standby takes the lock and publishes the next version.
failover=FAILED
holder=$(holder_name)
standby=$([ "$holder" = trainer1 ] && echo trainer2 || echo trainer1)
before=$(sql 'SELECT version FROM model_current')
epoch=$(sql 'SELECT epoch FROM trainer_lease')
curl -sf -H "X-API-Key: $key" -H 'Content-Type: application/json' -X POST "$edge/api/ratings" -d '{"userId":"failover","itemId":"1","rating":4}' >/dev/null
killed=$(now_ms)
kill -KILL "${pid[$holder]}"; wait "${pid[$holder]}" 2>/dev/null; pid[$holder]=
took=
while [ $(($(now_ms) - killed)) -lt 30000 ]; do
  [ "$(sql 'SELECT epoch FROM trainer_lease')" -gt "$epoch" ] && { took=$(($(now_ms) - killed)); break; }
  sleep 0.05
done
published=
while [ -n "$took" ] && [ $(($(now_ms) - killed)) -lt 120000 ]; do
  [ "$(sql 'SELECT version FROM model_current')" -gt "$before" ] && { published=$(($(now_ms) - killed)); break; }
  sleep 0.1
done
after=$(sql 'SELECT version FROM model_current')
disorder=$(sql "SELECT count(*) FROM (SELECT \"CreatedAt\", lag(\"CreatedAt\") OVER (ORDER BY \"Version\") AS previous FROM model_versions WHERE \"State\" IN ('Active', 'Kept', 'Pruned')) v WHERE previous > \"CreatedAt\"")
published_list=$(sql "SELECT string_agg(\"Version\"::text, ',' ORDER BY \"Version\") FROM model_versions WHERE \"State\" IN ('Active', 'Kept', 'Pruned')")
if [ -n "$took" ] && [ -n "$published" ] && [ "$(holder_name)" = "$standby" ] && [ "$disorder" -eq 0 ]; then failover=ok; fi
echo "(b) kill -9 $holder (the holder): $standby took the lock after ${took:-never} ms and published version $after (was $before) after ${published:-never} ms; published versions $published_list, out of order: $disorder"
start_node "$holder" trainer
wait_for "$(url "$holder")/health/ready" 120 || echo "$holder did not come back"

# (c) pg_terminate_backend on the holder's lock session while it trains.
fenced=no
holder=$(holder_name)
curl -sf -H "X-API-Key: $key" -H 'Content-Type: application/json' -X POST "$edge/api/ratings" -d '{"userId":"fenced","itemId":"1","rating":4}' >/dev/null
before=$(sql 'SELECT version FROM model_current')
curl -sf -H "X-API-Key: $key" -X POST "$(url "$holder")/api/model/retrain" >/dev/null
deadline=$(($(date +%s) + 30))
while ! curl -sf "$(url "$holder")/api/model" | grep -q '"state":"running"' && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.02; done
terminated=$(sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'recommender-trainer-lock' AND pid = (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1382376303 AND objid = 1 AND granted)")
while curl -sf "$(url "$holder")/api/model" | grep -q '"state":"running"'; do sleep 0.05; done
outcome=$(curl -sf "$(url "$holder")/api/model" | grep -o '"lastOutcome":"[a-z]*"' | cut -d'"' -f4)
error=$(curl -sf "$(url "$holder")/api/model" | grep -o '"lastError":"[^"]*"' | cut -d'"' -f4)
grep -q "no longer holds the trainer lock" <<<"$error" && [ "$outcome" = rejected ] && fenced=yes
echo "(c) pg_terminate_backend on $holder's lock session ($terminated ended) while it trained: the run ended '$outcome' ($error); model_current was $before, then $(sql 'SELECT version FROM model_current'); fenced: $fenced"
[ "$fenced" = yes ] || failover=FAILED

# (d) Redis stopped while the trainer publishes, then restarted: replicas converge by polling meanwhile.
redis_stop
holder=
for _ in $(seq 100); do holder=$(holder_name); [ -n "$holder" ] && break; sleep 0.1; done
sleep 6  # anything the previous steps triggered has trained by now (debounce 5 s)
curl -sf -H "X-API-Key: $key" -H 'Content-Type: application/json' -X POST "$edge/api/ratings" -d '{"userId":"redis","itemId":"1","rating":4}' >/dev/null
current=$(sql 'SELECT version FROM model_current')
curl -sf -H "X-API-Key: $key" -X POST "$(url "$holder")/api/model/retrain" >/dev/null
deadline=$(($(date +%s) + 120))
while [ "$(sql 'SELECT version FROM model_current')" -le "$current" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.02; done
published_at=$(now_ms)
target=$(sql 'SELECT version FROM model_current')
if wait_version "$target" 30; then converged="in $(($(now_ms) - published_at)) ms"; else converged="NOT within 30 s"; failover=FAILED; fi
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" --daemonize no >>"$work/redis/redis.log" 2>&1 &
REDIS_PID=$!
wait_for_redis() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
wait_for_redis
sleep 3
restored=$(cat "$work"/*/service.log | grep -c "Redis connection restored")
echo "(d) Redis down: version $target published, every node served it $converged (polling); Redis restarted (pid $REDIS_PID), reconnections logged by the nodes: $restored"

replicas=0
for name in api1 api2; do curl -sf "$(url "$name")/health/ready" >/dev/null && replicas=$((replicas + 1)); done
late5xx=$(( ${late:-0} + ${drained:-0} ))
echo "cluster: lost $lost, 5xx $late5xx, failover $failover, fresh across replicas $fresh ms, replicas $replicas"
