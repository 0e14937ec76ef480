--
-- relationships: dbt_contract.relationships merges every declaration of a
-- relationship between models -- foreign_key constraints (to/to_columns
-- and the legacy expression), relationships tests, dbt_constraints
-- foreign_key tests -- and live foreign keys between contracted
-- relations into one row each, with its cardinality, whether a foreign
-- key enforces it now, and join conditions for Omni (on_sql) and SQL
-- (join_sql).
--
CREATE SCHEMA rel_t;
CREATE SCHEMA rel_raw;
-- dbt sources: tables no contract describes
CREATE TABLE rel_raw.countries (code text PRIMARY KEY);
CREATE TABLE rel_raw.suppliers (id int PRIMARY KEY);

SELECT model, version, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: rel_customers
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: name, data_type: text}

  - name: rel_regions
    config: {alias: regions}
    columns:
      - {name: region_id, data_type: int, constraints: [{type: primary_key}]}

  # a versioned target: ref() without v= is the latest version
  - name: rel_products
    latest_version: 2
    constraints:
      - {type: primary_key, columns: [product_id]}
    columns:
      - {name: product_id, data_type: int}
    versions:
      - v: 1
      - v: 2

  - name: rel_orders
    constraints:
      # the same relationship four ways: a constraint, a relationships
      # test, a dbt_constraints test (and, below, a live foreign key)
      - type: foreign_key
        name: fk_orders_customer
        columns: [customer_id]
        to: ref('rel_customers')
        to_columns: [id]
      # the legacy form: text pasted after REFERENCES, naming a model's
      # relation (unqualified: in the model's schema)
      - type: foreign_key
        columns: [region_id]
        expression: "regions (region_id)"
      # a source(), and the legacy form naming a table without contract
      - type: foreign_key
        columns: [country_code]
        to: source('rel_raw', 'countries')
        to_columns: [code]
      - type: foreign_key
        columns: [supplier_id]
        expression: "rel_raw.suppliers (id)"
      # a ref() no loaded contract resolves
      - type: foreign_key
        columns: [warehouse_id]
        to: ref('rel_warehouses')
        to_columns: [id]
    columns:
      - {name: order_id, data_type: int, constraints: [{type: primary_key}]}
      - name: customer_id
        data_type: int
        data_tests:
          - relationships:
              to: ref('rel_customers')
              field: id
      - {name: region_id, data_type: int}
      - {name: country_code, data_type: text}
      - {name: supplier_id, data_type: int}
      - {name: warehouse_id, data_type: int}
      - name: product_v1
        data_type: int
        data_tests:
          - relationships:
              arguments:
                to: ref('rel_products', v=1)
                field: product_id
      - name: product_latest
        data_type: int
        data_tests:
          - relationships:
              arguments:
                to: "{{ ref('rel_products') }}"
                field: product_id
    data_tests:
      - dbt_constraints.foreign_key:
          fk_column_name: customer_id
          pk_table_name: ref('rel_customers')
          pk_column_name: id
      # no pk_column_name: the target's primary key
      - dbt_constraints.foreign_key:
          fk_column_name: product_latest
          pk_table_name: ref('rel_products')

  # composite keys
  - name: rel_order_lines
    constraints:
      - {type: primary_key, columns: [order_id, line_no]}
    columns:
      - {name: order_id, data_type: int}
      - {name: line_no, data_type: int}
  - name: rel_shipments
    constraints:
      - type: foreign_key
        columns: [order_id, line_no]
        to: ref('rel_order_lines')
        to_columns: [order_id, line_no]
    columns:
      - {name: shipment_id, data_type: int}
      - {name: order_id, data_type: int}
      - {name: line_no, data_type: int}
    data_tests:
      - dbt_constraints.foreign_key:
          fk_column_names: [order_id, line_no]
          pk_table_name: ref('rel_order_lines')
          pk_column_names: [order_id, line_no]

  # one_to_one: the referencing columns are a key of the referencing model
  - name: rel_customer_profiles
    columns:
      - name: customer_id
        data_type: int
        constraints:
          - {type: primary_key}
          - {type: foreign_key, to: ref('rel_customers'), to_columns: [id]}
      - {name: bio, data_type: text}

  # a view at either end: only the YAML says anything about it
  - name: rel_customer_summary
    config: {materialized: view}
    columns:
      - name: customer_id
        data_type: int
        data_tests:
          - unique
          - not_null
          - relationships: {to: ref('rel_customers'), field: id}
  - name: rel_reviews
    config: {materialized: view}
    columns:
      - name: customer_id
        data_type: int
        data_tests:
          - relationships: {to: ref('rel_customer_summary'), field: customer_id}

  # a foreign key only the catalog knows about (see below)
  - name: rel_notes
    columns:
      - {name: note_id, data_type: int}
      - {name: order_id, data_type: int}
