--
-- apply_semantics: what a re-apply does.  An apply replaces everything its
-- source declared before, and reports each model as added, changed,
-- unchanged or removed; other sources are untouched; an error anywhere
-- leaves every contract exactly as it was.
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';
\set VERBOSITY default
\set SHOW_CONTEXT errors

-- First apply: everything is added.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    columns: [{name: id, data_type: int}]
  - name: sem_b
    columns: [{name: id, data_type: int}]
  - name: sem_c
    columns: [{name: id, data_type: int}]
  - name: sem_v
    versions: [{v: 1}, {v: 2}]
    columns: [{name: id, data_type: int}]
$$, 'sem');
SELECT source, checksum = md5($$
version: 2
models:
  - name: sem_a
    columns: [{name: id, data_type: int}]
  - name: sem_b
    columns: [{name: id, data_type: int}]
  - name: sem_c
    columns: [{name: id, data_type: int}]
  - name: sem_v
    versions: [{v: 1}, {v: 2}]
    columns: [{name: id, data_type: int}]
$$) AS checksum_is_md5_of_text
  FROM dbt_contract.contract_source WHERE source = 'sem';

-- The same YAML again: everything is unchanged.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    columns: [{name: id, data_type: int}]
  - name: sem_b
    columns: [{name: id, data_type: int}]
  - name: sem_c
    columns: [{name: id, data_type: int}]
  - name: sem_v
    versions: [{v: 1}, {v: 2}]
    columns: [{name: id, data_type: int}]
$$, 'sem');

-- Formatting, comments, key order and anchors do not change a contract.
SELECT * FROM dbt_contract_apply_yaml($$
# reformatted, same meaning
version: 2
x-id: &id {data_type: int, name: id}
models:
  - {name: sem_v, columns: [*id], versions: [{v: 1}, {v: 2}]}
  - columns: [*id]
    name: sem_c
  - name: sem_b
    columns:
      - data_type: int
        name: id
  - name: sem_a
    columns: [*id]
$$, 'sem');

-- Change one model, drop one, drop a version, add one: each reported.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    columns: [{name: id, data_type: int}]
  - name: sem_b
    columns: [{name: id, data_type: bigint}]
  - name: sem_d
    columns: [{name: id, data_type: int}, {name: extra, data_type: text}]
  - name: sem_v
    versions: [{v: 2}]
    columns: [{name: id, data_type: int}]
$$, 'sem');

-- Any difference in what is stored counts as changed: a description, a
-- constraint, a test, a column's quoting, the relation's schema.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    description: now described
    columns: [{name: id, data_type: int}]
  - name: sem_b
    columns: [{name: id, data_type: bigint, constraints: [{type: not_null}]}]
  - name: sem_d
    columns: [{name: id, data_type: int, data_tests: [unique]}, {name: extra, data_type: text}]
  - name: sem_v
    versions: [{v: 2}]
    columns: [{name: id, data_type: int, quote: true}]
$$, 'sem');
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    description: now described
    columns: [{name: id, data_type: int}]
  - name: sem_b
    columns: [{name: id, data_type: bigint, constraints: [{type: not_null}]}]
  - name: sem_d
    columns: [{name: id, data_type: int, data_tests: [unique]}, {name: extra, data_type: text}]
  - name: sem_v
    versions: [{v: 2}]
    columns: [{name: id, data_type: int, quote: true}]
$$, 'sem', 'elsewhere');

-- A type spelled differently but resolving the same (int vs integer) is
-- no change: the contract is the resolved type.
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    description: now described
    columns: [{name: id, data_type: integer}]
  - name: sem_b
    columns: [{name: id, data_type: bigint, constraints: [{type: not_null}]}]
  - name: sem_d
    columns: [{name: id, data_type: int, data_tests: [unique]}, {name: extra, data_type: text}]
  - name: sem_v
    versions: [{v: 2}]
    columns: [{name: id, data_type: int, quote: true}]
$$, 'sem', 'elsewhere') ORDER BY model COLLATE "C";

-- Each target keeps its own contracts: those of public are still there.
SELECT model, version, relation_schema, relation_name, description, target
  FROM dbt_contract.models WHERE source = 'sem' ORDER BY model COLLATE "C", version, target COLLATE "C";
-- Removing the source for one target leaves the other's.
SELECT model, action FROM dbt_contract_apply_yaml('version: 2', 'sem', 'elsewhere')
 ORDER BY model COLLATE "C";
SELECT count(*) AS public_left FROM dbt_contract.models WHERE source = 'sem';

--
-- A source only replaces its own models.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: other_x
    columns: [{name: id}]
$$, 'sem_other');
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    columns: [{name: id, data_type: int}]
$$, 'sem');
SELECT source, model FROM dbt_contract.models
 WHERE source IN ('sem', 'sem_other') ORDER BY source COLLATE "C", model COLLATE "C";

-- A model (and version) belongs to one source: declaring it in another is
-- an error that names the owner.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: brand_new
    columns: [{name: id}]
  - name: other_x
    columns: [{name: id}]
