--
-- targets: production, developer and CI targets side by side in one
-- database.  Contracts are keyed by the target schema they are applied
-- for (dbt's target.schema); each target's relations are checked against
-- that target's contracts; an apply for one target never touches another;
-- ref() and relationships stay within a target; a relation has one
-- contract; dbt_contract_diff_targets compares two targets by dbt's
-- breaking-change rules; who may apply for which target.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- One project, as YAML; each target builds it under its own schema.
CREATE FUNCTION tgt_project(extra text DEFAULT '') RETURNS text
LANGUAGE sql IMMUTABLE AS $f$ SELECT $y$
version: 2
models:
  - name: tgt_customers
    config: {contract: {enforced: true}, materialized: table}
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
      - name: name
        data_type: text
  - name: tgt_orders
    config: {contract: {enforced: true}, materialized: table}
    columns:
      - name: id
        data_type: int
      - name: customer_id
        data_type: int
        constraints:
          - {type: foreign_key, to: ref('tgt_customers'), to_columns: [id]}
      - name: amount
        data_type: numeric(10, 2)$y$ || extra || $y$
  - name: tgt_mart
    config: {contract: {enforced: true}, schema: marts}
    columns:
      - name: day
        data_type: date
  - name: tgt_fct
    latest_version: 1
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: int
    versions: [{v: 1}]
$y$ $f$;

-- Production, a developer and a pull request, from the same project.
SELECT target, count(*) AS models
  FROM (VALUES ('tgt_prod'), ('tgt_alice'), ('tgt_pr_1')) t(target),
       LATERAL dbt_contract_apply_yaml(tgt_project(), 'dbt:tgt', t.target) a
 GROUP BY target ORDER BY target COLLATE "C";
SELECT target, model, version, relation_schema, relation_name
  FROM dbt_contract.models WHERE source = 'dbt:tgt'
 ORDER BY target COLLATE "C", model COLLATE "C", version;

-- The developer adds a column in their own target only.
SELECT model, action FROM dbt_contract_apply_yaml(
    tgt_project(E'\n      - name: note\n        data_type: text'), 'dbt:tgt', 'tgt_alice')
 ORDER BY model COLLATE "C";
SELECT target, count(*) AS orders_columns
  FROM dbt_contract.columns WHERE model = 'tgt_orders' GROUP BY target ORDER BY target COLLATE "C";

--
-- DDL in each target is checked against that target's contract.
--
CREATE SCHEMA tgt_prod;
CREATE SCHEMA tgt_alice;
CREATE SCHEMA tgt_alice_marts;
CREATE TABLE tgt_prod.tgt_customers (id int PRIMARY KEY, name text);
CREATE TABLE tgt_alice.tgt_customers (id int PRIMARY KEY, name text);
-- production's orders have no note ...
CREATE TABLE tgt_prod.tgt_orders__dbt_tmp (id int, customer_id int REFERENCES tgt_prod.tgt_customers (id),
                                           amount numeric(10, 2), note text);
\echo SQLSTATE :SQLSTATE
CREATE TABLE tgt_prod.tgt_orders__dbt_tmp (id int, customer_id int REFERENCES tgt_prod.tgt_customers (id),
                                           amount numeric(10, 2));
-- ... the developer's have one
CREATE TABLE tgt_alice.tgt_orders__dbt_tmp (id int, customer_id int REFERENCES tgt_alice.tgt_customers (id),
                                            amount numeric(10, 2));
\echo SQLSTATE :SQLSTATE
-- a foreign key to production's customers is not the ref() of tgt_alice
CREATE TABLE tgt_alice.tgt_orders__dbt_tmp (id int, customer_id int REFERENCES tgt_prod.tgt_customers (id),
                                            amount numeric(10, 2), note text);
\echo SQLSTATE :SQLSTATE
CREATE TABLE tgt_alice.tgt_orders__dbt_tmp (id int, customer_id int REFERENCES tgt_alice.tgt_customers (id),
                                            amount numeric(10, 2), note text);
-- a custom-schema relation of the developer's target
CREATE TABLE tgt_alice_marts.tgt_mart (day text);
\echo SQLSTATE :SQLSTATE
CREATE TABLE tgt_alice_marts.tgt_mart (day date);
-- the developer's contracts left production's alone
ALTER TABLE tgt_prod.tgt_customers ALTER COLUMN id TYPE bigint;
\echo SQLSTATE :SQLSTATE

-- verify, per target or for all; check reports the relation's target
SELECT target, relation, object, problem FROM dbt_contract_verify('tgt_alice')
 ORDER BY relation COLLATE "C", object COLLATE "C";
SELECT target FROM dbt_contract.violations WHERE target LIKE 'tgt\_%'
 GROUP BY target ORDER BY target COLLATE "C";

-- ref() resolves within the target: keys and relationships
SELECT target, from_relation, to_relation, to_columns, derived_from
  FROM dbt_contract.relationships WHERE from_model = 'tgt_orders'
 ORDER BY target COLLATE "C";
SELECT target, relation, key_columns, is_primary FROM dbt_contract.keys
 WHERE model = 'tgt_customers' ORDER BY target COLLATE "C";

-- dbt_contract_ddl: a model of several targets needs the target
SELECT dbt_contract_ddl('tgt_orders');
\echo SQLSTATE :SQLSTATE
SELECT dbt_contract_ddl('tgt_orders', NULL, 'tgt_alice');
SELECT dbt_contract_ddl('tgt_fct', 1, 'tgt_prod');
SELECT length(dbt_contract_omni_relationships('tgt_alice')) > 0 AS omni_for_one_target;

--
-- dbt_contract_diff_targets: what a target would change for production.
--
-- the developer's added column breaks nothing
SELECT * FROM dbt_contract_diff_targets('tgt_prod', 'tgt_alice');
-- identical targets: nothing
SELECT count(*) AS changes FROM dbt_contract_diff_targets('tgt_prod', 'tgt_pr_1');
-- the pull request changes a type, removes a column, adds a version and
-- changes the old one
SELECT model, action FROM dbt_contract_apply_yaml(
    replace(replace(replace(tgt_project(),
        E'      - name: name\n        data_type: text', E'      - name: name\n        data_type: varchar(20)'),
        E'\n      - name: amount\n        data_type: numeric(10, 2)', ''),
        'versions: [{v: 1}]', E'versions:\n      - v: 1\n        columns: [{name: id, data_type: bigint}]\n      - v: 2'),
    'dbt:tgt', 'tgt_pr_1', allow_breaking => true)
 WHERE action <> 'unchanged' ORDER BY model COLLATE "C", version;
SELECT * FROM dbt_contract_diff_targets('tgt_prod', 'tgt_pr_1');
-- the other way round: what production has that the pull request lacks
SELECT model, version, change, breaking FROM dbt_contract_diff_targets('tgt_pr_1', 'tgt_prod');
-- a target without contracts has none
SELECT change, count(*) FROM dbt_contract_diff_targets('tgt_prod', 'tgt_nobody') GROUP BY 1;

--
-- One relation, one contract: a model of another target (or source) built
-- as a relation already contracted is refused, and nothing is applied.
-- Here target tgt_prod_marts builds tgt_mart where tgt_prod's custom
-- schema puts it.
--
CREATE TEMP TABLE tgt_before AS SELECT * FROM regress_catalog();
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: tgt_other
    columns: [{name: day, data_type: date}]
  - name: tgt_mart_copy
    config: {alias: tgt_mart}
    columns: [{name: day, data_type: date}]
$$, 'dbt:other', 'tgt_prod_marts');
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS catalog_changes FROM regress_catalog_diff('tgt_before');

