--
-- enforce_columns: column names and types of relations built for an
-- enforced contract, reported as dbt's mismatch table; the three
-- type_match levels; views, CREATE OR REPLACE VIEW, SELECT INTO and
-- CREATE TABLE AS; and the relations that are never checked.
--
CREATE SCHEMA enf_cols;
CREATE SCHEMA enf_cols_other;

SELECT model, relation, action, columns, constraints
  FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_people
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
      - name: FirstName
        data_type: text
      - name: email
        data_type: varchar(256)
      - name: created_at
        data_type: timestamptz
$$, 'enf_cols', 'enf_cols');

--
-- Each mismatch reason, then several at once (rows sorted by column name).
--
-- A column the contract does not have.
CREATE TABLE enf_cols.cols_people (id int, firstname text, email varchar(256),
                                   created_at timestamptz, phone text);
\echo :LAST_ERROR_SQLSTATE
-- A contracted column the definition lacks.
CREATE TABLE enf_cols.cols_people (id int, firstname text, email varchar(256));
-- A column of another type.
CREATE TABLE enf_cols.cols_people (id bigint, firstname text, email varchar(256),
                                   created_at timestamptz);
-- All three, more than once: one row each, sorted by column_name.
CREATE TABLE enf_cols.cols_people (zip text, id numeric, created_at timestamp,
                                   "FirstName" text, age int);
-- Unquoted YAML names fold to lower case: FirstName is column firstname,
-- however the DDL spells it unquoted.
CREATE TABLE enf_cols.cols_people (ID int, FirstName text, EMAIL varchar(256),
                                   created_at timestamptz);
SELECT attname FROM pg_attribute
 WHERE attrelid = 'enf_cols.cols_people'::regclass AND attnum > 0 ORDER BY attnum;
DROP TABLE enf_cols.cols_people;

--
-- quote: true keeps the name exactly as written.
--
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_quoted
    config:
      contract: {enforced: true}
    columns:
      - name: CustomerID
        quote: true
        data_type: int
      - name: OrderTotal
        data_type: numeric
      - name: "order date"
        quote: true
        data_type: date
$$, 'enf_cols_quoted', 'enf_cols');
CREATE TABLE enf_cols.cols_quoted ("CustomerID" int, OrderTotal numeric, "order date" date);
DROP TABLE enf_cols.cols_quoted;
CREATE TABLE enf_cols.cols_quoted (CustomerID int, "OrderTotal" numeric, "order date" date);

--
-- Types: dbt_contract.type_match.
--   declared (default): same type; length/precision compared only where
--                       the contract gives one
--   exact:              same type and modifier
--   dbt:                dbt-postgres' coarse groups (what dbt's preflight
--                       can see)
--
SELECT model, relation, action, columns FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_types
    config:
      contract: {enforced: true}
    columns:
      - {name: c_varchar256, data_type: varchar(256)}
      - {name: c_text, data_type: text}
      - {name: c_numeric_12_2, data_type: "numeric(12,2)"}
      - {name: c_numeric, data_type: numeric}
      - {name: c_varchar, data_type: varchar}
      - {name: c_integer, data_type: integer}
      - {name: c_int, data_type: int}
      - {name: c_real, data_type: real}
      - {name: c_ts, data_type: timestamp}
      - {name: c_uuid, data_type: uuid}
      - {name: c_int_array, data_type: "int[]"}
      - {name: c_int_array2, data_type: "int[]"}
      - {name: c_varchar_array, data_type: "varchar(10)[]"}
$$, 'enf_cols_types', 'enf_cols');
SELECT column_name, data_type, formatted_type FROM dbt_contract.columns
 WHERE model = 'cols_types' ORDER BY ordinal;

-- The contract's own types pass at every level.
SET dbt_contract.type_match = declared;
CREATE TABLE enf_cols.cols_types (c_varchar256 varchar(256), c_text text,
  c_numeric_12_2 numeric(12,2), c_numeric numeric, c_varchar varchar,
  c_integer integer, c_int int, c_real real, c_ts timestamp, c_uuid uuid,
  c_int_array int[], c_int_array2 int[], c_varchar_array varchar(10)[]);
