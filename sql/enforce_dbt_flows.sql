--
-- enforce_dbt_flows: the statements dbt-postgres sends to build contracted
-- models (table, rebuild, incremental, append_new_columns, view,
-- --full-refresh, versions, long names) pass when the model meets its
-- contract, and fail at the CREATE when it does not, leaving the previous
-- build untouched.  Statements are written as dbt renders them, with
-- database-qualified names (:"DBNAME" is the regression database).
--
CREATE SCHEMA enf_flows;

SELECT model, version, relation, action, columns, constraints
  FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: flows_customers
    description: One row per customer
    config:
      materialized: table
      contract: {enforced: true}
      persist_docs: {relation: true, columns: true}
    columns:
      - name: id
        data_type: integer
        description: Customer key
        constraints:
          - type: not_null
          - type: primary_key
          - type: check
            expression: "id > 0"
      - name: name
        data_type: text
        constraints:
          - type: not_null
  - name: flows_orders
    config:
      materialized: table
      contract: {enforced: true}
    constraints:
      - type: foreign_key
        name: flows_orders_customer_fk
        columns: [customer_id]
        to: ref('flows_customers')
        to_columns: [id]
    columns:
      - name: order_id
        data_type: int
        constraints: [{type: primary_key}]
      - name: customer_id
        data_type: int
        constraints: [{type: not_null}]
      - name: amount
        data_type: numeric(12,2)
$$, 'enf_flows', 'enf_flows')
 ORDER BY model COLLATE "C";

--
-- Table model, first build: create <model>__dbt_tmp with the contract's
-- DDL and fill it (one query string with two statements), rename it into
-- place, comments, commit.
--
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_customers__dbt_tmp"
  (id integer not null primary key check (id > 0), name text not null)
 \;
insert into :"DBNAME"."enf_flows"."flows_customers__dbt_tmp" ("id", "name")
  (select "id", "name" from (select 1 as id, 'Ann' as name union all select 2, 'Bob') as model_subq);
alter table :"DBNAME"."enf_flows"."flows_customers__dbt_tmp" rename to "flows_customers";
comment on table :"DBNAME"."enf_flows"."flows_customers" is $dbt_comment_literal_block$One row per customer$dbt_comment_literal_block$;
COMMIT;
SELECT * FROM enf_flows.flows_customers ORDER BY id;
-- The contract's descriptions were written when the relation was created.
SELECT obj_description('enf_flows.flows_customers'::regclass, 'pg_class') AS table_comment,
       col_description('enf_flows.flows_customers'::regclass, 1) AS id_comment;

-- The other table model, with a foreign key to the first.
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_orders__dbt_tmp"
  (order_id int primary key, customer_id int not null, amount numeric(12,2),
   constraint flows_orders_customer_fk foreign key (customer_id) references :"DBNAME"."enf_flows"."flows_customers" (id))
 \;
insert into :"DBNAME"."enf_flows"."flows_orders__dbt_tmp" ("order_id", "customer_id", "amount")
  (select "order_id", "customer_id", "amount" from (select 10 as order_id, 1 as customer_id, 9.99 as amount) as model_subq);
alter table :"DBNAME"."enf_flows"."flows_orders__dbt_tmp" rename to "flows_orders";
COMMIT;
SELECT * FROM enf_flows.flows_orders;

--
-- A build whose DDL does not meet the contract fails at the CREATE
-- (SQLSTATE 42P16), the rest of the transaction is refused, and nothing
-- of the first build is touched.
--
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_customers__dbt_tmp"
  (id bigint not null primary key, full_name text not null)
 \;
insert into :"DBNAME"."enf_flows"."flows_customers__dbt_tmp" ("id", "full_name")
  (select "id", "full_name" from (select 3::bigint as id, 'Cy' as full_name) as model_subq);
\echo :LAST_ERROR_SQLSTATE
alter table :"DBNAME"."enf_flows"."flows_customers" rename to "flows_customers__dbt_backup";
ROLLBACK;
SELECT * FROM enf_flows.flows_customers ORDER BY id;
SELECT to_regclass('enf_flows.flows_customers__dbt_tmp') AS leftover_tmp;

