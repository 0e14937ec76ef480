--
-- security: who may read, load and configure contracts.  Everybody reads
-- the views; only roles granted EXECUTE load, and their writes go through
-- the extension's owner; reading server files needs pg_read_server_files;
-- the settings are superuser-only; the caller's search_path cannot
-- redirect the extension's own SQL.
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE ROLE regress_dbtc_reader;
CREATE ROLE regress_dbtc_loader;

--
-- Until the module is loaded in a session, SET of a dbt_contract.* name
-- only makes a placeholder, which any role may do; when the module loads,
-- PostgreSQL refuses (with a WARNING) what a non-superuser set, so the
-- setting keeps its default.
--
SET ROLE regress_dbtc_reader;
SET dbt_contract.max_file_size = '1GB';
RESET ROLE;
LOAD 'dbt_contract';
SHOW dbt_contract.max_file_size;
SELECT current_setting('dbt_contract.project_dir') = :'abs_srcdir' AS project_dir_kept;
-- (CREATE SCHEMA fires the extension's event trigger, which loads the
-- module; so it comes after the placeholder case above.)
CREATE SCHEMA regress_dbtc_evil AUTHORIZATION regress_dbtc_loader;

--
-- A role with no grants at all.
--
SET ROLE regress_dbtc_reader;
SELECT current_user, session_user = current_user AS is_session_user;

-- The views are readable by everybody.
SELECT count(*) > 0 AS sees_models FROM dbt_contract.models;
SELECT count(*) > 0 AS sees_columns FROM dbt_contract.columns;
SELECT count(*) > 0 AS sees_constraints FROM dbt_contract.constraints;
SELECT count(*) > 0 AS sees_tests FROM dbt_contract.tests;

-- Loading is not.
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'reader');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply('test/fixtures/basic/orders.yml');
\echo SQLSTATE :SQLSTATE

-- The tables behind the views can be neither read nor written.
SELECT count(*) FROM dbt_contract.contract_model;
\echo SQLSTATE :SQLSTATE
SELECT count(*) FROM dbt_contract.contract_source;
\echo SQLSTATE :SQLSTATE
INSERT INTO dbt_contract.contract_source VALUES ('forged', 'x', now(), current_user);
\echo SQLSTATE :SQLSTATE
UPDATE dbt_contract.contract_model SET enforced = false;
\echo SQLSTATE :SQLSTATE
DELETE FROM dbt_contract.contract_constraint;
\echo SQLSTATE :SQLSTATE
TRUNCATE dbt_contract.contract_test;
\echo SQLSTATE :SQLSTATE
SELECT nextval('dbt_contract.model_id_seq');
\echo SQLSTATE :SQLSTATE
-- ... nor the views (they are not updatable for it either).
DELETE FROM dbt_contract.models;
\echo SQLSTATE :SQLSTATE

-- Once it is loaded, the settings are superuser-only.
SET dbt_contract.max_file_size = '1GB';
\echo SQLSTATE :SQLSTATE
SET dbt_contract.project_dir = '/';
\echo SQLSTATE :SQLSTATE
SELECT set_config('dbt_contract.project_dir', '/etc', false);
\echo SQLSTATE :SQLSTATE
SHOW dbt_contract.max_file_size;
RESET ROLE;

-- project_dir names a server directory: a role without pg_read_all_settings
-- cannot read it, neither with SHOW nor current_setting nor pg_settings.
SET ROLE regress_dbtc_reader;
-- (Each major words these errors differently: only the SQLSTATE shows.)
\set VERBOSITY sqlstate
SHOW dbt_contract.project_dir;
\echo SQLSTATE :SQLSTATE
SELECT current_setting('dbt_contract.project_dir');
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SELECT count(*) AS project_dir_rows FROM pg_settings
 WHERE name = 'dbt_contract.project_dir';
RESET ROLE;
GRANT pg_read_all_settings TO regress_dbtc_reader;
SET ROLE regress_dbtc_reader;
SELECT current_setting('dbt_contract.project_dir') = :'abs_srcdir' AS reads_project_dir;
RESET ROLE;
REVOKE pg_read_all_settings FROM regress_dbtc_reader;

-- max_file_size stops at what one palloc can hold (MaxAllocSize, just
-- under 1GB), even for a superuser.
SELECT max_val, unit FROM pg_settings WHERE name = 'dbt_contract.max_file_size';
\set VERBOSITY sqlstate
SET dbt_contract.max_file_size = '1GB';
\echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SET dbt_contract.max_file_size = '1048575kB';
SHOW dbt_contract.max_file_size;
RESET dbt_contract.max_file_size;

--
-- A role granted EXECUTE on dbt_contract_apply_yaml loads contracts
-- without any right on the tables: the writes run as the extension owner.
-- (It applies for targets whose schema it owns, or, for a schema not
-- created yet, when it may create schemas and nobody else applied the
-- target: see the targets suite.)
--
GRANT EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) TO regress_dbtc_loader;
SELECT format('GRANT CREATE ON DATABASE %I TO regress_dbtc_loader', current_database())
\gexec
SET ROLE regress_dbtc_loader;
SELECT has_table_privilege('dbt_contract.contract_model', 'INSERT') AS can_insert,
       has_table_privilege('dbt_contract.contract_model', 'SELECT') AS can_select;
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: loaded_by_role
    config: {contract: {enforced: true}}
    columns: [{name: id, data_type: int}]
