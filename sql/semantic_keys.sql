--
-- semantic_keys: keys and relationships declared outside constraints and
-- tests, read by the loader and merged into dbt_contract.keys and
-- dbt_contract.relationships, each with its derived_from:
--   semantic_models:            entities (primary, unique, natural, foreign)
--                               with expr (default: the entity's name)
--   columns: [{entity: ...}]    dbt 1.12's semantic YAML, on a model with
--   derived_semantics:          semantic_model: enabled
--   meta.primary_key            Lightdash (one column or a list)
--   meta.joins                  Lightdash (join, sql_on, relationship)
-- A foreign entity joins the model whose primary (else unique, natural)
-- entity has its name.  None is enforced; a change is no breaking change.
--
CREATE SCHEMA sem_t;

SELECT model, version, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_customers
    config:
      meta:
        primary_key: customer_id
    columns:
      - {name: customer_id, data_type: int}
      - {name: email, data_type: text}
  # Lightdash joins: many-to-one from here, one-to-many from the joined
  # model, one-to-one under an alias; a sql_on that is not a conjunction
  # of equalities, and many-to-many, name no key
  - name: sem_orders
    meta:
      primary_key: [order_id]
      joins:
        - join: sem_customers
          sql_on: "${sem_orders.customer_id} = ${sem_customers.customer_id}"
          relationship: many-to-one
        - join: sem_lines
          sql_on: "${sem_lines.order_id} = ${sem_orders.order_id}"
          relationship: one-to-many
        - join: sem_customers
          alias: billing
          sql_on: "${sem_orders.customer_id} = ${billing.customer_id} and ${sem_orders.email} = ${billing.email}"
          relationship: one-to-one
        - join: sem_customers
          sql_on: "${sem_orders.customer_id} > 0"
        - join: sem_lines
          sql_on: "${sem_orders.order_id} = ${sem_lines.order_id}"
          relationship: many-to-many
    columns:
      - {name: order_id, data_type: int}
      - {name: customer_id, data_type: int}
      - {name: email, data_type: text}
  - name: sem_lines
    columns:
      - {name: order_id, data_type: int}
      - {name: line_no, data_type: int}
  # dbt 1.12: entities on columns, and derived entities; an expr that is
  # not a column names no key
  - name: sem_returns
    semantic_model: true
    columns:
      - {name: return_id, data_type: int, entity: primary}
      - {name: customer_ref, data_type: int, entity: {name: customer, type: foreign}}
      - {name: code, data_type: text, entity: {type: natural}}
    derived_semantics:
      entities:
        - {name: order, type: foreign, expr: order_id}
        - {name: code_lower, type: unique, expr: "lower(code)"}
  # semantic_model: false (or enabled: false) turns the entities off
  - name: sem_off
    semantic_model: {enabled: false}
    columns:
      - {name: id, data_type: int, entity: primary}
  # a versioned model: a semantic model's ref() is its latest version
  - name: sem_products
    latest_version: 2
    columns:
      - {name: sku, data_type: text}
    versions: [{v: 1}, {v: 2}]
semantic_models:
  - name: customers
    model: ref('sem_customers')
    entities:
      - {name: customer, type: primary, expr: customer_id}
      - {name: email, type: unique}
  - name: orders
    model: "{{ ref('sem_orders') }}"
    entities:
      - {name: order, type: primary, expr: order_id}
      - {name: customer, type: foreign, expr: customer_id}
  - name: products
    model: ref('sem_products')
    entities:
      - {name: product, type: primary, expr: sku}
  - name: disabled
    model: ref('sem_lines')
    config: {enabled: false}
    entities:
      - {name: line, type: primary, expr: line_no}
$$, 'semantic', 'sem_t') ORDER BY 1, 2;

SELECT model, version, key_columns, key_type, derived_from, is_primary
  FROM dbt_contract.keys WHERE relation LIKE 'sem_t.%'
 ORDER BY 1, 2, is_primary DESC, 3::text COLLATE "C";
SELECT from_model, from_columns, to_model, to_version, to_columns, relationship_type,
       derived_from, enforced
  FROM dbt_contract.relationships WHERE from_relation LIKE 'sem_t.%'
 ORDER BY 1, 2::text COLLATE "C", 3;
-- a natural key is no one-to-one key: it is unique only within its
-- validity window, and never the primary key
SELECT count(*) AS natural_primaries FROM dbt_contract.keys
 WHERE key_type = 'natural' AND is_primary;

-- They are no contract: a change is a change of details, never breaking,
-- and a re-apply of the same YAML changes nothing
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_one
    meta: {primary_key: a}
    columns: [{name: a, data_type: int}, {name: b, data_type: int}]
$$, 'semantic_one', 'sem_t');
SELECT model, change, breaking FROM dbt_contract_diff_yaml($$
version: 2
models:
  - name: sem_one
    meta: {primary_key: b}
    columns: [{name: a, data_type: int}, {name: b, data_type: int}]
$$, 'semantic_one', 'sem_t');
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_one
    meta: {primary_key: b}
    columns: [{name: a, data_type: int}, {name: b, data_type: int}]
$$, 'semantic_one', 'sem_t');
SELECT model, key_columns, derived_from FROM dbt_contract.keys WHERE model = 'sem_one';
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: sem_one
    meta: {primary_key: b}
    columns: [{name: a, data_type: int}, {name: b, data_type: int}]
$$, 'semantic_one', 'sem_t');

-- Clean up.
SELECT count(*) AS removed FROM (
    SELECT * FROM dbt_contract_apply_yaml('version: 2', 'semantic', 'sem_t', allow_breaking => true)
    UNION ALL
    SELECT * FROM dbt_contract_apply_yaml('version: 2', 'semantic_one', 'sem_t', allow_breaking => true)) r;
SELECT count(*) AS left_over FROM dbt_contract.contract_semantic s
  JOIN dbt_contract.contract_model m USING (model_id) WHERE m.target = 'sem_t';
DROP SCHEMA sem_t;
