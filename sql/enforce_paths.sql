--
-- enforce_paths: routes around the event triggers that a table owner or a
-- hurried operator could take to a contracted relation, each refused.
--
CREATE SCHEMA enf_paths;
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: pth_customers
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: id
        data_type: bigint
        constraints: [{type: primary_key}]
  - name: pth_orders
    description: Orders as the contract describes them
    config: {materialized: table, contract: {enforced: true}, persist_docs: {relation: true}}
    columns:
      - name: id
        data_type: bigint
        constraints: [{type: not_null}]
      - name: customer_id
        data_type: bigint
        constraints:
          - type: not_null
          - type: foreign_key
            to: ref('pth_customers')
            to_columns: [id]
      - name: amount
        data_type: numeric(12,2)
        constraints:
          - {type: check, expression: "amount >= 0"}
  - name: pth_typed_orders
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
      - {name: note, data_type: text}
  - name: pth_mv_orders
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
  - name: pth_mv_daily
    config: {materialized: materialized_view, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
  - name: pth_ft_orders
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
  - name: pth_ft_table
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
  - name: pth_rule_orders
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
  - name: pth_shadowed
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: amount
        data_type: numeric
        constraints:
          - {type: check, expression: "amount >= 0"}
  - name: pth_routine_checked
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: amount
        data_type: numeric
        constraints:
          - {type: check, expression: "enf_paths.positive(amount)"}
  - name: pth_searchable
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: body, data_type: text}
      - {name: doc, data_type: tsvector}
$$, 'enforce_paths', 'enf_paths') ORDER BY model COLLATE "C";

CREATE TABLE enf_paths.pth_customers (id bigint PRIMARY KEY);
CREATE TABLE enf_paths.pth_orders (
    id bigint NOT NULL,
    customer_id bigint NOT NULL REFERENCES enf_paths.pth_customers (id),
    amount numeric(12,2) CHECK (amount >= 0));
\set VERBOSITY terse

-- 1. A relation that passed its check as __dbt_tmp, renamed aside, altered
-- there and renamed into place, is checked again when it arrives.
BEGIN;
CREATE TABLE enf_paths.pth_orders__dbt_tmp (
    id bigint NOT NULL,
    customer_id bigint NOT NULL REFERENCES enf_paths.pth_customers (id),
    amount numeric(12,2) CHECK (amount >= 0));
ALTER TABLE enf_paths.pth_orders__dbt_tmp RENAME TO pth_orders_scratch;
ALTER TABLE enf_paths.pth_orders_scratch DROP CONSTRAINT pth_orders__dbt_tmp_amount_check,
    ALTER COLUMN customer_id DROP NOT NULL, ALTER COLUMN amount TYPE text;
ALTER TABLE enf_paths.pth_orders RENAME TO pth_orders__dbt_backup;
ALTER TABLE enf_paths.pth_orders_scratch RENAME TO pth_orders;
ROLLBACK;

-- dbt's own sequence (tmp conforming, backup, rename into place) passes.
BEGIN;
CREATE TABLE enf_paths.pth_orders__dbt_tmp (
    id bigint NOT NULL,
    customer_id bigint NOT NULL REFERENCES enf_paths.pth_customers (id),
    amount numeric(12,2) CHECK (amount >= 0));
ALTER TABLE enf_paths.pth_orders RENAME TO pth_orders__dbt_backup;
ALTER TABLE enf_paths.pth_orders__dbt_tmp RENAME TO pth_orders;
DROP TABLE enf_paths.pth_orders__dbt_backup CASCADE;
ROLLBACK;

-- 2. An inheritance parent's ALTER recurses into the contracted child,
-- and is checked there.
CREATE TABLE enf_paths.parent (id bigint, customer_id bigint, amount numeric(12,2));
ALTER TABLE enf_paths.pth_orders INHERIT enf_paths.parent;
ALTER TABLE enf_paths.parent ALTER COLUMN amount TYPE numeric(14,4);
ALTER TABLE enf_paths.parent ADD COLUMN extra int;
ALTER TABLE enf_paths.parent RENAME COLUMN amount TO total;
ALTER TABLE enf_paths.pth_orders NO INHERIT enf_paths.parent;
SELECT format_type(atttypid, atttypmod) AS amount_type
  FROM pg_attribute WHERE attrelid = 'enf_paths.pth_orders'::regclass AND attname = 'amount';

