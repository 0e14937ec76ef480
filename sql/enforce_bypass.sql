--
-- enforce_bypass: DDL that creates, moves or damages contracted relations
-- by less direct routes is checked (or reported) too.
--
CREATE SCHEMA enf_bypass_types;
CREATE TYPE enf_bypass_types.mood AS ENUM ('happy', 'sad');
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: bypass_orders
    config:
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
      - name: mood
        data_type: enf_bypass_types.mood
$$, 'enforce_bypass', 'enf_bypass');

-- CREATE SCHEMA with a CREATE TABLE element is checked like CREATE TABLE.
CREATE SCHEMA enf_bypass CREATE TABLE bypass_orders (id text);
\echo SQLSTATE :SQLSTATE
CREATE SCHEMA enf_bypass
    CREATE TABLE bypass_orders (id int PRIMARY KEY, mood enf_bypass_types.mood)
    CREATE VIEW bypass_view AS SELECT 1 AS x;
\echo SQLSTATE :SQLSTATE

-- ALTER SCHEMA ... RENAME moving a non-conforming relation into place is
-- checked; renaming a schema with conforming relations is fine.
CREATE SCHEMA enf_bypass_staging CREATE TABLE bypass_orders (id bigint);
ALTER SCHEMA enf_bypass RENAME TO enf_bypass_old;
ALTER SCHEMA enf_bypass_staging RENAME TO enf_bypass;
\echo SQLSTATE :SQLSTATE
ALTER SCHEMA enf_bypass_old RENAME TO enf_bypass;
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS conforming_table_back FROM pg_class WHERE oid = 'enf_bypass.bypass_orders'::regclass;

-- DROP TYPE ... CASCADE would silently drop a contracted column: refused
-- under enforcement = error; under warn a WARNING says so, and names the
-- dropped type in the contract column.
BEGIN;
DROP TYPE enf_bypass_types.mood CASCADE;
ROLLBACK;
SET dbt_contract.enforcement = warn;
BEGIN;
DROP TYPE enf_bypass_types.mood CASCADE;
ROLLBACK;
RESET dbt_contract.enforcement;

-- Without CASCADE nothing else can be dropped, and nothing is said.
DROP VIEW enf_bypass.bypass_view;

-- A model-level constraint may name a quoted column as dbt passes it to
-- SQL, '"from"': it is the column named exactly from.
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: bypass_quoted
    config: {materialized: table, contract: {enforced: true}}
    constraints:
      - type: check
        columns: ['"from"']
        expression: '"from" <> ''red'''
      - type: unique
        columns: ['"from"', id]
    columns:
      - {name: id, data_type: integer}
      - {name: from, quote: true, data_type: text}
$$, 'enforce_bypass_quoted', 'enf_bypass');
CREATE TABLE enf_bypass.bypass_quoted (id integer, "from" text CHECK ("from" <> 'red'));
\echo SQLSTATE :SQLSTATE
CREATE TABLE enf_bypass.bypass_quoted (id integer, "from" text CHECK ("from" <> 'red'), UNIQUE ("from", id));
SELECT * FROM dbt_contract_check('enf_bypass.bypass_quoted');
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enforce_bypass_quoted', 'enf_bypass', allow_breaking => true);

-- Clean up.
DROP SCHEMA enf_bypass CASCADE;
DROP SCHEMA enf_bypass_staging CASCADE;
DROP SCHEMA enf_bypass_types CASCADE;
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enforce_bypass', 'enf_bypass', allow_breaking => true);
