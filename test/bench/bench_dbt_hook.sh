#!/usr/bin/env bash
# Cost of the dbt package's hooks per invocation: `dbt run -s m_0000` (one
# model) of a generated project of N contracted models (gen_dbt_project.py
# --tests), for N in BENCH_SIZES (default "500 2000"), in two copies:
#   off. no package, no hooks;
#   on.  the package's on-run-start (apply_contracts) and on-run-end
#        (report_violations) hooks,
# both against one database with the extension, after a first build.  For
#   unchanged.  a run that changes no contract (the hook reads the stored
#               checksum and sends nothing);
#   one changed. one model's description changed in its YAML file before
#               each run (both copies, so both re-parse that file);
# it prints, best of BENCH_RUNS (default 5): the wall-clock time of both
# copies and the difference, the hooks' own time from run_results.json
# (on-run-start + on-run-end execution_time), and the artifacts: the size
# of run_results.json and the bytes of target/ that hold the payload.
# Targets: unchanged <= 0.3 s and <= 10 KB; one changed <= 1 s.  Nothing
# is asserted.
#
#   bash test/bench/bench_dbt_hook.sh          (or: make bench)
#
# Uses the dbt suite's cached virtualenv (test/dbt/venv.sh).
source "$(dirname "$0")/../../scripts/common.sh"
source "$REPO/test/dbt/venv.sh"

RUNS=${BENCH_RUNS:-5}
SIZES=${BENCH_SIZES:-500 2000}
PORT=${BENCH_PORT:-54341}

install_packages
build_install
dbt_venv

throwaway_cluster "$PORT"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1)
cp -r "$REPO/dbt" "$W/dbt"

dbt_in() {  # dbt_in DIR DB ARGS...: run dbt in that project, quietly
  local dir=$1 db=$2; shift 2
  (cd "$dir" && env PGDATABASE="$db" DBT_PROFILES_DIR=. DBT_USE_COLORS=false \
     DBT_SEND_ANONYMOUS_USAGE_STATS=false "$DBT_VENV/bin/dbt" "$@") >"$dir.log" 2>&1 || {
    tail -40 "$dir.log"; echo "dbt $* failed in $dir"; exit 1; }
}

timed() {  # timed DIR DB: seconds of one `dbt run -s m_0000`
  local t0 t1
  t0=$(date +%s.%N)
  dbt_in "$1" "$2" run -s m_0000
  t1=$(date +%s.%N)
  awk "BEGIN{printf \"%.2f\", $t1 - $t0}"
}

hook_seconds() {  # the hooks' execution_time in DIR's run_results.json
  "$DBT_VENV/bin/python" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("%.3f" % sum(x["execution_time"] for x in r if "on-run-" in x["unique_id"]))' \
    "$1/target/run_results.json"
}

payload_bytes() {  # bytes of DIR's run artifacts that hold the hook's statement
  # (target/compiled, target/run, run_results.json; manifest.json holds the
  # package's macros, so their text, whatever the hook does)
  { grep -rl dbt_contract_apply_manifest "$1/target/compiled" "$1/target/run" 2>/dev/null
    grep -l dbt_contract_apply_manifest "$1/target/run_results.json"; } | xargs -r cat | wc -c
}

set_description() {  # set_description DIR TEXT: model m_0001's description
  sed -i "s/^    description: Generated model 1\\..*/    description: Generated model 1. $2/" \
    "$1/models/schema_00.yml"
}

best() {  # best VAR VALUE: keep the smaller
  if [ -z "${!1:-}" ] || awk "BEGIN{exit !($2 < ${!1})}"; then printf -v "$1" '%s' "$2"; fi
}

declare -a REPORT
for n in $SIZES; do
  db=bench_hook_$n
  log "$n models: generating, first build"
  python3 "$REPO/test/bench/gen_dbt_project.py" --models "$n" --out "$W/on_$n" \
    --package ../dbt --tests --yaml-files 20
  python3 "$REPO/test/bench/gen_dbt_project.py" --models "$n" --out "$W/off_$n" \
    --tests --yaml-files 20
  cat >>"$W/on_$n/dbt_project.yml" <<'YML'
on-run-end:
  - "{{ dbt_contract.report_violations(results) }}"
YML
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db"
  "${PSQL[@]}" -d "$db" -c "CREATE EXTENSION dbt_contract"
  dbt_in "$W/on_$n" "$db" deps
  dbt_in "$W/on_$n" "$db" run
  dbt_in "$W/off_$n" "$db" parse
  echo "contracts: $("${PSQL[@]}" -d "$db" -c "SELECT count(*) FROM dbt_contract.models")"

  # unchanged
  off= on= hook=
  for r in $(seq 1 "$RUNS"); do
    a=$(timed "$W/off_$n" "$db"); best off "$a"
    b=$(timed "$W/on_$n" "$db"); best on "$b"
    h=$(hook_seconds "$W/on_$n"); best hook "$h"
    echo "  unchanged run $r: off ${a} s, on ${b} s, hooks ${h} s"
  done
  rr=$(wc -c <"$W/on_$n/target/run_results.json")
  pb=$(payload_bytes "$W/on_$n")
  REPORT+=("$(printf '%-6s %-12s %8s %8s %8s %8s %14s %14s' "$n" unchanged "$off" "$on" \
    "$(awk "BEGIN{printf \"%.2f\", $on - $off}")" "$hook" "$rr" "$pb")")

  # one contract changed before each run
  off= on= hook=
  for r in $(seq 1 "$RUNS"); do
    set_description "$W/off_$n" "rev $r"
    a=$(timed "$W/off_$n" "$db"); best off "$a"
    set_description "$W/on_$n" "rev $r"
    b=$(timed "$W/on_$n" "$db"); best on "$b"
    h=$(hook_seconds "$W/on_$n"); best hook "$h"
    echo "  one changed run $r: off ${a} s, on ${b} s, hooks ${h} s"
  done
  changed=$("${PSQL[@]}" -d "$db" -c "SELECT changed FROM dbt_contract.history ORDER BY apply_id DESC LIMIT 1")
  echo "  the last apply changed $changed model(s)"
  rr=$(wc -c <"$W/on_$n/target/run_results.json")
  pb=$(payload_bytes "$W/on_$n")
  REPORT+=("$(printf '%-6s %-12s %8s %8s %8s %8s %14s %14s' "$n" "one changed" "$off" "$on" \
    "$(awk "BEGIN{printf \"%.2f\", $on - $off}")" "$hook" "$rr" "$pb")")
done

log "dbt run -s m_0000, best of $RUNS (seconds; artifacts in bytes)"
printf '%-6s %-12s %8s %8s %8s %8s %14s %14s\n' models contracts off on on-off hooks \
  run_results payload_in_tgt
printf '%s\n' "${REPORT[@]}"
echo "targets: unchanged <= 0.3 s and <= 10 KB of artifacts; one changed <= 1 s"
