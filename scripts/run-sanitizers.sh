#!/usr/bin/env bash
# The pg_regress, isolation and TAP suites against a dbt_contract built
# with AddressSanitizer and UndefinedBehaviorSanitizer (make SANITIZE=1):
#
#   bash scripts/run-sanitizers.sh        (or: make sanitize)
#
# Only the extension is instrumented.  The server is Debian's own
# PostgreSQL, copied for this run (scripts/private-pg.sh) so that the
# sanitized module never lands in /usr/lib/postgresql; in the copy,
# `postgres` becomes a wrapper that starts the real binary with gcc 12's
# libasan preloaded behind test/sanitize/preload_shim.c (see there for why
# the shim is needed).  Every server started from the copy -- the
# pg_regress cluster, initdb's bootstrap, the TAP tests' clusters -- so
# runs under the sanitizers, while clients (psql, initdb, perl) do not.
#
# Two deliberate errors in test/sanitize/sanitize_probe.c must be reported
# first, proving the harness sees reports at all.  Any ASan or UBSan report
# whose stack passes through dbt_contract or libyaml fails the run; reports
# elsewhere are listed, not counted.  Ends with
# "sanitizers: N passed, N failed".
#
# SAN_SUITES="pg_regress isolation TAP" picks suites; REGRESS_ONLY="setup a"
# narrows pg_regress, PROVE_ONLY="test/t/001_dump_restore.pl" the TAP suite.
source "$(dirname "$0")/common.sh"

install_packages libasan8 libubsan1
LIBASAN=$(realpath "$(gcc -print-file-name=libasan.so)")
[ -f "$LIBASAN" ] || { echo "libasan not found ($LIBASAN)"; exit 1; }

make_workdir
# Everything else lives here; its name must not contain "dbt_contract", or
# every stack frame of the server would look like one of ours.
SAN=$(mktemp -d /tmp/dbtc_sanitize.XXXXXX)
chmod 755 "$SAN"
CLUSTER=$SAN/cluster
SANLOG=$SAN/logs
mkdir -p "$CLUSTER" "$SANLOG"
as_root chown "$RUN_USER" "$CLUSTER" "$SANLOG"
chmod 1777 "$SANLOG"  # any server's backends write their reports here
PORT=${SAN_PORT:-54336}
SAN_SUITES=${SAN_SUITES:-pg_regress isolation TAP}
want() { [[ " $SAN_SUITES " == *" $1 "* ]]; }

log "private copy of PostgreSQL $PGVER in $SAN/pg"
PGVER=$PGVER bash "$REPO/scripts/private-pg.sh" "$SAN/pg" >/dev/null
PGBIN=$SAN/pg/lib/postgresql/$PGVER/bin
export PATH="$PGBIN:$PATH"
PKGLIBDIR=$("$PGBIN/pg_config" --pkglibdir)

log "building dbt_contract with SANITIZE=1 into $PKGLIBDIR"
mk() { make -C "$WORKDIR" -s with_llvm=no SANITIZE=1 PG_CONFIG="$PGBIN/pg_config" "$@"; }
mk clean >/dev/null
mk >/dev/null
mk install >/dev/null
# not grep -q: under pipefail, ldd killed by SIGPIPE would fail the test
if ! ldd "$PKGLIBDIR/dbt_contract.so" | grep libasan >/dev/null; then
  echo "the installed dbt_contract.so is not instrumented"; exit 1
fi
FLAGS=$(mk sanitize-flags)
gcc -shared -fPIC -O2 -Wall -DDBTC_SAN_LOG_DIR="\"$SANLOG\"" \
  -o "$SAN/preload_shim.so" "$REPO/test/sanitize/preload_shim.c"
# shellcheck disable=SC2086  # FLAGS is a list of options
gcc -shared -fPIC -O1 -g -Wall $FLAGS -I"$("$PGBIN/pg_config" --includedir-server)" \
  -o "$PKGLIBDIR/dbtc_sanitize_probe.so" "$REPO/test/sanitize/sanitize_probe.c"
chmod 755 "$SAN/preload_shim.so"
# The real binary keeps the wrapper's name as argv[0]: the server records
# that path in postmaster.opts, and "pg_ctl restart" (the TAP tests use it)
# starts whatever is recorded there.
mv "$PGBIN/postgres" "$PGBIN/postgres.real"
cat >"$PGBIN/postgres" <<WRAPPER
#!/bin/bash
LD_PRELOAD="$SAN/preload_shim.so:$LIBASAN" exec -a "\$0" "$PGBIN/postgres.real" "\$@"
WRAPPER
chmod 755 "$PGBIN/postgres"
as_root chown -R "$RUN_USER" "$WORKDIR"

log "starting the server under the sanitizers"
trap 'stop_cluster "$CLUSTER"' EXIT
start_cluster "$CLUSTER" "$PORT"
if ! grep -q libasan "/proc/$(head -1 "$CLUSTER/data/postmaster.pid")/maps"; then
  echo "the server runs without libasan"; exit 1
fi
wait_ready() {  # after a backend died of a report, the postmaster restarts
  for _ in $(seq 1 120); do
    psql -X -qAt -d postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "server not back after a crash restart"; exit 1
}

PASSED=0
FAILED=0
: >"$SAN/summary"
count() {  # count LABEL PASSED FAILED
  printf '%-12s %d passed, %d failed\n' "$1" "$2" "$3" >>"$SAN/summary"
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
}
matches() { grep -cE "$1" "$2" || true; }