--
-- Rebuild over the existing table: the old one becomes __dbt_backup, the
-- new one takes its name, commit, then the backup is dropped with CASCADE.
-- That CASCADE silently takes flows_orders' foreign key with it: the
-- WARNING names it and hints the statement that restores it.
--
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_customers__dbt_tmp"
  (id integer not null primary key check (id > 0), name text not null)
 \;
insert into :"DBNAME"."enf_flows"."flows_customers__dbt_tmp" ("id", "name")
  (select "id", "name" from (select 1 as id, 'Ann' as name union all select 2, 'Bob' union all select 3, 'Cy') as model_subq);
alter table :"DBNAME"."enf_flows"."flows_customers" rename to "flows_customers__dbt_backup";
alter table :"DBNAME"."enf_flows"."flows_customers__dbt_tmp" rename to "flows_customers";
comment on table :"DBNAME"."enf_flows"."flows_customers" is $dbt_comment_literal_block$One row per customer$dbt_comment_literal_block$;
COMMIT;
drop table if exists :"DBNAME"."enf_flows"."flows_customers__dbt_backup" cascade;
SELECT * FROM enf_flows.flows_customers ORDER BY id;
-- (NOT NULL shows as a constraint from PostgreSQL 18 on; not listed here.)
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'enf_flows.flows_orders'::regclass AND contype <> 'n'
 ORDER BY conname;
-- Until then flows_orders is out of contract: a change the drift guard
-- checks (here a no-op) says so.
ALTER TABLE enf_flows.flows_orders ALTER COLUMN amount DROP DEFAULT;
-- Running the hint puts the key back (ADD CONSTRAINT is never refused).
ALTER TABLE enf_flows.flows_orders ADD CONSTRAINT flows_orders_customer_fk FOREIGN KEY (customer_id) REFERENCES enf_flows.flows_customers(id);
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'enf_flows.flows_orders'::regclass AND contype <> 'n'
 ORDER BY conname;
-- flows_orders meets its contract again: the same no-op passes.
ALTER TABLE enf_flows.flows_orders ALTER COLUMN amount DROP DEFAULT;

-- A rebuild that leaves out the check constraint fails; the table built
-- before stays, with its rows.
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_customers__dbt_tmp"
  (id integer not null primary key, name text not null)
 \;
insert into :"DBNAME"."enf_flows"."flows_customers__dbt_tmp" ("id", "name")
  (select "id", "name" from (select 4 as id, 'Di' as name) as model_subq);
ROLLBACK;
SELECT * FROM enf_flows.flows_customers ORDER BY id;

--
-- Incremental model, first run: the target is created directly with the
-- full DDL, then filled.
--
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: flows_events
    config:
      materialized: incremental
      on_schema_change: append_new_columns
      contract: {enforced: true}
    columns:
      - name: event_id
        data_type: bigint
        constraints: [{type: not_null}, {type: primary_key}]
      - name: kind
        data_type: varchar(20)
$$, 'enf_flows_incremental', 'enf_flows');
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_events"
  (event_id bigint not null primary key, kind varchar(20))
 \;
insert into :"DBNAME"."enf_flows"."flows_events" ("event_id", "kind")
  (select "event_id", "kind" from (select 1::bigint as event_id, 'open'::varchar(20) as kind) as model_subq);
COMMIT;

-- Later runs: a temporary table without constraints holds the new rows
-- (temporary relations are never checked), then insert, or delete+insert.
BEGIN;
create temporary table "flows_events__dbt_tmp123456789012"
  as (select 2::bigint as event_id, 'click'::text as kind);
insert into :"DBNAME"."enf_flows"."flows_events" ("event_id", "kind")
  (select "event_id", "kind" from "flows_events__dbt_tmp123456789012");
COMMIT;
BEGIN;
create temporary table "flows_events__dbt_tmp123456789013"
  as (select 2::bigint as event_id, 'clicked'::text as kind);
delete from :"DBNAME"."enf_flows"."flows_events"
 where (event_id) in (select (event_id) from "flows_events__dbt_tmp123456789013");
insert into :"DBNAME"."enf_flows"."flows_events" ("event_id", "kind")
  (select "event_id", "kind" from "flows_events__dbt_tmp123456789013");
COMMIT;
SELECT * FROM enf_flows.flows_events ORDER BY event_id;

