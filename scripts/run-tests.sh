#!/usr/bin/env bash
# Run every test suite of dbt_contract on throwaway clusters of every
# PostgreSQL major in reach, and print one line per major and suite, then
# one closing line "N passed, N failed" summing them all.
#
#   bash scripts/run-tests.sh          (or: make test)
#
# Installs what it needs (Debian packages), obtains the servers
# (scripts/pg-servers.sh: built once with --enable-cassert, or unpacked,
# into a cache outside the tree), builds the extension with -Werror against
# each major and installs it into a private copy of that server, then runs,
# as the unprivileged user $RUN_USER (postgres):
#   pg_regress  - SQL behaviour            (sql/*.sql, expected/*.out)
#   isolation   - concurrent sessions      (test/isolation/specs)
#   TAP         - restarts, dumps, roles, pg_upgrade (test/t/*.pl)
#   postgres    - PostgreSQL's own regression suite with dbt_contract in
#                 template1 (majors built from source, see PG_OWN_MAJORS)
# and on Debian's PostgreSQL 15 ($PGBIN) only:
#   dbt         - real dbt, pytest         (test/dbt/run_dbt_tests.sh), on
#                 each dbt-core of DBT_VERSIONS (default: the pinned 1.10
#                 and the newest, 1.11; make test-dbt-matrix: 1.8 to 1.11)
#   valgrind    - pg_regress under memcheck (scripts/run-valgrind.sh)
#   layout      - CONTRIBUTING.md's layout lists every file (scripts/check-layout.sh)
#
# SUITES="pg_regress TAP" runs only those suites; REGRESS_ONLY="setup a b"
# narrows pg_regress (and valgrind) to those tests, PROVE_ONLY to those TAP
# files.  (Not REGRESS/PROVE_TESTS: the Makefile sets those, and make
# passes its own value down to this script.)  PG_MAJORS="15 17" narrows
# the matrix.
source "$(dirname "$0")/common.sh"
source "$REPO/scripts/pg-servers.sh"
source "$REPO/test/dbt/venv.sh"

PG_MAJORS=${PG_MAJORS:-13 15 16 17 18 19}
# Majors whose failures are reported but not counted (betas).
PG_ALLOWED_TO_FAIL=${PG_ALLOWED_TO_FAIL:-19}
# Majors on which PostgreSQL's own regression suite runs.
PG_OWN_MAJORS=${PG_OWN_MAJORS:-15 18}
# The pg_upgrade TAP test on major N upgrades from UPGRADE_FROM[N].
declare -A UPGRADE_FROM=([17]=15 [18]=17)

SUITES=${SUITES:-layout pg_regress isolation TAP postgres dbt valgrind}
# dbt-core minors the dbt suite runs on (test/dbt/venv.sh, dbt_requirements).
DBT_VERSIONS=${DBT_VERSIONS:-1.10 1.11}
want() { [[ " $SUITES " == *" $1 "* ]]; }

# Building servers needs bison, flex and bzip2; the wheels come through pip.
install_packages bison flex bzip2 zlib1g-dev python3-pip
if want dbt; then build_install; fi
make_workdir
BASE_PATH=$PATH
CLUSTER=
trap 'if [ -n "$CLUSTER" ]; then stop_cluster "$CLUSTER"; fi' EXIT

PASSED=0
FAILED=0
: >"$WORKDIR/summary"
matches() {  # matches REGEX FILE: number of matching lines (0 if none)
  grep -cE "$1" "$2" || true
}
allowed() { [[ " $PG_ALLOWED_TO_FAIL " == *" $1 "* ]]; }
count() {  # count MAJOR SUITE PASSED FAILED
  local note=
  if allowed "$1"; then note=" (allowed to fail, not counted)"; fi
  printf 'pg%s %s %d passed, %d failed%s\n' "$1" "$2" "$3" "$4" "$note" >>"$WORKDIR/summary"
  if [ -z "$note" ]; then
    PASSED=$((PASSED + $3))
    FAILED=$((FAILED + $4))
  fi
}
# pg_regress-style logs: "... ok" (up to 15) or "ok N" (16 on).
count_regress() {  # count_regress MAJOR SUITE LOG
  local ok bad
  ok=$(matches '\.\.\. ok|^ok [0-9]' "$3")
  bad=$(matches '\.\.\. FAILED|^not ok [0-9]|\.\.\. failed|Bail out!|diff command failed' "$3")
  if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi
  count "$1" "$2" "$ok" "$bad"
}
regress_args=()
if [ -n "${REGRESS_ONLY:-}" ]; then regress_args+=("REGRESS=$REGRESS_ONLY"); fi

