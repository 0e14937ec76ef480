--
-- exports: the keys and relationships as OSI/Ossie, Lightdash, Cube and dbt
-- semantic-model documents, and as an ER diagram (Mermaid, Graphviz DOT).
-- Earlier suites leave their contracts loaded, so every call names the
-- models of this suite (the models filter); test/t/007_exports.pl parses
-- and validates the same documents against the vendored schemas and
-- renders the DOT with Graphviz.
--
CREATE SCHEMA bi_t;
CREATE SCHEMA bi_raw;
CREATE TABLE bi_raw.countries (code text PRIMARY KEY);

SELECT model, version, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: bi_customers
    description: One row per customer
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: email, data_type: text, constraints: [{type: unique}]}
      - {name: country, data_type: text,
         constraints: [{type: foreign_key, to: "source('bi_raw', 'countries')", to_columns: [code]}]}
  # a versioned model: each version is its own dataset, cube and entity
  - name: bi_products
    latest_version: 2
    columns:
      - {name: product_id, data_type: bigint, constraints: [{type: primary_key}]}
      - {name: price, data_type: 'numeric(10,2)'}
    versions:
      - v: 1
      - v: 2
  - name: bi_orders
    description: "Orders: one row each"
    constraints:
      - {type: primary_key, columns: [order_id]}
      - {type: foreign_key, columns: [customer_id], to: "ref('bi_customers')", to_columns: [id],
         name: bi_orders_customer_fk}
      # a second foreign key to the same model, by its unique key
      - {type: foreign_key, columns: [billing_email], to: "ref('bi_customers')", to_columns: [email]}
    columns:
      - {name: order_id, data_type: int}
      - {name: customer_id, data_type: int}
      - {name: billing_email, data_type: text}
      - {name: product_id, data_type: bigint,
         data_tests: [{relationships: {to: "ref('bi_products')", field: product_id}}]}
      - {name: OrderedAt, data_type: timestamptz, quote: true}
      - {name: shipped_on, data_type: date}
  # composite keys, and a one-to-one relationship (the from-columns are a key)
  - name: bi_order_lines
    constraints:
      - {type: primary_key, columns: [order_id, line_no]}
      - {type: foreign_key, columns: [order_id], to: "ref('bi_orders')", to_columns: [order_id]}
    columns:
      - {name: order_id, data_type: int}
      - {name: line_no, data_type: smallint}
  - name: bi_line_notes
    constraints:
      - {type: primary_key, columns: [line_no, order_id]}
      - {type: foreign_key, columns: [line_no, order_id], to: "ref('bi_order_lines')",
         to_columns: [line_no, order_id]}
    columns:
      - {name: order_id, data_type: int}
      - {name: line_no, data_type: smallint}
      - {name: note, data_type: text}
  # no relationships at all, and no key
  - name: bi_lonely
    columns:
      - {name: whatever, data_type: float8}
$$, 'exports', 'bi_t') ORDER BY 1, 2;

-- bi_orders -> bi_customers is enforced by a live foreign key; the others
-- are declared only.
CREATE TABLE bi_t.bi_customers (id int PRIMARY KEY, email text UNIQUE, country text);
CREATE TABLE bi_t.bi_orders (order_id int PRIMARY KEY,
                             customer_id int REFERENCES bi_t.bi_customers (id),
                             billing_email text, product_id bigint,
                             "OrderedAt" timestamptz, shipped_on date);
SELECT from_model, from_columns, to_model, to_relation, to_columns, relationship_type, enforced
  FROM dbt_contract.relationships WHERE from_model LIKE 'bi\_%' ORDER BY 1, 2, 4;

-- The documents print as they are, one per line block.
\pset format unaligned
\pset tuples_only on
\set bi '''{bi_customers, bi_products, bi_orders, bi_order_lines, bi_line_notes, bi_lonely}'''

-- Open Semantic Interchange / Apache Ossie (jsonb)
SELECT jsonb_pretty(dbt_contract_export_osi(:bi));
-- the semantic model's name is an argument
SELECT dbt_contract_export_osi(ARRAY['bi_lonely'], name => 'shop')->'semantic_model'->0->>'name';

-- Lightdash meta blocks, Cube cubes, dbt semantic models (YAML text)
SELECT dbt_contract_export_lightdash(:bi);
SELECT dbt_contract_export_cube(:bi);
SELECT dbt_contract_export_semantic_models(:bi);

-- The ER diagram: key columns marked, enforced edges solid (--), declared
-- ones dotted (..); a relationship to a source is drawn to a plain entity.
SELECT dbt_contract_erd(models => :bi);
SELECT dbt_contract_erd('dot', :bi);
-- every column, not only the keys
SELECT dbt_contract_erd(models => ARRAY['bi_orders'], all_columns => true);
-- around one model: depth 1 reaches its neighbours either way, depth 0
-- only the model, depth 2 the neighbours' neighbours
SELECT dbt_contract_erd(models => :bi, around => 'bi_order_lines', depth => 1);
SELECT dbt_contract_erd(models => :bi, around => 'bi_order_lines', depth => 0);
SELECT dbt_contract_erd(models => :bi, around => 'bi_line_notes', depth => 2);