-- An incremental first run whose DDL misses the contract fails too.
DROP TABLE enf_flows.flows_events;
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_events"
  (event_id bigint, kind varchar(20))
 \;
insert into :"DBNAME"."enf_flows"."flows_events" ("event_id", "kind")
  (select "event_id", "kind" from (select 1::bigint as event_id, 'open'::varchar(20) as kind) as model_subq);
ROLLBACK;
SELECT to_regclass('enf_flows.flows_events') AS flows_events;
create  table :"DBNAME"."enf_flows"."flows_events"
  (event_id bigint not null primary key, kind varchar(20));
insert into enf_flows.flows_events VALUES (1, 'open'), (2, 'clicked');

--
-- on_schema_change: append_new_columns.  dbt adds the column the model
-- gained; with the contract re-applied first, that passes ...
--
SELECT model, relation, action, columns FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: flows_events
    config:
      materialized: incremental
      on_schema_change: append_new_columns
      contract: {enforced: true}
    columns:
      - name: event_id
        data_type: bigint
        constraints: [{type: not_null}, {type: primary_key}]
      - name: kind
        data_type: varchar(20)
      - name: channel
        data_type: text
$$, 'enf_flows_incremental', 'enf_flows');
alter table :"DBNAME"."enf_flows"."flows_events" add column "channel" text;
-- ... and a column the contract does not have is refused.
alter table :"DBNAME"."enf_flows"."flows_events" add column "referrer" text;
\echo :LAST_ERROR_SQLSTATE
SELECT attname FROM pg_attribute
 WHERE attrelid = 'enf_flows.flows_events'::regclass AND attnum > 0 ORDER BY attnum;

--
-- --full-refresh over the incremental: the table path (__dbt_tmp, renames,
-- drop of the backup).
--
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_events__dbt_tmp"
  (event_id bigint not null primary key, kind varchar(20), channel text)
 \;
insert into :"DBNAME"."enf_flows"."flows_events__dbt_tmp" ("event_id", "kind", "channel")
  (select "event_id", "kind", "channel" from (select 1::bigint as event_id, 'open'::varchar(20) as kind, 'web' as channel) as model_subq);
alter table :"DBNAME"."enf_flows"."flows_events" rename to "flows_events__dbt_backup";
alter table :"DBNAME"."enf_flows"."flows_events__dbt_tmp" rename to "flows_events";
COMMIT;
drop table if exists :"DBNAME"."enf_flows"."flows_events__dbt_backup" cascade;
SELECT * FROM enf_flows.flows_events;
-- A full refresh with the column's type changed fails; the data stays.
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_events__dbt_tmp"
  (event_id integer not null primary key, kind varchar(20), channel text)
 \;
insert into :"DBNAME"."enf_flows"."flows_events__dbt_tmp" ("event_id", "kind", "channel")
  (select "event_id", "kind", "channel" from (select 1 as event_id, 'open'::varchar(20) as kind, 'web' as channel) as model_subq);
ROLLBACK;
SELECT * FROM enf_flows.flows_events;

--
-- View model: create <model>__dbt_tmp as the model's query, then the
-- renames; views carry names and types only.
--
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: flows_customer_names
    description: Names only
    config:
      materialized: view
      contract: {enforced: true}
      persist_docs: {relation: true, columns: true}
    columns:
      - name: id
        data_type: int
        description: Customer key
      - name: name
        data_type: text
$$, 'enf_flows_view', 'enf_flows');
BEGIN;
create view :"DBNAME"."enf_flows"."flows_customer_names__dbt_tmp"
  as (
    select id, name from enf_flows.flows_customers
  );
alter table :"DBNAME"."enf_flows"."flows_customer_names__dbt_tmp" rename to "flows_customer_names";
COMMIT;
SELECT * FROM enf_flows.flows_customer_names ORDER BY id;
SELECT obj_description('enf_flows.flows_customer_names'::regclass, 'pg_class') AS view_comment;
-- Rebuild of the view.
BEGIN;
create view :"DBNAME"."enf_flows"."flows_customer_names__dbt_tmp"
  as (
    select id, upper(name) as name from enf_flows.flows_customers
  );
