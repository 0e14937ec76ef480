\pset footer off
\set VERBOSITY default
\echo
\echo '### 1. Install the extension (superuser; it owns event triggers).'
CREATE EXTENSION dbt_contract;

\echo
\echo '### 2. Load the contracts of a dbt project: every YAML file below models/.'
SET dbt_contract.project_dir = :'fixtures';
SELECT * FROM dbt_contract_apply('jaffle/models', 'analytics');

\echo
\echo '### 3. The catalog views: models, columns (types resolved by PostgreSQL),'
\echo '###    constraints and data tests.'
SELECT model, version, relation_schema || '.' || relation_name AS relation,
       materialized, enforced
  FROM dbt_contract.models ORDER BY model, version;
SELECT model, column_name, data_type, formatted_type
  FROM dbt_contract.columns
 WHERE model IN ('dim_customers', 'fct_orders') ORDER BY model, ordinal;
SELECT model, constraint_type, columns, coalesce(to_model, expression) AS target_or_expression
  FROM dbt_contract.constraints ORDER BY model, version, constraint_type;
SELECT model, test_name, columns, arguments FROM dbt_contract.tests ORDER BY model, test_name;

\echo
\echo '### 4. Re-applying is keyed and atomic: unchanged models say so.'
SELECT model, version, action FROM dbt_contract_apply('jaffle/models', 'analytics');

\echo
\echo '### 5. A contract that passes: an inline edit adds a column.'
SELECT * FROM dbt_contract_apply_yaml($yaml$
version: 2
models:
  - name: dim_products
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: product_id, data_type: int, constraints: [{type: primary_key}]}
      - {name: price, data_type: 'numeric(10,2)', constraints: [{type: check, expression: "price >= 0"}]}
$yaml$, 'hotfix', 'analytics');

\echo
\echo '### 6. Contracts that fail: each error names file:line:col, model and column,'
\echo '###    and nothing already loaded changes.'
SELECT * FROM dbt_contract_apply_yaml($yaml$
version: 2
models:
  - name: dim_products
    config: {contract: {enforced: true}}
    columns:
      - {name: product_id, data_type: integr}
$yaml$, 'hotfix', 'analytics');
SELECT * FROM dbt_contract_apply_yaml($yaml$
version: 2
models:
  - name: dim_products
    config: {contract: {enforced: true}}
    columns:
      - name: price
        data_type: numeric
        constraints:
          - type: check
            expression: "price >= 0); DROP TABLE analytics.dim_products; --"
$yaml$, 'hotfix', 'analytics');
SELECT * FROM dbt_contract_apply_yaml($yaml$
version: 2
models:
  - name: dim_products
    columns:
      - name: id
        constraints: [{type: primary_key}]
      - name: sku
        constraints: [{type: primary_key}]
$yaml$, 'hotfix', 'analytics');
SELECT * FROM dbt_contract_apply_yaml($yaml$
version: 2
models:
	- name: tabs_are_not_yaml
$yaml$, 'hotfix', 'analytics');
SELECT model, column_name, formatted_type FROM dbt_contract.columns
 WHERE model = 'dim_products' ORDER BY ordinal;
