--
-- setup: install the extension and the helpers the other suites share.
-- The suites run in order in one database.
--
CREATE EXTENSION dbt_contract;

SELECT extname, extversion, n.nspname AS function_schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'dbt_contract';

-- The catalog schema's views: the public ones readable by everybody, the
-- internal ones (building blocks of keys and relationships) not.
SELECT c.relname, c.relkind, has_table_privilege('public', c.oid, 'SELECT') AS public_can_read
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'dbt_contract' AND c.relkind = 'v'
 ORDER BY c.relname COLLATE "C";

-- The two settings the suites use; only superusers may change them.
SELECT name, setting, unit, context
  FROM pg_settings
 WHERE name IN ('dbt_contract.max_file_size', 'dbt_contract.project_dir')
 ORDER BY name COLLATE "C";

-- Everything the catalog holds, one jsonb per row, for "nothing changed"
-- checks: snapshot into a temp table before, compare with EXCEPT after.
-- Timestamps are included on purpose: a failed apply must not touch them.
CREATE FUNCTION regress_catalog()
RETURNS TABLE (relname text, row_data jsonb)
LANGUAGE sql STABLE AS $$
    SELECT 'models', to_jsonb(v) FROM dbt_contract.models v
    UNION ALL SELECT 'columns', to_jsonb(v) FROM dbt_contract.columns v
    UNION ALL SELECT 'constraints', to_jsonb(v) FROM dbt_contract.constraints v
    UNION ALL SELECT 'tests', to_jsonb(v) FROM dbt_contract.tests v
    UNION ALL SELECT 'contract_model', to_jsonb(v) FROM dbt_contract.contract_model v
    UNION ALL SELECT 'contract_column', to_jsonb(v) FROM dbt_contract.contract_column v
    UNION ALL SELECT 'contract_constraint', to_jsonb(v) FROM dbt_contract.contract_constraint v
    UNION ALL SELECT 'contract_test', to_jsonb(v) FROM dbt_contract.contract_test v
    UNION ALL SELECT 'contract_source', to_jsonb(v) FROM dbt_contract.contract_source v
$$;

-- Rows of regress_catalog() that differ from a snapshot, either way.
CREATE FUNCTION regress_catalog_diff(snapshot regclass)
RETURNS TABLE (side text, relname text, row_data jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT ''lost'', * FROM (SELECT * FROM %1$s EXCEPT ALL SELECT * FROM regress_catalog()) l
         UNION ALL
         SELECT ''gained'', * FROM (SELECT * FROM regress_catalog() EXCEPT ALL SELECT * FROM %1$s) g',
        snapshot);
END
$$;

-- Sources of file applies are absolute paths: show them from test/fixtures on.
CREATE FUNCTION regress_path(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(p, '^/.*/(test/fixtures/)', '<srcdir>/\1')
$$;

-- Run a statement whose error message names a file source (an absolute
-- path) or dbt_contract.project_dir, and re-raise the error with those
-- shown as <srcdir> (and the text `hide` as <hidden>); the SQLSTATE,
-- detail and hint are kept.
CREATE FUNCTION regress_masked(stmt text, hide text DEFAULT NULL) RETURNS SETOF record
LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    det text;
    hnt text;
BEGIN
    RETURN QUERY EXECUTE stmt;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    msg := regexp_replace(msg, '/[^ "'']*/(test/fixtures/)', '<srcdir>/\1', 'g');
    det := regexp_replace(det, '/[^ "'']*/(test/fixtures/)', '<srcdir>/\1', 'g');
    hnt := regexp_replace(hnt, '/[^ "'']*/(test/fixtures/)', '<srcdir>/\1', 'g');
    IF hide IS NOT NULL THEN
        msg := replace(msg, hide, '<hidden>');
        det := replace(det, hide, '<hidden>');
        hnt := replace(hnt, hide, '<hidden>');
    END IF;
    IF current_setting('dbt_contract.project_dir') <> '' THEN
        det := replace(det, '"' || current_setting('dbt_contract.project_dir') || '"', '"<srcdir>"');
    END IF;
    IF det = '' AND hnt = '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg;
    ELSIF hnt = '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, DETAIL = det;
    ELSIF det = '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, HINT = hnt;
    ELSE
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, DETAIL = det, HINT = hnt;
    END IF;
END
$$;
