--
-- baseline: what a re-apply is judged against, as the dbt package's hook
-- relies on it.  A contract whose relation was never built is removed
-- without blocking; the owner of a target schema (not only a superuser)
-- may accept a breaking change deliberately; a breaking change of one
-- model is found whatever other models change in the same apply; a
-- manifest's sender may give its own checksum, which dbt_contract.sources
-- shows with the model count.
--
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA bl;

CREATE FUNCTION bl.project(extra text DEFAULT '') RETURNS text
LANGUAGE sql IMMUTABLE AS $f$ SELECT $y$
version: 2
models:
  - name: bl_orders
    latest_version: 2
    config: {contract: {enforced: true}, materialized: table}
    columns:
      - {name: id, data_type: int}
      - {name: placed_on, data_type: date}
    versions:
      - v: 1
      - v: 2
  - name: bl_zeta
    config: {contract: {enforced: true}, materialized: table}
    columns:
      - {name: id, data_type: int}
$y$ || extra $f$;

SELECT model, version, action FROM dbt_contract_apply_yaml(bl.project(), 'bl', 'bl');
CREATE TABLE bl.bl_orders_v1 (id int, placed_on date);
CREATE TABLE bl.bl_orders_v2 (id int, placed_on date);
CREATE TABLE bl.bl_zeta (id int);

------------------------------------------------------------------------
-- A branch adds a version (and a model) and builds neither; going back
-- removes contracts whose relations never existed: not breaking, and the
-- apply goes through.
------------------------------------------------------------------------
SELECT model, version, action FROM dbt_contract_apply_yaml(
    replace(bl.project(E'  - name: bl_branch_only\n    config: {contract: {enforced: true}}\n    columns: [{name: id, data_type: int}]\n'),
            E'      - v: 2\n', E'      - v: 2\n      - v: 3\n'),
    'bl', 'bl') WHERE action <> 'unchanged' ORDER BY 1, 2;
SELECT * FROM dbt_contract_diff_yaml(bl.project(), 'bl', 'bl') ORDER BY 1, 2;
SELECT model, version, action FROM dbt_contract_apply_yaml(bl.project(), 'bl', 'bl')
 WHERE action <> 'unchanged' ORDER BY 1, 2;
-- a built version's removal still blocks
SELECT * FROM dbt_contract_diff_yaml(replace(bl.project(), E'      - v: 1\n', ''), 'bl', 'bl');
SELECT model FROM dbt_contract_apply_yaml(replace(bl.project(), E'      - v: 1\n', ''), 'bl', 'bl');
-- dbt_contract_diff_targets uses the same rule for the base's relations
SELECT model, version, action FROM dbt_contract_apply_yaml(
    replace(bl.project(), E'      - v: 2\n', E'      - v: 2\n      - v: 3\n'), 'bl', 'bl_head')
 ORDER BY 1, 2;
SELECT model, version, action FROM dbt_contract_apply_yaml(
    replace(bl.project(), E'      - v: 2\n', E'      - v: 2\n      - v: 3\n'), 'bl', 'bl_base')
 ORDER BY 1, 2;
SELECT * FROM dbt_contract_diff_targets('bl_base', 'bl_head');
SELECT model, version, action FROM dbt_contract_apply_yaml(bl.project(), 'bl', 'bl_head')
 WHERE action <> 'unchanged' ORDER BY 1, 2;
SELECT * FROM dbt_contract_diff_targets('bl_base', 'bl_head') ORDER BY 1, 2;

------------------------------------------------------------------------
-- Two models change in one apply, the versioned one rewritten before (so
-- it has the higher model_id but the lower key): its breaking change is
-- still found.
------------------------------------------------------------------------
SELECT model, version, action FROM dbt_contract_apply_yaml(
    replace(bl.project(), 'name: placed_on, data_type: date', 'name: placed_on, data_type: timestamp'),
    'bl', 'bl', allow_breaking => true) WHERE action <> 'unchanged';
SELECT model, version, change, breaking FROM dbt_contract_diff_yaml(
    replace(bl.project(), E'name: bl_zeta\n    config: {contract: {enforced: true}, materialized: table}\n    columns:\n      - {name: id, data_type: int}',
                          E'name: bl_zeta\n    config: {contract: {enforced: true}, materialized: table}\n    columns:\n      - {name: id, data_type: bigint}'),
    'bl', 'bl') ORDER BY 1, 2;
SELECT model FROM dbt_contract_apply_yaml(
    replace(bl.project(), E'name: bl_zeta\n    config: {contract: {enforced: true}, materialized: table}\n    columns:\n      - {name: id, data_type: int}',
                          E'name: bl_zeta\n    config: {contract: {enforced: true}, materialized: table}\n    columns:\n      - {name: id, data_type: bigint}'),
    'bl', 'bl');
SELECT model, version, column_name, formatted_type FROM dbt_contract.columns
 WHERE target = 'bl' AND column_name = 'placed_on' ORDER BY 1, 2;

------------------------------------------------------------------------
-- The owner of a target schema accepts a breaking change deliberately;
-- another role may not, not even for a schema it could create.
------------------------------------------------------------------------
CREATE ROLE regress_bl_owner;
CREATE ROLE regress_bl_other;
GRANT EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean)
   TO regress_bl_owner, regress_bl_other;
