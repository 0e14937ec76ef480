--
-- limits: one model per relation; names PostgreSQL could not keep are
-- refused; tags dbt's YAML loader refuses are refused; messages quote a
-- bounded prefix of user text; work on large models stays n log n.  No
-- failed apply changes the catalog.
--
\set VERBOSITY default
\set SHOW_CONTEXT errors

CREATE SCHEMA lim;

-- The SQLSTATE of a failed apply, and how long its message and detail are.
CREATE FUNCTION lim_error(yaml text)
RETURNS TABLE (sqlstate text, message_length int, detail_length int, message text)
LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    det text;
BEGIN
    PERFORM * FROM dbt_contract_apply_yaml(yaml, 'lim_c', 'lim');
    RETURN QUERY SELECT 'no error', 0, 0, ''::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL;
    RETURN QUERY SELECT st, length(msg), length(det), msg;
END
$$;
CREATE TEMP TABLE lim_snap AS SELECT * FROM regress_catalog();

------------------------------------------------------------------------
-- One model per relation
------------------------------------------------------------------------

SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: l_orders
    config: {materialized: table, contract: {enforced: true}}
    columns: [{name: id, data_type: int, constraints: [{type: not_null}]}]
  - name: l_items
    versions: [{v: 1}, {v: 2}]
    columns: [{name: id, data_type: int}]
$$, 'lim_a', 'lim');

-- within one source, a relation may move from one model to another
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: l_orders_new
    config: {alias: l_orders, materialized: table, contract: {enforced: true}}
    columns: [{name: id, data_type: int, constraints: [{type: not_null}]}]
  - name: l_items
    versions: [{v: 1}, {v: 2}]
    columns: [{name: id, data_type: int}]
$$, 'lim_a', 'lim') ORDER BY 1, 2;
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: l_orders
    config: {materialized: table, contract: {enforced: true}}
    columns: [{name: id, data_type: int, constraints: [{type: not_null}]}]
  - name: l_items
    versions: [{v: 1}, {v: 2}]
    columns: [{name: id, data_type: int}]
$$, 'lim_a', 'lim') ORDER BY 1, 2;

CREATE TEMP TABLE lim_snap_a AS SELECT * FROM regress_catalog();

-- two models of one apply name one relation through an alias
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: {alias: same}
  - name: b
    config: {alias: same}
$$, 'lim_b', 'lim');
\echo SQLSTATE :SQLSTATE

-- another source replaces the enforced contract of l_orders with an
-- unenforced one under another model name
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: l_orders_shadow
    config: {alias: l_orders, contract: {enforced: false}}
$$, 'lim_b', 'lim');
\echo SQLSTATE :SQLSTATE

-- ... or a model named like a version's relation (l_items_v2)
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: l_items_v2
$$, 'lim_b', 'lim');
\echo SQLSTATE :SQLSTATE

-- ... or a version aliased onto another model's relation
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: other
    versions: [{v: 1, config: {alias: l_orders}}]
$$, 'lim_b', 'lim');
\echo SQLSTATE :SQLSTATE

-- the catalog has a unique index behind the rule
SELECT indexdef FROM pg_indexes
 WHERE schemaname = 'dbt_contract' AND indexname = 'contract_model_relation';

------------------------------------------------------------------------
-- Names PostgreSQL would truncate, and system column names
------------------------------------------------------------------------

-- 63 bytes is fine, folded or quoted
SELECT change FROM dbt_contract_diff_yaml(format($$
version: 2
models:
  - name: long_ok
    columns: [{name: %s}, {name: %s, quote: true}]
$$, repeat('c', 63), repeat('D', 63)), 'lim_c', 'lim');

