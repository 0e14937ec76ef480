--
-- load_tests: data tests in all their spellings, and constraints of every
-- type at column and model level.
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';
\set VERBOSITY default
\set SHOW_CONTEXT errors

--
-- Data tests.
--
SELECT * FROM dbt_contract_apply('test/fixtures/tests/data_tests.yml');

-- Column tests are about their column; model-level tests about the
-- columns named by column_name, column_names, combination_of_columns or
-- fk_column_name(s), at the top level or under arguments:.
SELECT m.model, ct.ordinal, ct.test_name, ct.columns, ct.arguments
  FROM dbt_contract.contract_test ct
  JOIN dbt_contract.contract_model m USING (model_id)
 WHERE m.model IN ('t_customers', 't_countries')
 ORDER BY m.model COLLATE "C" DESC, ct.ordinal;

-- The view shows the same.
SELECT count(*) FROM dbt_contract.tests WHERE model IN ('t_customers', 't_countries');

-- Argument values become JSON as PyYAML would read them: YAML 1.1 ints
-- (hex, octal, underscores, base 60), floats, booleans, nulls; quoted
-- text stays text; JSON has no infinity, so .inf keeps its spelling.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: t_values
    data_tests:
      - my_test:
          plain_int: 42
          negative: -7
          hex: 0x1F
          octal: 017
          underscored: 1_000_000
          sexagesimal: 1:30
          float: 1.5
          exponent: 6.02e+23
          infinity: .inf
          not_a_number: .nan
          yes_bool: yes
          off_bool: off
          null_tilde: ~
          null_word: null
          empty:
          quoted_int: "42"
          quoted_bool: 'yes'
          date_like: 2024-01-31
          text: hello world
          nested: {list: [1, two, 3.0], map: {a: b}}
          big: 123456789012345678901234567890
$$, 'values');
SELECT jsonb_pretty(arguments) FROM dbt_contract.tests WHERE model = 't_values';

-- tests: and data_tests: in one place is an error (at column, model and
-- version level), as in dbt.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: t_both
    columns:
      - name: id
        tests: [unique]
        data_tests: [not_null]
$$, 'tests_bad');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: t_both
    tests: [dbt_utils.recency]
    data_tests: [dbt_utils.at_least_one]
$$, 'tests_bad');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: t_both
    versions:
      - v: 1
        tests: [a]
        data_tests: [b]
$$, 'tests_bad');
\echo SQLSTATE :SQLSTATE
-- A test written as a mapping has exactly one key, its name.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: t_two_keys
    columns:
      - name: id
        data_tests:
          - unique:
            not_null:
$$, 'tests_bad');
\echo SQLSTATE :SQLSTATE
-- Arguments are a mapping.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: t_args
    columns:
      - name: id
        data_tests:
          - accepted_values: [a, b]
$$, 'tests_bad');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: t_args
    columns:
      - name: id
        data_tests:
          - accepted_values:
              arguments: [a, b]
$$, 'tests_bad');
\echo SQLSTATE :SQLSTATE

--
-- Constraints: the six types, at column and model level.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: k_parent
    columns: [{name: id, data_type: int}]
  - name: k_orders
    config:
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints:
          - type: not_null
          - type: unique
          - type: primary_key
            name: ignored_at_column_level_by_dbt
          - type: check
            expression: "id > 0"
            warn_unenforced: false
            warn_unsupported: false
          - type: custom
            expression: "generated always as identity"
      - name: parent_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('k_parent')
            to_columns: [id]
      - name: parent_v2_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('k_parent', v=2)
            to_columns: id
      - name: parent_v3_id
        data_type: int
        constraints:
          - type: foreign_key
            to: "{{ ref('k_parent', version=3) }}"
            to_columns: [id]
      - name: pkg_parent_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('other_package', 'k_parent')
            to_columns: [id]
      - name: country_code
        data_type: char(2)
        constraints:
          - type: foreign_key
            to: source('geo', 'countries')
            to_columns: [code]
      - name: region_id
        data_type: int
        constraints:
          - type: foreign_key
            expression: "geo.regions (id) on delete cascade"
      - name: amount
        data_type: numeric(10,2)
      - name: discount
        data_type: numeric(10,2)
    constraints:
      - type: not_null
        columns: [amount]
      - type: unique
        name: uq_orders_parent_amount
        columns: [parent_id, amount]
      - type: check
        name: ck_discount
        columns: [amount, discount]
        expression: "discount <= amount"
        warn_unenforced: true
      - type: check
        expression: "amount >= 0 AND (discount IS NULL OR discount >= 0)"
      - type: custom
        name: ex_orders
        expression: "exclude using btree (id with =)"
      - type: foreign_key
        name: fk_orders_parent
        columns: [parent_id]
        to: ref('k_parent')
        to_columns: [id]
      - type: foreign_key
        columns: [region_id, country_code]
        expression: "geo.regions_by_country (id, code)"
  - name: k_pk_model
    columns: [{name: a}, {name: b}]
    constraints:
      - type: primary_key
        name: pk_k_pk_model
        columns: [a, b]
$$, 'constraints');

SELECT model, constraint_type, level, columns, expression, name, to_model,
       to_columns, to_version, warn_unenforced, warn_unsupported
  FROM dbt_contract.constraints WHERE model LIKE 'k\_%'
 ORDER BY model COLLATE "C", level DESC, constraint_type COLLATE "C", columns::text COLLATE "C";

-- The table also keeps `to:` and the package of ref('pkg', 'm'), `to:` in
-- the one form every path stores (contract_fk_target.c): a ref() as what it
-- resolves to, a source() as the relation of the source table (by dbt's
-- default the source's and the table's names); there is no model, and the
-- view shows that relation instead.
SELECT k.ordinal, k.constraint_type, k.level, k.to_text, k.to_package, k.to_model,
       k.to_version, k.defined_at
  FROM dbt_contract.contract_constraint k JOIN dbt_contract.contract_model m USING (model_id)
 WHERE m.model = 'k_orders' AND k.constraint_type = 'foreign_key'
 ORDER BY k.ordinal;

-- Constraint and column names may be written in any case: unquoted ones
-- fold, as in SQL.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: k_case
    columns:
      - {name: Id}
      - {name: CamelQuoted, quote: true}
    constraints:
      - {type: primary_key, columns: [ID]}
      - {type: unique, columns: [CamelQuoted]}
$$, 'constraints_case');
SELECT constraint_type, columns FROM dbt_contract.constraints WHERE model = 'k_case'
 ORDER BY constraint_type COLLATE "C";
-- A quoted column keeps its case, so only its exact spelling names it.
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: k_case
    columns:
      - {name: CamelQuoted, quote: true}
    constraints:
      - {type: unique, columns: [camelquoted]}
$$, 'constraints_case');
\echo SQLSTATE :SQLSTATE
