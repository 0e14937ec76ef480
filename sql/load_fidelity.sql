--
-- load_fidelity: where dbt's own parser is lenient or particular, the
-- loader reads the YAML as dbt does (dbt-core 1.11 is the reference).
--
\set VERBOSITY default
\set SHOW_CONTEXT always

--
-- A column listed twice under one name: dbt keeps the last entry in the
-- first one's place, and the data tests of both entries.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_twice
    columns:
      - name: id
        data_type: text
        constraints: [{type: unique}]
        data_tests: [unique]
      - name: amount
        data_type: numeric
      - name: id
        data_type: int
        constraints: [{type: not_null}]
        data_tests: [not_null]
$$, 'fidelity');
SELECT column_name, ordinal, data_type FROM dbt_contract.columns
 WHERE model = 'fid_twice' ORDER BY ordinal;
SELECT constraint_type, columns FROM dbt_contract.constraints WHERE model = 'fid_twice';
SELECT test_name, columns FROM dbt_contract.tests WHERE model = 'fid_twice' ORDER BY test_name;
-- Names that differ in case are two columns to dbt but one to PostgreSQL:
-- still refused.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_case
    columns: [{name: Id}, {name: ID}]
$$, 'fidelity_bad');
-- A version's own columns are merged the same way.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_vtwice
    columns: [{name: a, data_type: int}]
    versions:
      - v: 1
        columns:
          - include: all
          - {name: b, data_type: int}
          - {name: b, data_type: text}
$$, 'fidelity_v');
SELECT column_name, data_type FROM dbt_contract.columns
 WHERE model = 'fid_vtwice' ORDER BY ordinal;

--
-- A check (or custom) constraint without an expression: dbt renders
-- nothing for it, so the contract requires nothing.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_check
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: int
        constraints:
          - type: check
            expressions: "id > 0"
          - type: not_null
    constraints:
      - type: check
        name: named_check
$$, 'fidelity_check');
SELECT constraint_type, level FROM dbt_contract.constraints WHERE model = 'fid_check';
CREATE TABLE fid_check (id int NOT NULL);
SELECT * FROM dbt_contract_check('fid_check');
DROP TABLE fid_check;

--
-- Test config: config keys at the top level (dbt's CONFIG_ARGS) are
-- config, not arguments, and give the same row as under config:.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_cfg_top
    columns:
      - name: id
        data_tests:
          - accepted_values:
              values: [1, 2]
              where: "id > 0"
              severity: warn
              tags: [nightly]
              store_failures: true
              limit: 10
  - name: fid_cfg_nested
    columns:
      - name: id
        data_tests:
          - accepted_values:
              arguments: {values: [1, 2]}
              config:
                where: "id > 0"
                severity: warn
                tags: [nightly]
                store_failures: true
                limit: 10
  - name: fid_cfg_args
    columns:
      - name: id
        data_tests:
          - accepted_values:
              arguments: {values: [1, 2], where: "id > 0", severity: warn,
                          tags: [nightly], store_failures: true, limit: 10}
$$, 'fidelity_cfg');
SELECT model, arguments, config, enabled FROM dbt_contract.tests
 WHERE model LIKE 'fid_cfg%' ORDER BY model;
SELECT count(DISTINCT (arguments, config)) AS distinct_rows FROM dbt_contract.tests
 WHERE model LIKE 'fid_cfg%';
-- The same key at the top level and under config: is an error, as in dbt.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_cfg_both
    data_tests:
      - unique:
          column_name: id
          severity: warn
          config: {severity: error}
$$, 'fidelity_bad');

--
-- Disabled tests are kept, marked disabled, and are no keys.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_disabled
    columns:
      - name: id
        data_tests:
          - unique: {enabled: false}
          - not_null: {config: {enabled: false}}
      - name: code
        data_tests:
          - unique
          - not_null
$$, 'fidelity_disabled');
SELECT test_name, columns, config, enabled FROM dbt_contract.tests
 WHERE model = 'fid_disabled' ORDER BY columns, test_name;
SELECT key_columns, derived_from, is_primary FROM dbt_contract.keys
 WHERE model = 'fid_disabled' ORDER BY key_columns;
