# The service a benchmark measures; source this file after setting `work` (a temporary folder).
#
#   service_start PORT [NAME=VALUE ...]   publishes the service (Release, ReadyToRun) once into $work/app and starts it on
#                                         127.0.0.1:PORT over a SQLite store in $work, in Production with a random admin
#                                         key ($SERVICE_KEY), no demo data, no automatic training and no rate limits,
#                                         plus the given settings (environment form); waits until it is live and sets
#                                         SERVICE_PID and SERVICE_BASE
#   service_import FILE                   imports a ratings CSV over HTTP
#   service_train                         asks for a training run and waits until a model serves
#   service_stop                          stops it (for the script's EXIT trap)
#   service_median                        the median of the numbers on standard input

SERVICE_KEY="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")"
SERVICE_PID=
SERVICE_BASE=

service_start() {
  local port=${1:?service_start PORT [NAME=VALUE ...]}
  shift
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  [ -d "$work/app" ] || dotnet publish "$root/src/Recommender.Api" -c Release -p:PublishReadyToRun=true -o "$work/app" >/dev/null
  env ConnectionStrings__Recommender="Data Source=$work/r.db" Model__Directory="$work/models" Demo__Seed=false \
    Training__TrainOnStart=false Training__Interval=00:00:00 Training__Debounce=00:00:00 \
    Serilog__MinimumLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production RateLimits__Enabled=false \
    Auth__Keys__0__Name=bench Auth__Keys__0__Key="$SERVICE_KEY" Auth__Keys__0__Role=admin "$@" \
    dotnet "$work/app/Recommender.Api.dll" --urls "http://127.0.0.1:$port" >"$work/service.log" 2>&1 &
  SERVICE_PID=$!
  SERVICE_BASE="http://127.0.0.1:$port"
  for _ in $(seq 200); do curl -sf "$SERVICE_BASE/health/live" >/dev/null && return 0; sleep 0.1; done
  echo "the service did not start:" >&2
  tail -20 "$work/service.log" >&2
  return 1
}

service_import() {
  curl -sf -H "X-API-Key: $SERVICE_KEY" -X POST --data-binary "@${1:?service_import FILE}" -H 'Content-Type: text/csv' \
    "$SERVICE_BASE/api/ratings/import" >/dev/null
}

service_train() {
  curl -sf -H "X-API-Key: $SERVICE_KEY" -X POST "$SERVICE_BASE/api/model/retrain" >/dev/null
  for _ in $(seq 1200); do curl -sf "$SERVICE_BASE/health/ready" >/dev/null && return 0; sleep 0.1; done
  echo "no model served within 2 minutes" >&2
  return 1
}

service_stop() {
  if [ -n "$SERVICE_PID" ]; then
    kill "$SERVICE_PID" 2>/dev/null
    wait "$SERVICE_PID" 2>/dev/null
  fi
  return 0
}

service_median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
