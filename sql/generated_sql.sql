--
-- generated_sql: what dbt_contract_ddl() returns and dbt_contract_repair()
-- runs is built from parsed pieces of the contract, never from its text:
-- text that would close a clause and go on is refused, expressions are
-- deparsed from their trees (so standard_conforming_strings cannot change
-- them), every statement is exactly one statement of the expected kind,
-- repair never runs a table's functions with the caller's privileges, and
-- generation is bounded and interruptible.
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';
CREATE SCHEMA gs;
CREATE TABLE gs.victim (id int);
CREATE TABLE gs.p (id int PRIMARY KEY);

-- A statement as the parser sees it: one row per statement.
CREATE FUNCTION gs_kinds(sql text) RETURNS text
LANGUAGE sql AS $$
SELECT coalesce(string_agg(kind || coalesce(' ' || relation, ''), '; '), 'nothing')
  FROM dbt_contract.parse_statements(sql)
$$;
SELECT gs_kinds('CREATE TABLE a.b (x int); DROP TABLE c'),
       gs_kinds('ALTER TABLE "A".b ADD CHECK (x > 0)'), gs_kinds('-- only a comment');

--
-- Injection through the contract's text, as reported: a foreign key's to:,
-- a primary key's expression, a legacy REFERENCES expression.  Each is
-- refused, or rendered so that it stays inside its clause.
--
SELECT model, action FROM dbt_contract_apply_yaml($Y$
version: 2
models:
  - name: gs_inj_to
    config: {contract: {enforced: true}}
    columns:
      - name: a
        data_type: int
        constraints:
          - {type: foreign_key, to: "ref('x\n) ; DROP TABLE gs.victim; CREATE TABLE gs.y (a int --')", to_columns: [id]}
  - name: gs_inj_pk
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: int
        constraints:
          - {type: primary_key, expression: "); DROP TABLE gs.victim; CREATE TABLE gs.z (id integer PRIMARY KEY"}
  - name: gs_inj_fk
    config: {contract: {enforced: true}}
    constraints:
      - {type: foreign_key, columns: [id], expression: "gs.p (id)); CREATE TABLE gs.w (a int"}
    columns:
      - {name: id, data_type: int}
  - name: gs_inj_custom
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: custom, expression: "); DROP TABLE gs.victim; --"}]}
$Y$, 'gs_inj', 'gs') ORDER BY model COLLATE "C";
SELECT dbt_contract_ddl('gs_inj_to');
SELECT gs_kinds(dbt_contract_ddl('gs_inj_to'));
SELECT dbt_contract_ddl('gs_inj_pk');
SELECT dbt_contract_ddl('gs_inj_fk');
SELECT dbt_contract_ddl('gs_inj_custom');

--
-- A check that is one expression with standard_conforming_strings on and
-- a DROP TABLE with it off.  Contract text is read with it on; what is
-- generated is deparsed for the session, and repair runs what it parsed.
--
SELECT model, action FROM dbt_contract_apply_yaml($Y$
version: 2
models:
  - name: gs_strings
    config: {contract: {enforced: true}}
    columns:
      - name: b
        data_type: text
        constraints:
          - {type: check, expression: "b <> 'x\\' AND b <> ') ; DROP TABLE gs.victim; --'"}
$Y$, 'gs_strings', 'gs');
SET dbt_contract.enforcement = off;
CREATE TABLE gs.gs_strings (b text);
RESET dbt_contract.enforcement;
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SELECT dbt_contract_ddl('gs_strings');
SELECT gs_kinds(dbt_contract_ddl('gs_strings'));
SELECT statement FROM dbt_contract_repair('gs.gs_strings');
RESET standard_conforming_strings;
RESET escape_string_warning;
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'gs.gs_strings'::regclass;
SELECT to_regclass('gs.victim') IS NOT NULL AS victim_still_there;

