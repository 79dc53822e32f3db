# A throwaway PostgreSQL 15 cluster for the tests and benchmarks; source this file, then call the functions.
#
#   postgres_install             installs Debian's postgresql-15 when /usr/lib/postgresql/15/bin/initdb is missing
#   postgres_start DIR           initdb's a cluster in DIR (an empty folder, which becomes the cluster's own) and
#                                starts it on a free loopback port; sets POSTGRES_CONNECTION (an Npgsql connection
#                                string to the "postgres" database, as the cluster's superuser) and POSTGRES_PID
#   postgres_psql DB ARGS...     runs Debian's psql against database DB of that cluster (its host, port and password)
#   postgres_stop                stops that cluster by its postmaster's pid and waits for it to exit
#
# The cluster keeps PostgreSQL's durable defaults (fsync and synchronous_commit on): the tests and figures depend on
# them. It listens on 127.0.0.1 only, with a random password (SCRAM), and its socket lives in DIR. PostgreSQL refuses
# to run as root, so as root the cluster runs as the OS user recommender-ci, created if missing.

POSTGRES_BIN=${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
POSTGRES_OS_USER=
POSTGRES_DIR=
POSTGRES_PID=
POSTGRES_CONNECTION=
POSTGRES_PORT=
POSTGRES_PASSWORD=

postgres_install() {
  [ -x "$POSTGRES_BIN/initdb" ] && return 0
  # Debian's package would create (and, where it can, start) a system-wide cluster on port 5432: only the binaries are
  # wanted, so postgresql-common is told first to create no cluster.
  (
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-common &&
      sed -i -E 's/^#?[[:space:]]*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15
  ) >/dev/null 2>&1
  [ -x "$POSTGRES_BIN/initdb" ] || { echo "could not install postgresql-15" >&2; return 1; }
}

# Runs a command as the cluster's OS user.
postgres_as() {
  if [ -n "$POSTGRES_OS_USER" ]; then runuser -u "$POSTGRES_OS_USER" -- "$@"; else "$@"; fi
}

postgres_start() {
  POSTGRES_DIR=${1:?postgres_start DIR}
  if [ "$(id -u)" -eq 0 ]; then
    POSTGRES_OS_USER=recommender-ci
    id "$POSTGRES_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$POSTGRES_OS_USER"
  fi
  mkdir -p "$POSTGRES_DIR"
  [ -n "$POSTGRES_OS_USER" ] && chown "$POSTGRES_OS_USER" "$POSTGRES_DIR"
  chmod 700 "$POSTGRES_DIR"
  local password
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$POSTGRES_DIR/password"
  [ -n "$POSTGRES_OS_USER" ] && chown "$POSTGRES_OS_USER" "$POSTGRES_DIR/password"
  postgres_as "$POSTGRES_BIN/initdb" -D "$POSTGRES_DIR/data" -U recommender --pwfile="$POSTGRES_DIR/password" \
    --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C.UTF-8 >"$POSTGRES_DIR/initdb.log" 2>&1 \
    || { cat "$POSTGRES_DIR/initdb.log" >&2; return 1; }
  rm -f "$POSTGRES_DIR/password"

  # A free port: one nothing listens on, tried again if the server cannot bind it after all.
  local port attempt
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    if postgres_as "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w -t 60 \
        -o "-p $port -k $POSTGRES_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; then
      POSTGRES_PID=$(head -1 "$POSTGRES_DIR/data/postmaster.pid")
      POSTGRES_CONNECTION="Host=127.0.0.1;Port=$port;Username=recommender;Password=$password;Database=postgres"
      POSTGRES_PORT=$port
      POSTGRES_PASSWORD=$password
      return 0
    fi
  done
  cat "$POSTGRES_DIR/server.log" >&2
  return 1
}

postgres_psql() {
  local database=${1:?postgres_psql DB ARGS...}
  shift
  PGPASSWORD=$POSTGRES_PASSWORD "$POSTGRES_BIN/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U recommender -d "$database" "$@"
}

postgres_stop() {
  [ -n "$POSTGRES_PID" ] || return 0
  # SIGINT is PostgreSQL's fast shutdown: sessions are ended, then a checkpoint, then the postmaster exits.
  kill -INT "$POSTGRES_PID" 2>/dev/null
  while kill -0 "$POSTGRES_PID" 2>/dev/null; do sleep 0.1; done
  POSTGRES_PID=
}
