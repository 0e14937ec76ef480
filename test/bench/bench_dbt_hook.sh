#!/usr/bin/env bash
# Cost of the dbt package's hooks per invocation: `dbt run -s m_0000` (one
# model) of a generated project of N contracted models (gen_dbt_project.py
# --tests), for N in BENCH_SIZES (default "500 2000"), in two copies:
#   off. no package, no hooks;
#   on.  the package's on-run-start (apply_contracts) and on-run-end
#        (report_violations) hooks,
# both against one database with the extension, after a first build (the
# whole project up to BENCH_FULL_BUILD models, default 500; above that
# only m_0000 and the models with a foreign key to it, which is all the
# measured run and its on-run-end hook touch: building 2,000 tables takes
# longer than the rest of the benchmark).  For
#   unchanged.  a run that changes no contract (the hook reads the stored
#               checksum and sends nothing);
#   sql edited. one other model's SQL edited before each run (dbt parses it
#               again, no contract changes): the hook hashes that model,
#               finds nothing changed and stores its new parse fingerprint;
#   one changed. one model's description changed in its YAML file before
#               each run (both copies, so both re-parse that file): the
#               hook sends that model (and its parent) as a delta apply;
# it prints, best of BENCH_RUNS (default 5) interleaved rounds: the
# wall-clock time of both copies and their ratio, the hooks' own time from
# run_results.json (on-run-start and on-run-end execution_time), and the
# per-run artifacts of both: run_results.json, target/compiled, target/run.
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
  # what this run writes, not what the first build left
  rm -rf "$1/target/compiled" "$1/target/run"
  t0=$(date +%s.%N)
  dbt_in "$1" "$2" run -s m_0000
  t1=$(date +%s.%N)
  awk "BEGIN{printf \"%.2f\", $t1 - $t0}"
}

hook_seconds() {  # "start end": the hooks' execution_time in DIR's run_results.json
  "$DBT_VENV/bin/python" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"]
t = lambda k: sum(x["execution_time"] for x in r if k in x["unique_id"])
print("%.3f %.3f" % (t("on-run-start"), t("on-run-end")))' \
    "$1/target/run_results.json"
}

artifacts() {  # "run_results compiled run": bytes of DIR's per-run artifacts
  local d=$1/target
  echo "$(wc -c <"$d/run_results.json") $(du -sb "$d/compiled" 2>/dev/null | cut -f1 || echo 0)" \
       "$(du -sb "$d/run" 2>/dev/null | cut -f1 || echo 0)"
}

set_description() {  # set_description DIR TEXT: model m_0001's description
  sed -i "s/^    description: Generated model 1\\..*/    description: Generated model 1. $2/" \
    "$1/models/schema_00.yml"
}

best() {  # best VAR VALUE: keep the smaller
  if [ -z "${!1:-}" ] || awk "BEGIN{exit !($2 < ${!1})}"; then printf -v "$1" '%s' "$2"; fi
}

# one round: the run without the package, then with it (interleaved, so
# that the load of the machine weighs on both alike); keeps the best
round() {  # round N CASE R
  local n=$1 what=$2 r=$3 a b h
  a=$(timed "$W/off_$n" "db_$n"); best off "$a"
  b=$(timed "$W/on_$n" "db_$n"); best on "$b"
  h=$(hook_seconds "$W/on_$n"); best start "${h% *}"; best end "${h#* }"
  echo "  $what run $r: off ${a} s, on ${b} s, on-run-start ${h% *} s, on-run-end ${h#* } s"
}

row() {  # row N CASE: one line of the report
  local n=$1 what=$2 on_art off_art
  on_art=($(artifacts "$W/on_$n")); off_art=($(artifacts "$W/off_$n"))
  REPORT+=("$(printf '%-6s %-12s %6s %6s %6s %7s %7s %9s %9s %9s %9s' "$n" "$what" "$off" "$on" \
    "$(awk "BEGIN{printf \"%.2f\", $on / $off}")" "$start" "$end" \
    "${on_art[0]}" "${off_art[0]}" "${on_art[1]}/${off_art[1]}" "${on_art[2]}/${off_art[2]}")")
}

declare -a REPORT
for n in $SIZES; do
  db=db_$n
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
  if [ "$n" -le "${BENCH_FULL_BUILD:-500}" ]; then
    dbt_in "$W/on_$n" "$db" run
  else
    dbt_in "$W/on_$n" "$db" run -s m_0000+
  fi
  dbt_in "$W/off_$n" "$db" parse
  echo "contracts: $("${PSQL[@]}" -d "$db" -c "SELECT count(*) FROM dbt_contract.models")"

  off= on= start= end=
  for r in $(seq 1 "$RUNS"); do round "$n" unchanged "$r"; done
  row "$n" unchanged

  # another model's SQL edited before each run, in both copies
  off= on= start= end=
  for r in $(seq 1 "$RUNS"); do
    echo "-- rev $r" >>"$W/off_$n/models/m_0005.sql"
    echo "-- rev $r" >>"$W/on_$n/models/m_0005.sql"
    round "$n" "sql edited" "$r"
  done
  row "$n" "sql edited"

  # one model's description changed before each run, in both copies (so
  # both re-parse that file)
  off= on= start= end=
  for r in $(seq 1 "$RUNS"); do
    set_description "$W/off_$n" "rev $r"
    set_description "$W/on_$n" "rev $r"
    round "$n" "one changed" "$r"
  done
  echo "  the last apply: $("${PSQL[@]}" -d "$db" -c "SELECT format('%s changed, %s unchanged', changed, unchanged) FROM dbt_contract.history ORDER BY apply_id DESC LIMIT 1")"
  row "$n" "one changed"
done

log "dbt run -s m_0000, best of $RUNS rounds (seconds; artifacts in bytes, with/without the package)"
printf '%-6s %-12s %6s %6s %6s %7s %7s %9s %9s %9s %9s\n' models contracts off on ratio \
  start end rr_on rr_off compiled run
printf '%s\n' "${REPORT[@]}"
echo "start/end: the on-run-start / on-run-end hooks' execution_time in run_results.json"
echo "targets: on-run-start unchanged <= 0.3 s and <= 10 KB of artifacts; one changed <= 1 s"
echo "(sql edited has no target of its own: it is the price of a run after dbt parsed a model again)"
