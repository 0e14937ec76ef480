--
-- manifest_clone: contracts from a dbt manifest (relations as compiled,
-- versions as nodes, tests as attached nodes), and dev-schema clones.
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
\set VERBOSITY default
\set SHOW_CONTEXT errors

-- The manifest dbt writes to target/manifest.json.
SELECT * FROM dbt_contract_apply_manifest(
    pg_read_file(:'abs_srcdir' || '/test/fixtures/manifest/manifest.json')::jsonb, 'dbt:shop');
SELECT model, version, relation_schema, relation_name, materialized, enforced
  FROM dbt_contract.models WHERE source = 'dbt:shop' ORDER BY 1, 2;
SELECT model, version, column_name, formatted_type, quoted
  FROM dbt_contract.columns WHERE model LIKE 'mf\_%' ORDER BY 1, 2, ordinal;
-- A `to:` compiled to a relation names the model that has that relation.
SELECT model, version, constraint_type, columns, expression, name, to_model, to_columns, level
  FROM dbt_contract.constraints WHERE model LIKE 'mf\_%' ORDER BY 1, 2, 3;
SELECT model, version, test_name, columns, arguments
  FROM dbt_contract.tests WHERE model LIKE 'mf\_%' ORDER BY 1, 2, 3;
-- Unversioned ref('mf_orders') resolves to latest_version 2.
SELECT from_relation, to_relation, to_columns, derived_from
  FROM dbt_contract.relationships WHERE from_model LIKE 'mf\_%' ORDER BY 1;

-- Same result columns, same keyed re-apply: unchanged.
SELECT model, version, action FROM dbt_contract_apply_manifest(
    pg_read_file(:'abs_srcdir' || '/test/fixtures/manifest/manifest.json')::jsonb, 'dbt:shop')
 ORDER BY 1, 2;

-- Same breaking-change rules: a versioned model's type change is an error.
SELECT * FROM dbt_contract_apply_manifest(
    replace(pg_read_file(:'abs_srcdir' || '/test/fixtures/manifest/manifest.json'),
            '"numeric(12,2)"', '"numeric(14,2)"')::jsonb, 'dbt:shop');
\echo SQLSTATE :SQLSTATE

-- Bad manifests: clear errors, nothing changes.
SELECT * FROM dbt_contract_apply_manifest('[1, 2]', 'dbt:shop');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest('{"metadata": {}}', 'dbt:shop');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest($j${"nodes": {"model.x.bad": {"resource_type": "model",
  "name": "mf_bad", "schema": "mf_prod", "alias": "mf_bad",
  "config": {"contract": {"enforced": true}},
  "columns": {"id": {"name": "id", "data_type": "integr"}}}}}$j$, 'dbt:shop');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest($j${"nodes": {"model.x.nos": {"resource_type": "model", "name": "mf_nos"}}}$j$, 'dbt:shop');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest(NULL, 'dbt:shop');
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS models_still_loaded FROM dbt_contract.models WHERE source = 'dbt:shop';

-- The enforcement trigger checks the compiled relations.
CREATE SCHEMA mf_prod;
CREATE TABLE mf_prod.mf_customers (id int PRIMARY KEY, name text, "Region" text);
CREATE TABLE mf_prod.mf_orders__dbt_tmp (order_id bigint PRIMARY KEY, customer_id int,
                                         amount numeric(12,2) CHECK (amount >= 0));
\echo SQLSTATE :SQLSTATE
CREATE TABLE mf_prod.mf_orders (order_id bigint PRIMARY KEY,
    customer_id int CONSTRAINT fk_mf_orders_customer REFERENCES mf_prod.mf_customers (id),
    amount numeric(12,2) CHECK (amount >= 0));
SELECT * FROM dbt_contract_check('mf_prod.mf_orders');

------------------------------------------------------------------------
-- dbt_contract_clone: views in a dev schema for what it lacks.
------------------------------------------------------------------------
CREATE SCHEMA mf_dev;
CREATE TABLE mf_dev.mf_customers (id int, note text);   -- something of the developer's
SELECT * FROM dbt_contract_clone('mf_prod', 'mf_dev') ORDER BY 1, 2;
-- a BI query through the dev schema works
INSERT INTO mf_prod.mf_customers VALUES (1, 'Ada', 'EU');
INSERT INTO mf_prod.mf_orders VALUES (10, 1, 9.5);
SELECT o.order_id, o.amount FROM mf_dev.mf_orders o;
-- idempotent
SELECT * FROM dbt_contract_clone('mf_prod', 'mf_dev') ORDER BY 1, 2;
-- a later dbt build of the model in dev replaces the view cleanly
BEGIN;
CREATE TABLE mf_dev.mf_orders__dbt_tmp (order_id bigint, customer_id int, amount numeric(12,2));
ALTER TABLE mf_dev.mf_orders RENAME TO mf_orders__dbt_backup;
ALTER TABLE mf_dev.mf_orders__dbt_tmp RENAME TO mf_orders;
COMMIT;
DROP VIEW IF EXISTS mf_dev.mf_orders__dbt_backup CASCADE;
SELECT relkind FROM pg_class WHERE oid = 'mf_dev.mf_orders'::regclass;
SELECT * FROM dbt_contract_clone('mf_prod', 'mf_dev') ORDER BY 1, 2;
-- errors
SELECT * FROM dbt_contract_clone('mf_prod', 'mf_prod');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_clone('mf_prod', 'mf_nowhere');
\echo SQLSTATE :SQLSTATE
CREATE ROLE regress_mf_dev;
SET ROLE regress_mf_dev;
SELECT * FROM dbt_contract_clone('mf_prod', 'mf_dev');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
DROP ROLE regress_mf_dev;