-- 3. The same for a partitioned parent the contracted table is attached to.
CREATE TABLE enf_paths.pth_orders_all (id bigint NOT NULL, customer_id bigint NOT NULL,
    amount numeric(12,2)) PARTITION BY RANGE (id);
ALTER TABLE enf_paths.pth_orders_all ATTACH PARTITION enf_paths.pth_orders
    FOR VALUES FROM (0) TO (1000000);
ALTER TABLE enf_paths.pth_orders_all DROP COLUMN amount;
ALTER TABLE enf_paths.pth_orders_all ADD COLUMN extra int;
ALTER TABLE enf_paths.pth_orders_all ALTER COLUMN amount TYPE numeric(14,4);
ALTER TABLE enf_paths.pth_orders_all DETACH PARTITION enf_paths.pth_orders;
SELECT count(*) AS pth_orders_columns
  FROM pg_attribute WHERE attrelid = 'enf_paths.pth_orders'::regclass AND attnum > 0
   AND NOT attisdropped;

-- 4. ALTER TYPE of the composite type a contracted table is OF.
CREATE TYPE enf_paths.pth_orders_t AS (id integer, note text);
CREATE TABLE enf_paths.pth_typed_orders OF enf_paths.pth_orders_t;
ALTER TYPE enf_paths.pth_orders_t DROP ATTRIBUTE note CASCADE;
ALTER TYPE enf_paths.pth_orders_t ALTER ATTRIBUTE note TYPE varchar(10) CASCADE;
ALTER TYPE enf_paths.pth_orders_t RENAME ATTRIBUTE note TO memo CASCADE;
ALTER TYPE enf_paths.pth_orders_t ADD ATTRIBUTE extra int CASCADE;
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'enf_paths.pth_typed_orders'::regclass AND attnum > 0
 ORDER BY attnum;

-- 5. A NOT VALID constraint does not satisfy the contract: rows that break
-- it may be in the table.
INSERT INTO enf_paths.pth_customers VALUES (1);
INSERT INTO enf_paths.pth_orders VALUES (1, 1, 10);
ALTER TABLE enf_paths.pth_orders DROP CONSTRAINT pth_orders_amount_check,
    ALTER COLUMN amount TYPE numeric(12,2) USING -amount,
    ADD CONSTRAINT pth_orders_amount_check CHECK (amount >= 0) NOT VALID;
ALTER TABLE enf_paths.pth_orders DROP CONSTRAINT pth_orders_customer_id_fkey,
    ADD CONSTRAINT pth_orders_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES enf_paths.pth_customers (id) NOT VALID;
-- with enforcement = warn the change goes through, and verify reports it
-- until the constraint is validated
SET dbt_contract.enforcement = warn;
ALTER TABLE enf_paths.pth_orders DROP CONSTRAINT pth_orders_customer_id_fkey,
    ADD CONSTRAINT pth_orders_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES enf_paths.pth_customers (id) NOT VALID;
RESET dbt_contract.enforcement;
SELECT object, problem, have, want FROM dbt_contract_check('enf_paths.pth_orders');
SELECT to_model, enforced FROM dbt_contract.relationships WHERE from_model = 'pth_orders';
ALTER TABLE enf_paths.pth_orders VALIDATE CONSTRAINT pth_orders_customer_id_fkey;
SELECT count(*) AS problems FROM dbt_contract_check('enf_paths.pth_orders');
SELECT to_model, enforced FROM dbt_contract.relationships WHERE from_model = 'pth_orders';
DELETE FROM enf_paths.pth_orders;