DROP TABLE enf_cols.cols_types;
SET dbt_contract.type_match = exact;
CREATE TABLE enf_cols.cols_types (c_varchar256 varchar(256), c_text text,
  c_numeric_12_2 numeric(12,2), c_numeric numeric, c_varchar varchar,
  c_integer integer, c_int int, c_real real, c_ts timestamp, c_uuid uuid,
  c_int_array int[], c_int_array2 int[], c_varchar_array varchar(10)[]);
DROP TABLE enf_cols.cols_types;
SET dbt_contract.type_match = dbt;
CREATE TABLE enf_cols.cols_types (c_varchar256 varchar(256), c_text text,
  c_numeric_12_2 numeric(12,2), c_numeric numeric, c_varchar varchar,
  c_integer integer, c_int int, c_real real, c_ts timestamp, c_uuid uuid,
  c_int_array int[], c_int_array2 int[], c_varchar_array varchar(10)[]);
DROP TABLE enf_cols.cols_types;

-- The same near-miss table at each level: the rows are the columns that
-- level rejects.
--   varchar(256) vs text, text vs varchar(256), numeric(12,2) vs numeric,
--   numeric vs numeric(12,2), varchar vs varchar(50), integer vs smallint,
--   int vs bigint, real vs double precision, timestamp vs timestamptz,
--   uuid vs text, int[] vs smallint[], int[] vs bigint[],
--   varchar(10)[] vs text[]
SET dbt_contract.type_match = declared;
CREATE TABLE enf_cols.cols_types (c_varchar256 text, c_text varchar(256),
  c_numeric_12_2 numeric, c_numeric numeric(12,2), c_varchar varchar(50),
  c_integer smallint, c_int bigint, c_real double precision, c_ts timestamptz,
  c_uuid text, c_int_array smallint[], c_int_array2 bigint[], c_varchar_array text[]);
SET dbt_contract.type_match = exact;
CREATE TABLE enf_cols.cols_types (c_varchar256 text, c_text varchar(256),
  c_numeric_12_2 numeric, c_numeric numeric(12,2), c_varchar varchar(50),
  c_integer smallint, c_int bigint, c_real double precision, c_ts timestamptz,
  c_uuid text, c_int_array smallint[], c_int_array2 bigint[], c_varchar_array text[]);
SET dbt_contract.type_match = dbt;
CREATE TABLE enf_cols.cols_types (c_varchar256 text, c_text varchar(256),
  c_numeric_12_2 numeric, c_numeric numeric(12,2), c_varchar varchar(50),
  c_integer smallint, c_int bigint, c_real double precision, c_ts timestamptz,
  c_uuid text, c_int_array smallint[], c_int_array2 bigint[], c_varchar_array text[]);
-- What dbt's preflight cannot tell apart passes in dbt mode.
CREATE TABLE enf_cols.cols_types (c_varchar256 text, c_text varchar(256),
  c_numeric_12_2 numeric, c_numeric numeric(12,2), c_varchar varchar(50),
  c_integer smallint, c_int integer, c_real double precision, c_ts timestamp,
  c_uuid uuid, c_int_array smallint[], c_int_array2 integer[], c_varchar_array text[]);
DROP TABLE enf_cols.cols_types;
RESET dbt_contract.type_match;

-- A domain is its own type to declared and exact; dbt's preflight sees
-- its base type, and so does dbt mode.
CREATE DOMAIN enf_cols.positive_int AS int CHECK (VALUE > 0);
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_domains
    config:
      contract: {enforced: true}
    columns:
      - {name: plain, data_type: int}
      - {name: domained, data_type: enf_cols.positive_int}
$$, 'enf_cols_domains', 'enf_cols');
CREATE TABLE enf_cols.cols_domains (plain enf_cols.positive_int, domained int);
SET dbt_contract.type_match = dbt;
CREATE TABLE enf_cols.cols_domains (plain enf_cols.positive_int, domained int);
DROP TABLE enf_cols.cols_domains;
CREATE TABLE enf_cols.cols_domains (plain enf_cols.positive_int, domained bigint);
RESET dbt_contract.type_match;

