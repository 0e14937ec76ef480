--
-- generate: dbt_contract_generate() writes the schema.yml of live
-- relations; applying it to the same relations leaves nothing for
-- dbt_contract_verify() to report, and the same DDL replayed through the
-- enforcement trigger is accepted.
--
\set VERBOSITY default
-- the fixtures are shown where they are: test/fixtures/generate/
\set ECHO none
\i test/fixtures/generate/types.sql
\i test/fixtures/generate/relations.sql
\set ECHO all

-- Every table, partitioned table, view and materialized view of the
-- schema (not the partition, not the sequence), in model-name order.
SELECT dbt_contract_generate(schema => 'gen') AS yaml \gset
\echo :yaml

-- Deterministic, and independent of the caller's search_path: types,
-- functions and operators outside pg_catalog are always qualified.
SET search_path = gen, gen_other, public;
SELECT md5(dbt_contract_generate(schema => 'gen')) = md5(:'yaml') AS same_under_other_search_path;
RESET search_path;

-- Round trip: apply to the same relations, nothing to report.
SELECT model, version, relation, action, columns, constraints
  FROM dbt_contract_apply_yaml(:'yaml', 'generated:gen', 'gen');
SELECT v.* FROM dbt_contract_verify() v
  JOIN dbt_contract.models m ON m.model = v.model AND m.version IS NOT DISTINCT FROM v.version
 WHERE m.source = 'generated:gen';

-- What the apply stored is what the catalog has.
SELECT model, column_name, formatted_type
  FROM dbt_contract.columns
 WHERE model IN ('all_types', 'orders') AND data_type IS DISTINCT FROM formatted_type;
SELECT model, version, constraint_type, columns, expression, to_model, to_columns, level
  FROM dbt_contract.constraints
 WHERE model IN ('orders', 'order_lines', 'visits', 'customers')
 ORDER BY model, version, level, constraint_type, columns::text, expression;

-- Replaying the DDL through the trigger: accepted, and still no problems.
BEGIN;
DROP VIEW gen.order_totals;
DROP MATERIALIZED VIEW gen.region_counts;
DROP TABLE gen.all_types, gen.orders, gen.order_lines, gen."MixedCase", gen.events,
           gen.customers_v1, gen.customers_v2, gen.visits;
DROP SEQUENCE gen.a_sequence;
\set ECHO none
\i test/fixtures/generate/relations.sql
\set ECHO all
SELECT count(*) AS problems FROM dbt_contract_verify() v
  JOIN dbt_contract.models m ON m.model = v.model AND m.version IS NOT DISTINCT FROM v.version
 WHERE m.source = 'generated:gen';
ROLLBACK;

-- The generated check names its function qualified; DDL written with the
-- function unqualified means the same function and passes.
BEGIN;
SET LOCAL search_path = gen, public;
ALTER TABLE orders DROP CONSTRAINT even_parent,
    ADD CONSTRAINT even_parent CHECK (is_even(parent_order));
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'even_parent';
ROLLBACK;

-- The contracts have teeth: drift is refused.
BEGIN;
ALTER TABLE gen.orders DROP CONSTRAINT region_len;
ROLLBACK;
BEGIN;
ALTER TABLE gen.orders ALTER COLUMN amount TYPE numeric(14,2);
ROLLBACK;
BEGIN;
DROP VIEW gen.order_totals;
CREATE VIEW gen.order_totals AS
    SELECT order_id, region, sum(qty)::integer AS total
      FROM gen.order_lines GROUP BY order_id, region;
ROLLBACK;

------------------------------------------------------------------------------
-- Options
------------------------------------------------------------------------------

-- Data tests equivalent to the constraints.  customers_v2 without
-- customers_v1 is a family of one: an unversioned model of that name.
SELECT dbt_contract_generate(ARRAY['gen.visits', 'gen.customers_v2', 'gen.order_lines']::regclass[],
                             include_tests => true);

-- Tests only; no data types (then no enforced contract: dbt refuses one
-- with a column lacking data_type); no descriptions.
SELECT dbt_contract_generate(ARRAY['gen.visits', 'gen.customers_v2']::regclass[],
                             include_constraints => false, include_tests => true);
SELECT dbt_contract_generate(ARRAY['gen."MixedCase"']::regclass[],
                             include_data_types => false, include_constraints => false,
                             include_descriptions => false);
-- NULL options mean the defaults
SELECT dbt_contract_generate(ARRAY['gen.customers_v1']::regclass[], include_tests => NULL,
                             include_constraints => NULL) =
       dbt_contract_generate(ARRAY['gen.customers_v1']::regclass[]) AS null_is_default;

