# What the wrk benchmarks share; source this file.
#
#   recommend_script BASE FILE [KEY]   lists every user of the service at BASE (with the API key KEY, if given) and
#                                      writes FILE, a wrk Lua script asking a random user's top 10 per request
#   rps < WRK_OUTPUT                   requests per second
#   p99 < WRK_OUTPUT                   the 99th-percentile latency in ms (wrk --latency)
#   errors < WRK_OUTPUT                non-2xx answers

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
    echo "request = function()"
    if [ -n "$key" ]; then
      echo "  return wrk.format(\"GET\", \"/api/users/\" .. users[math.random(#users)] .. \"/recommendations?count=10\", { [\"X-API-Key\"] = \"$key\" })"
    else
      echo "  return wrk.format(\"GET\", \"/api/users/\" .. users[math.random(#users)] .. \"/recommendations?count=10\")"
    fi
    echo "end"
  } >"$file"
  rm -f "$users"
}

rps() { awk '/^Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }'; }
errors() { awk '/Non-2xx/ {n = $5} END {print n + 0}'; }