--
-- Re-apply and remove per target.
--
SELECT model, action FROM dbt_contract_apply_yaml(tgt_project(), 'dbt:tgt', 'tgt_prod')
 ORDER BY model COLLATE "C", version;
-- the pull request is closed: its target is dropped with its schema, and
-- its contracts stay until removed (verify reports the missing relations)
CREATE SCHEMA tgt_pr_1;
CREATE TABLE tgt_pr_1.tgt_customers (id int PRIMARY KEY, name varchar(20));
DROP SCHEMA tgt_pr_1 CASCADE;
SELECT count(*) AS pr_contracts FROM dbt_contract.models WHERE target = 'tgt_pr_1';
SELECT relation, problem FROM dbt_contract_verify('tgt_pr_1')
 ORDER BY relation COLLATE "C";
-- dropping a target: an empty document for it
SELECT model, version, action FROM dbt_contract_apply_yaml('version: 2', 'dbt:tgt', 'tgt_pr_1', allow_breaking => true)
 ORDER BY model COLLATE "C", version;
SELECT target, count(*) FROM dbt_contract.models WHERE source = 'dbt:tgt'
 GROUP BY target ORDER BY target COLLATE "C";
SELECT target, source, added, changed, removed, unchanged FROM dbt_contract.history
 WHERE source = 'dbt:tgt' ORDER BY apply_id;
