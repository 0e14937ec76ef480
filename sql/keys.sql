--
-- keys: dbt_contract.keys lists every primary and unique key of a model,
-- with where it comes from, and marks one of them is_primary by dbt's
-- infer_primary_key ladder:
--   1. a primary_key constraint (model or column level) or a
--      dbt_constraints.primary_key test;
--   2. unique columns (unique / unique_combination_of_columns test) that
--      are all not_null (a test or a constraint);
--   3. a unique or unique_combination_of_columns test;
--   4. a unique constraint or a dbt_constraints.unique_key test;
--   5. a live primary key, then a live unique constraint, of the relation
--      that the YAML does not declare (derived_from 'catalog').
-- Ties go to model-level constraints (where dbt looks first), then
-- column-level ones, then tests, each in declaration order; live keys
-- by their column names.  dbt_primary_key is dbt's own value, by its rule
-- exactly (dbt_contract.dbt_primary_keys).
--
CREATE SCHEMA keys_t;

-- Each model below is built so that one rung wins over the ones after it.
SELECT model, version, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  # 1. model-level primary key, over not_null+unique tests and a unique test
  - name: key_model_pk
    constraints:
      - {type: primary_key, columns: [tenant, id]}
    columns:
      - {name: tenant, data_type: int}
      - {name: id, data_type: int}
      - name: email
        data_type: text
        data_tests: [unique, not_null]
      - name: code
        data_type: text
        data_tests: [unique]

  # 1. column-level primary key; the unique test on the same column merges
  - name: key_column_pk
    columns:
      - name: code
        data_type: text
        data_tests: [unique, not_null]
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
        data_tests: [unique]

  # 1. dbt_constraints.primary_key ranks with a primary_key constraint ...
  - name: key_dbtc_pk
    columns:
      - {name: a, data_type: int, data_tests: [not_null, unique]}
      - {name: b, data_type: int}
    data_tests:
      - dbt_constraints.primary_key:
          column_names: [b, a]

  # ... and a declared constraint wins the tie
  - name: key_pk_and_dbtc_pk
    data_tests:
      - dbt_constraints.primary_key:
          column_name: code
    columns:
      - {name: code, data_type: text}
      - {name: id, data_type: int, constraints: [{type: primary_key}]}

  # 2. not_null + unique tests, over a unique test declared before it
  - name: key_nn_unique_tests
    columns:
      - {name: nickname, data_type: text, data_tests: [unique]}
      - {name: email, data_type: text, data_tests: [unique, not_null]}

  # 2. a not_null constraint counts as the not_null
  - name: key_nn_constraint
    columns:
      - {name: nickname, data_type: text, data_tests: [unique]}
      - name: email
        data_type: text
        constraints: [{type: not_null}]
        data_tests: [unique]

  # 2. a unique combination whose columns are all not null is a composite
  #    candidate key (a model-level not_null counts too)
  - name: key_nn_combination
    constraints:
      - {type: not_null, columns: [day]}
    columns:
      - {name: code, data_type: text, data_tests: [unique]}
      - {name: store, data_type: int, data_tests: [not_null]}
      - {name: day, data_type: date}
    data_tests:
      - dbt_utils.unique_combination_of_columns:
          combination_of_columns: [store, day]

  # 3. unique tests: the first declared wins
  - name: key_unique_tests
    columns:
      - {name: x, data_type: int, data_tests: [unique]}
      - {name: y, data_type: int, data_tests: [unique]}

  # 3. unique_combination_of_columns (with or without the package prefix)
  #    over a unique constraint
  - name: key_combination
    columns:
      - {name: a, data_type: int}
      - {name: b, data_type: int}
      - {name: c, data_type: int, constraints: [{type: unique}]}
    data_tests:
      - unique_combination_of_columns:
          arguments:
            combination_of_columns: [a, b]

  # 4. unique constraints: the model-level one first
  - name: key_unique_constraints
    columns:
      - {name: a, data_type: int}
      - {name: b, data_type: int}
      - {name: c, data_type: int, constraints: [{type: unique}]}
    constraints:
      - {type: unique, columns: [a, b]}

  # 4. dbt_constraints.unique_key
  - name: key_dbtc_unique
    columns:
      - {name: a, data_type: int}
      - {name: b, data_type: int}
    data_tests:
      - dbt_constraints.unique_key:
          column_names: [a, b]

  # quoted and unquoted spellings become the names PostgreSQL uses
  - name: key_quoting
    columns:
      - {name: OrderId, data_type: int, quote: true, data_tests: [unique, not_null]}
      - {name: LineNo, data_type: int}
    data_tests:
      - dbt_utils.unique_combination_of_columns:
          combination_of_columns: [OrderId, LineNo]

  # no key at all: no rows
  - name: key_none
    columns:
      - {name: a, data_type: int, data_tests: [not_null]}
$$, 'keys_ladder', 'keys_t')
ORDER BY model COLLATE "C";

