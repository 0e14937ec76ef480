--
-- generate_odcs: dbt_contract_generate_odcs() writes the contract of live
-- relations as an Open Data Contract Standard v3.1.0 document.  The dbt
-- suite (test/dbt/e2e/test_s6_odcs.py) validates the same document
-- against the standard's JSON schema (test/schemas/odcs/).
--
\set VERBOSITY default
-- generate.sql leaves its fixtures behind; start from fresh ones
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS gen, gen_other CASCADE;
RESET client_min_messages;
\set ECHO none
\i test/fixtures/generate/types.sql
\i test/fixtures/generate/relations.sql
\set ECHO all

-- Every table, partitioned table, view and materialized view of the
-- schema, in relation-name order; the versioned pair stays two objects.
SELECT dbt_contract_generate_odcs(schema => 'gen') AS odcs \gset
\echo :odcs

-- Deterministic, and independent of the caller's search_path.
SET search_path = gen, gen_other, public;
SELECT md5(dbt_contract_generate_odcs(schema => 'gen')) = md5(:'odcs') AS same_under_other_search_path;
RESET search_path;

-- Every column's physicalType is format_type of the column, exactly.
SELECT a.attrelid::regclass AS relation, a.attname, format_type(a.atttypid, a.atttypmod)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'gen'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
   AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
   AND strpos(:'odcs', E'\n    physicalType: ' || format_type(a.atttypid, a.atttypmod) || E'\n') = 0
   AND strpos(:'odcs', E'\n    physicalType: ''' || format_type(a.atttypid, a.atttypmod) || E'''\n') = 0;

-- Options: the contract's id, version and status.
SELECT dbt_contract_generate_odcs(ARRAY['gen.customers_v2', 'gen.visits']::regclass[],
                                  id => 'urn:datacontract:crm', version => '2.1.0',
                                  status => 'active');
-- NULL means the default
SELECT dbt_contract_generate_odcs(ARRAY['gen.customers_v1']::regclass[], id => NULL,
                                  version => NULL, status => NULL) =
       dbt_contract_generate_odcs(ARRAY['gen.customers_v1']::regclass[]) AS null_is_default;

-- A foreign key to a relation outside the document is no relationship:
-- an ODCS reference resolves within a contract.
SELECT dbt_contract_generate_odcs(ARRAY['gen.visits']::regclass[]) LIKE '%relationships%'
       AS visits_alone_has_relationships;

-- Names that are not plain identifiers get hex-escaped ids, in the
-- references too; relations dbt_contract_generate would refuse as one
-- model are two objects here.
CREATE TABLE gen."Order Items" (id integer PRIMARY KEY, "order-id" integer,
                                UNIQUE (id, "order-id"));
CREATE TABLE gen."a b" (id integer PRIMARY KEY, oi integer REFERENCES gen."Order Items");
CREATE TABLE gen.a_b (x integer, y integer,
                      FOREIGN KEY (x, y) REFERENCES gen."Order Items" (id, "order-id"));
SELECT dbt_contract_generate_odcs(ARRAY['gen."Order Items"', 'gen."a b"', 'gen.a_b']::regclass[]);

-- Types: domains by their base type, arrays of domains and of composites,
-- numeric with a negative scale, exclusion and NULLS NOT DISTINCT unique.
CREATE DOMAIN gen.short_code AS varchar(8);
CREATE TYPE gen.nested AS (p gen.pair, codes gen.short_code[]);
CREATE TABLE gen.typed (
    sc gen.short_code UNIQUE NULLS NOT DISTINCT,
    scs gen.short_code[],
    nest gen.nested,
    nests gen.nested[],
    thousands numeric(3,-3),
    wide numeric(39,0),
    during tsrange,
    EXCLUDE USING gist (during WITH &&)
);
SELECT dbt_contract_generate_odcs(ARRAY['gen.typed']::regclass[]);

------------------------------------------------------------------------------
-- Bad input: the checks dbt_contract_generate makes, and the options
------------------------------------------------------------------------------
SELECT dbt_contract_generate_odcs();
SELECT dbt_contract_generate_odcs(ARRAY['gen.orders']::regclass[], 'gen');
SELECT dbt_contract_generate_odcs(ARRAY[]::regclass[]);
SELECT dbt_contract_generate_odcs(schema => 'no_such_schema');
SELECT dbt_contract_generate_odcs(ARRAY['gen.a_sequence']::regclass[]);
SELECT dbt_contract_generate_odcs(ARRAY['gen.orders', 'gen_other.parent']::regclass[]);
SELECT dbt_contract_generate_odcs(schema => 'gen', id => '');
SELECT dbt_contract_generate_odcs(schema => 'gen', version => '');
SELECT dbt_contract_generate_odcs(schema => 'gen', status => '');
SELECT has_function_privilege('public',
    'dbt_contract_generate_odcs(regclass[], text, text, text, text)',
    'EXECUTE') AS public_can_execute;

SET client_min_messages = warning;
DROP SCHEMA gen, gen_other CASCADE;
RESET client_min_messages;
