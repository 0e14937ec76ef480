--
-- load_basic: loading from a file, a directory and inline text; what each
-- view shows; type resolution; where relations are expected to live.
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';

-- The public interface: four views, with these columns.
SELECT table_name, ordinal_position, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'dbt_contract'
   AND table_name IN ('models', 'columns', 'constraints', 'tests')
 ORDER BY table_name COLLATE "C", ordinal_position;

-- Nothing loaded yet.
SELECT count(*) FROM dbt_contract.models;

--
-- A directory: every *.yml/*.yaml below it, in name order, as one source.
-- This is the sample project other suites build on.
--
SELECT * FROM dbt_contract_apply('test/fixtures/jaffle/models');

SELECT model, version, relation_schema, relation_name, materialized, enforced,
       description, regress_path(source) AS source, applied_at <= now() AS applied_at_ok
  FROM dbt_contract.models
 ORDER BY model COLLATE "C", version;

SELECT * FROM dbt_contract.columns ORDER BY model COLLATE "C", version, ordinal;

SELECT * FROM dbt_contract.constraints
 ORDER BY model COLLATE "C", version, level DESC, columns::text COLLATE "C", constraint_type COLLATE "C";

SELECT * FROM dbt_contract.tests
 ORDER BY model COLLATE "C", version, columns::text COLLATE "C", test_name COLLATE "C";

-- What the views leave out: the file and place that declared each model,
-- the latest version, alias_types and on_schema_change.
SELECT model, version, latest_version, file, defined_at, alias_types,
       on_schema_change, column_count, constraint_count
  FROM dbt_contract.contract_model
 ORDER BY model COLLATE "C", version;

-- Column names as PostgreSQL will see them: folded unless quote: true.
SELECT m.model, c.column_name, c.attname, c.quoted
  FROM dbt_contract.contract_column c JOIN dbt_contract.contract_model m USING (model_id)
 WHERE m.model = 'fct_orders'
 ORDER BY c.ordinal;

-- One row for the source, with the md5 of what was read.
SELECT regress_path(source) AS source, length(checksum) AS checksum_length,
       applied_by = session_user AS applied_by_me
  FROM dbt_contract.contract_source;

--
-- A single file is its own source; relative paths are read from
-- dbt_contract.project_dir.
--
SELECT * FROM dbt_contract_apply('test/fixtures/basic/orders.yml');

SELECT model, relation_name, materialized, enforced, description, regress_path(source) AS source
  FROM dbt_contract.models WHERE model LIKE 'order%' ORDER BY model COLLATE "C";
SELECT model, column_name, ordinal, data_type, formatted_type, description
  FROM dbt_contract.columns WHERE model LIKE 'order%' ORDER BY model COLLATE "C", ordinal;
SELECT model, file, defined_at FROM dbt_contract.contract_model
 WHERE model LIKE 'order%' ORDER BY model COLLATE "C";

--
-- A directory with a subdirectory, a .yaml file, an empty .yml, a text file
-- and a hidden file (which is not even valid YAML): only the first three
-- are read, and the hidden one is skipped.
--
SELECT * FROM dbt_contract_apply('test/fixtures/basic/project');
SELECT model, file, defined_at FROM dbt_contract.contract_model
 WHERE model LIKE 'shop%' ORDER BY model COLLATE "C";

--
-- Inline YAML: the source defaults to 'inline'.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: inline_model
    description: Declared inline
    columns:
      - name: id
        data_type: int
$$);
SELECT model, relation_schema, relation_name, source FROM dbt_contract.models
 WHERE model = 'inline_model';

-- An empty document, or one without models, declares nothing.
SELECT * FROM dbt_contract_apply_yaml('', 'empty_text');
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'just_version');
SELECT * FROM dbt_contract_apply_yaml('# only a comment', 'just_comment');
SELECT count(*) FROM dbt_contract.contract_source
 WHERE source IN ('empty_text', 'just_version', 'just_comment');

--
-- data_type goes through PostgreSQL's type parser: aliases resolve as in
-- CREATE TABLE, and formatted_type shows what the server will compare.
--
CREATE DOMAIN regress_positive AS int CHECK (VALUE > 0);
CREATE TYPE regress_mood AS ENUM ('sad', 'ok', 'happy');
SELECT model, relation, action, columns FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: typed
    config:
      contract: {enforced: true}
    columns:
      - {name: c_varchar100, data_type: varchar(100)}
      - {name: c_charvar100, data_type: character varying(100)}
      - {name: c_varchar, data_type: varchar}
      - {name: c_string, data_type: string}
      - {name: c_string_upper, data_type: STRING}
      - {name: c_text, data_type: text}
      - {name: c_char2, data_type: char(2)}
      - {name: c_int, data_type: int}
      - {name: c_int4, data_type: int4}
      - {name: c_integer, data_type: INTEGER}
      - {name: c_bigint, data_type: int8}
      - {name: c_smallint, data_type: smallint}
      - {name: c_float, data_type: float}
      - {name: c_float4, data_type: float4}
      - {name: c_double, data_type: double precision}
      - {name: c_numeric, data_type: numeric}
      - {name: c_numeric_10_2, data_type: "numeric(10, 2)"}
      - {name: c_decimal, data_type: decimal(5)}
      - {name: c_bool, data_type: bool}
      - {name: c_date, data_type: date}
      - {name: c_ts, data_type: timestamp}
      - {name: c_ts3, data_type: timestamp(3)}
      - {name: c_tstz, data_type: timestamptz}
      - {name: c_tstz_long, data_type: timestamp with time zone}
      - {name: c_time, data_type: time}
      - {name: c_interval, data_type: interval day to second}
      - {name: c_uuid, data_type: uuid}
      - {name: c_json, data_type: json}
      - {name: c_jsonb, data_type: jsonb}
      - {name: c_bytea, data_type: bytea}
      - {name: c_inet, data_type: inet}
      - {name: c_money, data_type: money}
      - {name: c_int_array, data_type: "int[]"}
      - {name: c_text_array, data_type: text array}
      - {name: c_varchar_array, data_type: "varchar(20)[]"}
      - {name: c_qualified, data_type: pg_catalog.int4}
      - {name: c_domain, data_type: regress_positive}
      - {name: c_enum, data_type: public.regress_mood}
      - {name: c_range, data_type: int4range}
$$, 'typed');
SELECT column_name, data_type, type_oid, typmod, formatted_type
  FROM dbt_contract.columns WHERE model = 'typed' ORDER BY ordinal;

-- alias_types: false keeps dbt from translating string, and PostgreSQL has
-- no type of that name: an error pointing at the column.
\set VERBOSITY default
\set SHOW_CONTEXT errors
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: no_alias
    config:
      contract: {enforced: true, alias_types: false}
    columns:
      - name: id
        data_type: int
      - name: label
        data_type: string
$$, 'no_alias');
\echo SQLSTATE :SQLSTATE
-- ... while other types resolve as usual.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: no_alias
    config:
      contract: {enforced: true, alias_types: false}
    columns:
      - name: id
        data_type: int
      - name: label
        data_type: text
$$, 'no_alias');
SELECT m.alias_types, c.column_name, c.formatted_type
  FROM dbt_contract.columns c JOIN dbt_contract.contract_model m USING (model)
 WHERE model = 'no_alias' ORDER BY ordinal;

--
-- Where relations live.  Without target_schema: the caller's
-- current_schema(); a custom schema follows dbt's default
-- generate_schema_name, <target>_<custom>; alias replaces the name.
--
CREATE SCHEMA regress_target;
SET search_path = regress_target, public;
SELECT current_schema();
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: placed_default
    columns: [{name: id}]
  - name: placed_custom
    config: {schema: marts}
    columns: [{name: id}]
  - name: placed_trimmed
    config: {schema: "  staging  "}
    columns: [{name: id}]
  - name: placed_alias
    config: {alias: renamed_relation}
    columns: [{name: id}]
  - name: placed_both
    config: {alias: Both_Relation, schema: Geo}
    columns: [{name: id}]
$$, 'placement');
-- As for current_schema(), search_path entries that do not exist are skipped.
SET search_path = nonexistent_schema, public;
SELECT current_schema();
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: placed_default
    columns: [{name: id}]
$$, 'placement');
RESET search_path;
-- An explicit target_schema wins over the search_path; it need not exist
-- yet (it names where dbt will build).
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: placed_default
    columns: [{name: id}]
  - name: placed_custom
    config: {schema: marts}
    columns: [{name: id}]
$$, 'placement', 'analytics');
SELECT * FROM dbt_contract_apply('test/fixtures/basic/orders.yml', 'analytics');
-- Each target keeps its own contracts (the applies above were for
-- regress_target, public and analytics).
SELECT model, relation_schema, relation_name, target FROM dbt_contract.models
 WHERE model ~ '^(placed|order)' ORDER BY model COLLATE "C", target COLLATE "C";

--
-- quote: true keeps the case of a column name; unquoted names fold.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: quoting
    columns:
      - {name: CamelCase, data_type: int}
      - {name: CamelQuoted, data_type: int, quote: true}
      - {name: "with space", data_type: int, quote: true}
      - {name: lower_quoted, data_type: int, quote: true}
      - {name: not_quoted, data_type: int, quote: false}
$$, 'quoting');
SELECT c.column_name, c.attname, c.quoted
  FROM dbt_contract.contract_column c JOIN dbt_contract.contract_model m USING (model_id)
 WHERE m.model = 'quoting' ORDER BY c.ordinal;