SELECT count(*) AS sources FROM dbt_contract.contract_source WHERE target = 'tgt_pr_1';

--
-- Privileges: a developer may apply for a target whose schema they own
-- (or, before it exists, with CREATE on the database), never for
-- production's.
--
CREATE ROLE regress_tgt_dev;
GRANT EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean),
                          dbt_contract_apply_manifest(jsonb, text, boolean, text) TO regress_tgt_dev;
CREATE SCHEMA tgt_dev AUTHORIZATION regress_tgt_dev;
SET ROLE regress_tgt_dev;
SELECT model, relation, action FROM dbt_contract_apply_yaml(
    replace(tgt_project(), E'    config: {contract: {enforced: true}, schema: marts}\n', ''),
    'dbt:tgt', 'tgt_dev') ORDER BY model COLLATE "C", version;
-- production's contracts: neither changed nor removed
SELECT * FROM dbt_contract_apply_yaml(tgt_project(), 'dbt:tgt', 'tgt_prod');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'dbt:tgt', 'tgt_prod');
\echo SQLSTATE :SQLSTATE
-- a custom schema that does not exist needs CREATE on the database
SELECT * FROM dbt_contract_apply_yaml(tgt_project(), 'dbt:tgt', 'tgt_dev');
\echo SQLSTATE :SQLSTATE
-- a model built in production's schema (a manifest names relations as
-- compiled) is production's business
SELECT * FROM dbt_contract_apply_manifest($j${"nodes": {"model.tgt.tgt_sneaky": {
    "resource_type": "model", "name": "tgt_sneaky", "schema": "tgt_prod", "alias": "tgt_sneaky",
    "config": {"materialized": "table", "contract": {"enforced": true}},
    "columns": {"id": {"name": "id", "data_type": "int"}}}}}$j$, 'dbt:sneaky', false, 'tgt_dev');
\echo SQLSTATE :SQLSTATE
-- DDL in the developer's own schema is checked against their contract
CREATE TABLE tgt_dev.tgt_customers (id text);
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT target, count(*) FROM dbt_contract.models WHERE source = 'dbt:tgt'
 GROUP BY target ORDER BY target COLLATE "C";

--
-- Target lifecycle: the targets view, a dropped schema, dropping a target.
--
SELECT target, models, enforced_models, sources, last_applied_by = session_user AS by_me,
       last_applied_at IS NOT NULL AS applied, schema_exists
  FROM dbt_contract.targets WHERE target LIKE 'tgt\_%' ORDER BY target COLLATE "C";
-- a CI run: apply for its target, build, drop its schema at the end
SELECT count(*) AS applied FROM dbt_contract_apply_yaml(tgt_project(), 'dbt:tgt', 'tgt_pr_2');
CREATE SCHEMA tgt_pr_2;
CREATE TABLE tgt_pr_2.tgt_customers (id int PRIMARY KEY, name text);
-- the contracts stay (a restore or a mistaken drop of production must
-- not lose them), and the drop says so
DROP SCHEMA tgt_pr_2 CASCADE;
-- a schema that is no target: nothing to say
CREATE SCHEMA tgt_nothing;
DROP SCHEMA tgt_nothing;
SELECT target, models, schema_exists FROM dbt_contract.targets WHERE target = 'tgt_pr_2';
-- dropping the target removes its contracts, sources and history, and
-- says what it removed; a second time, nothing
SELECT * FROM dbt_contract_drop_target('tgt_pr_2');
SELECT * FROM dbt_contract_drop_target('tgt_pr_2');
SELECT count(*) AS left_of_pr_2 FROM dbt_contract.history WHERE target = 'tgt_pr_2';
SELECT count(*) AS target_rows FROM dbt_contract.targets WHERE target = 'tgt_pr_2';
-- nobody else's contracts were touched
SELECT target, count(*) FROM dbt_contract.models WHERE source = 'dbt:tgt'
 GROUP BY target ORDER BY target COLLATE "C";
