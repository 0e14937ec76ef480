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
\echo '### 5. dbt builds dim_customers the way dbt-postgres does: the contract passes.'
CREATE SCHEMA analytics;
BEGIN;
CREATE TABLE "analytics"."dim_customers__dbt_tmp" (
    id int NOT NULL PRIMARY KEY, customer_name text,
    email varchar(256) UNIQUE, first_order_date date);
INSERT INTO "analytics"."dim_customers__dbt_tmp"
    VALUES (1, 'Ada Lovelace', 'ada@example.com', '2024-01-05');
ALTER TABLE "analytics"."dim_customers__dbt_tmp" RENAME TO "dim_customers";
COMMIT;
\echo 'Descriptions from the YAML became comments (the model has persist_docs, so dbt writes them too):'
SELECT col_description('analytics.dim_customers'::regclass, 2) AS customer_name_comment;

\echo
\echo '### 6. A hand-run hotfix that loses the key and the types fails, with dbt''s'
\echo '###    mismatch table and the constraint problems.'
CREATE TABLE analytics.dim_customers__dbt_tmp AS
  SELECT 1 AS id, 'x'::text AS customer_name, 'e'::text AS email, now() AS first_order_date;

\echo
\echo '### 7. Drift on the live table is refused; its data stays.'
ALTER TABLE analytics.dim_customers ALTER COLUMN email TYPE text;
ALTER TABLE analytics.dim_customers DROP COLUMN first_order_date;
SELECT count(*) AS rows_still_there FROM analytics.dim_customers;

\echo
\echo '### 8. fct_orders references dim_customers. Rebuilding dim_customers the'
\echo '###    dbt way drops that foreign key through CASCADE: a WARNING says so.'
CREATE TABLE analytics.fct_orders (
    order_id bigint, customer_id integer, amount numeric(12,2), status text,
    "OrderedAt" timestamptz,
    CONSTRAINT pk_fct_orders PRIMARY KEY (order_id),
    CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES analytics.dim_customers (id),
    CHECK (amount >= 0));
BEGIN;
CREATE TABLE "analytics"."dim_customers__dbt_tmp" (
    id int NOT NULL PRIMARY KEY, customer_name text,
    email varchar(256) UNIQUE, first_order_date date);
ALTER TABLE analytics.dim_customers RENAME TO dim_customers__dbt_backup;
ALTER TABLE analytics.dim_customers__dbt_tmp RENAME TO dim_customers;
COMMIT;
DROP TABLE IF EXISTS analytics.dim_customers__dbt_backup CASCADE;

\echo
\echo '### 9. What BI tools read: keys (dbt''s infer_primary_key ladder) and'
\echo '###    relationships with cardinality and Omni join conditions.'
SELECT model, key_columns, key_type, derived_from, is_primary
  FROM dbt_contract.keys ORDER BY model, version, is_primary DESC;
SELECT from_relation, from_columns, to_relation, to_columns, relationship_type,
       derived_from, enforced
  FROM dbt_contract.relationships ORDER BY 1;
SELECT dbt_contract_omni_relationships() AS omni_relationships_yaml;

\echo
\echo '### 10. Does the warehouse match its contracts?  (and putting back the'
\echo '###     foreign key the CASCADE took)'
SELECT relation, object, problem, have, want FROM dbt_contract.violations
 WHERE relation LIKE 'analytics.%' ORDER BY 1, 2;
SELECT relation, statement FROM dbt_contract_repair('analytics.fct_orders');
SELECT count(*) AS fct_orders_problems FROM dbt_contract_check('analytics.fct_orders');
\echo 'The DDL a contract implies:'
SELECT dbt_contract_ddl('customer_orders', 2);

\echo
\echo '### 11. An inline contract that passes: a new model.'
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
\echo '### 12. Evolving a contract: a dry run shows what would break (an int'
\echo '###     becoming bigint, a column dropped); a real apply warns.'
SELECT * FROM dbt_contract_diff_yaml($yaml$
version: 2
models:
  - name: dim_products
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: product_id, data_type: bigint, constraints: [{type: primary_key}]}
$yaml$, 'hotfix', 'analytics');
SELECT model, action FROM dbt_contract_apply_yaml($yaml$
version: 2
models:
  - name: dim_products
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: product_id, data_type: bigint, constraints: [{type: primary_key}]}
$yaml$, 'hotfix', 'analytics');


\echo
\echo '### 13. YAML that fails: each error names file:line:col, model and column,'
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

\echo
\echo '### 14. One row per apply in the history.'
SELECT applied_by, source ~ 'jaffle' AS jaffle_project, added, changed, removed, unchanged
  FROM dbt_contract.history ORDER BY apply_id;

\echo
\echo '### 15. For BI tools: the same keys and relationships as Lightdash meta'
\echo '###     (OSI, Cube and dbt semantic models work the same way), and the'
\echo '###     project''s ER diagram: Mermaid here, rendered from DOT by Graphviz'
\echo '###     into the demo''s work directory.'
SELECT dbt_contract_export_lightdash(ARRAY['fct_orders', 'dim_customers']) AS lightdash_meta;
SELECT dbt_contract_erd() AS mermaid;
\setenv DEMO_ERD_DIR :fixtures/../..
\pset tuples_only on
\pset format unaligned
\set erd_file :fixtures/../../jaffle_erd.dot
SELECT dbt_contract_erd('dot', all_columns => true) \g :erd_file
\pset tuples_only off
\pset format aligned
\! dot -Tpng "$DEMO_ERD_DIR/jaffle_erd.dot" -o "$DEMO_ERD_DIR/jaffle_erd.png" && dot -Tsvg "$DEMO_ERD_DIR/jaffle_erd.dot" -o "$DEMO_ERD_DIR/jaffle_erd.svg" && echo "wrote jaffle_erd.png and jaffle_erd.svg"

\echo
\echo '### 16. Zero to enforced contracts for a warehouse that has none: generate'
\echo '###     the schema.yml from the live catalog, apply it, verify.'
CREATE SCHEMA legacy;
CREATE TABLE legacy.accounts (id bigint PRIMARY KEY, email varchar(120) NOT NULL UNIQUE);
CREATE TABLE legacy.invoices (id bigint PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES legacy.accounts (id),
    total numeric(12,2) CHECK (total >= 0));
COMMENT ON TABLE legacy.invoices IS 'Invoices of the old billing system';
SELECT dbt_contract_generate(schema => 'legacy') AS schema_yml \gset
\echo :schema_yml
SELECT model, action FROM dbt_contract_apply_yaml(:'schema_yml', 'legacy/schema.yml', 'legacy');
SELECT count(*) AS problems FROM dbt_contract_verify('legacy');
\set VERBOSITY terse
ALTER TABLE legacy.invoices ALTER COLUMN total TYPE numeric;
\set VERBOSITY default

\echo
\echo '### 17. Whether enforcement is on, switch by switch, and who could turn it off.'
SELECT control, setting, enforcing FROM dbt_contract.enforcement_status;
