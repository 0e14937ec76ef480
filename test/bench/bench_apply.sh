#!/usr/bin/env bash
# Loader benchmark: dbt_contract_apply of a generated schema.yml against a
# plain libyaml document load of the same file (the physical limit).
#
#   bash test/bench/bench_apply.sh        (or: make bench)
#
# Installs what it needs, builds and installs the extension, starts a
# throwaway cluster, generates MODELS x COLUMNS (default 10,000 x 20),
# then prints a table: file size, baseline parse time, apply time into an
# empty catalog (fresh), apply time of the same source again (re-apply),
# and the ratios apply / parse.  Every time is the best of RUNS.  Nothing
# is asserted; the target is ratio <= 3 and under 3 s on 2 cores.
#
# Knobs (environment): BENCH_MODELS, BENCH_COLUMNS, BENCH_RUNS (3),
# BENCH_PORT (54331), BENCH_KEEP=1 to keep the work directory.
#
# Apply times are taken inside the server, in one session, from
# clock_timestamp() before the call to clock_timestamp() after its
# COMMIT: connection start and client round trips are excluded, the
# commit of the rows written is included.
source "$(dirname "$0")/../../scripts/common.sh"

MODELS=${BENCH_MODELS:-10000}
COLUMNS=${BENCH_COLUMNS:-20}
RUNS=${BENCH_RUNS:-3}
PORT=${BENCH_PORT:-54331}

extra=()
command -v python3 >/dev/null 2>&1 || extra+=(python3)
install_packages "${extra[@]}"
build_install
make_workdir
CLUSTER=$WORKDIR/bench_cluster
cleanup() {
  stop_cluster "$CLUSTER"
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "work directory kept: $WORKDIR"
  else
    as_root rm -rf "$WORKDIR"
  fi
}
trap cleanup EXIT

BENCH=$WORKDIR/bench
as_root mkdir -p "$BENCH" "$CLUSTER"
as_root chown "$(id -u)" "$BENCH"
as_root chown "$RUN_USER" "$CLUSTER"

log "generating $MODELS models x $COLUMNS columns"
python3 "$REPO/test/bench/gen_schema.py" --models "$MODELS" --columns "$COLUMNS" \
  --out "$BENCH/bench.yml"
chmod 644 "$BENCH/bench.yml"
BYTES=$(stat -c %s "$BENCH/bench.yml")

log "building the libyaml baseline"
gcc -O2 -o "$BENCH/yaml_parse_baseline" "$REPO/test/bench/yaml_parse_baseline.c" -lyaml

start_cluster "$CLUSTER" "$PORT"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres)

"${PSQL[@]}" <<'SQL'
CREATE EXTENSION dbt_contract;
CREATE TABLE bench_times (kind text, run int, ms float8, nrows bigint);

-- Each apply is its own transaction, as it would be from a client.
CREATE PROCEDURE bench_apply(path text, runs int)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  ms float8;
  n  bigint;
BEGIN
  FOR r IN 1..runs LOOP
    TRUNCATE dbt_contract.contract_model, dbt_contract.contract_column,
             dbt_contract.contract_constraint, dbt_contract.contract_test,
             dbt_contract.contract_source;
    COMMIT;
    t0 := clock_timestamp();
    SELECT count(*) FILTER (WHERE action = 'added') INTO n
      FROM dbt_contract_apply(path, 'analytics');
    COMMIT;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    INSERT INTO bench_times VALUES ('fresh', r, ms, n);
    COMMIT;

    t0 := clock_timestamp();
    SELECT count(*) FILTER (WHERE action = 'unchanged') INTO n
      FROM dbt_contract_apply(path, 'analytics');
    COMMIT;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    INSERT INTO bench_times VALUES ('reapply', r, ms, n);
    COMMIT;
  END LOOP;
END $$;
SQL

log "baseline: libyaml yaml_parser_load, best of $RUNS"
BASE_OUT=$("$BENCH/yaml_parse_baseline" "$BENCH/bench.yml" "$RUNS")
echo "$BASE_OUT"
BASE_MS=$(sed -E 's/.*best_ms=([0-9.]+).*/\1/' <<<"$BASE_OUT")
NODES=$(sed -E 's/.*nodes=([0-9]+).*/\1/' <<<"$BASE_OUT")

log "dbt_contract_apply, fresh and re-apply, best of $RUNS each"
"${PSQL[@]}" <<SQL
SET dbt_contract.project_dir = '$BENCH';
CALL bench_apply('bench.yml', $RUNS);
SQL
"${PSQL[@]}" -c "SELECT kind, run, round(ms::numeric, 1) AS ms, nrows FROM bench_times ORDER BY run, kind = 'reapply'" \
  | awk -F'|' '{ printf "  %-8s run %s  %9s ms  (%s models %s)\n", $1, $2, $3, $4, ($1 == "fresh" ? "added" : "unchanged") }'

read -r FRESH_MS FRESH_N REAPPLY_MS REAPPLY_N FIRST_MS < <("${PSQL[@]}" -F' ' -c "
  SELECT round(min(ms) FILTER (WHERE kind = 'fresh')::numeric, 1),
         min(nrows) FILTER (WHERE kind = 'fresh'),
         round(min(ms) FILTER (WHERE kind = 'reapply')::numeric, 1),
         min(nrows) FILTER (WHERE kind = 'reapply'),
         round(min(ms) FILTER (WHERE kind = 'fresh' AND run = 1)::numeric, 1)
    FROM bench_times")
ROWS=$("${PSQL[@]}" -F' ' -c "
  SELECT (SELECT count(*) FROM dbt_contract.contract_model),
         (SELECT count(*) FROM dbt_contract.contract_column),
         (SELECT count(*) FROM dbt_contract.contract_constraint),
         (SELECT count(*) FROM dbt_contract.contract_test)")
read -r NMODEL NCOL NCON NTEST <<<"$ROWS"

if [ "$FRESH_N" != "$MODELS" ] || [ "$REAPPLY_N" != "$MODELS" ]; then
  echo "WARNING: expected $MODELS models added and unchanged, got $FRESH_N and $REAPPLY_N"
fi

log "result ($(nproc) CPUs)"
awk -v bytes="$BYTES" -v nodes="$NODES" -v base="$BASE_MS" -v fresh="$FRESH_MS" \
    -v reapply="$REAPPLY_MS" -v first="$FIRST_MS" -v models="$NMODEL" -v cols="$NCOL" -v cons="$NCON" \
    -v tests="$NTEST" -v runs="$RUNS" 'BEGIN {
  printf "  %-34s %12.1f MB  (%d bytes, %d YAML nodes)\n", "file size", bytes / 1048576, bytes, nodes
  printf "  %-34s %d models, %d columns, %d constraints, %d tests\n", "catalog rows", models, cols, cons, tests
  printf "  %-34s %12.1f ms\n", "libyaml document load (baseline)", base
  printf "  %-34s %12.1f ms   ratio %.2f\n", "dbt_contract_apply, fresh", fresh, fresh / base
  printf "  %-34s %12.1f ms   ratio %.2f\n", "dbt_contract_apply, re-apply", reapply, reapply / base
  printf "  %-34s %12.1f ms   ratio %.2f\n", "  (fresh, first call of a backend)", first, first / base
  printf "  (best of %d each; target: ratio <= 3 and under 3000 ms)\n", runs
}'