# prepare_major M: a private copy of major M's server in $WORKDIR/pgM with
# the extension built (-Werror) and installed; non-zero if either fails.
prepare_major() {
  local m=$1 dest=$WORKDIR/pg$1 build=$WORKDIR/build$1
  if ! pg_server "$m"; then return 2; fi
  log "pg$m: the extension against $("$PG_PREFIX/bin/pg_config" --version)"
  cp -a "$PG_PREFIX" "$dest"
  PG_BUILD_OF[$m]=$PG_BUILD
  # Without objects built for another major (build_install's, for dbt).
  rsync -a --exclude .git --exclude results --exclude '*.o' --exclude '*.so' --exclude '*.bc' \
    "$REPO/" "$build/"
  if ! { make -C "$build" -s with_llvm=no COPT=-Werror PG_CONFIG="$dest/bin/pg_config" &&
         make -C "$build" -s with_llvm=no PG_CONFIG="$dest/bin/pg_config" install; } \
       >"$WORKDIR/build-pg$m.log" 2>&1; then
    cat "$WORKDIR/build-pg$m.log"
    return 1
  fi
}

# pgxs_root BINDIR: the installation's PGXS directory (lib/pgxs or
# lib/postgresql/pgxs).
pgxs_root() {
  dirname "$(dirname "$(dirname "$("$1/pg_config" --pgxs)")")"
}

# The Perl modules for TAP tests: the major's own, else (the wheels ship
# none) those of the nearest older major, whose settings a newer server
# still knows, else of the nearest newer one.
tap_modules() {
  local m=$1 p bin
  for bin in "$WORKDIR/pg$m/bin" $( { for p in $PREPARED; do echo "$p $WORKDIR/pg$p/bin"; done
                                      echo "$PGVER $PGBIN"; } |
                                    awk -v m="$m" '{print ($1 <= m ? m - $1 : 100 + $1 - m), $2}' |
                                    sort -n | cut -d' ' -f2); do
    if [ -f "$(pgxs_root "$bin")/src/test/perl/PostgreSQL/Test/Cluster.pm" ]; then
      echo "$(pgxs_root "$bin")/src/test/perl"
      return
    fi
  done
}

run_regress_isolation() {
  local m=$1 bin=$WORKDIR/pg$1/bin
  CLUSTER=$WORKDIR/cluster$m
  mkdir -p "$CLUSTER"
  as_root chown "$RUN_USER" "$CLUSTER"
  start_cluster "$CLUSTER" 54329
  if want pg_regress; then
    log "pg$m pg_regress"
    as_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
      make -C "$WORKDIR" -s with_llvm=no PG_CONFIG="$bin/pg_config" installcheck ISOLATION= \
      "${regress_args[@]}" 2>&1 | tee "$WORKDIR/regress-pg$m.log" || true
    if [ -f "$WORKDIR/regression.diffs" ]; then
      head -200 "$WORKDIR/regression.diffs"
      mv "$WORKDIR/regression.diffs" "$WORKDIR/regression-pg$m.diffs"
    fi
    count_regress "$m" regress "$WORKDIR/regress-pg$m.log"
  fi
  if want isolation; then
    log "pg$m isolation"
    as_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
      make -C "$WORKDIR" -s with_llvm=no PG_CONFIG="$bin/pg_config" installcheck REGRESS= \
      2>&1 | tee "$WORKDIR/isolation-pg$m.log" || true
    if [ -f "$WORKDIR/isolation_output/regression.diffs" ]; then
      head -200 "$WORKDIR/isolation_output/regression.diffs"
      mv "$WORKDIR/isolation_output/regression.diffs" "$WORKDIR/isolation-pg$m.diffs"
    fi
    count_regress "$m" isolation "$WORKDIR/isolation-pg$m.log"
  fi
  stop_cluster "$CLUSTER"
  CLUSTER=
}

# A wheel's libraries were linked for /opt/postgresql: its postgres_fdw
# would pick up the system's older libpq without this.
wheel_libs() {
  if [ -z "${PG_BUILD_OF[$1]}" ]; then echo "LD_LIBRARY_PATH=$WORKDIR/pg$1/lib"; fi
}

