--
-- enforce_roles: an ordinary role that may create relations in its schema,
-- and has no privilege on the extension's catalog, gets exactly the checks
-- and messages a superuser gets, and cannot switch them off.
--
CREATE SCHEMA enf_roles;
CREATE ROLE regress_enf_builder;
GRANT USAGE, CREATE ON SCHEMA enf_roles TO regress_enf_builder;
-- Not even USAGE on the catalog schema (granted to PUBLIC by default).
REVOKE USAGE ON SCHEMA dbt_contract FROM PUBLIC;
SELECT has_schema_privilege('regress_enf_builder', 'dbt_contract', 'USAGE') AS catalog_usage,
       has_table_privilege('regress_enf_builder', 'dbt_contract.contract_model', 'SELECT') AS catalog_select,
       has_function_privilege('regress_enf_builder', 'dbt_contract_apply_yaml(text, text, text, boolean)', 'EXECUTE') AS can_apply,
       has_schema_privilege('regress_enf_builder', 'enf_roles', 'CREATE') AS can_create;

SELECT model, relation, action, columns, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: roles_accounts
    description: Accounts
    config:
      materialized: table
      contract: {enforced: true}
      persist_docs: {relation: true, columns: true}
    columns:
      - name: id
        data_type: int
        description: Account key
        constraints: [{type: not_null}, {type: primary_key}]
      - name: owner
        data_type: text
  - name: roles_entries
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: account_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('roles_accounts')
            to_columns: [id]
      - name: amount
        data_type: numeric
        constraints:
          - type: check
            expression: "amount <> 0"
$$, 'enf_roles', 'enf_roles')
 ORDER BY model COLLATE "C";

-- Runs a statement and returns how it failed, so the two roles' messages
-- can be compared field by field.
CREATE FUNCTION enf_roles.regress_try(stmt text,
  OUT err_sqlstate text, OUT err_message text, OUT err_detail text, OUT err_hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    err_sqlstate := '00000';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS err_sqlstate = RETURNED_SQLSTATE,
                            err_message = MESSAGE_TEXT,
                            err_detail = PG_EXCEPTION_DETAIL,
                            err_hint = PG_EXCEPTION_HINT;
END
$$;
GRANT EXECUTE ON FUNCTION enf_roles.regress_try(text) TO regress_enf_builder;
CREATE TABLE enf_roles.regress_messages (who text, stmt int, sqlstate text,
                                         message text, detail text, hint text);
GRANT INSERT ON enf_roles.regress_messages TO regress_enf_builder;
CREATE TABLE enf_roles.regress_statements (stmt int, sql text);
GRANT SELECT ON enf_roles.regress_statements TO regress_enf_builder;
INSERT INTO enf_roles.regress_statements VALUES
  (1, 'CREATE TABLE enf_roles.roles_accounts__dbt_tmp (id bigint, owner text, extra int)'),
  (2, 'CREATE TABLE enf_roles.roles_accounts__dbt_tmp (id int, owner text)'),
  (3, 'CREATE TABLE enf_roles.roles_entries__dbt_tmp (account_id int, amount numeric CHECK (amount > 0))'),
  (4, 'CREATE VIEW enf_roles.roles_accounts__dbt_tmp AS SELECT 1::bigint AS id'),
  (5, 'SELECT 1 AS id INTO enf_roles.roles_accounts__dbt_tmp'),
  (6, 'ALTER TABLE enf_roles.roles_entries DROP COLUMN amount'),
  (7, 'ALTER TABLE enf_roles.roles_accounts RENAME COLUMN owner TO holder');

--
-- The role builds its models: the same checks.
--
SET ROLE regress_enf_builder;
SELECT current_user;
CREATE TABLE enf_roles.roles_accounts (id bigint, owner text, extra int);
\echo :LAST_ERROR_SQLSTATE
-- dbt's table flow, as the role.
BEGIN;
create  table :"DBNAME"."enf_roles"."roles_accounts__dbt_tmp"
  (id int not null primary key, owner text)
 \;
insert into :"DBNAME"."enf_roles"."roles_accounts__dbt_tmp" ("id", "owner")
  (select "id", "owner" from (select 1 as id, 'ann' as owner) as model_subq);
alter table :"DBNAME"."enf_roles"."roles_accounts__dbt_tmp" rename to "roles_accounts";
COMMIT;
-- The contract's descriptions were written on the role's table.
SELECT obj_description('enf_roles.roles_accounts'::regclass, 'pg_class') AS table_comment,
       col_description('enf_roles.roles_accounts'::regclass, 1) AS id_comment;
CREATE TABLE enf_roles.roles_entries (account_id int REFERENCES enf_roles.roles_accounts (id),
                                      amount numeric CHECK (amount <> 0));
-- The drift guard.
ALTER TABLE enf_roles.roles_entries DROP COLUMN amount;
ALTER TABLE enf_roles.roles_accounts ALTER COLUMN owner TYPE varchar(10);
-- The CASCADE warning, with its hint, which the role can run.
BEGIN;
create  table :"DBNAME"."enf_roles"."roles_accounts__dbt_tmp"
  (id int not null primary key, owner text)
 \;
insert into :"DBNAME"."enf_roles"."roles_accounts__dbt_tmp" ("id", "owner")
  (select "id", "owner" from (select 1 as id, 'ann' as owner) as model_subq);
alter table :"DBNAME"."enf_roles"."roles_accounts" rename to "roles_accounts__dbt_backup";
alter table :"DBNAME"."enf_roles"."roles_accounts__dbt_tmp" rename to "roles_accounts";
COMMIT;
drop table if exists :"DBNAME"."enf_roles"."roles_accounts__dbt_backup" cascade;
ALTER TABLE enf_roles.roles_entries ADD FOREIGN KEY (account_id) REFERENCES enf_roles.roles_accounts(id);
-- Its own tables named like the catalog, first in its search_path, change
-- nothing: the checks read the catalog by qualified names as its owner.
CREATE TABLE enf_roles.contract_model (model_id bigint, relation_schema text, relation_name text);
SET search_path = enf_roles, public;
CREATE TABLE enf_roles.roles_accounts__dbt_tmp (id int, owner text);
RESET search_path;

--
-- It cannot switch the checks off.
--
SET dbt_contract.enforcement = off;
\echo :LAST_ERROR_SQLSTATE
SET dbt_contract.enforcement = warn;
SET dbt_contract.type_match = dbt;
\echo :LAST_ERROR_SQLSTATE
SET dbt_contract.sync_descriptions = off;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
SET LOCAL dbt_contract.enforcement = off;
ROLLBACK;
SELECT set_config('dbt_contract.enforcement', 'off', false);
\echo :LAST_ERROR_SQLSTATE
ALTER ROLE regress_enf_builder SET dbt_contract.enforcement = off;
\echo :LAST_ERROR_SQLSTATE
ALTER ROLE CURRENT_USER SET dbt_contract.type_match = dbt;
SET session_replication_role = replica;
\echo :LAST_ERROR_SQLSTATE
ALTER EVENT TRIGGER dbt_contract_check_ddl DISABLE;
\echo :LAST_ERROR_SQLSTATE
ALTER EVENT TRIGGER dbt_contract_check_drop DISABLE;
ALTER EVENT TRIGGER dbt_contract_check_ddl ENABLE REPLICA;
ALTER EVENT TRIGGER dbt_contract_check_ddl RENAME TO regress_gone;
ALTER EVENT TRIGGER dbt_contract_check_ddl OWNER TO regress_enf_builder;
DROP EVENT TRIGGER dbt_contract_check_ddl;
\echo :LAST_ERROR_SQLSTATE
DROP EVENT TRIGGER dbt_contract_check_drop;
DROP EXTENSION dbt_contract;
\echo :LAST_ERROR_SQLSTATE
-- Nor edit the contracts.
INSERT INTO dbt_contract.contract_model (model_id) VALUES (-1);
\echo :LAST_ERROR_SQLSTATE
UPDATE dbt_contract.contract_model SET enforced = false;
DELETE FROM dbt_contract.contract_column;
TRUNCATE dbt_contract.contract_constraint;
CREATE TABLE dbt_contract.contract_shadow (x int);
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'enf_roles', 'enf_roles');
\echo :LAST_ERROR_SQLSTATE
-- Everything still in force.
SHOW dbt_contract.enforcement;
SHOW dbt_contract.type_match;
SHOW session_replication_role;
CREATE TABLE enf_roles.roles_accounts__dbt_tmp (id int, owner text);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT evtname, evtenabled, evtowner::regrole FROM pg_event_trigger
 WHERE evtname LIKE 'dbt_contract%' ORDER BY evtname;
