# Shared by run-tests.sh, demo.sh and run-bench.sh: install what the
# project needs on Debian, build and install the extension, and run a
# throwaway PostgreSQL cluster as an unprivileged user on a private port
# and socket directory (never a system cluster).

set -euo pipefail

PGVER=${PGVER:-15}
# PGBIN may point at another installation of the same major, e.g. a
# private copy made by scripts/private-pg.sh for a second working tree.
PGBIN=${PGBIN:-/usr/lib/postgresql/$PGVER/bin}
export PATH="$PGBIN:$PATH"
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_USER=${DBT_CONTRACT_RUN_USER:-postgres}

log() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages: server, headers/PGXS, libyaml, the TAP test modules,
# Graphviz and the Python modules the export tests validate with.
install_packages() {
  local pkgs=(postgresql-$PGVER postgresql-server-dev-$PGVER postgresql-contrib
              libyaml-dev libipc-run-perl make gcc rsync
              graphviz python3-yaml python3-jsonschema)
  pkgs+=("$@")
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! id "$RUN_USER" >/dev/null 2>&1; then
    as_root useradd --system --create-home --shell /bin/bash "$RUN_USER"
  fi
}

# Build and install into the server's directories.  JIT bitcode is
# skipped so that clang is not needed.
build_install() {
  log "building and installing dbt_contract"
  make -C "$REPO" -s with_llvm=no PG_CONFIG="$PGBIN/pg_config" >/dev/null
  as_root make -C "$REPO" -s with_llvm=no PG_CONFIG="$PGBIN/pg_config" install >/dev/null
}

# A copy of the tree the unprivileged user owns (tests write results there,
# and the server reads fixtures from it).
make_workdir() {
  WORKDIR=$(mktemp -d /tmp/dbt_contract.XXXXXX)
  rsync -a --exclude .git "$REPO/" "$WORKDIR/"
  chmod 755 "$WORKDIR"
  as_root chown -R "$RUN_USER" "$WORKDIR"
}

as_user() {
  if [ "$(id -un)" = "$RUN_USER" ]; then
    "$@"
  else
    as_root runuser -u "$RUN_USER" -- env PATH="$PATH" "$@"
  fi
}

# start_cluster DIR PORT: initdb and start a server listening only on a
# socket in DIR.
start_cluster() {
  local dir=$1 port=$2
  as_user initdb -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$dir'
fsync = off
max_connections = 40
CONF
  as_user pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
  export PGHOST=$dir PGPORT=$port PGUSER=postgres
}

stop_cluster() {
  local dir=$1
  as_user pg_ctl -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# throwaway_cluster PORT: a work directory $W with a cluster in
# $W/cluster (socket there, no TCP), removed when the script exits.
throwaway_cluster() {
  W=$(mktemp -d /tmp/dbt_contract_bench.XXXXXX)
  chmod 755 "$W"
  CLUSTER=$W/cluster
  mkdir -p "$CLUSTER"
  as_root chown "$RUN_USER" "$CLUSTER"
  trap 'stop_cluster "$CLUSTER"; as_root rm -rf "$W"' EXIT
  start_cluster "$CLUSTER" "$1"
}
