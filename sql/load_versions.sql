--
-- load_versions: versioned models (versions:, v, include/exclude,
-- per-version columns, config and constraints, latest_version).
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';
\set VERBOSITY default
\set SHOW_CONTEXT errors

-- One row per version; the relation is <name>_v<N> unless an alias is set.
SELECT * FROM dbt_contract_apply('test/fixtures/versions/dim_customers.yml');

SELECT model, version, relation_schema, relation_name, materialized, enforced, description
  FROM dbt_contract.models WHERE model = 'vdim_customers' ORDER BY version;
SELECT version, latest_version, deprecation_date, defined_at
  FROM dbt_contract.contract_model WHERE model = 'vdim_customers' ORDER BY version;

-- Columns per version: include/exclude over the model's columns, in their
-- order; a version column with a model column's name takes its place.
SELECT version, ordinal, column_name, data_type, formatted_type, description
  FROM dbt_contract.columns WHERE model = 'vdim_customers' ORDER BY version, ordinal;

-- Column-level constraints travel with their columns; a version's own
-- constraints: replace the model-level ones.
SELECT version, level, constraint_type, columns
  FROM dbt_contract.constraints WHERE model = 'vdim_customers'
 ORDER BY version, level DESC, columns::text COLLATE "C", constraint_type COLLATE "C";

-- Tests likewise: column tests follow the column, a version's own
-- data_tests replace the model's.
SELECT version, test_name, columns FROM dbt_contract.tests
 WHERE model = 'vdim_customers' ORDER BY version, test_name COLLATE "C";

--
-- Inline variations.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  # versions without latest_version; v 0 is a version like any other
  - name: vplain
    columns: [{name: a, data_type: int}, {name: b, data_type: int}]
    versions:
      - v: 0
      - v: 10
        columns: [{include: all, exclude: b}]
  # a version may be disabled on its own
  - name: vpartly_disabled
    latest_version: 1
    columns: [{name: a}]
    versions:
      - v: 1
      - v: 2
        config: {enabled: false}
  # an empty versions list is no versioning at all
  - name: vempty
    versions: []
    columns: [{name: a}]
  # an excluded model column may come back as the version's own
  - name: vback
    columns:
      - {name: a, data_type: int}
      - {name: b, data_type: int}
    versions:
      - v: 1
        columns:
          - {include: all, exclude: [a]}
          - {name: a, data_type: bigint}
$$, 'versions_inline');
SELECT model, version, ordinal, column_name, formatted_type
  FROM dbt_contract.columns WHERE model IN ('vplain', 'vpartly_disabled', 'vempty', 'vback')
 ORDER BY model COLLATE "C", version, ordinal;

--
-- Errors.
--
-- The same version twice.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vdup
    versions:
      - v: 1
      - v: 2
      - v: 1
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- "1" and 1 are the same version.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vdup
    versions:
      - v: "1"
      - v: 1
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- latest_version must be one of the versions.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vlatest
    latest_version: 3
    versions:
      - v: 1
      - v: 2
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- A version entry needs v.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vnov
    versions:
      - v: 1
      - description: no v here
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- Versions are numbers or text, as in dbt (see the versions suite):
-- v: 1.5 builds vfloat_v1_5.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vfloat
    versions:
      - v: 1.5
$$, 'versions_float');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'versions_float');
-- include: a list, with exclude, is not allowed (dbt: exclude needs include: all).
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vinc
    columns: [{name: a}, {name: b}]
    versions:
      - v: 1
        columns:
          - include: [a]
            exclude: [b]
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- Only one include/exclude element per version.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vinc
    columns: [{name: a}, {name: b}]
    versions:
      - v: 1
        columns:
          - include: all
          - exclude: [b]
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- A version's own column list is validated like any other.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vown
    config: {contract: {enforced: true}}
    columns: [{name: a, data_type: int}]
    versions:
      - v: 1
      - v: 2
        columns:
          - include: all
          - name: b
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- Two own columns of one name in a version: the last is used, as dbt
-- does (a WARNING; the dry run stores nothing).
SELECT * FROM dbt_contract_diff_yaml($$
version: 2
models:
  - name: vown
    columns: [{name: a}]
    versions:
      - v: 1
        columns:
          - {name: b, data_type: int}
          - {name: b, data_type: text}
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- A version's constraints must name the version's columns.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: vcons
    columns: [{name: a}, {name: b}]
    versions:
      - v: 1
      - v: 2
        columns: [{include: [a]}]
        constraints: [{type: unique, columns: [b]}]
$$, 'versions_bad');
\echo SQLSTATE :SQLSTATE
-- Nothing of the failed applies was stored.
SELECT count(*) FROM dbt_contract.contract_source WHERE source = 'versions_bad';