alter table :"DBNAME"."enf_flows"."flows_customer_names" rename to "flows_customer_names__dbt_backup";
alter table :"DBNAME"."enf_flows"."flows_customer_names__dbt_tmp" rename to "flows_customer_names";
COMMIT;
drop view if exists :"DBNAME"."enf_flows"."flows_customer_names__dbt_backup" cascade;
SELECT * FROM enf_flows.flows_customer_names ORDER BY id;
-- A view whose query yields other columns fails at the CREATE VIEW.
BEGIN;
create view :"DBNAME"."enf_flows"."flows_customer_names__dbt_tmp"
  as (
    select id::bigint as id, name, 'x'::text as extra from enf_flows.flows_customers
  );
ROLLBACK;
SELECT * FROM enf_flows.flows_customer_names ORDER BY id;

--
-- Versioned model: each version is its own relation, <model>_v<N>.
--
SELECT model, version, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: flows_products
    latest_version: 2
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: sku
        data_type: text
        constraints: [{type: primary_key}]
      - name: price
        data_type: numeric
    versions:
      - v: 1
        columns:
          - include: all
            exclude: [price]
          - name: price_cents
            data_type: int
      - v: 2
$$, 'enf_flows_versions', 'enf_flows')
 ORDER BY version;
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_products_v2__dbt_tmp"
  (sku text primary key, price numeric)
 \;
insert into :"DBNAME"."enf_flows"."flows_products_v2__dbt_tmp" ("sku", "price")
  (select "sku", "price" from (select 'A1' as sku, 1.50 as price) as model_subq);
alter table :"DBNAME"."enf_flows"."flows_products_v2__dbt_tmp" rename to "flows_products_v2";
COMMIT;
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_products_v1__dbt_tmp"
  (sku text primary key, price_cents int)
 \;
insert into :"DBNAME"."enf_flows"."flows_products_v1__dbt_tmp" ("sku", "price_cents")
  (select "sku", "price_cents" from (select 'A1' as sku, 150 as price_cents) as model_subq);
alter table :"DBNAME"."enf_flows"."flows_products_v1__dbt_tmp" rename to "flows_products_v1";
COMMIT;
SELECT * FROM enf_flows.flows_products_v1;
SELECT * FROM enf_flows.flows_products_v2;
-- Building version 2 with version 1's columns fails, naming the version.
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_products_v2__dbt_tmp"
  (sku text primary key, price_cents int)
 \;
insert into :"DBNAME"."enf_flows"."flows_products_v2__dbt_tmp" ("sku", "price_cents")
  (select "sku", "price_cents" from (select 'A1' as sku, 150 as price_cents) as model_subq);
ROLLBACK;
SELECT * FROM enf_flows.flows_products_v2;

--
-- A model name longer than 54 bytes: dbt truncates the identifier before
-- adding __dbt_tmp (and to 51 bytes before __dbt_backup), so the
-- intermediate names still fit in 63 bytes.
--
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: not_null}]
$$, 'enf_flows_long', 'enf_flows');
SELECT length('flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it') AS name_bytes,
       left('flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it', 54) || '__dbt_tmp' AS tmp_name,
       left('flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it', 51) || '__dbt_backup' AS backup_name;
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_trun__dbt_tmp"
  (id int not null)
 \;
insert into :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_trun__dbt_tmp" ("id")
  (select "id" from (select 1 as id) as model_subq);
alter table :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_trun__dbt_tmp" rename to "flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it";
COMMIT;
-- The rebuild, through both truncated names.
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_trun__dbt_tmp"
  (id int not null)
 \;
insert into :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_trun__dbt_tmp" ("id")
  (select "id" from (select 2 as id) as model_subq);
alter table :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it" rename to "flows_a_model_name_that_is_long_enough_for_dbt_to_t__dbt_backup";
alter table :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_trun__dbt_tmp" rename to "flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it";
COMMIT;
drop table if exists :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_t__dbt_backup" cascade;
SELECT * FROM enf_flows.flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it;
-- The truncated __dbt_tmp name is still checked as the model.
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_trun__dbt_tmp"
  (id int)
 \;
insert into :"DBNAME"."enf_flows"."flows_a_model_name_that_is_long_enough_for_dbt_to_trun__dbt_tmp" ("id")
  (select "id" from (select 3 as id) as model_subq);