-- A foreign key to a relation outside the set names the relation itself
-- (dbt's expression form); the main document covers its round trip
-- (orders.other_id references gen_other.parent).
SELECT dbt_contract_generate(ARRAY['gen.order_lines', 'gen.visits']::regclass[]) AS partial \gset
\echo :partial

-- A partition named explicitly is a table like any other.
SELECT dbt_contract_generate(ARRAY['gen.events_2024']::regclass[]);

-- Whitespace in a relation name: dbt refuses spaces in model names.
CREATE TABLE gen."Order Items" (id integer PRIMARY KEY);
CREATE TABLE gen."spaced_v1 x" (id integer);
SELECT dbt_contract_generate(ARRAY['gen."Order Items"', 'gen."spaced_v1 x"']::regclass[]) AS spaced \gset
\echo :spaced
SELECT model, relation, action
  FROM dbt_contract_apply_yaml(:'spaced', 'generated:spaced', 'gen');
SELECT count(*) AS problems FROM dbt_contract_check('gen."Order Items"');
SET client_min_messages = error;  -- the removal warns of a breaking change
SELECT model, action FROM dbt_contract_apply_yaml('version: 2', 'generated:spaced', 'gen');
RESET client_min_messages;

-- A version family: two relations <name>_v<N>; relation <name> in the set
-- takes the name, and the members stay models of their own.
CREATE TABLE gen.items_v1 (id integer);
CREATE TABLE gen.items_v3 (id integer, label text);
SELECT dbt_contract_generate(ARRAY['gen.items_v3', 'gen.items_v1']::regclass[]);
CREATE TABLE gen.items (id integer);
SELECT dbt_contract_generate(ARRAY['gen.items_v3', 'gen.items_v1', 'gen.items']::regclass[]);
-- not versions: a leading zero, or no digits
CREATE TABLE gen.things_v01 (id integer);
CREATE TABLE gen.things_v (id integer);
SELECT dbt_contract_generate(ARRAY['gen.things_v01', 'gen.things_v']::regclass[]);

-- NOT VALID constraints are in force for no row: left out.
CREATE TABLE gen.loose (a integer, b integer);
ALTER TABLE gen.loose ADD CONSTRAINT a_pos CHECK (a > 0) NOT VALID;
ALTER TABLE gen.loose ADD CONSTRAINT b_ref FOREIGN KEY (b) REFERENCES gen.customers_v1 (id) NOT VALID;
SELECT dbt_contract_generate(ARRAY['gen.loose']::regclass[]);

-- An exclusion constraint is a custom constraint with its definition.
CREATE TABLE gen.bookings (room integer, during tsrange,
                           EXCLUDE USING gist (during WITH &&));
SELECT dbt_contract_generate(ARRAY['gen.bookings']::regclass[]) AS bookings \gset
\echo :bookings
SELECT model, action FROM dbt_contract_apply_yaml(:'bookings', 'generated:bookings', 'gen');
SELECT count(*) AS problems FROM dbt_contract_check('gen.bookings');
SET client_min_messages = error;  -- the removal warns of a breaking change
SELECT model, action FROM dbt_contract_apply_yaml('version: 2', 'generated:bookings', 'gen');
RESET client_min_messages;

------------------------------------------------------------------------------
-- Bad input
------------------------------------------------------------------------------
SELECT dbt_contract_generate();
SELECT dbt_contract_generate(ARRAY['gen.orders']::regclass[], 'gen');
SELECT dbt_contract_generate(ARRAY[]::regclass[]);
SELECT dbt_contract_generate(ARRAY['gen.orders', NULL]::regclass[]);
SELECT dbt_contract_generate(ARRAY['gen.no_such_table']::regclass[]);
SELECT dbt_contract_generate(ARRAY[4000000000::oid::regclass]);
SELECT dbt_contract_generate(schema => 'no_such_schema');
CREATE SCHEMA gen_empty;
CREATE SEQUENCE gen_empty.only_a_sequence;
SELECT dbt_contract_generate(schema => 'gen_empty');
SELECT dbt_contract_generate(ARRAY['gen.a_sequence']::regclass[]);
SELECT dbt_contract_generate(ARRAY['gen.orders_pkey']::regclass[]);
SELECT dbt_contract_generate(ARRAY['gen.pair']::regclass[]);
CREATE FOREIGN DATA WRAPPER gen_fdw;
CREATE SERVER gen_server FOREIGN DATA WRAPPER gen_fdw;
CREATE FOREIGN TABLE gen.remote (id integer) SERVER gen_server;
SELECT dbt_contract_generate(ARRAY['gen.remote']::regclass[]);
-- ... while generating a schema skips it
SELECT dbt_contract_generate(schema => 'gen') LIKE '%remote%' AS mentions_foreign_table;
CREATE TEMP TABLE gen_temp (id integer);
SELECT dbt_contract_generate(ARRAY['gen_temp']::regclass[]);
SELECT dbt_contract_generate(ARRAY['gen.orders', 'gen_other.parent']::regclass[]);
-- a relation named twice is generated once
SELECT dbt_contract_generate(ARRAY['gen.customers_v1', 'gen.customers_v1']::regclass[]) =
       dbt_contract_generate(ARRAY['gen.customers_v1']::regclass[]) AS once;
-- two relations that would be the same model
CREATE TABLE gen."a b" (id integer);
CREATE TABLE gen.a_b (id integer);
SELECT dbt_contract_generate(ARRAY['gen."a b"', 'gen.a_b']::regclass[]);
-- anyone may call it: it reads only what the catalogs show everyone
SELECT has_function_privilege('public',
    'dbt_contract_generate(regclass[], text, boolean, boolean, boolean, boolean)',
    'EXECUTE') AS public_can_execute;

DROP FOREIGN TABLE gen.remote;
DROP SERVER gen_server;
DROP FOREIGN DATA WRAPPER gen_fdw;
DROP SCHEMA gen_empty CASCADE;
DROP TABLE gen."a b", gen.a_b, gen.loose, gen.items, gen.items_v1, gen.items_v3,
           gen.things_v01, gen.things_v, gen."Order Items", gen."spaced_v1 x";

-- The generated contracts leave with their source.
SELECT model, version, action
  FROM dbt_contract_apply_yaml('version: 2', 'generated:gen', 'gen', allow_breaking => true);