--
-- Type names resolve as PostgreSQL's parser resolves them: int, integer
-- and int4 are one type; string is text (dbt's alias_types); float is
-- double precision; the DDL may spell them any way.
--
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_aliases
    config:
      contract: {enforced: true}
    columns:
      - {name: a, data_type: int}
      - {name: b, data_type: integer}
      - {name: c, data_type: INT4}
      - {name: d, data_type: string}
      - {name: e, data_type: float}
      - {name: f, data_type: character varying(10)}
      - {name: g, data_type: bool}
      - {name: h, data_type: timestamp with time zone}
$$, 'enf_cols_aliases', 'enf_cols');
SELECT column_name, data_type, formatted_type FROM dbt_contract.columns
 WHERE model = 'cols_aliases' ORDER BY ordinal;
CREATE TABLE enf_cols.cols_aliases (a int4, b int, c integer, d text,
  e float8, f varchar(10), g boolean, h timestamptz);
DROP TABLE enf_cols.cols_aliases;
-- string is text, not varchar.
CREATE TABLE enf_cols.cols_aliases (a int4, b int, c integer, d varchar,
  e float8, f varchar(10), g boolean, h timestamptz);

--
-- Views: names and types only (never constraints, even when the contract
-- declares some).
--
SELECT model, relation, action, columns, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_view
    config:
      materialized: view
      contract: {enforced: true}
    columns:
      - name: id
        data_type: integer
        constraints: [{type: not_null}, {type: primary_key}]
      - name: label
        data_type: text
$$, 'enf_cols_view', 'enf_cols');
CREATE VIEW enf_cols.cols_view AS SELECT 1 AS id, 'one'::text AS label;
DROP VIEW enf_cols.cols_view;
-- A view yielding smallint where the contract says integer: declared
-- (and exact) refuse it, dbt mode lets it through as dbt would.
CREATE VIEW enf_cols.cols_view AS SELECT 1::smallint AS id, 'one'::text AS label;
\echo :LAST_ERROR_SQLSTATE
SET dbt_contract.type_match = exact;
CREATE VIEW enf_cols.cols_view AS SELECT 1::smallint AS id, 'one'::text AS label;
SET dbt_contract.type_match = dbt;
CREATE VIEW enf_cols.cols_view AS SELECT 1::smallint AS id, 'one'::text AS label;
RESET dbt_contract.type_match;
SELECT * FROM enf_cols.cols_view;
DROP VIEW enf_cols.cols_view;

-- CREATE OR REPLACE VIEW is checked each time.
CREATE OR REPLACE VIEW enf_cols.cols_view AS SELECT 1 AS id, 'one'::text AS label;
CREATE OR REPLACE VIEW enf_cols.cols_view AS SELECT 2 AS id, 'two'::text AS label;
SELECT * FROM enf_cols.cols_view;
-- Adding a column the contract lacks is refused; the view stays as it was.
CREATE OR REPLACE VIEW enf_cols.cols_view AS SELECT 3 AS id, 'three'::text AS label, now() AS at;
SELECT * FROM enf_cols.cols_view;
-- So is renaming one of its columns (ALTER VIEW / ALTER TABLE).
ALTER VIEW enf_cols.cols_view RENAME COLUMN label TO title;
ALTER TABLE enf_cols.cols_view RENAME COLUMN label TO title;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'enf_cols.cols_view'::regclass AND attnum > 0 ORDER BY attnum;

--
-- SELECT INTO and CREATE TABLE AS are checked like CREATE TABLE: a hotfix
-- that rebuilds a contracted table from a query must produce the
-- contracted types (count(*) is bigint, the contract says int).
--
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_counts
    config:
      contract: {enforced: true}
    columns:
      - {name: kind, data_type: text}
      - {name: n, data_type: int}
$$, 'enf_cols_counts', 'enf_cols');
CREATE TABLE enf_cols.cols_counts AS
  SELECT kind, count(*) AS n FROM (VALUES ('a'), ('a'), ('b')) v(kind) GROUP BY kind;
\echo :LAST_ERROR_SQLSTATE
SELECT kind, count(*) AS n INTO enf_cols.cols_counts
  FROM (VALUES ('a'), ('a'), ('b')) v(kind) GROUP BY kind;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE enf_cols.cols_counts AS
  SELECT kind, count(*)::int AS n FROM (VALUES ('a'), ('a'), ('b')) v(kind) GROUP BY kind;