-- From a manifest, disabled tests are under "disabled", and give the
-- same rows.
SELECT * FROM dbt_contract_apply_manifest($${"nodes": {
  "model.p.fid_disabled_m": {"resource_type": "model", "name": "fid_disabled_m",
     "schema": "public", "alias": "fid_disabled_m", "config": {"enabled": true},
     "columns": {"id": {"name": "id"}}}},
 "disabled": {
  "test.p.unique_id": [{"resource_type": "test", "attached_node": "model.p.fid_disabled_m",
     "column_name": "id", "test_metadata": {"name": "unique", "kwargs": {"column_name": "id"}},
     "config": {"enabled": false, "severity": "ERROR", "tags": [], "meta": {}}}]}
}$$, 'fidelity_disabled_manifest');
SELECT test_name, columns, config, enabled FROM dbt_contract.tests
 WHERE model = 'fid_disabled_m';

--
-- combination_of_columns must be a list of strings, as dbt reads it: a
-- null item or a plain string names no column.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_combo
    columns: [{name: a}, {name: b}]
    data_tests:
      - dbt_utils.unique_combination_of_columns:
          combination_of_columns: [null]
      - dbt_utils.unique_combination_of_columns:
          combination_of_columns: a
      - dbt_utils.unique_combination_of_columns:
          combination_of_columns: [a, null, 1, b]
$$, 'fidelity_combo');
SELECT test_name, columns FROM dbt_contract.tests WHERE model = 'fid_combo';
SELECT key_columns FROM dbt_contract.keys WHERE model = 'fid_combo';

--
-- Infinities and NaN in test arguments: JSON has none, so they are the
-- strings PostgreSQL and the dbt package use.  Plain = and << (outside a
-- merge key) are refused, as PyYAML's safe loader refuses them.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_inf
    data_tests:
      - my_test: {hi: .inf, lo: -.Inf, nothing: .NaN, text: ".inf"}
$$, 'fidelity_inf');
SELECT arguments FROM dbt_contract.tests WHERE model = 'fid_inf';
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_eq
    data_tests:
      - my_test: {op: =}
$$, 'fidelity_bad');
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_merge
    data_tests:
      - my_test: {op: <<}
$$, 'fidelity_bad');
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_quoted
    data_tests:
      - my_test: {op: "=", also: '<<'}
$$, 'fidelity_quoted');
SELECT arguments FROM dbt_contract.tests WHERE model = 'fid_quoted';

--
-- persist_docs, which dbt reads to write descriptions as comments (and
-- dbt_contract.sync_descriptions follows by default): a version inherits
-- the model's and may override it; a manifest's node config says the
-- same; anything but a mapping is refused, as dbt refuses it.
--
SELECT model, version, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_docs
    config: {persist_docs: {relation: true, columns: true}}
    versions: [{v: 1}, {v: 2, config: {persist_docs: {columns: false}}}]
  - name: fid_no_docs
$$, 'fidelity_docs');
SELECT model, version, persist_relation_docs, persist_column_docs FROM dbt_contract.models
 WHERE source = 'fidelity_docs' ORDER BY model COLLATE "C", version;
SELECT count(*) FROM dbt_contract_apply_manifest($j${"nodes": {"model.p.fid_mf_docs": {
    "resource_type": "model", "name": "fid_mf_docs", "schema": "public", "alias": "fid_mf_docs",
    "config": {"materialized": "table", "persist_docs": {"relation": false, "columns": true}},
    "columns": {}}}}$j$, 'fidelity_docs_manifest');
SELECT model, persist_relation_docs, persist_column_docs FROM dbt_contract.models
 WHERE source = 'fidelity_docs_manifest';
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_docs_bad
    config: {persist_docs: true}
$$, 'fidelity_bad');
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'fidelity_docs');
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'fidelity_docs_manifest');

--
-- A data_type PostgreSQL does not know (a project written for another
-- warehouse) is stored unresolved when the contract is not enforced; an
-- enforced contract still needs every type to resolve (also when the
-- same spelling was left unresolved for another model of the apply).
-- A bad type modifier is as unresolved as an unknown name, and leaks
-- nothing the type parser held when it failed.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_foreign_types
    columns:
      - {name: id, data_type: number}
      - {name: ts, data_type: timestamp_ntz}
      - {name: label, data_type: varchar(20)}
      - {name: blob, data_type: "not a type("}
      - {name: free}
      - {name: big, data_type: "numeric(2000)"}
      - {name: empty, data_type: "varchar(0)"}
      - {name: id_again, data_type: number}