GRANT USAGE ON SCHEMA bl TO regress_bl_owner, regress_bl_other;
ALTER SCHEMA bl OWNER TO regress_bl_owner;
SET ROLE regress_bl_other;
SELECT model FROM dbt_contract_apply_yaml(bl.project(), 'bl', 'bl', allow_breaking => true);
\echo SQLSTATE :SQLSTATE
SELECT model FROM dbt_contract_apply_yaml(bl.project(), 'bl', 'bl_nowhere', allow_breaking => true);
RESET ROLE;
SET ROLE regress_bl_owner;
SELECT model, version, action FROM dbt_contract_apply_yaml(bl.project(), 'bl', 'bl', allow_breaking => true)
 WHERE action <> 'unchanged' ORDER BY 1, 2;
RESET ROLE;
SELECT applied_by, allow_breaking, breaking_accepted FROM dbt_contract.history
 WHERE target = 'bl' ORDER BY apply_id DESC LIMIT 1;

------------------------------------------------------------------------
-- metadata.dbt_contract_checksum: stored as the source's checksum, shown
-- with the model count in dbt_contract.sources; anything but a short
-- alphanumeric string is refused.
------------------------------------------------------------------------
CREATE FUNCTION bl.manifest(checksum jsonb) RETURNS jsonb LANGUAGE sql AS $f$
SELECT jsonb_build_object('metadata', jsonb_build_object('dbt_contract_checksum', checksum),
  'nodes', jsonb_build_object('model.p.bl_m', jsonb_build_object(
     'resource_type', 'model', 'name', 'bl_m', 'schema', 'bl_m', 'alias', 'bl_m',
     'config', jsonb_build_object('materialized', 'table', 'contract', jsonb_build_object('enforced', true)),
     'columns', jsonb_build_object('id', jsonb_build_object('name', 'id', 'data_type', 'int')))))
$f$;
SELECT model, action FROM dbt_contract_apply_manifest(bl.manifest('"0123abcdef"'), 'dbt:bl', false, 'bl_m');
SELECT source, target, checksum, applied_by, models FROM dbt_contract.sources WHERE target = 'bl_m';
SELECT checksum FROM dbt_contract.history WHERE target = 'bl_m';
-- without it, the md5 of the manifest's text as before
SELECT model, action FROM dbt_contract_apply_manifest(bl.manifest('null') #- '{metadata}', 'dbt:bl', false, 'bl_m');
SELECT checksum = md5((bl.manifest('null') #- '{metadata}')::text) AS md5_of_text
  FROM dbt_contract.sources WHERE target = 'bl_m';
SELECT model FROM dbt_contract_apply_manifest(bl.manifest('12'), 'dbt:bl', false, 'bl_m');
SELECT model FROM dbt_contract_apply_manifest(bl.manifest('"a-b"'), 'dbt:bl', false, 'bl_m');
SELECT model FROM dbt_contract_apply_manifest(bl.manifest(to_jsonb(repeat('a', 65))), 'dbt:bl', false, 'bl_m');
SELECT has_table_privilege('regress_bl_other', 'dbt_contract.sources', 'SELECT');

------------------------------------------------------------------------
-- dbt_contract_diff_targets: the legacy foreign key expression dbt renders
-- with {{ target.schema }} names each target's own schema, which is no
-- change; another schema is.
------------------------------------------------------------------------
CREATE FUNCTION bl.legacy(target text) RETURNS text LANGUAGE sql AS $f$ SELECT format($y$
version: 2
models:
  - name: bl_child
    config: {contract: {enforced: true}, materialized: table}
    columns:
      - name: parent_id
        data_type: int
        constraints:
          - {type: foreign_key, expression: "%s.bl_parent (id)"}
$y$, target) $f$;
SELECT count(*) FROM dbt_contract_apply_yaml(bl.legacy('bl_p'), 'bl_legacy', 'bl_p');
SELECT count(*) FROM dbt_contract_apply_yaml(bl.legacy('bl_q'), 'bl_legacy', 'bl_q');
SELECT count(*) FROM dbt_contract_apply_yaml(bl.legacy('bl_elsewhere'), 'bl_legacy', 'bl_r');
SELECT * FROM dbt_contract_diff_targets('bl_p', 'bl_q');
SELECT * FROM dbt_contract_diff_targets('bl_p', 'bl_r');

-- clean up
SELECT t.target, count(*)
  FROM unnest(ARRAY['bl_p', 'bl_q', 'bl_r']) t(target),
       LATERAL dbt_contract_apply_yaml('version: 2', 'bl_legacy', t.target, true) a
 GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'bl', 'bl', allow_breaking => true);
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'bl', 'bl_head', allow_breaking => true);
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'bl', 'bl_base', allow_breaking => true);
SELECT count(*) FROM dbt_contract_apply_manifest('{"nodes": {}}', 'dbt:bl', true, 'bl_m');
DROP SCHEMA bl CASCADE;
DROP OWNED BY regress_bl_owner, regress_bl_other;
DROP ROLE regress_bl_owner, regress_bl_other;
