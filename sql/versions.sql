--
-- versions: model versions as dbt has them.  dbt keys a version by str()
-- of v: (a number or a string), orders versions as numbers when both read
-- as floats and as text otherwise, builds <name>_v<version> with "." as
-- "_" (no suffix for the number 0), and resolves ref('m', v=...) by the
-- same text.  dbt 1.12's latest_version_pointer view is checked against
-- the latest version's contract.
--
\set VERBOSITY default
\set SHOW_CONTEXT errors
CREATE SCHEMA ver;

CREATE FUNCTION ver.doc() RETURNS text LANGUAGE sql AS $y$ SELECT $d$
version: 2
models:
  - name: vm
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - {name: id, data_type: int, constraints: [{type: not_null}]}
      - {name: amount, data_type: numeric}
    versions:
      - v: 4.5
      - v: test
        columns: [{include: all, exclude: [amount]}]
      - v: 0
  - name: vzero_text
    versions: [{v: "0"}]
  - name: vfloat_zero
    versions: [{v: 0.0}, {v: 0x1F}]
  - name: vchild
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: vm_id
        data_type: int
        constraints:
          - {type: foreign_key, to: "ref('vm', v=4.5)", to_columns: [id]}
          - {type: foreign_key, to: "ref('vm', version='test')", to_columns: [id]}
          - {type: foreign_key, to: "ref('vm')", to_columns: [id]}
          - {type: foreign_key, to: "ref('vm', v=4.50)", to_columns: [id]}
$d$ $y$;
-- 4.5 and 4.50 are both the float 4.5 in dbt: a duplicate.
SELECT model, version, relation, action
  FROM dbt_contract_apply_yaml(replace(ver.doc(), E'      - v: 4.5\n', E'      - v: 4.5\n      - v: 4.50\n'),
                               'ver_yaml', 'ver');
\echo SQLSTATE :SQLSTATE

SELECT model, version, relation, action FROM dbt_contract_apply_yaml(ver.doc(), 'ver_yaml', 'ver');

-- v: 4.5 builds vm_v4_5, v: test vm_vtest; the number 0 is false in
-- dbt's alias macro (vm), the text "0" is not (vzero_text_v0); 0.0 is
-- false too, and 0x1F is the int 31.
SELECT model, version, relation_name, is_latest
  FROM dbt_contract.models WHERE target = 'ver'
 ORDER BY model, dbt_contract.version_number(version), version;

-- The latest without latest_version is dbt's max(): numbers compare as
-- numbers (4.5 < 10), text with anything as text ("4.5" < "test"), and
-- max() keeps the first entry until one compares greater, so the order of
-- the list decides between numbers and text.
SELECT model, version, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vorder_num
    versions: [{v: 4.5}, {v: 10}, {v: 9}]
  - name: vorder_numtext
    versions: [{v: "10"}, {v: "9.5"}]
  - name: vorder_mixed
    versions: [{v: 2}, {v: test}, {v: 10}]
  - name: vorder_mixed2
    versions: [{v: 10}, {v: 2a}, {v: 3}]
  - name: vorder_declared
    latest_version: 2
    versions: [{v: 2.0}, {v: 3}]
$$, 'ver_order', 'ver');
SELECT model, version FROM dbt_contract.models
 WHERE target = 'ver' AND model LIKE 'vorder%' AND is_latest ORDER BY model;

-- latest_version compares as Python's ==: a string is never a number.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vbad_latest
    latest_version: "2"
    versions: [{v: 2}]
$$, 'ver_bad', 'ver');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vbad_empty
    versions: [{v: ""}]
$$, 'ver_bad', 'ver');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vbad_bool
    versions: [{v: true}]
$$, 'ver_bad', 'ver');
\echo SQLSTATE :SQLSTATE

-- ref() with these versions: v=4.5 and v=4.50 are the same version,
-- version='test' names the text one, and ref('vm') the latest (test, as
-- "test" > "4.5" and "test" > "0").
SELECT version, to_model, to_version, expression
  FROM dbt_contract.constraints
 WHERE target = 'ver' AND model = 'vchild' ORDER BY to_version;
SELECT to_text FROM dbt_contract.contract_constraint k
  JOIN dbt_contract.contract_model m USING (model_id)
 WHERE m.target = 'ver' AND m.model = 'vchild' ORDER BY k.ordinal;
SELECT from_model, to_model, to_version, to_relation
  FROM dbt_contract.relationships
 WHERE target = 'ver' AND from_model = 'vchild' ORDER BY to_relation;
-- A second apply changes nothing: the canonical form is stable.
SELECT model, version, change FROM dbt_contract_diff_yaml(ver.doc(), 'ver_yaml', 'ver');

-- The DDL of a version by its text; 0.1.0's integer signature still works.
SELECT dbt_contract_ddl('vm', '4.5', 'ver');
SELECT dbt_contract_ddl('vfloat_zero', 31, 'ver') = dbt_contract_ddl('vfloat_zero', '31', 'ver') AS same;
SELECT dbt_contract_ddl('vm', '4.6', 'ver');

-- The event trigger enforces vm_v4_5 like any contracted relation.
CREATE TABLE ver.vm_v4_5 (id bigint NOT NULL, amount numeric);
\echo SQLSTATE :SQLSTATE
CREATE TABLE ver.vm_v4_5 (id int NOT NULL, amount numeric);
CREATE TABLE ver.vm_vtest (id int NOT NULL);
CREATE TABLE ver.vm (id int NOT NULL, amount text);
\echo SQLSTATE :SQLSTATE