SELECT rolname, rolconfig FROM pg_roles WHERE rolname = 'regress_enf_builder';

--
-- In a new session the module is not loaded yet: SET then only makes a
-- placeholder, which any role may do; when the first checked DDL loads
-- the module, PostgreSQL refuses the role's values (WARNING) and the
-- checks run with the defaults.
--
\c -
SET ROLE regress_enf_builder;
SET dbt_contract.enforcement = off;
SET dbt_contract.sync_descriptions = off;
SHOW dbt_contract.enforcement;
CREATE TABLE enf_roles.roles_accounts__dbt_tmp (id int, owner text);
\echo :LAST_ERROR_SQLSTATE
SHOW dbt_contract.enforcement;
SHOW dbt_contract.sync_descriptions;
RESET ROLE;
\c -
SET ROLE regress_enf_builder;
ALTER ROLE regress_enf_builder SET dbt_contract.enforcement = off;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT rolname, rolconfig FROM pg_roles WHERE rolname = 'regress_enf_builder';

--
-- The messages are the same, field by field, for the role and a
-- superuser.
--
SET ROLE regress_enf_builder;
INSERT INTO enf_roles.regress_messages
  SELECT 'role', s.stmt, t.* FROM enf_roles.regress_statements s,
         LATERAL enf_roles.regress_try(s.sql) t;
RESET ROLE;
INSERT INTO enf_roles.regress_messages
  SELECT 'superuser', s.stmt, t.* FROM enf_roles.regress_statements s,
         LATERAL enf_roles.regress_try(s.sql) t;
SELECT m.stmt, s.sql, m.sqlstate, m.message FROM enf_roles.regress_messages m
  JOIN enf_roles.regress_statements s USING (stmt)
 WHERE who = 'role' ORDER BY stmt;
SELECT r.stmt, (r.sqlstate, r.message, r.detail, r.hint)
               IS NOT DISTINCT FROM
               (s.sqlstate, s.message, s.detail, s.hint) AS same_message
  FROM enf_roles.regress_messages r
  JOIN enf_roles.regress_messages s ON s.stmt = r.stmt AND s.who = 'superuser'
 WHERE r.who = 'role'
 ORDER BY r.stmt;

-- Clean up.
SET client_min_messages = warning;
DROP SCHEMA enf_roles CASCADE;
RESET client_min_messages;
GRANT USAGE ON SCHEMA dbt_contract TO PUBLIC;
DROP OWNED BY regress_enf_builder;
DROP ROLE regress_enf_builder;
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'enf_roles', 'enf_roles', allow_breaking => true);
SELECT count(*) FROM dbt_contract.models WHERE model LIKE 'roles\_%';