-- The filter: one model keeps only relationships inside the filter
SELECT dbt_contract_export_lightdash(ARRAY['bi_orders']);
SELECT dbt_contract_export_cube(ARRAY['bi_lonely']);
-- an empty filter exports an empty document
SELECT dbt_contract_export_osi('{}');
SELECT dbt_contract_export_lightdash('{}');
SELECT dbt_contract_export_cube('{}');
SELECT dbt_contract_export_semantic_models('{}');
SELECT dbt_contract_erd('mermaid', '{}');
SELECT dbt_contract_erd('dot', '{}');
-- without a filter, every model of the target (here: with earlier suites'
-- too)
SELECT dbt_contract_export_cube(target => 'bi_t') LIKE '%- name: bi_lonely%' AS all_models;

-- Identifiers and text that need quoting stay intact in every format
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: bi_odd
    description: "it's: odd # yes"
    columns:
      - {name: 'Odd "Name"', data_type: int, quote: true, constraints: [{type: primary_key}]}
      - {name: 'a<b>&c', data_type: text, quote: true}
$$, 'exports_odd', 'bi_t');
SELECT dbt_contract_export_osi(ARRAY['bi_odd'])->'semantic_model'->0->'datasets';
SELECT dbt_contract_export_cube(ARRAY['bi_odd']);
SELECT dbt_contract_export_semantic_models(ARRAY['bi_odd']);
SELECT dbt_contract_erd('dot', ARRAY['bi_odd'], all_columns => true);
SELECT dbt_contract_erd('mermaid', ARRAY['bi_odd'], all_columns => true);

\pset format aligned
\pset tuples_only off

-- Errors
SELECT dbt_contract_export_osi(ARRAY['bi_orders', 'no_such_model']);
-- a target no contracts are loaded for
SELECT dbt_contract_export_cube(target => 'dbt_alice');
-- no filter and no target, with earlier suites' contracts in other targets
-- (how many there are is theirs)
DO $$
BEGIN
    PERFORM dbt_contract_export_cube();
EXCEPTION WHEN ambiguous_parameter THEN
    RAISE NOTICE '%', regexp_replace(SQLERRM, '[0-9]+', 'N');
END
$$;
-- the Omni file refuses alike
DO $$
BEGIN
    PERFORM dbt_contract_omni_relationships();
EXCEPTION WHEN ambiguous_parameter THEN
    RAISE NOTICE '%', regexp_replace(SQLERRM, '[0-9]+', 'N');
END
$$;
SELECT dbt_contract_erd('png');
SELECT dbt_contract_erd(target => 'bi_t', around => 'no_such_model');
SELECT dbt_contract_erd(models => ARRAY['bi_orders'], around => 'bi_customers');
SELECT dbt_contract_erd(target => 'bi_t', around => 'bi_orders', depth => -1);

-- Two targets: the same models applied for a developer's schema, where
-- bi_orders has another primary key and one relationship.  Each export
-- covers one target's contracts.
CREATE SCHEMA bi_dev;
SELECT model, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: bi_customers
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
  - name: bi_orders
    constraints:
      - {type: foreign_key, columns: [customer_id], to: "ref('bi_customers')", to_columns: [id]}
    columns:
      - {name: order_ref, data_type: text, constraints: [{type: primary_key}]}
      - {name: customer_id, data_type: int}
$$, 'exports_dev', 'bi_dev') ORDER BY 1;
-- without a target, models loaded for both are ambiguous
SELECT dbt_contract_export_cube(ARRAY['bi_orders']);
SELECT dbt_contract_erd(models => ARRAY['bi_customers', 'bi_orders']);
\pset format unaligned
\pset tuples_only on
SELECT dbt_contract_export_lightdash(ARRAY['bi_customers', 'bi_orders'], 'bi_t');
SELECT dbt_contract_export_lightdash(ARRAY['bi_customers', 'bi_orders'], 'bi_dev');
SELECT dbt_contract_export_cube(ARRAY['bi_orders'], target => 'bi_dev');
SELECT jsonb_pretty(dbt_contract_export_osi(ARRAY['bi_customers', 'bi_orders'], 'bi_dev'));
SELECT dbt_contract_export_semantic_models(ARRAY['bi_customers', 'bi_orders'], 'bi_dev');
SELECT dbt_contract_erd('mermaid', ARRAY['bi_customers', 'bi_orders'], 'bi_dev', all_columns => true);
SELECT dbt_contract_erd('mermaid', target => 'bi_dev', around => 'bi_orders', depth => 0);
\pset format aligned
\pset tuples_only off
-- a model loaded for one target only needs none
SELECT dbt_contract_export_cube(ARRAY['bi_lonely'])
       = dbt_contract_export_cube(ARRAY['bi_lonely'], 'bi_t') AS same_without_target;
-- a model the named target does not have
SELECT dbt_contract_export_cube(ARRAY['bi_orders', 'bi_lonely'], 'bi_dev');
SELECT model, action FROM dbt_contract_apply_yaml('version: 2', 'exports_dev', 'bi_dev',
                                                  allow_breaking => true) ORDER BY 1;
DROP SCHEMA bi_dev;

-- Readable by every role, as the views they are built from
CREATE ROLE regress_bi_reader;
SET ROLE regress_bi_reader;
SELECT length(dbt_contract_export_lightdash(:bi)) > 0 AS reader_can_export,
       length(dbt_contract_erd('dot', :bi)) > 0 AS reader_can_draw;
RESET ROLE;
DROP ROLE regress_bi_reader;