run_tap() {
  local m=$1 pg=$WORKDIR/pg$1 modules old= tests ok bad
  modules=$(tap_modules "$m")
  if [ -n "${UPGRADE_FROM[$m]:-}" ] && [[ " $PREPARED " == *" ${UPGRADE_FROM[$m]} "* ]]; then
    old=$WORKDIR/pg${UPGRADE_FROM[$m]}
  fi
  tests=${PROVE_ONLY:-test/t/*.pl}
  log "pg$m TAP (modules: $modules${old:+; pg_upgrade from $old})"
  mkdir -p "$WORKDIR/tap$m"
  as_root chown "$RUN_USER" "$WORKDIR/tap$m"
  # shellcheck disable=SC2086
  (cd "$WORKDIR" && as_user env PATH="$pg/bin:$BASE_PATH" PWD="$WORKDIR" $(wheel_libs "$m") \
     TESTDIR="$WORKDIR/tap$m" TESTDATADIR="$WORKDIR/tap$m/tmp_check" \
     TESTLOGDIR="$WORKDIR/tap$m/tmp_check/log" PG_REGRESS="$(pgxs_root "$pg/bin")/src/test/regress/pg_regress" \
     DBTC_UPGRADE_OLD_INSTALL="$old" \
     prove -v -I "$modules" $tests) 2>&1 | tee "$WORKDIR/tap-pg$m.log" || true
  ok=$(matches '^ok [0-9]+' "$WORKDIR/tap-pg$m.log")
  bad=$(matches '^not ok [0-9]+' "$WORKDIR/tap-pg$m.log")
  bad=$((bad + $(matches 'Dubious|No subtests run|Parse errors' "$WORKDIR/tap-pg$m.log")))
  # Nothing ran and nothing was skipped on purpose: the suite is broken.
  if [ "$ok" = 0 ] && [ "$bad" = 0 ] && ! grep -q ' skipped: ' "$WORKDIR/tap-pg$m.log"; then
    bad=1
  fi
  count "$m" tap "$ok" "$bad"
}

declare -A PG_BUILD_OF=()
PREPARED=
for m in $PG_MAJORS; do
  export PATH="$BASE_PATH"
  rc=0
  prepare_major "$m" || rc=$?
  if [ "$rc" = 2 ]; then
    printf 'pg%s unavailable here%s\n' "$m" "$(allowed "$m" && echo ' (allowed to fail)')" \
      >>"$WORKDIR/summary"
    allowed "$m" || FAILED=$((FAILED + 1))
    continue
  elif [ "$rc" != 0 ]; then
    count "$m" build 0 1
    continue
  fi
  PREPARED+=" $m"
  export PATH="$WORKDIR/pg$m/bin:$BASE_PATH"
  if want pg_regress || want isolation; then run_regress_isolation "$m"; fi
done
# TAP after every server is prepared: pg_upgrade needs the older ones.
for m in $PREPARED; do
  export PATH="$WORKDIR/pg$m/bin:$BASE_PATH"
  if want TAP; then run_tap "$m"; fi
  if want postgres && [[ " $PG_OWN_MAJORS " == *" $m "* ]] && [ -n "${PG_BUILD_OF[$m]}" ]; then
    log "pg$m PostgreSQL's own regression suite, dbt_contract in template1"
    CLUSTER=$WORKDIR/own$m
    bash "$REPO/scripts/run-postgres-suite.sh" "$WORKDIR/pg$m" "${PG_BUILD_OF[$m]}" "$CLUSTER" \
      2>&1 | tee "$WORKDIR/postgres-pg$m.log" || true
    CLUSTER=
    result=$(grep -E '^postgres suite: [0-9]+ passed, [0-9]+ failed$' "$WORKDIR/postgres-pg$m.log" || true)
    if [ -n "$result" ]; then
      count "$m" postgres "$(awk '{print $3}' <<<"$result")" "$(awk '{print $5}' <<<"$result")"
    else
      count "$m" postgres 0 1
    fi
  fi
done
export PATH="$BASE_PATH"

if want dbt; then
  # One run per dbt-core minor of DBT_VERSIONS, each in the venv of its
  # requirements file (test/dbt/dbt_requirements): by default the pinned
  # version and the newest; make test-dbt-matrix runs every supported one.
  for v in $DBT_VERSIONS; do
    req=$(dbt_requirements "$v") || { count 15 "dbt-$v" 0 1; continue; }
    log "dbt $v ($(basename "$req"))"
    started=$SECONDS
    DBT_SUITE_SKIP_BUILD=1 DBT_REQUIREMENTS=$req bash "$REPO/test/dbt/run_dbt_tests.sh" 2>&1 \
      | tee "$WORKDIR/dbt-$v.log" || true
    log "dbt $v took $((SECONDS - started)) s"
    closing=$(grep -E '^=* *[0-9]+ (passed|failed|errors?|xfailed|xpassed|skipped)\b.* in [0-9.]+s' \
      "$WORKDIR/dbt-$v.log" | tail -1 || true)
    ok=$(grep -oE '[0-9]+ passed' <<<"$closing" | grep -oE '[0-9]+' || echo 0)
    bad=$(( $(grep -oE '[0-9]+ failed' <<<"$closing" | grep -oE '[0-9]+' || echo 0) \
          + $(grep -oE '[0-9]+ errors?' <<<"$closing" | grep -oE '[0-9]+' || echo 0) ))
    if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi
    count 15 "dbt-$v" "$ok" "$bad"
  done
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
  count 15 valgrind "$ok" "$bad"
fi

if want layout; then
  log "layout"
  # CONTRIBUTING.md's layout section lists every file of the tree.
  ok=1 bad=0
  if ! bash "$REPO/scripts/check-layout.sh"; then ok=0 bad=1; fi
  printf 'layout %d passed, %d failed\n' "$ok" "$bad" >>"$WORKDIR/summary"
  PASSED=$((PASSED + ok))
  FAILED=$((FAILED + bad))
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
