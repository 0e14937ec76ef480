--
-- breaking_changes: every re-apply compares the new contract with the
-- stored one using dbt's rules.  Versioned models: a breaking change is an
-- ERROR and nothing is applied; unversioned: a WARNING and the apply goes
-- ahead.  dbt_contract_diff shows the same without changing anything, and
-- dbt_contract.history keeps one row per apply.
--
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA brk;
-- dbt built the models' relations: removing one of them breaks consumers
-- (a contract whose relation was never built is removed freely; see the
-- baseline test).
CREATE TABLE brk.brk_orders ();
CREATE TABLE brk.brk_customers_v1 ();
CREATE TABLE brk.brk_customers_v2 ();
CREATE TABLE brk.brk_retired ();
CREATE TABLE brk.brk_retiring ();

-- The baseline: one unversioned and one versioned enforced model, one
-- model without an enforced contract, one deprecated model.
CREATE FUNCTION brk.baseline() RETURNS text LANGUAGE sql AS $f$ SELECT $y$
version: 2
models:
  - name: brk_orders
    config:
      materialized: table
      contract: {enforced: true}
    constraints:
      - type: check
        columns: [amount]
        expression: "amount >= 0"
    columns:
      - name: id
        data_type: int
        constraints: [{type: not_null}, {type: primary_key}]
      - name: amount
        data_type: numeric(10, 2)
      - name: placed_at
        data_type: timestamptz
      - name: note
        data_type: varchar(20)
  - name: brk_customers
    latest_version: 2
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
      - name: name
        data_type: string
    versions:
      - v: 1
      - v: 2
  - name: brk_loose
    columns:
      - {name: a, data_type: int}
  - name: brk_retired
    deprecation_date: 2020-01-31
    config:
      contract: {enforced: true}
    columns:
      - {name: id, data_type: int}
  - name: brk_retiring
    deprecation_date: 2999-12-31
    config:
      contract: {enforced: true}
    columns:
      - {name: id, data_type: int}
$y$ $f$;

SELECT model, version, action FROM dbt_contract_apply_yaml(brk.baseline(), 'brk', 'brk');

-- Re-applying the same YAML is no change at all.
SELECT * FROM dbt_contract_diff_yaml(brk.baseline(), 'brk', 'brk');

------------------------------------------------------------------------
-- Spellings that resolve to the same type are not changes: int/integer,
-- numeric(10, 2)/numeric(10,2), timestamptz/timestamp with time zone,
-- varchar(20)/character varying(20), string/text.  Applying them reports
-- every model unchanged and writes nothing, so the columns view keeps the
-- spelling of the apply that last changed the contract.
------------------------------------------------------------------------
SELECT * FROM dbt_contract_diff_yaml(
    replace(replace(replace(replace(replace(brk.baseline(),
        'data_type: int', 'data_type: integer'),
        'numeric(10, 2)', 'numeric(10,2)'),
        'data_type: timestamptz', 'data_type: timestamp with time zone'),
        'varchar(20)', 'character varying(20)'),
        'data_type: string', 'data_type: text'),
    'brk', 'brk');
SELECT model, version, action FROM dbt_contract_apply_yaml(
    replace(replace(brk.baseline(), 'data_type: int', 'data_type: integer'),
            'data_type: string', 'data_type: text'),
    'brk', 'brk');
SELECT DISTINCT data_type, formatted_type FROM dbt_contract.columns
 WHERE model IN ('brk_orders', 'brk_customers') AND column_name IN ('id', 'name') ORDER BY 1;
SELECT model, version, action FROM dbt_contract_apply_yaml(brk.baseline(), 'brk', 'brk');

------------------------------------------------------------------------
-- Each breaking change class, as the dry run reports it.
------------------------------------------------------------------------
-- type changed (int -> bigint), on both kinds of model
SELECT * FROM dbt_contract_diff_yaml(
    replace(brk.baseline(), E'name: id\n        data_type: int', E'name: id\n        data_type: bigint'),
    'brk', 'brk');
-- typmod changed: numeric(10,2) -> numeric(12,2)
SELECT * FROM dbt_contract_diff_yaml(replace(brk.baseline(), 'numeric(10, 2)', 'numeric(12, 2)'), 'brk', 'brk');
-- column removed
SELECT * FROM dbt_contract_diff_yaml(
    replace(brk.baseline(), E'      - name: note\n        data_type: varchar(20)\n', ''), 'brk', 'brk');
-- column renamed: a removal and an addition
SELECT * FROM dbt_contract_diff_yaml(replace(brk.baseline(), 'name: note', 'name: remark'), 'brk', 'brk');
-- enforcement removed
SELECT * FROM dbt_contract_diff_yaml(
    replace(brk.baseline(), E'      materialized: table\n      contract: {enforced: true}\n    constraints:',
                            E'      materialized: table\n    constraints:'),
    'brk', 'brk');