# ASan writes its reports to $SANLOG/asan.PID (the shim's log_path);
# UBSan can only write to stderr, i.e. each server's log: cut every report
# out of those into $SANLOG/ubsan.N.  Both get the statement the dying
# backend ran, from the postmaster's "Failed process was running".
collect_reports() {
  local logs=("$CLUSTER/server.log")
  if [ -d "$WORKDIR/tmp_check/log" ]; then
    logs+=("$WORKDIR"/tmp_check/log/*.log)
  fi
  awk -v dir="$SANLOG" '
    / runtime error: / { n++; out = sprintf("%s/ubsan.%d", dir, n); inrec = 1 }
    # a report (error, notes, stack) ends at a blank or a server log line
    inrec && /^$|^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] / {
      inrec = 0; close(out); pending = out }
    inrec { print > out; next }
    pending != "" && /DETAIL:  Failed process was running:/ {
      print >> pending; close(pending); pending = "" }' "${logs[@]}"
  local f pid
  for f in "$SANLOG"/asan.*; do
    [ -f "$f" ] || continue
    pid=${f##*.}
    grep -h -A1 "(PID $pid) exited" "${logs[@]}" \
      | grep 'Failed process was running' >>"$f" || true
  done
}

log "probes: one deliberate ASan and one UBSan error"
psql -X -q -d postgres -c "CREATE FUNCTION public.dbtc_sanitize_probe(text, int4)
  RETURNS int4 AS '\$libdir/dbtc_sanitize_probe' LANGUAGE C STRICT" >/dev/null
for probe in "heap 8" "signed_overflow 1"; do
  set -- $probe
  psql -X -qAt -d postgres -c "SELECT public.dbtc_sanitize_probe('$1', $2)" >/dev/null 2>&1 || true
  wait_ready
done
psql -X -q -d postgres -c 'DROP FUNCTION public.dbtc_sanitize_probe(text, int4)' >/dev/null

tally() {  # tally LABEL: count the tests of an installcheck's log
  local ok bad
  ok=$(matches '\.\.\. ok|^ok [0-9]' "$SAN/$1.log")
  bad=$(matches '\.\.\. FAILED|^not ok [0-9]|\.\.\. failed|Bail out!|diff command failed|Dubious|No subtests run|Parse errors' "$SAN/$1.log")
  if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi
  count "$1" "$ok" "$bad"
}
suite() {  # suite LABEL MAKE-ARGS...: one installcheck on the cluster
  log "$1"
  wait_ready  # a report in the last test leaves the server recovering
  as_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
    make -C "$WORKDIR" -s with_llvm=no installcheck "${@:2}" 2>&1 | tee "$SAN/$1.log" || true
  tally "$1"
}
regress_args=()
if [ -n "${REGRESS_ONLY:-}" ]; then regress_args+=("REGRESS=$REGRESS_ONLY"); fi
if want pg_regress; then suite pg_regress ISOLATION= "${regress_args[@]}"; fi
if want isolation; then suite isolation REGRESS=; fi
stop_cluster "$CLUSTER"
trap - EXIT
for d in "$WORKDIR/regression.diffs" "$WORKDIR/isolation_output/regression.diffs"; do
  if [ -f "$d" ]; then head -100 "$d"; fi
done

# The TAP tests make their own clusters, from the copy's wrapped postgres.
if want TAP; then
  log "TAP"
  as_user make -C "$WORKDIR" -s with_llvm=no tapcheck PROVE_FLAGS=-v \
    ${PROVE_ONLY:+PROVE_TESTS="$PROVE_ONLY"} 2>&1 | tee "$SAN/TAP.log" || true
  tally TAP
fi

log "sanitizer reports"
collect_reports
# The probes' reports prove the harness works, and are not findings.
mkdir -p "$SAN/probe_logs"
for f in $(grep -ls 'in dbtc_sanitize_probe ' "$SANLOG"/* || true); do mv "$f" "$SAN/probe_logs/"; done
probe_ok=0
for what in heap-buffer-overflow 'signed integer overflow'; do
  if grep -qs "$what" "$SAN"/probe_logs/*; then probe_ok=$((probe_ok + 1)); fi
done
count probes "$probe_ok" $((2 - probe_ok))
ours=0
others=0
for f in "$SANLOG"/*; do
  [ -f "$f" ] || continue
  grep -qE 'ERROR: AddressSanitizer|runtime error:' "$f" || continue
  # Ours: a frame in the module (its sources are src/*.c), or in libyaml.
  if grep -qE 'dbt_contract\.so|libyaml|(^|[ /])src/[A-Za-z0-9_]+\.[ch]:[0-9]|\byaml_[a-z_]+' "$f"; then
    ours=$((ours + 1))
    echo "---- finding in dbt_contract or libyaml: $f"
  else
    others=$((others + 1))
    echo "---- report outside dbt_contract (not counted): $f"
  fi
  grep -E 'ERROR: AddressSanitizer|runtime error:|^ *#[0-9]+ |SUMMARY:|Failed process' "$f" | head -30
done
echo "$ours reports involving dbt_contract or libyaml, $others elsewhere"
count findings 0 "$ours"

log "summary"
cat "$SAN/summary"
if [ "$FAILED" = 0 ]; then
  as_root rm -rf "$WORKDIR" "$SAN"
else
  echo "logs kept in $SAN (sanitizer reports in $SANLOG) and $WORKDIR"
fi
echo "sanitizers: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
