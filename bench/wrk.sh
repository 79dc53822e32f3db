# What the wrk benchmarks share; source this file.
#
#   recommend_script BASE FILE [KEY]   lists every user of the service at BASE (with the API key KEY, if given) and
#                                      writes FILE, a wrk Lua script asking a random user's top 10 per request
#                                      (each user's request formatted once, at the start)
#   rps < WRK_OUTPUT                   requests per second
#   p99 < WRK_OUTPUT                   the 99th-percentile latency in ms (wrk --latency)
#   errors < WRK_OUTPUT                non-2xx answers
#   measured PID WRK_ARGS...           runs wrk (2 threads, --latency) and prints its report, then a line
#                                      "cpu <µs>": process PID's CPU time (user + system) per request meanwhile
#   cpu < MEASURED_OUTPUT              that figure

recommend_script() {
  local base=${1:?recommend_script BASE FILE [KEY]} file=${2:?recommend_script BASE FILE [KEY]} key=${3:-}
  local users page=1 ids header=()
  users=$(mktemp)
  [ -n "$key" ] && header=(-H "X-API-Key: $key")
  while :; do
    ids=$(curl -sf "${header[@]}" "$base/api/users?pageSize=100&page=$page" | grep -o '"userId":"[^"]*"' | cut -d'"' -f4 || true)
    [ -z "$ids" ] && break
    printf '%s\n' "$ids" >>"$users"
    page=$((page + 1))
  done
  {
    echo "users = {"
    if command -v jq >/dev/null; then jq -Rr '@uri' <"$users"; else cat "$users"; fi | sed 's/.*/"&",/'
    echo "}"
    echo "math.randomseed(42)"
    # The requests are formatted once per thread, so that wrk's own cost per request stays that of a fixed request.
    echo "local requests = {}"
    echo "init = function()"
    if [ -n "$key" ]; then
      echo "  for i, user in ipairs(users) do requests[i] = wrk.format(\"GET\", \"/api/users/\" .. user .. \"/recommendations?count=10\", { [\"X-API-Key\"] = \"$key\" }) end"
    else
      echo "  for i, user in ipairs(users) do requests[i] = wrk.format(\"GET\", \"/api/users/\" .. user .. \"/recommendations?count=10\") end"
    fi
    echo "end"
    echo "request = function()"
    echo "  return requests[math.random(#requests)]"
    echo "end"
  } >"$file"
  rm -f "$users"
}

rps() { awk '/^Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }'; }
errors() { awk '/Non-2xx/ {n = $5} END {print n + 0}'; }

measured() {
  local pid=${1:?measured PID WRK_ARGS...} before after out
  shift
  before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  out=$(wrk -t2 --latency "$@" 2>&1)
  after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  echo "$out"
  echo "$out" | awk -v b="$before" -v a="$after" -v hz="$(getconf CLK_TCK)" '/requests in/ { printf "cpu %.1f\n", (a - b) * 1e6 / hz / $1 }'
}
cpu() { awk '$1 == "cpu" { print $2 }'; }