-- column-level constraint removed, model-level constraint changed
SELECT * FROM dbt_contract_diff_yaml(
    replace(replace(brk.baseline(), '[{type: not_null}, {type: primary_key}]', '[{type: primary_key}]'),
            'amount >= 0', 'amount > 0'),
    'brk', 'brk');
-- materialization changed away from table while constraints exist
SELECT * FROM dbt_contract_diff_yaml(
    replace(brk.baseline(), E'name: brk_orders\n    config:\n      materialized: table',
                            E'name: brk_orders\n    config:\n      materialized: view'),
    'brk', 'brk');
-- models removed: breaking unless their deprecation_date has passed
SELECT * FROM dbt_contract_diff_yaml($y$
version: 2
models:
  - name: brk_loose
    columns:
      - {name: a, data_type: int}
$y$, 'brk', 'brk');

------------------------------------------------------------------------
-- Additions are not breaking; neither is anything on a model whose
-- contract was not enforced.
------------------------------------------------------------------------
SELECT * FROM dbt_contract_diff_yaml(
    replace(replace(replace(brk.baseline(),
        E'      - name: note\n', E'      - name: extra\n        data_type: text\n        constraints: [{type: unique}]\n      - name: note\n'),
        E'  - name: brk_loose\n    columns:', E'  - name: brk_loose\n    config: {contract: {enforced: true}}\n    columns:'),
        E'      - {name: a, data_type: int}', E'      - {name: a, data_type: bigint}'),
    'brk', 'brk');

------------------------------------------------------------------------
-- The dry run changed nothing: catalog and history as before.
------------------------------------------------------------------------
CREATE TEMP TABLE brk_snap AS SELECT * FROM regress_catalog();
SELECT count(*) AS history_rows FROM dbt_contract.history WHERE source = 'brk';
SELECT count(*) FROM dbt_contract_diff_yaml('version: 2', 'brk', 'brk');
SELECT * FROM regress_catalog_diff('brk_snap');
SELECT count(*) AS history_rows FROM dbt_contract.history WHERE source = 'brk';

------------------------------------------------------------------------
-- Applying: an unversioned model's breaking change is a WARNING and goes
-- through; a versioned model's is an ERROR and nothing is applied.
------------------------------------------------------------------------
SELECT model, version, action
  FROM dbt_contract_apply_yaml(replace(brk.baseline(), 'numeric(10, 2)', 'numeric(12, 2)'), 'brk', 'brk');
SELECT formatted_type FROM dbt_contract.columns WHERE model = 'brk_orders' AND column_name = 'amount';

SELECT model, version, action
  FROM dbt_contract_apply_yaml(replace(brk.baseline(), 'data_type: string', 'data_type: varchar(50)'), 'brk', 'brk');
\echo SQLSTATE :SQLSTATE
-- nothing of that apply was kept, not even the unversioned change back
SELECT model, version, column_name, formatted_type FROM dbt_contract.columns
 WHERE model IN ('brk_customers', 'brk_orders') AND column_name IN ('name', 'amount')
 ORDER BY 1, 2;

-- Removing a version that is not deprecated is breaking too.
SELECT model, version, action
  FROM dbt_contract_apply_yaml(replace(brk.baseline(), E'      - v: 1\n', ''), 'brk', 'brk');
\echo SQLSTATE :SQLSTATE

-- Every breaking change class on the versioned model is an ERROR, and the
-- additions are not: one apply per change, SQLSTATE shown (2BP01 = error,
-- 00000 = applied).  Each changed text replaces the customers block of
-- what is stored now (orders.amount is numeric(12, 2) since the apply above).
CREATE FUNCTION brk.customers_with(block text) RETURNS text LANGUAGE sql AS $f$
SELECT regexp_replace(replace(brk.baseline(), 'numeric(10, 2)', 'numeric(12, 2)'),
    E'  - name: brk_customers\n.*?    versions:\n      - v: 1\n      - v: 2\n',
    block)