--
-- What the fuzzer found: models whose DDL was not SQL.
--
SELECT model, action FROM dbt_contract_apply_yaml($Y$
version: 2
models:
  - name: gs_no_columns
  - name: gs_only_constraints
    constraints:
      - {type: check, expression: "1 = 1", name: ck_one}
  - name: gs_model_default
    config: {contract: {enforced: true}}
    constraints:
      - {type: custom, expression: "default 1"}
    columns:
      - {name: id, data_type: int}
  - name: gs_bare_word
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: custom, expression: "bareword"}]}
  - name: gs_not_valid
    config: {contract: {enforced: true}}
    constraints:
      - {type: custom, expression: "CHECK (id > 0) NOT VALID"}
    columns:
      - {name: id, data_type: int}
  - name: gs_forms
    config: {contract: {enforced: true}}
    constraints:
      - {type: unique, columns: [a], expression: "NULLS NOT DISTINCT"}
      - {type: primary_key, columns: [b], expression: "WITH (fillfactor = 70) DEFERRABLE INITIALLY DEFERRED"}
      - {type: custom, name: ck_ab, expression: "CHECK (a::text <> b)"}
      - {type: foreign_key, columns: [a], expression: "gs.p (id) MATCH FULL ON DELETE SET NULL (a) ON UPDATE CASCADE"}
    columns:
      - {name: a, data_type: int, constraints: [{type: custom, expression: "DEFAULT 4"}, {type: not_null}, {type: check, expression: "a > 0 AND a::text <> 'x\\y'"}]}
      - {name: b, data_type: text, constraints: [{type: unique, expression: "DEFERRABLE"}]}
      - {name: c, data_type: 'varchar(5)', constraints: [{type: custom, expression: "DEFAULT 'abc'"}]}
$Y$, 'gs_found', 'gs') ORDER BY model COLLATE "C";
SELECT dbt_contract_ddl('gs_no_columns');
SELECT dbt_contract_ddl('gs_only_constraints');
SELECT dbt_contract_ddl('gs_model_default');
SELECT dbt_contract_ddl('gs_bare_word');
-- a column name PostgreSQL would truncate is refused when the YAML is
-- applied already, so no contract (and no DDL) can name it
SELECT * FROM dbt_contract_apply_yaml($Y$
version: 2
models:
  - name: gs_long_names
    config: {contract: {enforced: true}}
    columns:
      - {name: a_column_name_that_is_much_longer_than_sixty_three_bytes_of_identifier, data_type: int}
$Y$, 'gs_found_long', 'gs');
SELECT dbt_contract_ddl('gs_not_valid');
SELECT dbt_contract_ddl('gs_forms');
-- what it renders runs, and makes the table the contract describes
SELECT dbt_contract_ddl(m) FROM unnest(ARRAY['gs_no_columns', 'gs_only_constraints', 'gs_forms']) m
\gexec
SELECT count(*) AS problems FROM dbt_contract_check('gs.gs_forms');

