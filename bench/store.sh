# The store a benchmark's service runs on; source this file after setting `work` (a temporary folder), then call
# store_start once and store_env NAME before each service start (NAME: a fresh store of that name).
#
#   STORE=sqlite (default)   a SQLite file in $work
#   STORE=postgres           a throwaway PostgreSQL 15 cluster in $work/pg (.ci/postgres.sh: Debian's postgresql-15,
#                            installed when missing, on a free loopback port, durable defaults), one database per NAME
#
# store_env sets STORE_ENV, an array of environment assignments for `env`; store_stop stops the cluster (call it from
# the script's EXIT trap).

STORE=${STORE:-sqlite}
STORE_ENV=()

store_start() {
  case "$STORE" in
    sqlite) ;;
    postgres)
      # The cluster runs as its own OS user when this runs as root: it must be able to reach $work/pg.
      chmod 755 "$work"
      # shellcheck source=../.ci/postgres.sh
      source "$(dirname "${BASH_SOURCE[0]}")/../.ci/postgres.sh"
      postgres_install && postgres_start "$work/pg" || { echo "could not start PostgreSQL" >&2; return 1; }
      ;;
    *) echo "STORE must be sqlite or postgres, not '$STORE'" >&2; return 1 ;;
  esac
}

store_env() {
  local name=${1:?store_env NAME}
  if [ "$STORE" = postgres ]; then
    postgres_psql postgres -qc "CREATE DATABASE \"$name\"" || return 1
    STORE_ENV=(Store__Provider=Postgres "ConnectionStrings__Recommender=${POSTGRES_CONNECTION/Database=postgres/Database=$name}")
  else
    STORE_ENV=("ConnectionStrings__Recommender=Data Source=$work/$name.db")
  fi
}

store_stop() {
  if [ "$STORE" = postgres ] && [ -n "${POSTGRES_PID:-}" ]; then postgres_stop; fi
}