--
-- dbt_contract_clone, target to target: production's relations as views
-- where the developer's contracts (or dbt's default schema names) put
-- them, custom schemas included.
--
CREATE SCHEMA tgt_prod_marts;
CREATE TABLE tgt_prod_marts.tgt_mart (day date);
ALTER TABLE tgt_prod.tgt_orders__dbt_tmp RENAME TO tgt_orders;
CREATE TABLE tgt_prod.tgt_fct_v1 (id int);
INSERT INTO tgt_prod.tgt_fct_v1 VALUES (1), (2);
-- the developer built customers and the mart; their orders have a note
-- production's lack, so production's cannot stand in for them
SELECT * FROM dbt_contract_clone('tgt_prod', 'tgt_alice') ORDER BY relation COLLATE "C";
SELECT count(*) AS rows_through_dev FROM tgt_alice.tgt_fct_v1;
SELECT * FROM dbt_contract_clone('tgt_prod', 'tgt_alice') ORDER BY relation COLLATE "C";
-- a CI target: its custom schema comes later
SELECT count(*) AS applied FROM dbt_contract_apply_yaml(tgt_project(), 'dbt:tgt', 'tgt_pr_3');
CREATE SCHEMA tgt_pr_3;
SELECT * FROM dbt_contract_clone('tgt_prod', 'tgt_pr_3') ORDER BY relation COLLATE "C";
CREATE SCHEMA tgt_pr_3_marts;
SELECT * FROM dbt_contract_clone('tgt_prod', 'tgt_pr_3') ORDER BY relation COLLATE "C";
-- the clone views are checked against the CI target's own contracts
ALTER VIEW tgt_pr_3.tgt_fct_v1 RENAME COLUMN id TO ident;
\echo SQLSTATE :SQLSTATE
-- a schema without contracts of its own: dbt's default names
CREATE SCHEMA tgt_scratch;
SELECT * FROM dbt_contract_clone('tgt_prod', 'tgt_scratch') ORDER BY relation COLLATE "C";
-- dropping the CI target forgets the views it recorded
SELECT * FROM dbt_contract_drop_target('tgt_pr_3');
DROP SCHEMA tgt_pr_3, tgt_pr_3_marts, tgt_scratch CASCADE;
DELETE FROM dbt_contract.clone_view WHERE to_schema LIKE 'tgt\_%';

-- dbt_contract_apply_manifest takes the target too: the same manifest
-- node compiled for two targets gives two targets' contracts
SELECT t.target, a.model, a.relation, a.action
  FROM (VALUES ('tgt_mf_a'), ('tgt_mf_b')) t(target),
       LATERAL dbt_contract_apply_manifest(format($j${"nodes": {"model.tgt.tgt_m": {
           "resource_type": "model", "name": "tgt_m", "schema": %s, "alias": "tgt_m",
           "config": {"materialized": "table", "contract": {"enforced": true},
                      "meta": {"primary_key": "id"}},
           "columns": {"id": {"name": "id", "data_type": "int"}}}}}$j$,
           to_json(t.target))::jsonb, 'dbt:mf', false, t.target) a
 ORDER BY t.target COLLATE "C";
SELECT target, models, sources FROM dbt_contract.targets
 WHERE target LIKE 'tgt\_mf\_%' ORDER BY target COLLATE "C";
SELECT kind, removed, names FROM dbt_contract_drop_target('tgt_mf_a') WHERE kind = 'models';
SELECT target, model, relation_schema FROM dbt_contract.models WHERE source = 'dbt:mf';
SELECT derived_from, key_columns FROM dbt_contract.keys WHERE target = 'tgt_mf_b';
SELECT kind, removed FROM dbt_contract_drop_target('tgt_mf_b') WHERE kind = 'models';
-- nothing of a dropped model is left behind in the catalog's tables
SELECT t AS catalog_table, count(x.model_id) AS orphan_rows
  FROM (SELECT 'contract_column', model_id FROM dbt_contract.contract_column
        UNION ALL SELECT 'contract_constraint', model_id FROM dbt_contract.contract_constraint
        UNION ALL SELECT 'contract_test', model_id FROM dbt_contract.contract_test
        UNION ALL SELECT 'contract_semantic', model_id FROM dbt_contract.contract_semantic) x(t, model_id)
 WHERE NOT EXISTS (SELECT 1 FROM dbt_contract.contract_model m WHERE m.model_id = x.model_id)
 GROUP BY t ORDER BY t;