$f$;
CREATE TEMP TABLE brk_versioned_cases (label text, block text);
INSERT INTO brk_versioned_cases VALUES
('enforcement removed', E'  - name: brk_customers\n    latest_version: 2\n    config:\n      materialized: table\n    columns:\n      - name: id\n        data_type: int\n        constraints: [{type: primary_key}]\n      - name: name\n        data_type: string\n    versions:\n      - v: 1\n      - v: 2\n'),
('column removed', E'  - name: brk_customers\n    latest_version: 2\n    config:\n      materialized: table\n      contract: {enforced: true}\n    columns:\n      - name: id\n        data_type: int\n        constraints: [{type: primary_key}]\n    versions:\n      - v: 1\n      - v: 2\n'),
('column renamed', E'  - name: brk_customers\n    latest_version: 2\n    config:\n      materialized: table\n      contract: {enforced: true}\n    columns:\n      - name: id\n        data_type: int\n        constraints: [{type: primary_key}]\n      - name: full_name\n        data_type: string\n    versions:\n      - v: 1\n      - v: 2\n'),
('constraint removed', E'  - name: brk_customers\n    latest_version: 2\n    config:\n      materialized: table\n      contract: {enforced: true}\n    columns:\n      - name: id\n        data_type: int\n      - name: name\n        data_type: string\n    versions:\n      - v: 1\n      - v: 2\n'),
('constraint changed', E'  - name: brk_customers\n    latest_version: 2\n    config:\n      materialized: table\n      contract: {enforced: true}\n    columns:\n      - name: id\n        data_type: int\n        constraints: [{type: primary_key, name: pk_customers}]\n      - name: name\n        data_type: string\n    versions:\n      - v: 1\n      - v: 2\n'),
('materialization changed', E'  - name: brk_customers\n    latest_version: 2\n    config:\n      materialized: view\n      contract: {enforced: true}\n    columns:\n      - name: id\n        data_type: int\n        constraints: [{type: primary_key}]\n      - name: name\n        data_type: string\n    versions:\n      - v: 1\n      - v: 2\n'),
('additions only', E'  - name: brk_customers\n    latest_version: 2\n    config:\n      materialized: table\n      contract: {enforced: true}\n    columns:\n      - name: id\n        data_type: int\n        constraints: [{type: primary_key}, {type: not_null}]\n      - name: name\n        data_type: string\n      - name: email\n        data_type: text\n    versions:\n      - v: 1\n      - v: 2\n      - v: 3\n');
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT * FROM brk_versioned_cases LOOP
    BEGIN
      PERFORM * FROM dbt_contract_apply_yaml(brk.customers_with(c.block), 'brk', 'brk');
      RAISE NOTICE '%: applied', c.label;
      RAISE EXCEPTION USING ERRCODE = 'P0004', MESSAGE = 'undo';
    EXCEPTION
      WHEN dependent_objects_still_exist THEN
        RAISE NOTICE '%: % (%)', c.label, SQLERRM, SQLSTATE;
      WHEN assert_failure THEN NULL;
    END;
  END LOOP;
END
$$;
-- the dry run marks the same changes breaking
SELECT change, breaking FROM brk_versioned_cases c,
       LATERAL dbt_contract_diff_yaml(brk.customers_with(c.block), 'brk', 'brk') d
 WHERE d.model = 'brk_customers' AND d.version = '2'
 ORDER BY c.label, change;

------------------------------------------------------------------------
-- allow_breaking: only a superuser or the target schema's owner may
-- accept; the acceptance is recorded.
------------------------------------------------------------------------
CREATE ROLE regress_brk_deployer;
GRANT EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) TO regress_brk_deployer;
GRANT USAGE ON SCHEMA brk TO regress_brk_deployer;
SET ROLE regress_brk_deployer;
SELECT model, version, action
  FROM dbt_contract_apply_yaml(replace(brk.baseline(), 'data_type: string', 'data_type: varchar(50)'),
                               'brk', 'brk', allow_breaking => true);
\echo SQLSTATE :SQLSTATE
RESET ROLE;
-- a non-superuser applies for a target whose schema it owns
ALTER SCHEMA brk OWNER TO regress_brk_deployer;
SET ROLE regress_brk_deployer;
-- an ordinary deployer can still apply what does not break anything
SELECT model, version, action
  FROM dbt_contract_apply_yaml(
         replace(replace(brk.baseline(), 'numeric(10, 2)', 'numeric(12, 2)'),
                 E'      - name: note\n', E'      - name: extra\n        data_type: text\n      - name: note\n'),
         'brk', 'brk')
 WHERE action <> 'unchanged';
RESET ROLE;
SELECT model, version, action
  FROM dbt_contract_apply_yaml(replace(brk.baseline(), 'data_type: string', 'data_type: varchar(50)'),
                               'brk', 'brk', allow_breaking => true)
 WHERE action <> 'unchanged';

------------------------------------------------------------------------
-- History: one row per apply that went through, failed ones leave none.
------------------------------------------------------------------------
SELECT row_number() OVER (ORDER BY apply_id) AS n, applied_by, source,
       length(checksum) AS checksum_length, added, changed, removed, unchanged,
       allow_breaking, breaking_accepted
  FROM dbt_contract.history WHERE source = 'brk' ORDER BY apply_id;
-- the checksum is the md5 of the YAML applied
SELECT checksum = md5(replace(brk.baseline(), 'data_type: string', 'data_type: varchar(50)')) AS checksum_matches
  FROM dbt_contract.history WHERE source = 'brk' ORDER BY apply_id DESC LIMIT 1;
-- readable by everybody
SELECT has_table_privilege('regress_brk_deployer', 'dbt_contract.history', 'SELECT') AS readable;

-- Clean up.
SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'brk', 'brk', allow_breaking => true);
REVOKE EXECUTE ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) FROM regress_brk_deployer;
REVOKE USAGE ON SCHEMA brk FROM regress_brk_deployer;
ALTER SCHEMA brk OWNER TO CURRENT_USER;
DROP ROLE regress_brk_deployer;
DROP SCHEMA brk CASCADE;