$$, 'rel_models', 'rel_t')
ORDER BY model COLLATE "C", version;

-- Before any relation exists: what the YAML declares, nothing enforced.
SELECT from_model, from_version AS fv, from_columns, to_model, to_version AS tv,
       to_relation, to_columns, relationship_type, derived_from, constraint_name, enforced
  FROM dbt_contract.relationships
 WHERE from_relation LIKE 'rel_t.%'
 ORDER BY from_model COLLATE "C", from_columns::text COLLATE "C", to_relation COLLATE "C";

-- Join conditions: Omni's ${view.field} (AND-ed for composite keys) and
-- SQL over the relations; a ref() to no loaded model has no relation to
-- join to, so no join_sql.
SELECT from_model, to_relation, on_sql, join_sql
  FROM dbt_contract.relationships
 WHERE from_relation LIKE 'rel_t.%'
 ORDER BY from_model COLLATE "C", from_columns::text COLLATE "C", to_relation COLLATE "C";

--
-- The relations, as dbt would build them, with the foreign keys.  A live
-- foreign key merges with the declarations of the same relationship and
-- makes it enforced; one nobody declared is listed as 'catalog'.
--
CREATE TABLE rel_t.rel_customers (id int PRIMARY KEY, name text);
CREATE TABLE rel_t.regions (region_id int PRIMARY KEY);
CREATE TABLE rel_t.rel_products_v1 (product_id int PRIMARY KEY);
CREATE TABLE rel_t.rel_products_v2 (product_id int PRIMARY KEY);
CREATE TABLE rel_t.rel_orders (
    order_id int PRIMARY KEY,
    customer_id int CONSTRAINT fk_orders_customer REFERENCES rel_t.rel_customers (id),
    region_id int REFERENCES rel_t.regions (region_id),
    country_code text REFERENCES rel_raw.countries (code),
    supplier_id int,            -- this one is missing
    warehouse_id int,
    product_v1 int,
    product_latest int REFERENCES rel_t.rel_products_v2 (product_id));
CREATE TABLE rel_t.rel_order_lines (order_id int, line_no int, PRIMARY KEY (order_id, line_no));
-- the composite key's columns in the other order: the same relationship
CREATE TABLE rel_t.rel_shipments (
    shipment_id int, order_id int, line_no int,
    FOREIGN KEY (line_no, order_id) REFERENCES rel_t.rel_order_lines (line_no, order_id));
CREATE TABLE rel_t.rel_customer_profiles (
    customer_id int PRIMARY KEY REFERENCES rel_t.rel_customers (id), bio text);
CREATE VIEW rel_t.rel_customer_summary AS SELECT id AS customer_id FROM rel_t.rel_customers;
CREATE VIEW rel_t.rel_reviews AS SELECT 1 AS customer_id;
CREATE TABLE rel_t.rel_notes (
    note_id int, order_id int CONSTRAINT notes_order_fk REFERENCES rel_t.rel_orders (order_id));

SELECT from_model, from_version AS fv, from_columns, to_model, to_version AS tv,
       to_relation, to_columns, relationship_type, derived_from, constraint_name, enforced
  FROM dbt_contract.relationships
 WHERE from_relation LIKE 'rel_t.%'
 ORDER BY from_model COLLATE "C", from_columns::text COLLATE "C", to_relation COLLATE "C";

-- Every join_sql is SQL that runs over the relations.
SELECT format('SELECT %L AS joined, count(*) FROM %s JOIN %s ON %s',
              from_model || ' -> ' || to_relation, from_relation, to_relation, join_sql)
  FROM dbt_contract.relationships
 WHERE from_relation LIKE 'rel_t.%' AND join_sql IS NOT NULL
 ORDER BY from_model COLLATE "C", from_columns::text COLLATE "C", to_relation COLLATE "C"
\gexec

-- Losing the foreign key (as dbt's DROP ... CASCADE of a rebuilt parent
-- does) leaves the declarations, no longer enforced; the catalog-only
-- relationship is gone with it.
SET client_min_messages = warning;
DROP TABLE rel_t.rel_customers CASCADE;
RESET client_min_messages;
ALTER TABLE rel_t.rel_notes DROP CONSTRAINT notes_order_fk;
SELECT from_model, from_columns, to_relation, derived_from, constraint_name, enforced
  FROM dbt_contract.relationships
 WHERE from_relation LIKE 'rel_t.%' AND (to_model IN ('rel_customers', 'rel_orders'))
 ORDER BY from_model COLLATE "C", from_columns::text COLLATE "C";