$$, 'sem_third');
\echo SQLSTATE :SQLSTATE
-- The owner may be a file or directory source, named by its absolute
-- path (regress_masked shows it from test/fixtures on).
SELECT * FROM regress_masked($q$
  SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: orders
    columns: [{name: id}]
$$, 'sem_third')$q$)
  AS t(model text, version text, relation text, action text, columns int, constraints int);
\echo SQLSTATE :SQLSTATE
-- Another version of a versioned model is a different key, so it may
-- live elsewhere; the same version may not.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: customer_orders
    versions: [{v: 3}]
    columns: [{name: id}]
$$, 'sem_third');
SELECT * FROM regress_masked($q$
  SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: customer_orders
    versions: [{v: 2}]
    columns: [{name: id}]
$$, 'sem_fourth')$q$)
  AS t(model text, version text, relation text, action text, columns int, constraints int);
\echo SQLSTATE :SQLSTATE
-- Moving a model between sources: empty it from one, then apply the other.
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'sem_other');
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: other_x
    columns: [{name: id}]
$$, 'sem_third');

-- Duplicates within one apply are errors too, whichever way they are
-- spelled (one file, or two documents of a directory).
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: twice
    columns: [{name: id}]
  - name: once
    columns: [{name: id}]
  - name: twice
    columns: [{name: id}]
$$, 'sem_dup');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: twice
    versions: [{v: 1}]
  - name: twice
    versions: [{v: 2}, {v: 1}]
$$, 'sem_dup');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply('test/fixtures/apply/duplicate_across_files');
\echo SQLSTATE :SQLSTATE

--
-- Emptying a source: an apply without models removes all it declared,
-- and the source itself.
--
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'sem_third');
SELECT count(*) FROM dbt_contract.models WHERE source = 'sem_third';
SELECT count(*) FROM dbt_contract.contract_source WHERE source = 'sem_third';
-- Emptying a source that does not exist is a no-op.
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'never_applied');

--
-- Any error leaves the previous contracts exactly as they were: snapshot
-- everything (timestamps included), fail in several ways, compare.
--
CREATE TEMP TABLE snap AS SELECT * FROM regress_catalog();
SELECT count(*) > 0 AS have_rows FROM snap;
-- a type error in the last model of a source that would otherwise change
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    description: would change
    columns: [{name: id, data_type: int}]
  - name: sem_new
    columns: [{name: id, data_type: int}]
  - name: sem_broken
    config: {contract: {enforced: true}}
    columns: [{name: id, data_type: no_such_type}]
$$, 'sem');
\echo SQLSTATE :SQLSTATE
-- a YAML error
SELECT * FROM dbt_contract_apply_yaml(E'version: 2\nmodels: [', 'sem');
\echo SQLSTATE :SQLSTATE
-- a clash with another source, found only against the catalog
SELECT * FROM regress_masked($q$
  SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    columns: [{name: id, data_type: int}]
  - name: dim_customers
    columns: [{name: id}]
$$, 'sem')$q$)
  AS t(model text, version text, relation text, action text, columns int, constraints int);
\echo SQLSTATE :SQLSTATE
-- a directory whose second file is broken: the first is not applied
SELECT * FROM dbt_contract_apply('test/fixtures/apply/second_file_broken');
\echo SQLSTATE :SQLSTATE
-- an error after a successful apply in the same transaction rolls both back
BEGIN;
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_in_tx
    columns: [{name: id}]
$$, 'sem_tx');
SELECT * FROM dbt_contract_apply_yaml('models: 5', 'sem');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
-- a successful apply rolled back
BEGIN;
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'sem');
SELECT count(*) FROM dbt_contract.models WHERE source = 'sem';
ROLLBACK;
-- a savepoint: an apply and a failed one after it are undone, the
-- transaction goes on
BEGIN;
SAVEPOINT s1;
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'sem');
SELECT * FROM dbt_contract_apply_yaml('version: 3', 'sem');
ROLLBACK TO SAVEPOINT s1;
SELECT count(*) FROM dbt_contract.models WHERE source = 'sem';
COMMIT;

SELECT * FROM regress_catalog_diff('snap');

-- Re-applying what is stored reports unchanged and writes nothing: the
-- models keep their rows, ids and applied_at; only the sources' record of
-- their last apply moves on.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_a
    columns: [{name: id, data_type: int}]
$$, 'sem');
SELECT * FROM dbt_contract_apply('test/fixtures/jaffle/models');
SELECT model, version, action FROM dbt_contract_apply('test/fixtures/basic/orders.yml', 'analytics');
SELECT side, relname, count(*)
  FROM regress_catalog_diff('snap')
 GROUP BY side, relname ORDER BY side COLLATE "C", relname COLLATE "C";
SELECT relname, row_data - 'applied_at' - 'model_id' FROM snap
 WHERE relname IN ('models', 'columns', 'constraints', 'tests')
EXCEPT
SELECT relname, row_data - 'applied_at' - 'model_id' FROM regress_catalog()
 WHERE relname IN ('models', 'columns', 'constraints', 'tests');
SELECT relname, row_data - 'applied_at' - 'model_id' FROM regress_catalog()
 WHERE relname IN ('models', 'columns', 'constraints', 'tests')
EXCEPT
SELECT relname, row_data - 'applied_at' - 'model_id' FROM snap
 WHERE relname IN ('models', 'columns', 'constraints', 'tests');
