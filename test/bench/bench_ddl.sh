#!/usr/bin/env bash
# DDL overhead benchmark: 1,000 x (CREATE TABLE with 20 columns and 4
# constraints, then DROP TABLE), timed in the same run on the same server
#   A. in a database without the extension,
#   B. with the extension and 2,000 unrelated contracts loaded,
#   C. same database, the created table being a contracted model,
# and the ratios B/A and C/A printed.  Nothing is asserted; the targets
# are B/A <= 1.02 and C/A <= 1.10.
#
#   bash test/bench/bench_ddl.sh          (or: make bench)
#
# Each measurement is one session running a DO block whose loop EXECUTEs
# the DDL (event triggers fire for it as for any DDL), timed with
# clock_timestamp() inside the server, committing after each DROP.  The three variants are run in
# turn BENCH_RUNS times (default 5) and the best time of each is kept.
source "$(dirname "$0")/../../scripts/common.sh"

RUNS=${BENCH_RUNS:-5}
ITER=${BENCH_ITERATIONS:-1000}
PORT=${BENCH_PORT:-54332}

install_packages
build_install
make_workdir
CLUSTER=$WORKDIR/ddl_cluster
mkdir -p "$CLUSTER"
as_root chown "$RUN_USER" "$CLUSTER"
trap 'stop_cluster "$CLUSTER"; as_root rm -rf "$WORKDIR"' EXIT
start_cluster "$CLUSTER" "$PORT"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1)

# 20 columns, 4 constraints (primary key, unique, check, foreign key).
columns="id int NOT NULL, code text, parent_id int"
for i in $(seq 4 20); do columns+=", c$i numeric(12,2)"; done
ddl_for() {
  echo "CREATE TABLE bench.$1 ($columns, PRIMARY KEY (id), UNIQUE (code), CHECK (c4 >= 0), FOREIGN KEY (parent_id) REFERENCES bench.parent (id))"
}

yaml_columns() {
  echo "      - {name: id, data_type: int, constraints: [{type: not_null}, {type: primary_key}]}"
  echo "      - {name: code, data_type: text, constraints: [{type: unique}]}"
  echo "      - {name: parent_id, data_type: int, constraints: [{type: foreign_key, to: \"ref('parent')\", to_columns: [id]}]}"
  echo "      - {name: c4, data_type: 'numeric(12,2)', constraints: [{type: check, expression: 'c4 >= 0'}]}"
  for i in $(seq 5 20); do echo "      - {name: c$i, data_type: 'numeric(12,2)'}"; done
}

log "preparing databases"
for db in bench_none bench_ext; do
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db"
  "${PSQL[@]}" -d "$db" -c "CREATE SCHEMA bench; CREATE TABLE bench.parent (id int PRIMARY KEY)"
done
"${PSQL[@]}" -d bench_ext -c "CREATE EXTENSION dbt_contract"
{
  echo "version: 2"
  echo "models:"
  echo "  - name: parent"
  echo "    columns: [{name: id, data_type: int}]"
  for i in $(seq 1 2000); do
    echo "  - name: unrelated_$i"
    echo "    config: {materialized: table, contract: {enforced: true}}"
    echo "    columns:"
    echo "      - {name: id, data_type: bigint, constraints: [{type: primary_key}]}"
    echo "      - {name: name, data_type: text}"
  done
  echo "  - name: contracted"
  echo "    config: {materialized: table, contract: {enforced: true}}"
  echo "    columns:"
  yaml_columns
} >"$WORKDIR/contracts.yml"
chmod 644 "$WORKDIR/contracts.yml"
echo "SELECT count(*) || ' contracts loaded' FROM dbt_contract_apply(:'file', 'bench')" |
  "${PSQL[@]}" -d bench_ext -v file="$WORKDIR/contracts.yml"

# One timed loop in a fresh session; prints milliseconds.
run_loop() {  # run_loop DB TABLE
  local create drop
  create=$(ddl_for "$2")
  drop="DROP TABLE bench.$2"
  "${PSQL[@]}" -d "$1" <<SQL
CREATE TEMP TABLE t(ms float8);
DO \$\$
DECLARE t0 timestamptz;
BEGIN
  -- warm the session (catalog caches, the extension's contract map)
  EXECUTE \$q\$$create\$q\$; EXECUTE \$q\$$drop\$q\$;
  t0 := clock_timestamp();
  FOR i IN 1..$ITER LOOP
    EXECUTE \$q\$$create\$q\$;
    EXECUTE \$q\$$drop\$q\$;
    COMMIT;
  END LOOP;
  INSERT INTO t VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
END
\$\$;
SELECT round(ms::numeric, 1) FROM t;
SQL
}

declare -A best
for r in $(seq 1 "$RUNS"); do
  for v in A B C; do
    case $v in
      A) ms=$(run_loop bench_none plain_table) ;;
      B) ms=$(run_loop bench_ext plain_table) ;;
      C) ms=$(run_loop bench_ext contracted) ;;
    esac
    if [ -z "${best[$v]:-}" ] || awk "BEGIN{exit !($ms < ${best[$v]})}"; then best[$v]=$ms; fi
  done
  echo "run $r: A=${best[A]} B=${best[B]} C=${best[C]} (best so far, ms)"
done

log "DDL benchmark: $ITER x (CREATE TABLE, 20 columns, 4 constraints + DROP), best of $RUNS"
printf '%-52s %10s %8s\n' "variant" "ms" "ratio"
printf '%-52s %10s %8s\n' "A. extension absent" "${best[A]}" "1.000"
printf '%-52s %10s %8s\n' "B. extension + 2,000 unrelated contracts" "${best[B]}" \
  "$(awk "BEGIN{printf \"%.3f\", ${best[B]}/${best[A]}}")"
printf '%-52s %10s %8s\n' "C. the created table is contracted (checked)" "${best[C]}" \
  "$(awk "BEGIN{printf \"%.3f\", ${best[C]}/${best[A]}}")"
echo "targets: B/A <= 1.02, C/A <= 1.10"
