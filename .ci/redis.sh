# A throwaway Redis for the tests and benchmarks; source this file, then call the functions.
#
#   redis_install        installs Debian's redis-server when it is missing
#   redis_start DIR      starts redis-server in DIR on a free loopback port, persisting nothing (--save '',
#                        no append-only file); sets REDIS_CONNECTION (host:port) and REDIS_PID
#   redis_stop           stops that server by its pid and waits for it to exit

REDIS_PID=
REDIS_CONNECTION=

redis_install() {
  command -v redis-server >/dev/null 2>&1 && return 0
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null 2>&1
  command -v redis-server >/dev/null 2>&1 || { echo "could not install redis-server" >&2; return 1; }
}

redis_start() {
  local dir=${1:?redis_start DIR} port attempt
  mkdir -p "$dir"
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no \
      >"$dir/redis.log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        REDIS_CONNECTION="127.0.0.1:$port"
        return 0
      fi
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=
  done
  cat "$dir/redis.log" >&2
  return 1
}

redis_stop() {
  [ -n "$REDIS_PID" ] || return 0
  kill -TERM "$REDIS_PID" 2>/dev/null
  while kill -0 "$REDIS_PID" 2>/dev/null; do sleep 0.1; done
  REDIS_PID=
}
