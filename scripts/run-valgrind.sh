#!/usr/bin/env bash
# The pg_regress suites with every backend under valgrind memcheck:
#
#   bash scripts/run-valgrind.sh        (or: make valgrind)
#
# Reports memory errors (invalid reads/writes, uninitialised values) and
# definite leaks whose stack passes through dbt_contract or libyaml, and
# exits non-zero if there are any.  PostgreSQL's own noise (its memory
# contexts, shared memory) is not ours to judge and is not counted.
source "$(dirname "$0")/common.sh"

install_packages valgrind
build_install
make_workdir
CLUSTER=$WORKDIR/valgrind_cluster
mkdir -p "$CLUSTER/logs"
as_root chown -R "$RUN_USER" "$CLUSTER"
PORT=${VALGRIND_PORT:-54334}

as_user initdb -D "$CLUSTER/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null
cat >>"$CLUSTER/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PORT
unix_socket_directories = '$CLUSTER'
fsync = off
max_connections = 20
autovacuum = off
CONF

log "starting the server under valgrind (slow)"
as_root runuser -u "$RUN_USER" -- setsid valgrind --quiet --trace-children=yes \
  --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --num-callers=40 --error-limit=no --log-file="$CLUSTER/logs/vg.%p.log" \
  "$PGBIN/postgres" -D "$CLUSTER/data" </dev/null >"$CLUSTER/server.log" 2>&1 &
for _ in $(seq 1 120); do
  pg_isready -q -h "$CLUSTER" -p "$PORT" && break
  sleep 1
done
export PGHOST=$CLUSTER PGPORT=$PORT PGUSER=postgres
trap 'as_user pg_ctl -D "$CLUSTER/data" -m fast -w -t 300 stop >/dev/null 2>&1 || true' EXIT

log "pg_regress under valgrind"
as_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
  make -C "$WORKDIR" -s with_llvm=no installcheck ISOLATION= ${REGRESS_ONLY:+REGRESS="$REGRESS_ONLY"} 2>&1 || true
as_user pg_ctl -D "$CLUSTER/data" -m fast -w -t 300 stop >/dev/null 2>&1 || true
trap - EXIT

log "valgrind findings in dbt_contract or libyaml"
found=0
for f in "$CLUSTER"/logs/vg.*.log; do
  # one record = lines from an error header to the next blank line
  awk -v file="$f" '
    /^==[0-9]+== [A-Z].*(Invalid|uninitialised|Conditional jump|definitely lost|Mismatched|Source and destination)/ {
      rec = $0; inrec = 1; next }
    inrec && /^==[0-9]+== *$/ {
      if (rec ~ /dbt_contract|libyaml|yaml_/) { print "---- " file; print rec; n++ }
      inrec = 0; next }
    inrec { rec = rec "\n" $0 }
    END { exit (n > 0) }' "$f" || found=$((found + 1))
done
echo "valgrind: $(ls "$CLUSTER"/logs | wc -l) process logs, $found with findings in dbt_contract or libyaml"
if [ "$found" = 0 ]; then as_root rm -rf "$WORKDIR"; else echo "logs kept in $CLUSTER/logs"; fi
[ "$found" = 0 ]