-- Clean up.
DROP SCHEMA mf_dev CASCADE;
DROP SCHEMA mf_prod CASCADE;
SELECT count(*) FROM dbt_contract_apply_manifest('{"nodes": {}}', 'dbt:shop', allow_breaking => true);

--
-- One stored form of a foreign key's target, whatever the path.  The
-- fixtures are one project (fk_targets/schema.yml.in: not .yml, so that
-- the suites applying every fixture leave it out) as dbt 1.10 compiled it
-- (manifest.json, trimmed to the project's nodes and sources) and as the
-- package's on-run-start hook sends it (payload.json).  The compiled
-- manifest names relations ("postgres"."fk_prod"."fk_parent_v2"); the hook
-- and the YAML name ref() and source().
--
\set fk_dir :abs_srcdir/test/fixtures/manifest/fk_targets
SELECT model, version, action FROM dbt_contract_apply_manifest(
    pg_read_file(:'fk_dir' || '/manifest.json')::jsonb, 'dbt:fk_shop',
    target_schema => 'fk_prod') ORDER BY 1, 2;
-- ref('fk_parent') is the model at its latest_version, ref('fk_parent',
-- v=1) that version; ref() of a seed and source() are the relations they
-- compile to (a source's schema and identifier as its sources: declare)
SELECT columns, to_model, to_version, expression, to_columns
  FROM dbt_contract.constraints
 WHERE model = 'fk_child' AND constraint_type = 'foreign_key' ORDER BY 1;
SELECT from_columns, to_model, to_version, to_relation, derived_from
  FROM dbt_contract.relationships WHERE from_model = 'fk_child' ORDER BY 1;
-- The semantic models' entities and the model's meta (meta.primary_key,
-- Lightdash meta.joins) come with the manifest too
SELECT model, version, key_columns, derived_from, is_primary
  FROM dbt_contract.keys WHERE model LIKE 'fk\_%' ORDER BY 1, 2, 3;
-- The hook's payload and the compiled manifest store the same: unchanged
-- (semantic keys included).
-- The YAML stores the same foreign keys (it declares the seed, whose
-- relation it would not know otherwise); it differs from what dbt
-- compiled in the details dbt fills in (empty descriptions,
-- on_schema_change: ignore), never breaking.
SELECT model, version, action FROM dbt_contract_apply_manifest(
    pg_read_file(:'fk_dir' || '/payload.json')::jsonb, 'dbt:fk_shop',
    target_schema => 'fk_prod') ORDER BY 1, 2;
SELECT count(*) AS semantic_keys FROM dbt_contract.contract_semantic s
  JOIN dbt_contract.contract_model m USING (model_id) WHERE m.target = 'fk_prod';
SELECT * FROM dbt_contract_diff_yaml(pg_read_file(:'fk_dir' || '/schema.yml.in'),
                                     'dbt:fk_shop', 'fk_prod');
SELECT model, version, action FROM dbt_contract_apply_yaml(
    pg_read_file(:'fk_dir' || '/schema.yml.in'), 'dbt:fk_shop', 'fk_prod') ORDER BY 1, 2;
SELECT model, version, action FROM dbt_contract_apply_manifest(
    pg_read_file(:'fk_dir' || '/manifest.json')::jsonb, 'dbt:fk_shop',
    target_schema => 'fk_prod') ORDER BY 1, 2;
SELECT columns, to_model, to_version, expression
  FROM dbt_contract.constraints
 WHERE model = 'fk_child' AND constraint_type = 'foreign_key' ORDER BY 1;
-- Without the sources' declarations, a source() is dbt's default relation
-- (schema: the source's name, identifier: the table's): a real change
SELECT model, change, detail, breaking FROM dbt_contract_diff_yaml(
    regexp_replace(pg_read_file(:'fk_dir' || '/schema.yml.in'), 'sources:.*?models:', 'models:'),
    'dbt:fk_shop', 'fk_prod');
-- An unversioned ref() follows latest_version: moving it moves the
-- foreign key to another relation, a change of an enforced constraint
SELECT model, change, detail, breaking FROM dbt_contract_diff_yaml(
    replace(pg_read_file(:'fk_dir' || '/schema.yml.in'), 'latest_version: 2', 'latest_version: 1'),
    'dbt:fk_shop', 'fk_prod');
SELECT count(*) FROM dbt_contract_apply_manifest('{"nodes": {}}', 'dbt:fk_shop',
                                                 allow_breaking => true, target_schema => 'fk_prod');