SELECT model, key_columns, key_type, derived_from, is_primary
  FROM dbt_contract.keys
 WHERE relation LIKE 'keys_t.%'
 ORDER BY model COLLATE "C", is_primary DESC, key_columns::text COLLATE "C";

-- dbt's own primary_key (dbt_primary_key, what infer_primary_key writes
-- into the manifest) beside the key is_primary marks.  They differ where
-- dbt takes the union of its winning rung's columns (several unique
-- tests), counts each column of a unique combination on its own, ignores
-- not_null and unique constraints and dbt_constraints tests, and finds no
-- key at all where the extension still names a declared one.
SELECT model, key_columns AS primary_key, dbt_primary_key
  FROM dbt_contract.keys
 WHERE relation LIKE 'keys_t.%' AND is_primary
 ORDER BY model COLLATE "C";

--
-- 5. keys of the live relation that the YAML does not declare.
--
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  # nothing declared: the live primary key is the primary key
  - name: key_catalog
    columns:
      - {name: id, data_type: int}
      - {name: code, data_type: text}
      - {name: a, data_type: int}
      - {name: b, data_type: int}
  # only a live unique constraint
  - name: key_catalog_unique
    columns:
      - {name: code, data_type: text}
  # a declared unique test outranks an undeclared live primary key; the
  # live unique key on the declared column is shown once, as declared
  - name: key_catalog_declared
    columns:
      - {name: id, data_type: int}
      - {name: email, data_type: text, data_tests: [unique]}
$$, 'keys_catalog', 'keys_t')
ORDER BY model COLLATE "C";
CREATE TABLE keys_t.key_catalog (id int PRIMARY KEY, code text UNIQUE, a int, b int,
                                 UNIQUE (b, a));
CREATE TABLE keys_t.key_catalog_unique (code text UNIQUE);
CREATE TABLE keys_t.key_catalog_declared (id int PRIMARY KEY, email text UNIQUE);

SELECT model, key_columns, key_type, derived_from, is_primary
  FROM dbt_contract.keys
 WHERE model LIKE 'key_catalog%'
 ORDER BY model COLLATE "C", is_primary DESC, key_columns::text COLLATE "C";

-- A key the relation loses disappears from the catalog rung at once.
ALTER TABLE keys_t.key_catalog DROP CONSTRAINT key_catalog_pkey;
SELECT model, key_columns, key_type, derived_from, is_primary
  FROM dbt_contract.keys
 WHERE model = 'key_catalog'
 ORDER BY is_primary DESC, key_columns::text COLLATE "C";

--
-- Versions: each version has its own keys; views have only the YAML's.
--
SELECT model, version, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: key_versioned
    latest_version: 2
    columns:
      - name: id
        data_type: int
        constraints: [{type: not_null}]
        data_tests: [unique]
      - {name: email, data_type: text}
    versions:
      - v: 1
      - v: 2
        constraints:
          - {type: primary_key, columns: [email]}
  - name: key_view
    config: {materialized: view}
    columns:
      - {name: id, data_type: int, data_tests: [unique, not_null]}
$$, 'keys_versions', 'keys_t')
ORDER BY model COLLATE "C", version;
CREATE VIEW keys_t.key_view AS SELECT 1 AS id;

SELECT model, version, relation, key_columns, key_type, derived_from, is_primary
  FROM dbt_contract.keys
 WHERE model IN ('key_versioned', 'key_view')
 ORDER BY model COLLATE "C", version, is_primary DESC;

-- Exactly one is_primary per model that has a key.
SELECT k.model, k.version, count(*) FILTER (WHERE k.is_primary) AS primaries
  FROM dbt_contract.keys k
 WHERE k.relation LIKE 'keys_t.%'
 GROUP BY k.model, k.version
HAVING count(*) FILTER (WHERE k.is_primary) <> 1;
SELECT count(DISTINCT (model, version)) AS models_with_keys
  FROM dbt_contract.keys WHERE relation LIKE 'keys_t.%';

-- Everybody may read the view.
CREATE ROLE regress_keys_reader;
SET ROLE regress_keys_reader;
SELECT count(*) > 0 AS readable FROM dbt_contract.keys;
RESET ROLE;
DROP ROLE regress_keys_reader;

-- Clean up: no contracts or relations of this suite remain.
SELECT count(*) AS removed FROM (
    SELECT * FROM dbt_contract_apply_yaml('version: 2', 'keys_ladder', 'keys_t')
    UNION ALL SELECT * FROM dbt_contract_apply_yaml('version: 2', 'keys_catalog', 'keys_t')
    UNION ALL SELECT * FROM dbt_contract_apply_yaml('version: 2', 'keys_versions', 'keys_t')) r;
SET client_min_messages = warning;
DROP SCHEMA keys_t CASCADE;
RESET client_min_messages;
SELECT count(*) AS left_over FROM dbt_contract.keys WHERE relation LIKE 'keys_t.%';
