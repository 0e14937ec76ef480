#!/usr/bin/env bash
# Run every test suite of dbt_contract on a throwaway cluster and print
# one closing line "N passed, N failed" summing all suites.
#
#   bash scripts/run-tests.sh          (or: make test)
#
# Installs what it needs (Debian packages), builds and installs the
# extension, then runs, as the unprivileged user $RUN_USER (postgres):
#   pg_regress  - SQL behaviour            (sql/*.sql, expected/*.out)
#   isolation   - concurrent sessions      (test/isolation/specs)
#   TAP         - restarts, dumps, roles   (test/t/*.pl)
#   dbt         - real dbt, pytest         (test/dbt/run_dbt_tests.sh)
#   valgrind    - pg_regress under memcheck (scripts/run-valgrind.sh)
#
# SUITES="pg_regress TAP" runs only those suites; REGRESS_ONLY="setup a b"
# narrows pg_regress (and valgrind) to those tests, PROVE_ONLY to those TAP
# files.  (Not REGRESS/PROVE_TESTS: the Makefile sets those, and make
# passes its own value down to this script.)
source "$(dirname "$0")/common.sh"

install_packages
build_install
make_workdir
trap 'stop_cluster "$WORKDIR/regress_cluster"' EXIT

PASSED=0
FAILED=0
matches() {  # matches REGEX FILE: number of matching lines (0 if none)
  grep -cE "$1" "$2" || true
}
count() {  # count LABEL PASSED FAILED
  printf '%-12s %d passed, %d failed\n' "$1" "$2" "$3" >>"$WORKDIR/summary"
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
}
: >"$WORKDIR/summary"
SUITES=${SUITES:-pg_regress isolation TAP dbt valgrind}
want() { [[ " $SUITES " == *" $1 "* ]]; }
regress_args=()
if [ -n "${REGRESS_ONLY:-}" ]; then regress_args+=("REGRESS=$REGRESS_ONLY"); fi
if [ -n "${PROVE_ONLY:-}" ]; then regress_args+=("PROVE_TESTS=$PROVE_ONLY"); fi

# pg_regress and isolation share one cluster.
mkdir -p "$WORKDIR/regress_cluster"
as_root chown "$RUN_USER" "$WORKDIR/regress_cluster"
start_cluster "$WORKDIR/regress_cluster" 54329

if want pg_regress; then
  log "pg_regress"
  as_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
    make -C "$WORKDIR" -s with_llvm=no installcheck ISOLATION= "${regress_args[@]}" 2>&1 | tee "$WORKDIR/regress.log" || true
  ok=$(matches '\.\.\. ok|^ok [0-9]' "$WORKDIR/regress.log")
  bad=$(matches '\.\.\. FAILED|^not ok [0-9]|\.\.\. failed|Bail out!|diff command failed' "$WORKDIR/regress.log")
  if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi
  if [ -f "$WORKDIR/regression.diffs" ]; then head -200 "$WORKDIR/regression.diffs"; fi
  count pg_regress "$ok" "$bad"
fi

if want isolation; then
  log "isolation"
  as_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
    make -C "$WORKDIR" -s with_llvm=no installcheck REGRESS= 2>&1 | tee "$WORKDIR/isolation.log" || true
  ok=$(matches '\.\.\. ok|^ok [0-9]' "$WORKDIR/isolation.log")
  bad=$(matches '\.\.\. FAILED|^not ok [0-9]|\.\.\. failed|Bail out!|diff command failed' "$WORKDIR/isolation.log")
  if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi
  if [ -f "$WORKDIR/isolation_output/regression.diffs" ]; then
    head -200 "$WORKDIR/isolation_output/regression.diffs"
  fi
  count isolation "$ok" "$bad"
fi

stop_cluster "$WORKDIR/regress_cluster"

if want TAP; then
  log "TAP"
  as_user make -C "$WORKDIR" -s with_llvm=no tapcheck PROVE_FLAGS=-v "${regress_args[@]}" 2>&1 \
    | tee "$WORKDIR/tap.log" || true
  ok=$(matches '^ok [0-9]+' "$WORKDIR/tap.log")
  bad=$(matches '^not ok [0-9]+' "$WORKDIR/tap.log")
  dubious=$(matches 'Dubious|No subtests run|Parse errors' "$WORKDIR/tap.log")
  bad=$((bad + dubious))
  if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi
  count TAP "$ok" "$bad"
fi

if want dbt; then
  log "dbt"
  DBT_SUITE_SKIP_BUILD=1 bash "$REPO/test/dbt/run_dbt_tests.sh" 2>&1 \
    | tee "$WORKDIR/dbt.log" || true
  closing=$(grep -E '^=* *[0-9]+ (passed|failed|errors?|xfailed|xpassed|skipped)\b.* in [0-9.]+s' \
    "$WORKDIR/dbt.log" | tail -1 || true)
  ok=$(grep -oE '[0-9]+ passed' <<<"$closing" | grep -oE '[0-9]+' || echo 0)
  bad=$(( $(grep -oE '[0-9]+ failed' <<<"$closing" | grep -oE '[0-9]+' || echo 0) \
        + $(grep -oE '[0-9]+ errors?' <<<"$closing" | grep -oE '[0-9]+' || echo 0) ))
  if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi
  count dbt "$ok" "$bad"
fi

if want valgrind; then
  log "valgrind"
  # The pg_regress suites again, every backend under memcheck; findings in
  # dbt_contract or libyaml fail the run.
  bash "$REPO/scripts/run-valgrind.sh" 2>&1 | tee "$WORKDIR/valgrind.log" || true
  ok=$(matches '\.\.\. ok' "$WORKDIR/valgrind.log")
  bad=$(matches '\.\.\. FAILED|\.\.\. failed' "$WORKDIR/valgrind.log")
  if ! grep -q ', 0 with findings in dbt_contract or libyaml' "$WORKDIR/valgrind.log"; then
    bad=$((bad + 1))
  fi
  count valgrind "$ok" "$bad"
fi

log "summary"
cat "$WORKDIR/summary"
if [ "$FAILED" = 0 ]; then
  as_root rm -rf "$WORKDIR"
else
  echo "logs and diffs kept in $WORKDIR"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