$$, 'fidelity_types');
SELECT column_name, data_type, type_oid, formatted_type, type_resolved
  FROM dbt_contract.columns WHERE model = 'fid_foreign_types' ORDER BY ordinal;
-- Nothing checks the types of a contract that is not enforced.
CREATE TABLE fid_foreign_types (id int, ts timestamp, label text, blob bytea, free int,
                                big numeric, empty varchar(1), id_again int);
SELECT * FROM dbt_contract_check('fid_foreign_types');
DROP TABLE fid_foreign_types;
-- The DDL a contract implies keeps such a type as written.
SELECT dbt_contract_ddl('fid_foreign_types');
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_foreign_lenient
    columns:
      - {name: id, data_type: number}
  - name: fid_foreign_enforced
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: number}
$$, 'fidelity_bad');
SELECT count(*) FROM dbt_contract.contract_source WHERE source = 'fidelity_bad';

--
-- quote: true on a column, or quote_columns: true on the model for a
-- column that does not say: dbt writes the test's column quoted, so the
-- key is the exact name, not a folded one.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_quote
    quote_columns: true
    columns:
      - name: OrderId
        data_tests: [unique, not_null]
      - name: LineNo
        quote: false
        data_tests: [not_null]
  - name: fid_quote_col
    columns:
      - name: CustomerId
        quote: true
        data_tests: [unique, not_null]
  - name: fid_quote_con
    columns:
      - name: LineId
        quote: true
        constraints: [{type: not_null}]
        data_tests: [unique]
$$, 'fidelity_quote');
SELECT model, test_name, columns FROM dbt_contract.tests
 WHERE model IN ('fid_quote', 'fid_quote_col') ORDER BY model, columns, test_name;
-- A quoted test column and the column's own not_null constraint name the
-- same column: dbt's third rung (not null and unique).
SELECT model, key_columns, derived_from, is_primary FROM dbt_contract.keys
 WHERE model IN ('fid_quote', 'fid_quote_col', 'fid_quote_con') ORDER BY model;
-- The manifest path gives the same rows: dbt quoted the test column; of
-- the config, what differs from dbt's defaults is kept (not the alias dbt
-- gives a test with a long name).
SELECT * FROM dbt_contract_apply_manifest($${"nodes": {
  "model.p.fid_quote_m": {"resource_type": "model", "name": "fid_quote_m",
     "schema": "public", "alias": "fid_quote_m", "config": {"enabled": true},
     "columns": {"OrderId": {"name": "OrderId", "quote": null}}},
  "test.p.u": {"resource_type": "test", "attached_node": "model.p.fid_quote_m",
     "name": "unique_fid_quote_m_OrderId_with_a_long_name", "column_name": "\"OrderId\"",
     "test_metadata": {"name": "unique", "kwargs": {"column_name": "\"OrderId\""}},
     "config": {"enabled": true, "severity": "warn", "where": null, "tags": [],
                "alias": "unique_fid_quote_m_d41d8cd98f00b204e9800998ecf8427e"}}
}}$$, 'fidelity_quote_manifest');
SELECT model, test_name, columns, arguments, config FROM dbt_contract.tests
 WHERE model = 'fid_quote_m';
SELECT key_columns FROM dbt_contract.keys WHERE model = 'fid_quote_m';

--
-- Versions: dbt's alias macro appends _v<version> only when the version
-- is true in Jinja, so v: 0 builds the model's own name (a quoted "0" is
-- text, and true).  Versions that are no integers (v: 4.5, v: test) are
-- versions like any other (the versions suite has more).
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_v0
    latest_version: 1
    versions: [{v: 0}, {v: 1}]
  - name: fid_v0_text
    versions: [{v: "0"}]
$$, 'fidelity_v0');
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fid_vfloat
    versions: [{v: 4.5}]
$$, 'fidelity_vfloat');
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'fidelity_vfloat');