$$, 'loader_source', 'regress_dbtc_loaded');
SELECT model, relation_schema, relation_name, source FROM dbt_contract.models
 WHERE source = 'loader_source';
RESET ROLE;
-- The source records the role that called the apply (after SET ROLE,
-- not the session user), as the apply's history does.
SELECT s.source, s.applied_by, h.applied_by AS history_applied_by
  FROM dbt_contract.contract_source s
  JOIN dbt_contract.apply_history h USING (source, target)
 WHERE s.source = 'loader_source';

--
-- Reading a server file needs pg_read_server_files, as pg_read_file does,
-- even with EXECUTE on dbt_contract_apply.
--
GRANT EXECUTE ON FUNCTION dbt_contract_apply(text, text, boolean) TO regress_dbtc_loader;
SET ROLE regress_dbtc_loader;
SELECT * FROM dbt_contract_apply('test/fixtures/basic/project');
\echo SQLSTATE :SQLSTATE
-- ... and the loader cannot point project_dir elsewhere.
SET dbt_contract.project_dir = '/';
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT pg_read_server_files TO regress_dbtc_loader;
SET ROLE regress_dbtc_loader;
SELECT * FROM dbt_contract_apply('test/fixtures/basic/project', 'regress_dbtc_evil');
RESET ROLE;

--
-- search_path games: the loader shadows functions and operators the
-- extension's SQL uses (=, <>, unnest, nextval, md5, ...) with traps that
-- raise an error, puts its schema first, and loads.  The extension runs
-- its SQL with a fixed search_path, so no trap fires.
--
SET ROLE regress_dbtc_loader;
CREATE FUNCTION regress_dbtc_evil.trap_text(text, text) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap: text operator called'; END $$;
CREATE FUNCTION regress_dbtc_evil.trap_int(int, int) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap: int operator called'; END $$;
CREATE OPERATOR regress_dbtc_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_dbtc_evil.trap_text);
CREATE OPERATOR regress_dbtc_evil.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_dbtc_evil.trap_text);
CREATE OPERATOR regress_dbtc_evil.= (LEFTARG = int, RIGHTARG = int, FUNCTION = regress_dbtc_evil.trap_int);
CREATE FUNCTION regress_dbtc_evil.unnest(anyarray) RETURNS SETOF anyelement
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap: unnest called'; END $$;
CREATE FUNCTION regress_dbtc_evil.nextval(regclass) RETURNS bigint
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap: nextval called'; END $$;
CREATE FUNCTION regress_dbtc_evil.md5(text) RETURNS text
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap: md5 called'; END $$;
CREATE FUNCTION regress_dbtc_evil.generate_series(int, int) RETURNS SETOF int
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap: generate_series called'; END $$;
CREATE FUNCTION regress_dbtc_evil.statement_timestamp() RETURNS timestamptz
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap: statement_timestamp called'; END $$;
CREATE FUNCTION regress_dbtc_evil.array_agg(anyelement) RETURNS anyarray
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap: array_agg called'; END $$;
CREATE TABLE regress_dbtc_evil.contract_model (model text);
SET search_path = regress_dbtc_evil, pg_catalog, public;
-- The traps are armed: the loader's own SQL falls into them.
SELECT 'a'::text = 'b'::text;
\echo SQLSTATE :SQLSTATE
SELECT * FROM unnest(ARRAY[1]);
\echo SQLSTATE :SQLSTATE
-- The extension's SQL does not.  The default target schema is still the
-- caller's current_schema(), which is where dbt would build.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: loaded_by_role
    config: {contract: {enforced: true}}
    columns: [{name: id, data_type: int}, {name: label, data_type: text}]
    constraints: [{type: check, expression: "label <> ''", columns: [label]}]
    data_tests:
      - dbt_utils.unique_combination_of_columns: {combination_of_columns: [id, label]}
  - name: second_by_role
    versions: [{v: 1}, {v: 2}]
    columns: [{name: id}]
$$, 'loader_source');
SELECT * FROM dbt_contract_apply('test/fixtures/basic/project');
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'loader_source');
RESET search_path;
SELECT count(*) AS untouched FROM regress_dbtc_evil.contract_model;
RESET ROLE;

--
-- Clean up: nothing of the roles may remain.
--
SELECT s.target, s.source ~ 'project$' AS project, count(*) AS removed
  FROM dbt_contract.contract_source s,
       LATERAL dbt_contract_apply_yaml('version: 2', s.source, s.target, allow_breaking => true) r
 WHERE s.target IN ('analytics', 'regress_dbtc_evil', 'regress_dbtc_loaded')
   AND (s.source = 'loader_source' OR s.source ~ '/test/fixtures/basic/project$')
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT model, relation, action FROM dbt_contract_apply('test/fixtures/basic/project');
REVOKE pg_read_server_files FROM regress_dbtc_loader;
SELECT format('REVOKE CREATE ON DATABASE %I FROM regress_dbtc_loader', current_database())
\gexec
DROP OWNED BY regress_dbtc_loader;
DROP OWNED BY regress_dbtc_reader;
DROP ROLE regress_dbtc_loader;
DROP ROLE regress_dbtc_reader;
SELECT count(*) FROM pg_roles WHERE rolname LIKE 'regress_dbtc%';