--
-- dbt 1.12's latest_version_pointer: a view named after the model (or the
-- pointer's alias) selecting from the latest version's relation, checked
-- against that version's columns and types whatever its materialization.
--
SELECT model, version, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vptr
    config:
      materialized: table
      contract: {enforced: true}
      latest_version_pointer: {enabled: true}
    columns:
      - {name: id, data_type: int}
      - {name: label, data_type: text}
    latest_version: 2
    versions:
      - v: 1
        columns: [{include: all, exclude: [label]}]
      - v: 2
      - v: 3
        columns: [{include: all}, {name: extra, data_type: int}]
  - name: vptr_alias
    config:
      materialized: table
      contract: {enforced: true}
    columns: [{name: id, data_type: int}]
    versions:
      - v: 1
      - v: 1.5
        config:
          latest_version_pointer: {enabled: true, alias: " vptr_current "}
  - name: vptr_off
    config:
      contract: {enforced: true}
      latest_version_pointer: false
    columns: [{name: id, data_type: int}]
    versions: [{v: 1}]
$$, 'ver_ptr', 'ver');
SELECT model, version, relation_name, is_latest, latest_pointer
  FROM dbt_contract.models WHERE target = 'ver' AND model LIKE 'vptr%'
 ORDER BY model, version;
CREATE TABLE ver.vptr_v1 (id int);
CREATE TABLE ver.vptr_v2 (id int, label text);
CREATE TABLE ver.vptr_v3 (id int, label text, extra int);
-- What dbt 1.12's view materialization runs: the view under its
-- __dbt_tmp name, then renamed.
CREATE VIEW ver.vptr__dbt_tmp AS SELECT * FROM ver.vptr_v2;
ALTER VIEW ver.vptr__dbt_tmp RENAME TO vptr;
DROP VIEW ver.vptr;
CREATE VIEW ver.vptr AS SELECT * FROM ver.vptr_v2;
-- a pointer onto the wrong version is refused
CREATE OR REPLACE VIEW ver.vptr AS SELECT * FROM ver.vptr_v3;
\echo SQLSTATE :SQLSTATE
DROP VIEW ver.vptr;
CREATE VIEW ver.vptr AS SELECT * FROM ver.vptr_v1;
\echo SQLSTATE :SQLSTATE
CREATE TABLE ver.vptr_alias_v1_5 (id int);
CREATE VIEW ver.vptr_current AS SELECT id::bigint AS id FROM ver.vptr_alias_v1_5;
\echo SQLSTATE :SQLSTATE
CREATE VIEW ver.vptr_current AS SELECT * FROM ver.vptr_alias_v1_5;
-- without the pointer, a view at the model's name is no contract's
CREATE VIEW ver.vptr_off AS SELECT 1::bigint AS id;

--
-- A manifest shaped like dbt 1.12's: versions as JSON numbers and
-- strings, latest_version resolved, config.latest_version_pointer.
--
SELECT model, version, relation, action FROM dbt_contract_apply_manifest($${
  "metadata": {"dbt_version": "1.12.0"},
  "nodes": {
    "model.p.mm.v4.5": {"resource_type": "model", "name": "mm", "version": 4.5,
      "latest_version": "rc", "schema": "ver", "alias": "mm_v4_5",
      "config": {"materialized": "table", "contract": {"enforced": true},
                 "latest_version_pointer": {"enabled": true, "alias": null}},
      "columns": {"id": {"name": "id", "data_type": "int"}}},
    "model.p.mm.vrc": {"resource_type": "model", "name": "mm", "version": "rc",
      "latest_version": "rc", "schema": "ver", "alias": "mm_vrc",
      "config": {"materialized": "table", "contract": {"enforced": true},
                 "latest_version_pointer": {"enabled": true, "alias": "mm_latest"}},
      "columns": {"id": {"name": "id", "data_type": "bigint"}}},
    "model.p.mchild": {"resource_type": "model", "name": "mchild", "schema": "ver",
      "alias": "mchild",
      "config": {"materialized": "table", "contract": {"enforced": true},
                 "latest_version_pointer": {"enabled": null, "alias": null}},
      "columns": {"mm_id": {"name": "mm_id", "data_type": "int",
                  "constraints": [{"type": "foreign_key", "to": "ref('mm', v=4.5)",
                                   "to_columns": ["id"]},
                                  {"type": "foreign_key", "to": "ref('mm')",
                                   "to_columns": ["id"]}]}}}
  }
}$$::jsonb, 'ver_manifest', false, 'ver');
SELECT model, version, relation_name, is_latest, latest_pointer
  FROM dbt_contract.models WHERE source = 'ver_manifest' ORDER BY model, version;
SELECT model, to_model, to_version FROM dbt_contract.constraints
 WHERE target = 'ver' AND model = 'mchild' ORDER BY to_version;
CREATE TABLE ver.mm_vrc (id bigint);
CREATE VIEW ver.mm_latest AS SELECT id::int AS id FROM ver.mm_vrc;
\echo SQLSTATE :SQLSTATE
CREATE VIEW ver.mm_latest AS SELECT * FROM ver.mm_vrc;

-- The exports name a version's end as dbt names its relation.
SELECT label, relation FROM dbt_contract.export_scope(ARRAY['vm'], 'ver') ORDER BY label;

DROP SCHEMA ver CASCADE;
SELECT count(*) FROM dbt_contract_drop_target('ver');
