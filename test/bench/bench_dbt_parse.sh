#!/usr/bin/env bash
# Parse benchmark: a generated dbt project of 2,000 contracted models
# (test/bench/gen_dbt_project.py --tests: 7 columns, constraints of five
# kinds, unique/not_null/relationships tests, 20 YAML files) read by
#   dbt.          `dbt parse --no-partial-parse` (the whole project: SQL and YAML)
#   extension.    SELECT * FROM dbt_contract_apply('<project>/models', 'bench')
#                 into a freshly created extension (every model added)
# best of BENCH_RUNS (default 3) each; prints both times and the ratio
# dbt/extension.  Nothing is asserted.
#
#   bash test/bench/bench_dbt_parse.sh          (or: make bench)
#
# Uses the dbt suite's cached virtualenv (test/dbt/venv.sh).
source "$(dirname "$0")/../../scripts/common.sh"
source "$REPO/test/dbt/venv.sh"

RUNS=${BENCH_RUNS:-3}
MODELS=${BENCH_MODELS:-2000}
PORT=${BENCH_PORT:-54339}

install_packages
build_install
dbt_venv

throwaway_cluster "$PORT"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1)

log "generating a project of $MODELS models"
python3 "$REPO/test/bench/gen_dbt_project.py" --models "$MODELS" --out "$W/project" \
  --tests --yaml-files 20
chmod -R a+rX "$W/project"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_parse"
echo "$(ls "$W/project/models" | grep -c '\.sql$') SQL files, $(ls "$W/project/models" | grep -c '\.yml$') YAML files ($(cat "$W/project/models"/*.yml | wc -c) bytes)"

best() {  # best VAR VALUE: keep the smaller
  if [ -z "${!1:-}" ] || awk "BEGIN{exit !($2 < ${!1})}"; then printf -v "$1" '%s' "$2"; fi
}

apply_ms() {
  "${PSQL[@]}" -d bench_parse -v dir="$W/project/models" <<'SQL'
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dbt_contract CASCADE;
CREATE EXTENSION dbt_contract;
CREATE TEMP TABLE t AS SELECT clock_timestamp() AS t0;
CREATE TEMP TABLE n AS SELECT count(*) AS models FROM dbt_contract_apply(:'dir', 'bench');
SELECT round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 1) FROM t;
SQL
}

dbt_parse_s() {
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$W/project" && env PGDATABASE=bench_parse DBT_PROFILES_DIR=. DBT_USE_COLORS=false \
     DBT_SEND_ANONYMOUS_USAGE_STATS=false "$DBT_VENV/bin/dbt" parse --no-partial-parse) \
     >"$W/parse.log" 2>&1 || { tail -30 "$W/parse.log"; echo "dbt parse failed"; exit 1; }
  t1=$(date +%s.%N)
  awk "BEGIN{printf \"%.1f\", ($t1 - $t0) * 1000}"
}

DBT_BEST=
EXT_BEST=
for r in $(seq 1 "$RUNS"); do
  d=$(dbt_parse_s); best DBT_BEST "$d"
  e=$(apply_ms); best EXT_BEST "$e"
  echo "run $r: dbt parse ${d} ms, dbt_contract_apply ${e} ms"
done
loaded=$("${PSQL[@]}" -d bench_parse -c "SELECT count(*) FROM dbt_contract.models")
nodes=$("$DBT_VENV/bin/python" -c 'import json, sys, collections
m = json.load(open(sys.argv[1]))
c = collections.Counter(n["resource_type"] for n in m["nodes"].values())
print(", ".join("%d %ss" % (v, k) for k, v in sorted(c.items())))' "$W/project/target/manifest.json")

log "parse of $MODELS contracted models, best of $RUNS"
echo "dbt: $nodes; extension: $loaded models loaded"
printf '%-58s %10s %8s\n' "reader" "ms" "ratio"
printf '%-58s %10s %8s\n' "dbt parse --no-partial-parse (whole project)" "$DBT_BEST" \
  "$(awk "BEGIN{printf \"%.1f\", $DBT_BEST/$EXT_BEST}")"
printf '%-58s %10s %8s\n' "dbt_contract_apply of models/ (20 YAML files)" "$EXT_BEST" "1.0"
echo "ratio: dbt parse takes $(awk "BEGIN{printf \"%.1f\", $DBT_BEST/$EXT_BEST}")x as long as the extension's apply"