-- 6. The contract's CHECK is read with search_path = pg_catalog, whatever
-- the DDL session's: an operator of the table owner's that checks nothing
-- (and matches numeric >= integer more closely than the built-in one)
-- cannot stand in for it.
CREATE FUNCTION enf_paths.always_true(numeric, integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR enf_paths.>= (LEFTARG = numeric, RIGHTARG = integer,
    FUNCTION = enf_paths.always_true);
SET search_path = enf_paths, pg_catalog, public;
CREATE TABLE enf_paths.pth_shadowed (amount numeric CHECK (amount >= 0));
RESET search_path;
CREATE TABLE enf_paths.pth_shadowed (amount numeric CHECK (amount >= 0));
SELECT pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'enf_paths.pth_shadowed'::regclass;

-- 11. Other relation kinds at a contracted name.
-- A materialized view is checked; it cannot be a model declared as a table.
CREATE MATERIALIZED VIEW enf_paths.pth_mv_orders AS SELECT 1 AS id;
CREATE MATERIALIZED VIEW enf_paths.pth_mv_daily AS SELECT 'x'::text AS id;
CREATE MATERIALIZED VIEW enf_paths.pth_mv_daily AS SELECT 1 AS id;
ALTER MATERIALIZED VIEW enf_paths.pth_mv_daily RENAME COLUMN id TO day_id;
-- nor a view
CREATE VIEW enf_paths.pth_mv_orders AS SELECT 1 AS id;
-- Foreign tables: checked on CREATE and ALTER FOREIGN TABLE; one cannot be
-- a model declared as a table (PostgreSQL enforces no constraint there).
CREATE FOREIGN DATA WRAPPER enf_paths_fdw;
CREATE SERVER enf_paths_server FOREIGN DATA WRAPPER enf_paths_fdw;
CREATE FOREIGN TABLE enf_paths.pth_ft_orders (id text) SERVER enf_paths_server;
CREATE FOREIGN TABLE enf_paths.pth_ft_orders (id integer) SERVER enf_paths_server;
ALTER FOREIGN TABLE enf_paths.pth_ft_orders ALTER COLUMN id TYPE bigint;
ALTER FOREIGN TABLE enf_paths.pth_ft_orders ADD COLUMN extra int;
CREATE FOREIGN TABLE enf_paths.pth_ft_table (id integer) SERVER enf_paths_server;
-- CREATE RULE "_RETURN" could turn an index-less table into a view (before
-- PostgreSQL 16, which refuses it on its own): the table stays a table.
CREATE TABLE enf_paths.pth_rule_orders (id integer);
DO $$
BEGIN
    CREATE RULE "_RETURN" AS ON SELECT TO enf_paths.pth_rule_orders
        DO INSTEAD SELECT 1 AS id;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'CREATE RULE refused';
END $$;
SELECT relkind FROM pg_class WHERE oid = 'enf_paths.pth_rule_orders'::regclass;

-- 12. CASCADE from DROP ROUTINE or DROP TEXT SEARCH CONFIGURATION taking a
-- check or a generated column of a contracted table: refused under
-- enforcement = error, a WARNING under warn.
CREATE FUNCTION enf_paths.positive(numeric) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0';
CREATE TABLE enf_paths.pth_routine_checked (amount numeric CHECK (enf_paths.positive(amount)));
DROP ROUTINE enf_paths.positive(numeric) CASCADE;
SET dbt_contract.enforcement = warn;
BEGIN;
DROP ROUTINE enf_paths.positive(numeric) CASCADE;
ROLLBACK;
RESET dbt_contract.enforcement;
CREATE TEXT SEARCH CONFIGURATION enf_paths.cfg (COPY = pg_catalog.simple);
CREATE TABLE enf_paths.pth_searchable (body text,
    doc tsvector GENERATED ALWAYS AS (to_tsvector('enf_paths.cfg'::regconfig, body)) STORED);
-- (13 does not announce the cascade to the column.)
SET client_min_messages = warning;
DROP TEXT SEARCH CONFIGURATION enf_paths.cfg CASCADE;
RESET client_min_messages;
SELECT count(*) AS pth_searchable_columns
  FROM pg_attribute WHERE attrelid = 'enf_paths.pth_searchable'::regclass AND attnum > 0
   AND NOT attisdropped;

-- 13. CREATE TABLE IF NOT EXISTS by another role on an existing contracted
-- table creates nothing, so it leaves the owner's COMMENT alone.
COMMENT ON TABLE enf_paths.pth_orders IS 'the owner''s note';
CREATE ROLE regress_paths_member;
GRANT USAGE, CREATE ON SCHEMA enf_paths TO regress_paths_member;
SET ROLE regress_paths_member;
CREATE TABLE IF NOT EXISTS enf_paths.pth_orders (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    amount numeric(12,2));
RESET ROLE;
SELECT obj_description('enf_paths.pth_orders'::regclass, 'pg_class');
-- a table created for the model still gets the contract's description
BEGIN;
CREATE TABLE enf_paths.pth_orders__dbt_tmp (
    id bigint NOT NULL,
    customer_id bigint NOT NULL REFERENCES enf_paths.pth_customers (id),
    amount numeric(12,2) CHECK (amount >= 0));
SELECT obj_description('enf_paths.pth_orders__dbt_tmp'::regclass, 'pg_class');
ROLLBACK;

-- 14. A model as wide as PostgreSQL allows (1,600 columns, each NOT NULL,
-- every eighth in a unique constraint of its own) is matched in n log n:
-- creating it and breaking it are checked like any other.
SELECT model, action, columns, constraints FROM dbt_contract_apply_yaml(
    (SELECT E'version: 2\nmodels:\n  - name: pth_wide\n    config: {materialized: table, contract: {enforced: true}}\n    columns:\n'
            || string_agg(format('      - {name: c%s, data_type: integer, constraints: [{type: not_null}%s]}',
                                 i, CASE WHEN i % 8 = 0 THEN ', {type: unique}' ELSE '' END), E'\n')
       FROM generate_series(1, 1600) AS i),
    'enforce_paths_wide', 'enf_paths');
DO $$
BEGIN
    EXECUTE 'CREATE TABLE enf_paths.pth_wide ('
        || (SELECT string_agg(format('c%s integer NOT NULL%s', i,
                                     CASE WHEN i % 8 = 0 THEN ' UNIQUE' ELSE '' END), ', ')
              FROM generate_series(1, 1600) AS i) || ')';
END $$;
ALTER TABLE enf_paths.pth_wide ALTER COLUMN c1600 DROP NOT NULL;
ALTER TABLE enf_paths.pth_wide DROP CONSTRAINT pth_wide_c800_key;
SELECT count(*) AS problems FROM dbt_contract_check('enf_paths.pth_wide');
DROP TABLE enf_paths.pth_wide;
SELECT model, action FROM dbt_contract_apply_yaml('version: 2', 'enforce_paths_wide', 'enf_paths');

-- dbt_contract_clone's stand-in views are what a dev target is meant to
-- hold until dbt builds the model there: they pass the relation-kind rule
-- (while created, and in verify); a view of one's own at a table model's
-- name in the same target does not.
CREATE SCHEMA enf_clone;
CREATE SCHEMA enf_clone_dev;
SELECT a.relation, a.action
  FROM (VALUES ('enf_clone'), ('enf_clone_dev')) AS v(t),
       LATERAL dbt_contract_apply_yaml($$
version: 2
models:
  - name: pth_clone_a
    config: {materialized: table, contract: {enforced: true}}
    columns: [{name: id, data_type: integer}]
  - name: pth_clone_b
    config: {materialized: table, contract: {enforced: true}}
    columns: [{name: id, data_type: integer}]
$$, 'enforce_paths_clone', v.t) AS a
 ORDER BY a.relation COLLATE "C";
CREATE TABLE enf_clone.pth_clone_a (id integer);
SELECT model, relation, action FROM dbt_contract_clone('enf_clone', 'enf_clone_dev');
SELECT relation, problem FROM dbt_contract_verify('enf_clone_dev');
CREATE VIEW enf_clone_dev.pth_clone_b AS SELECT 1 AS id;
SELECT a.model, a.action
  FROM (VALUES ('enf_clone'), ('enf_clone_dev')) AS v(t),
       LATERAL dbt_contract_apply_yaml('version: 2', 'enforce_paths_clone', v.t) AS a;
DROP SCHEMA enf_clone, enf_clone_dev CASCADE;

-- Every switch that turns enforcement off shows in enforcement_status,
-- with who could flip it (PostgreSQL 17's event_triggers is covered by
-- enforce_pg17).
SELECT control, setting, enforcing, who_can_change LIKE '%' || current_user || '%' AS lists_me
  FROM dbt_contract.enforcement_status WHERE control <> 'event_triggers';
ALTER EVENT TRIGGER dbt_contract_check_ddl DISABLE;
SET dbt_contract.enforcement = warn;
SELECT control, setting, enforcing, detail
  FROM dbt_contract.enforcement_status WHERE NOT enforcing;
ALTER EVENT TRIGGER dbt_contract_check_ddl ENABLE ALWAYS;
RESET dbt_contract.enforcement;
SELECT count(*) AS switches_off FROM dbt_contract.enforcement_status WHERE NOT enforcing;
-- ordinary users can read it
SET ROLE regress_paths_member;
SELECT count(*) > 0 AS readable FROM dbt_contract.enforcement_status;
RESET ROLE;

\set VERBOSITY default
DROP SCHEMA enf_paths CASCADE;
DROP SERVER enf_paths_server;
DROP FOREIGN DATA WRAPPER enf_paths_fdw;
DROP OWNED BY regress_paths_member;
DROP ROLE regress_paths_member;