-- One row per relationship: no two rows for the same columns and target.
SELECT from_model, from_columns, to_relation, to_columns, count(*)
  FROM dbt_contract.relationships
 WHERE from_relation LIKE 'rel_t.%'
 GROUP BY 1, 2, 3, 4 HAVING count(*) > 1;

-- Names in on_sql come from the relation names; odd ones stay intact.
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: rel_odd_target
    config: {alias: "Odd.Name"}
    columns:
      - {name: Key, data_type: int, quote: true, constraints: [{type: unique}]}
  - name: rel_odd_source
    columns:
      - name: ref_key
        data_type: int
        constraints:
          - {type: foreign_key, to: ref('rel_odd_target'), to_columns: [Key]}
$$, 'rel_odd', 'rel_t')
ORDER BY model COLLATE "C";
SELECT from_relation, from_columns, to_relation, to_columns, on_sql, join_sql
  FROM dbt_contract.relationships WHERE from_model = 'rel_odd_source';

-- Targets as dbt's Jinja writes them, read by the loader's parser
-- (dbt_contract.parse_target), not by patterns: a blank before the
-- parenthesis, a trailing comma after version=, double-quoted names
-- holding a quote, and legacy expressions whose quoted names hold
-- parentheses and commas.  Unquoted names in a legacy expression fold as
-- PostgreSQL folds them, whatever the YAML column is called.
CREATE TABLE rel_raw."it's" (code text PRIMARY KEY);
CREATE TABLE rel_raw."odd(t)" ("a,b" text PRIMARY KEY);
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: rel_jp
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: Code, data_type: text, quote: true}
  - name: rel_jc
    constraints:
      - type: foreign_key
        columns: [e]
        expression: 'rel_raw."odd(t)" ("a,b") ON DELETE CASCADE'
      - type: foreign_key
        columns: [f]
        expression: "rel_jp (Code)"
    columns:
      - name: a
        data_type: int
        data_tests:
          - relationships: {to: ref ('rel_jp'), field: id}
      - name: b
        data_type: int
        data_tests:
          - relationships:
              to: |-
                {{ ref(
                    "rel_products",
                    version=1,
                ) }}
              field: product_id
      - name: c
        data_type: text
        data_tests:
          - relationships:
              to: source("rel_raw", "it's")
              field: code
      - name: d
        data_type: text
        data_tests:
          - relationships: {to: "source ('rel_raw', 'countries')", field: code}
      - {name: e, data_type: text}
      - {name: f, data_type: text}
$$, 'rel_jinja', 'rel_t')
ORDER BY model COLLATE "C";
SELECT from_columns, to_model, to_version AS tv, to_relation, to_columns, derived_from
  FROM dbt_contract.relationships WHERE from_model = 'rel_jc'
 ORDER BY from_columns::text COLLATE "C";
-- What parse_target reads, and what it refuses (NULL kind).
SELECT t AS target, p.*
  FROM (VALUES ('ref(''m'')'), ('{{ ref("pkg", "m", v="2") }}'), ('ref(''m'', version=2)'),
               (E'ref(\n  ''m'',\n  v=3,\n)'), ('ref(''m'', v=2, v=3)'), ('ref(v=2, ''m'')'),
               ('ref(''m'') ~ ''x'''), ('source(''s.x'', ''a,b'')'), ('source(''s'')'),
               ('Sch.Tab'), ('"Sch"."T.b" ("C,1", c2) MATCH FULL'), ('db.s.t'),
               ('not a (target'), ('t (a) ; DROP TABLE t')) AS v(t),
       dbt_contract.parse_target(t) p
 ORDER BY t COLLATE "C";
SELECT t AS target, dbt_contract.target_name(t) AS name
  FROM (VALUES ('ref("pkg", "m)x", v=2)'), ('source(''s'', ''t)'')'), ('"Sch"."T.b"'),
               ('Sch.Tab'), ('no target (')) AS v(t)
 ORDER BY t COLLATE "C";

-- Clean up.
SELECT count(*) AS removed FROM (
    SELECT * FROM dbt_contract_apply_yaml('version: 2', 'rel_models', 'rel_t')
    UNION ALL SELECT * FROM dbt_contract_apply_yaml('version: 2', 'rel_odd', 'rel_t')
    UNION ALL SELECT * FROM dbt_contract_apply_yaml('version: 2', 'rel_jinja', 'rel_t')) r;
SET client_min_messages = warning;
DROP SCHEMA rel_t CASCADE;
DROP SCHEMA rel_raw CASCADE;
RESET client_min_messages;
SELECT count(*) AS left_over FROM dbt_contract.relationships WHERE from_relation LIKE 'rel_t.%';