--
-- Every model of every fixture in test/fixtures: its DDL is one CREATE
-- TABLE of its relation, or a clear error.
--
CREATE FUNCTION gs_apply_fixture(path text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT count(*) || ' model(s)' FROM dbt_contract_apply(path, 'gs_fx'));
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE;
END
$$;
CREATE FUNCTION gs_fixture_ddl(model text, version text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN gs_kinds(dbt_contract_ddl(model, version));
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE || ': ' || SQLERRM;
END
$$;
WITH RECURSIVE walk(path, isdir) AS (
    SELECT 'test/fixtures', true
    UNION ALL
    SELECT w.path || '/' || f,
           (pg_stat_file(:'abs_srcdir' || '/' || w.path || '/' || f)).isdir
      FROM walk w,
           LATERAL pg_ls_dir(CASE WHEN w.isdir THEN :'abs_srcdir' || '/' || w.path END) f
)
SELECT count(*) FILTER (WHERE gs_apply_fixture(path) NOT LIKE 'error%') AS fixtures_loaded
  FROM walk
 WHERE NOT isdir AND path ~ '\.ya?ml$' AND path !~ '/\.';
SELECT m.model, m.version, gs_fixture_ddl(m.model, m.version) AS ddl_parses_as,
       gs_fixture_ddl(m.model, m.version) =
       'CREATE TABLE ' || format('%I.%I', m.relation_schema, m.relation_name) AS expected
  FROM dbt_contract.models m
 WHERE m.source LIKE :'abs_srcdir' || '/test/fixtures/%'
 ORDER BY m.model COLLATE "C", m.version;

--
-- repair never runs the table's functions with the caller's privileges.
-- A role that may only apply YAML and create in its own schema writes a
-- check calling a function that makes it superuser when a superuser runs
-- it; the superuser's repair validates the check as the table's owner.
--
CREATE ROLE regress_gs_evil;
CREATE SCHEMA gs_evil AUTHORIZATION regress_gs_evil;
GRANT EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) TO regress_gs_evil;
SET ROLE regress_gs_evil;
CREATE FUNCTION gs_evil.evil(int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE regress_gs_evil SUPERUSER';
    END IF;
    RETURN true;
END
$$;
CREATE TABLE gs_evil.bait (id int);
INSERT INTO gs_evil.bait VALUES (1);
SELECT model, action FROM dbt_contract_apply_yaml($Y$
version: 2
models:
  - name: bait
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: check, expression: "gs_evil.evil(id)"}]}
$Y$, 'gs_evil', 'gs_evil');
RESET ROLE;
SELECT statement FROM dbt_contract_repair('gs_evil.bait');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_gs_evil';
SELECT count(*) AS problems FROM dbt_contract_check('gs_evil.bait');
-- the caller must still own the table: a role that does not is refused
CREATE ROLE regress_gs_other;
GRANT USAGE ON SCHEMA gs_evil TO regress_gs_other;
SET dbt_contract.enforcement = off;
ALTER TABLE gs_evil.bait DROP CONSTRAINT bait_id_check;
RESET dbt_contract.enforcement;
SET ROLE regress_gs_other;
SELECT * FROM dbt_contract_repair('gs_evil.bait');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

--
-- A model of 20,000 columns, each not_null: generation is O(n log n) and
-- checks for interrupts, so statement_timeout ends it if it takes too
-- long (before, it ran for hours, deaf to the timeout).
--
SELECT count(*) FROM dbt_contract_apply_yaml(
    E'version: 2\nmodels:\n  - name: gs_wide\n    config: {contract: {enforced: true}}\n    columns:\n' ||
    (SELECT string_agg(format('      - {name: c%s, data_type: int, constraints: [{type: not_null}]}', i), E'\n')
       FROM generate_series(1, 20000) i), 'gs_wide', 'gs');
CREATE FUNCTION gs_bounded(model text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dbt_contract_ddl(model);
    RETURN 'finished or stopped';
EXCEPTION WHEN query_canceled THEN
    RETURN 'finished or stopped';
END
$$;
SET statement_timeout = '1s';
SELECT gs_bounded('gs_wide');
RESET statement_timeout;

--
-- Clean up.
--
SELECT bool_and(true) IS NOT FALSE AS removed
  FROM dbt_contract.contract_source s,
       LATERAL dbt_contract_apply_yaml('version: 2', s.source, s.target, allow_breaking => true)
 WHERE s.source IN ('gs_inj', 'gs_strings', 'gs_found', 'gs_evil', 'gs_wide')
    OR s.source LIKE :'abs_srcdir' || '/test/fixtures/%';
SET client_min_messages = warning;
DROP SCHEMA gs, gs_evil CASCADE;
DROP FUNCTION gs_kinds(text), gs_apply_fixture(text), gs_fixture_ddl(text, text),
    gs_bounded(text);
REVOKE EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) FROM regress_gs_evil;
DROP ROLE regress_gs_evil, regress_gs_other;
RESET client_min_messages;