-- ordinary users read the view
CREATE ROLE regress_tgt_other;
SET ROLE regress_tgt_other;
SELECT count(*) > 0 AS readable FROM dbt_contract.targets;
-- ... but dropping a target is for whoever may apply for it
SELECT * FROM dbt_contract_drop_target('tgt_dev');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION dbt_contract_drop_target(text) TO regress_tgt_dev, regress_tgt_other;
SET ROLE regress_tgt_other;
SELECT * FROM dbt_contract_drop_target('tgt_dev');
\echo SQLSTATE :SQLSTATE
SET ROLE regress_tgt_dev;
SELECT * FROM dbt_contract_drop_target('tgt_prod');
\echo SQLSTATE :SQLSTATE
SELECT kind, removed FROM dbt_contract_drop_target('tgt_dev');
-- A target whose schema does not exist (any more) stays with the role
-- that applied it last: CREATE on the database is not enough to replace
-- or drop its contracts (production after a mistaken DROP SCHEMA), while
-- that role may (the next run of a CI target).  Sources and history
-- record the same role, the one that called the apply.
RESET ROLE;
DO $$BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_tgt_dev, regress_tgt_other',
                          current_database()); END$$;
GRANT EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) TO regress_tgt_other;
SET ROLE regress_tgt_dev;
SELECT model, relation, action FROM dbt_contract_apply_yaml(
    E'version: 2\nmodels:\n  - name: tgt_claimed\n    columns: [{name: id, data_type: int}]\n',
    'dbt:claim', 'tgt_claim');
RESET ROLE;
SELECT target, last_applied_by, schema_exists FROM dbt_contract.targets WHERE target = 'tgt_claim';
SELECT s.applied_by AS source_applied_by, h.applied_by AS history_applied_by
  FROM dbt_contract.sources s JOIN dbt_contract.history h USING (source, target)
 WHERE s.target = 'tgt_claim';
SET ROLE regress_tgt_other;
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'dbt:claim', 'tgt_claim');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_drop_target('tgt_claim');
\echo SQLSTATE :SQLSTATE
-- a target nobody applied yet: CREATE on the database is enough
SELECT model, relation, action FROM dbt_contract_apply_yaml(
    E'version: 2\nmodels:\n  - name: tgt_claimed\n    columns: [{name: id, data_type: int}]\n',
    'dbt:claim', 'tgt_claim_other');
SELECT kind, removed FROM dbt_contract_drop_target('tgt_claim_other') WHERE kind = 'models';
SET ROLE regress_tgt_dev;
SELECT kind, removed FROM dbt_contract_drop_target('tgt_claim') WHERE kind = 'models';
RESET ROLE;
DO $$BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_tgt_dev, regress_tgt_other',
                          current_database()); END$$;
REVOKE EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) FROM regress_tgt_other;
REVOKE EXECUTE ON FUNCTION dbt_contract_drop_target(text) FROM regress_tgt_dev, regress_tgt_other;
DROP ROLE regress_tgt_other;
SELECT target, count(*) FROM dbt_contract.models WHERE source = 'dbt:tgt'
 GROUP BY target ORDER BY target COLLATE "C";

--
-- Clean up.
--
SELECT target, count(*) AS removed
  FROM (SELECT DISTINCT target FROM dbt_contract.contract_source WHERE source = 'dbt:tgt') s,
       LATERAL dbt_contract_apply_yaml('version: 2', 'dbt:tgt', s.target, allow_breaking => true)
 GROUP BY target ORDER BY target COLLATE "C";
DROP SCHEMA tgt_prod, tgt_prod_marts, tgt_alice, tgt_alice_marts CASCADE;
DROP SCHEMA tgt_dev CASCADE;
REVOKE EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean),
                           dbt_contract_apply_manifest(jsonb, text, boolean, text) FROM regress_tgt_dev;
DROP ROLE regress_tgt_dev;
DROP FUNCTION tgt_project(text);
SELECT count(*) AS left_over FROM dbt_contract.models WHERE target LIKE 'tgt\_%';