ROLLBACK;
SELECT * FROM enf_flows.flows_a_model_name_that_is_long_enough_for_dbt_to_truncate_it;

-- dbt counts characters, not bytes: a 31-character, 56-byte name keeps all
-- its characters before __dbt_tmp, and PostgreSQL cuts the result to 63
-- bytes.  That cut name is the model's too.
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: flows_üüüüüüüüüüüüüüüüüüüüüüüüü
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: not_null}]
$$, 'enf_flows_multibyte', 'enf_flows');
SELECT length('flows_üüüüüüüüüüüüüüüüüüüüüüüüü') AS name_chars,
       octet_length('flows_üüüüüüüüüüüüüüüüüüüüüüüüü') AS name_bytes;
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_üüüüüüüüüüüüüüüüüüüüüüüüü__dbt_tmp"
  (id int not null)
 \;
insert into :"DBNAME"."enf_flows"."flows_üüüüüüüüüüüüüüüüüüüüüüüüü__dbt_tmp" ("id")
  (select "id" from (select 1 as id) as model_subq);
alter table :"DBNAME"."enf_flows"."flows_üüüüüüüüüüüüüüüüüüüüüüüüü__dbt_tmp" rename to "flows_üüüüüüüüüüüüüüüüüüüüüüüüü";
COMMIT;
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_üüüüüüüüüüüüüüüüüüüüüüüüü__dbt_tmp"
  (id int)
 \;
insert into :"DBNAME"."enf_flows"."flows_üüüüüüüüüüüüüüüüüüüüüüüüü__dbt_tmp" ("id")
  (select "id" from (select 2 as id) as model_subq);
ROLLBACK;
SELECT * FROM enf_flows."flows_üüüüüüüüüüüüüüüüüüüüüüüüü";

--
-- A post-hook that changes the table dbt just built (alter table {{ this }}
-- add column ...) is refused, and the error says a statement after the
-- build did it and how to declare the column instead.
--
BEGIN;
create  table :"DBNAME"."enf_flows"."flows_customers__dbt_tmp"
  (id integer not null primary key check (id > 0), name text not null)
 \;
insert into :"DBNAME"."enf_flows"."flows_customers__dbt_tmp" ("id", "name")
  (select "id", "name" from (select 3 as id, 'Cy' as name) as model_subq);
alter table :"DBNAME"."enf_flows"."flows_customers" rename to "flows_customers__dbt_backup";
alter table :"DBNAME"."enf_flows"."flows_customers__dbt_tmp" rename to "flows_customers";
SET LOCAL application_name = 'dbt';
alter table :"DBNAME"."enf_flows"."flows_customers" add column _loaded_at timestamptz default now();
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- outside dbt, in the same transaction as the build: said without dbt
BEGIN;
CREATE TABLE enf_flows.flows_customers__dbt_tmp (id integer NOT NULL PRIMARY KEY CHECK (id > 0), name text NOT NULL);
ALTER TABLE enf_flows.flows_customers RENAME TO flows_customers__dbt_backup;
ALTER TABLE enf_flows.flows_customers__dbt_tmp RENAME TO flows_customers;
ALTER TABLE enf_flows.flows_customers ALTER COLUMN name TYPE varchar(10);
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- an ALTER of a table built earlier keeps the usual message
ALTER TABLE enf_flows.flows_customers ADD COLUMN _loaded_at timestamptz;
\echo SQLSTATE :SQLSTATE
SELECT id, name FROM enf_flows.flows_customers ORDER BY id;

-- Clean up: relations first, then the contracts (an empty document
-- empties a source).
SET client_min_messages = warning;
DROP SCHEMA enf_flows CASCADE;
RESET client_min_messages;
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enf_flows', 'enf_flows', allow_breaking => true);
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enf_flows_incremental', 'enf_flows', allow_breaking => true);
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enf_flows_view', 'enf_flows', allow_breaking => true);
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enf_flows_versions', 'enf_flows', allow_breaking => true);
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enf_flows_long', 'enf_flows', allow_breaking => true);
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enf_flows_multibyte', 'enf_flows', allow_breaking => true);
SELECT count(*) FROM dbt_contract.models WHERE model LIKE 'flows\_%';