SELECT * FROM enf_cols.cols_counts ORDER BY kind;
DROP TABLE enf_cols.cols_counts;
SELECT kind, count(*)::int AS n INTO enf_cols.cols_counts
  FROM (VALUES ('a'), ('a'), ('b')) v(kind) GROUP BY kind;
SELECT * FROM enf_cols.cols_counts ORDER BY kind;
DROP TABLE enf_cols.cols_counts;
-- WITH NO DATA too.
CREATE TABLE enf_cols.cols_counts AS SELECT 'x'::text AS kind, 1::bigint AS n WITH NO DATA;

--
-- What is never checked.
--
-- A model whose contract is not enforced (or that has none).
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_loose
    config:
      contract: {enforced: false}
    columns:
      - {name: id, data_type: int}
  - name: cols_no_contract
    columns:
      - {name: id, data_type: int}
$$, 'enf_cols_loose', 'enf_cols')
 ORDER BY model COLLATE "C";
CREATE TABLE enf_cols.cols_loose (anything text);
CREATE TABLE enf_cols.cols_no_contract (anything text);
-- A relation no contract names.
CREATE TABLE enf_cols.cols_uncontracted (anything text);
-- dbt's backup of a model, and temporary relations of any name.
CREATE TABLE enf_cols.cols_people__dbt_backup (anything text);
CREATE TEMPORARY TABLE cols_people (anything text);
CREATE TEMPORARY TABLE cols_people__dbt_tmp (anything text);
CREATE TABLE pg_temp.cols_types (anything text);
CREATE TEMPORARY VIEW cols_view AS SELECT 'x'::text AS anything;
-- (An unqualified CREATE is checked in the schema it creates in, though
-- search_path finds the temporary table of that name first.)
SET search_path = enf_cols, public;
CREATE TABLE cols_people (anything text);
\echo :LAST_ERROR_SQLSTATE
CREATE OR REPLACE VIEW cols_view AS SELECT 1 AS id, 'one'::text AS label, 1 AS extra;
RESET search_path;
-- The model's name in another schema, as table, view or __dbt_tmp.
CREATE TABLE enf_cols_other.cols_people (anything text);
CREATE TABLE enf_cols_other.cols_people__dbt_tmp (anything text);
CREATE VIEW enf_cols_other.cols_view AS SELECT 'x'::text AS anything;
-- ... but moving such a relation into the model's schema is checked.
ALTER TABLE enf_cols_other.cols_people SET SCHEMA enf_cols;
\echo :LAST_ERROR_SQLSTATE
SELECT relnamespace::regnamespace AS schema, relname FROM pg_class
 WHERE relname IN ('cols_people', 'cols_people__dbt_tmp', 'cols_view',
                   'cols_people__dbt_backup', 'cols_loose', 'cols_no_contract',
                   'cols_uncontracted', 'cols_types')
   AND relnamespace::regnamespace::text NOT LIKE 'pg_temp%'
 ORDER BY relnamespace::regnamespace::text COLLATE "C", relname COLLATE "C";

--
-- A model with a custom schema lives in <target>_<custom>: it is checked
-- there, and not in the target schema.
--
CREATE SCHEMA enf_cols_marts;
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cols_marted
    config:
      schema: marts
      contract: {enforced: true}
    columns:
      - {name: id, data_type: int}
$$, 'enf_cols_marts', 'enf_cols');
CREATE TABLE enf_cols.cols_marted (anything text);
CREATE TABLE enf_cols_marts.cols_marted (anything text);
CREATE TABLE enf_cols_marts.cols_marted (id int);

-- Clean up.
SET client_min_messages = warning;
DROP SCHEMA enf_cols, enf_cols_other, enf_cols_marts CASCADE;
RESET client_min_messages;
SELECT source, count(*) AS removed
  FROM unnest(ARRAY['enf_cols', 'enf_cols_quoted', 'enf_cols_types', 'enf_cols_aliases',
                    'enf_cols_view', 'enf_cols_counts', 'enf_cols_loose', 'enf_cols_marts',
                    'enf_cols_domains']) source,
       LATERAL dbt_contract_apply_yaml('version: 2', source, 'enf_cols', allow_breaking => true)
 GROUP BY source ORDER BY source COLLATE "C";
SELECT count(*) FROM dbt_contract.models WHERE model LIKE 'cols\_%';
