#!/usr/bin/env bash
# Generate benchmark: dbt_contract_generate(schema => 'bench') over TABLES
# (default 10,000) live tables of 20 columns each (a primary key, a unique
# key, a check, every fifth table a foreign key to the table before it),
# against dbt_contract_apply_yaml of the document it returns, into an
# empty contract catalog.  Also times dbt_contract_generate_odcs of the
# same schema.  Prints each time (best of RUNS rounds; the three are
# interleaved within a round, so a noisy neighbour slows all alike) and
# the ratio generate / apply.  Nothing is asserted.
#
#   bash test/bench/bench_generate.sh     (or: make bench)
#
# Times are taken inside the server with clock_timestamp() around the
# statement (the apply including its COMMIT); the document is not sent to
# the client.
#
# Knobs (environment): BENCH_TABLES, BENCH_RUNS (5), BENCH_PORT (54341).
source "$(dirname "$0")/../../scripts/common.sh"

TABLES=${BENCH_TABLES:-10000}
RUNS=${BENCH_RUNS:-5}
PORT=${BENCH_PORT:-54341}

install_packages
build_install
throwaway_cluster "$PORT"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1 -d postgres)

log "creating $TABLES tables x 20 columns"
"${PSQL[@]}" -v tables="$TABLES" <<'SQL'
CREATE EXTENSION dbt_contract;
CREATE SCHEMA bench;
CREATE TABLE bench_times (kind text, run int, ms float8, n bigint);

-- Columns 5..20: a mix of the types dbt projects use.
CREATE FUNCTION bench_type(i int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY['int', 'text', 'timestamptz', 'boolean', 'numeric(12,2)',
                'date', 'varchar(64)', 'bigint'])[1 + i % 8]
$$;

CREATE PROCEDURE bench_create(tables int)
LANGUAGE plpgsql AS $$
BEGIN
  FOR n IN 1..tables LOOP
    EXECUTE format('CREATE TABLE bench.t_%s (id bigint NOT NULL PRIMARY KEY, code text UNIQUE, '
                   'parent_id bigint%s, amount numeric(12,2) CHECK (amount >= 0), %s)',
                   lpad(n::text, 5, '0'),
                   CASE WHEN n % 5 = 0
                        THEN format(' REFERENCES bench.t_%s (id)', lpad((n - 1)::text, 5, '0'))
                        ELSE '' END,
                   (SELECT string_agg(format('c%s %s', lpad(c::text, 2, '0'), bench_type(c)),
                                      ', ' ORDER BY c)
                      FROM generate_series(5, 20) c));
    IF n % 200 = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END $$;
CALL bench_create(:tables);

-- One round: generate (schema.yml), generate_odcs, then apply the
-- schema.yml into an empty catalog; each its own transaction.
CREATE PROCEDURE bench_round(r int)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  doc text;
  n bigint;
BEGIN
  TRUNCATE dbt_contract.contract_model, dbt_contract.contract_column,
           dbt_contract.contract_constraint, dbt_contract.contract_test,
           dbt_contract.contract_source;
  COMMIT;
  t0 := clock_timestamp();
  doc := dbt_contract_generate(schema => 'bench');
  INSERT INTO bench_times VALUES ('generate', r,
    extract(epoch FROM clock_timestamp() - t0) * 1000, length(doc));
  COMMIT;
  t0 := clock_timestamp();
  n := length(dbt_contract_generate_odcs(schema => 'bench'));
  INSERT INTO bench_times VALUES ('generate_odcs', r,
    extract(epoch FROM clock_timestamp() - t0) * 1000, n);
  COMMIT;
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE action = 'added') INTO n
    FROM dbt_contract_apply_yaml(doc, 'generated:bench', 'bench');
  COMMIT;
  INSERT INTO bench_times VALUES ('apply', r,
    extract(epoch FROM clock_timestamp() - t0) * 1000, n);
  COMMIT;
END $$;
SQL

log "generate, generate_odcs and apply, $RUNS rounds"
for r in $(seq 1 "$RUNS"); do
  # a new session per round: the catalog caches start cold, as for a
  # client connecting to generate
  "${PSQL[@]}" -c "CALL bench_round($r)"
done
"${PSQL[@]}" -c "SELECT run, kind, round(ms::numeric, 1), n FROM bench_times ORDER BY run, kind" \
  | awk -F'|' '{ printf "  run %s  %-14s %9s ms  (%s)\n", $1, $2, $3, $4 }'

read -r GEN_MS ODCS_MS APPLY_MS BYTES ODCS_BYTES ADDED < <("${PSQL[@]}" -F' ' -c "
  SELECT round(min(ms) FILTER (WHERE kind = 'generate')::numeric, 1),
         round(min(ms) FILTER (WHERE kind = 'generate_odcs')::numeric, 1),
         round(min(ms) FILTER (WHERE kind = 'apply')::numeric, 1),
         min(n) FILTER (WHERE kind = 'generate'),
         min(n) FILTER (WHERE kind = 'generate_odcs'),
         min(n) FILTER (WHERE kind = 'apply')
    FROM bench_times")
PROBLEMS=$("${PSQL[@]}" -c "SELECT count(*) FROM dbt_contract_verify()")
if [ "$ADDED" != "$TABLES" ] || [ "$PROBLEMS" != 0 ]; then
  echo "WARNING: expected $TABLES models added and no problems, got $ADDED and $PROBLEMS"
fi

log "result ($(nproc) CPUs)"
awk -v tables="$TABLES" -v gen="$GEN_MS" -v odcs="$ODCS_MS" -v apply="$APPLY_MS" \
    -v bytes="$BYTES" -v obytes="$ODCS_BYTES" -v problems="$PROBLEMS" -v runs="$RUNS" 'BEGIN {
  printf "  %-40s %10.1f ms  (%.1f MB, %.1f us per table)\n", "dbt_contract_generate", gen, bytes / 1048576, gen * 1000 / tables
  printf "  %-40s %10.1f ms  (%.1f MB)\n", "dbt_contract_generate_odcs", odcs, obytes / 1048576
  printf "  %-40s %10.1f ms  (verify afterwards: %d problems)\n", "dbt_contract_apply_yaml of the result", apply, problems
  printf "  %-40s %10.2f\n", "ratio generate / apply", gen / apply
  printf "  (best of %d rounds each, %d tables x 20 columns)\n", runs, tables
}'