-- 64 bytes is not, nor 64 bytes of multibyte characters (32 x U+00E9)
SELECT * FROM dbt_contract_apply_yaml(format($$
version: 2
models:
  - name: long_col
    columns: [{name: %s}]
$$, repeat('c', 64)), 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml(format($$
version: 2
models:
  - name: long_col
    columns: [{name: %s}]
$$, repeat(U&'\00e9', 32)), 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE

-- system columns, folded as PostgreSQL folds them; oid is an ordinary name
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sys
    columns: [{name: id}, {name: CTID}]
$$, 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sys
    columns: [{name: tableoid, quote: true}]
$$, 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
SELECT change FROM dbt_contract_diff_yaml($$
version: 2
models:
  - name: sys
    columns: [{name: oid}, {name: XMIN, quote: true}]
$$, 'lim_c', 'lim');

-- relation names: an alias, a version suffix, a custom schema
SELECT * FROM dbt_contract_apply_yaml(format($$
version: 2
models:
  - name: m
    config: {alias: %s}
$$, repeat('r', 64)), 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml(format($$
version: 2
models:
  - name: %s
    versions: [{v: 1}]
$$, repeat('r', 61)), 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml(format($$
version: 2
models:
  - name: m
    config: {schema: %s}
$$, repeat('s', 60)), 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE

-- constraint names and constraint columns
SELECT * FROM dbt_contract_apply_yaml(format($$
version: 2
models:
  - name: m
    constraints: [{type: check, name: %s, expression: "true"}]
$$, repeat('k', 64)), 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml(format($$
version: 2
models:
  - name: m
    constraints: [{type: unique, columns: [%s]}]
$$, repeat('k', 64)), 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE

-- a model name is a file name: at most 255 bytes, with an alias too
SELECT * FROM dbt_contract_apply_yaml(format($$
version: 2
models:
  - name: %s
    config: {alias: short}
$$, repeat('m', 256)), 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE

-- a name of 1 MB: the limit error (not the index's 54000), and the
-- message quotes 64 characters of it
SELECT * FROM lim_error(format(E'version: 2\nmodels:\n  - name: %s\n',
                               repeat('x', 1024 * 1024)));
SELECT * FROM lim_error(format(E'version: 2\nmodels:\n  - name: m\n    config: {alias: %s}\n',
                               repeat('x', 3000)));
SELECT * FROM lim_error(format(E'version: 2\nmodels:\n  - name: m\n    columns: [{name: %s}]\n',
                               repeat('x', 1024 * 1024)));
SELECT * FROM lim_error(format(E'version: 2\nmodels:\n  - name: m\n    versions: [{v: %s}]\n',
                               repeat('9', 1024 * 1024)));

-- a source is at most 1023 bytes
SELECT * FROM dbt_contract_apply_yaml('version: 2', repeat('s', 1024));
\echo SQLSTATE :SQLSTATE

------------------------------------------------------------------------
-- Tags: what PyYAML's safe loader refuses, dbt cannot parse
------------------------------------------------------------------------

SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    meta:
      run: !!python/name:os.system
$$, 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    description: !env DESCRIPTION
$$, 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models: !!map [a]
$$, 'lim_c', 'lim');
\echo SQLSTATE :SQLSTATE
-- the standard tags are fine
SELECT model, change FROM dbt_contract_diff_yaml($$
version: 2
models: !!seq
  - name: !!str tagged
    description: !!str 2024
    meta: !!map {n: !!int 3, f: !!float 1.5, b: !!bool true, z: !!null ''}
$$, 'lim_c', 'lim');

------------------------------------------------------------------------
-- Large models: comparing 20,000 columns with their previous contract is
-- n log n (it was quadratic: 4e8 comparisons, each allocating)
------------------------------------------------------------------------
SELECT count(*) FROM dbt_contract_apply_yaml(
    E'version: 2\nmodels:\n  - name: wide\n    columns:\n' ||
    (SELECT string_agg(format(E'      - {name: c%s, data_type: int, constraints: [{type: check, expression: "c%s > 0"}]}\n', i, i), '')
       FROM generate_series(1, 20000) i), 'lim_d', 'lim');
SELECT change, count(*) FROM dbt_contract_diff_yaml(
    E'version: 2\nmodels:\n  - name: wide\n    columns:\n' ||
    (SELECT string_agg(format(E'      - {name: d%s, data_type: bigint, constraints: [{type: check, expression: "d%s > 0"}]}\n', i, i), '')
       FROM generate_series(1, 20000) i), 'lim_d', 'lim')
 GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'lim_d', 'lim');

------------------------------------------------------------------------
-- dbt_contract_clone records who called it, not the extension's owner
------------------------------------------------------------------------
CREATE SCHEMA lim_prod;
CREATE SCHEMA lim_dev;
CREATE ROLE regress_lim_cloner;
GRANT USAGE ON SCHEMA lim_prod TO regress_lim_cloner;
GRANT CREATE, USAGE ON SCHEMA lim_dev TO regress_lim_cloner;
SELECT count(*) FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: clone_me
    columns: [{name: id, data_type: int}]
$$, 'lim_e', 'lim_prod');
CREATE TABLE lim_prod.clone_me (id int);
GRANT SELECT ON lim_prod.clone_me TO regress_lim_cloner;
GRANT EXECUTE ON FUNCTION dbt_contract_clone(text, text) TO regress_lim_cloner;
SET ROLE regress_lim_cloner;
SELECT * FROM dbt_contract_clone('lim_prod', 'lim_dev');
RESET ROLE;
SELECT to_schema, relation_name, created_by FROM dbt_contract.clone_view
 WHERE to_schema = 'lim_dev';

-- clean up
DROP VIEW lim_dev.clone_me;
DELETE FROM dbt_contract.clone_view WHERE to_schema = 'lim_dev';
DROP TABLE lim_prod.clone_me;
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'lim_e', 'lim_prod');
DROP SCHEMA lim_prod, lim_dev;
REVOKE EXECUTE ON FUNCTION dbt_contract_clone(text, text) FROM regress_lim_cloner;
DROP ROLE regress_lim_cloner;

------------------------------------------------------------------------
-- None of the failed applies changed anything.
------------------------------------------------------------------------
SELECT * FROM regress_catalog_diff('lim_snap_a');
SELECT count(*) FROM dbt_contract.contract_source WHERE source IN ('lim_b', 'lim_c');
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'lim_a', 'lim');
SELECT * FROM regress_catalog_diff('lim_snap');
DROP FUNCTION lim_error(text);
DROP SCHEMA lim;

------------------------------------------------------------------------
-- Upgrading from 0.1.0 a catalog where two models name one relation
-- stops with their names and changes nothing; without them it goes on.
------------------------------------------------------------------------
\set lim_db :DBNAME
-- (no CONTEXT: PostgreSQL 18 adds the extension script's statement to it)
\set SHOW_CONTEXT never
CREATE DATABASE regress_lim_upgrade;
\c regress_lim_upgrade
CREATE EXTENSION dbt_contract VERSION '0.1.0';
INSERT INTO dbt_contract.contract_model
    (model_id, model, version, source, file, defined_at, relation_schema,
     relation_name, enforced, alias_types, fingerprint, column_count,
     constraint_count, applied_at)
VALUES (1, 'orders', NULL, 'a', 'a', 'a:4:5', 'mart', 'orders', true, true, 'x', 0, 0, now()),
       (2, 'shadow', NULL, 'b', 'b', 'b:4:5', 'mart', 'orders', false, true, 'y', 0, 0, now());
ALTER EXTENSION dbt_contract UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'dbt_contract';
DELETE FROM dbt_contract.contract_model WHERE model_id = 2;
ALTER EXTENSION dbt_contract UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'dbt_contract';
SELECT indexdef FROM pg_indexes
 WHERE schemaname = 'dbt_contract' AND indexname = 'contract_model_relation';
\c :lim_db
\set SHOW_CONTEXT errors
DROP DATABASE regress_lim_upgrade;
