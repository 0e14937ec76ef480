#!/usr/bin/env bash
# dbt build overhead benchmark: `dbt build` of a generated project of 200
# contracted models (test/bench/gen_dbt_project.py: tables with primary
# key, foreign key, unique, not_null and check constraints, one view in
# ten), timed on the same server
#   off. in a database without the extension, the project without the hook;
#   on.  in a database with the extension, the project with the
#        dbt_contract package's on-run-start hook (contracts applied on
#        every run, every relation dbt creates checked),
# best of BENCH_RUNS (default 5) each, after one untimed build of each (so
# the timed builds replace existing relations, dbt's usual case).  Prints
# both times and the ratio on/off; the target is <= 1.03.  Nothing is
# asserted.
#
#   bash test/bench/bench_dbt_build.sh          (or: make bench)
#
# Uses the dbt suite's cached virtualenv (test/dbt/venv.sh).
source "$(dirname "$0")/../../scripts/common.sh"
source "$REPO/test/dbt/venv.sh"

RUNS=${BENCH_RUNS:-5}
MODELS=${BENCH_MODELS:-200}
PORT=${BENCH_PORT:-54338}

install_packages
build_install
dbt_venv

throwaway_cluster "$PORT"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1)

log "generating two projects of $MODELS models"
cp -r "$REPO/dbt" "$W/dbt"
python3 "$REPO/test/bench/gen_dbt_project.py" --models "$MODELS" --out "$W/on" \
  --package ../dbt
python3 "$REPO/test/bench/gen_dbt_project.py" --models "$MODELS" --out "$W/off"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_on" -c "CREATE DATABASE bench_off"
"${PSQL[@]}" -d bench_on -c "CREATE EXTENSION dbt_contract"

dbt_in() {  # dbt_in VARIANT ARGS...: run dbt in that project, quietly
  local v=$1; shift
  (cd "$W/$v" && env PGDATABASE="bench_$v" DBT_PROFILES_DIR=. DBT_USE_COLORS=false \
     DBT_SEND_ANONYMOUS_USAGE_STATS=false "$DBT_VENV/bin/dbt" "$@") >"$W/$v.log" 2>&1 || {
    tail -40 "$W/$v.log"; echo "dbt $* failed in variant $v"; exit 1; }
}

log "warm-up builds"
dbt_in on deps
for v in off on; do dbt_in "$v" build; done
echo "contracts loaded by the hook: $("${PSQL[@]}" -d bench_on -c \
  "SELECT count(*) FILTER (WHERE enforced) FROM dbt_contract.models")"
echo "contracted relations checked, violations now: $("${PSQL[@]}" -d bench_on -c \
  "SELECT count(*) FROM dbt_contract.violations")"

declare -A best
for r in $(seq 1 "$RUNS"); do
  for v in off on; do
    t0=$(date +%s.%N)
    dbt_in "$v" build
    t1=$(date +%s.%N)
    s=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
    if [ -z "${best[$v]:-}" ] || awk "BEGIN{exit !($s < ${best[$v]})}"; then best[$v]=$s; fi
    echo "run $r $v: ${s} s"
  done
done

log "dbt build of $MODELS contracted models, best of $RUNS"
printf '%-60s %10s %8s\n' "variant" "s" "ratio"
printf '%-60s %10s %8s\n' "off. no extension, no hook" "${best[off]}" "1.000"
printf '%-60s %10s %8s\n' "on.  extension + package hook (contracts applied, DDL checked)" \
  "${best[on]}" "$(awk "BEGIN{printf \"%.3f\", ${best[on]}/${best[off]}}")"
echo "target: on/off <= 1.03"
