--
-- exports_pg18: on PostgreSQL 18, declared relationships that no foreign
-- key enforces can be created as NOT ENFORCED foreign keys, visible in
-- pg_constraint to tools that only read the catalog.  Every statement is
-- parsed back before it runs.  Run only on PostgreSQL 18 and later (see
-- REGRESS in the Makefile); after the exports suite, whose models it uses.
--
\set bi '''{bi_customers, bi_products, bi_orders, bi_order_lines, bi_line_notes, bi_lonely}'''
CREATE TABLE bi_t.bi_order_lines (order_id int, line_no smallint, PRIMARY KEY (order_id, line_no));
CREATE TABLE bi_t.bi_line_notes (order_id int, line_no smallint, note text);
CREATE VIEW bi_t.bi_products_v2 AS SELECT 1::bigint AS product_id, 1.0::numeric(10,2) AS price;

-- What would be created, and why the rest is not (bi_products_v2 is a
-- view; the enforced bi_orders -> bi_customers is not listed)
SELECT relation, "references", statement, note
  FROM dbt_contract_not_enforced_fk_ddl(:bi);

-- The filter narrows it to the relationships from the named models
SELECT relation, statement IS NOT NULL AS creatable
  FROM dbt_contract_not_enforced_fk_ddl(ARRAY['bi_order_lines']);

SELECT relation, "references", statement FROM dbt_contract_add_not_enforced_fks(:bi);
SELECT conrelid::regclass, conname, conenforced, convalidated, pg_get_constraintdef(oid)
  FROM pg_constraint
 WHERE contype = 'f' AND connamespace = 'bi_t'::regnamespace ORDER BY 1, 2;

-- They are there for tools to read, but enforce nothing: the relationships
-- stay declared-only, rows that break them go in, and a second run finds
-- nothing more to do.
SELECT from_model, from_columns, enforced FROM dbt_contract.relationships
 WHERE from_model IN ('bi_orders', 'bi_order_lines', 'bi_line_notes') ORDER BY 1, 2;
INSERT INTO bi_t.bi_line_notes VALUES (1, 1, 'no such line');
SELECT relation, "references", statement, note
  FROM dbt_contract_not_enforced_fk_ddl(:bi);
SELECT count(*) FROM dbt_contract_add_not_enforced_fks(:bi);

-- The statement check refuses anything but the one expected foreign key
SELECT dbt_contract.check_fk_statement(
    'ALTER TABLE bi_t.bi_orders ADD FOREIGN KEY (billing_email) REFERENCES bi_t.bi_customers (email) NOT ENFORCED; DROP TABLE bi_t.bi_orders',
    'bi_t.bi_orders', 'bi_t.bi_customers');
SELECT dbt_contract.check_fk_statement(
    'ALTER TABLE bi_t.bi_orders ADD FOREIGN KEY (billing_email) REFERENCES bi_t.bi_customers (email)',
    'bi_t.bi_orders', 'bi_t.bi_customers');
SELECT dbt_contract.check_fk_statement(
    'ALTER TABLE bi_t.bi_orders ADD FOREIGN KEY (billing_email) REFERENCES bi_t.bi_customers (email) NOT ENFORCED, DROP COLUMN shipped_on',
    'bi_t.bi_orders', 'bi_t.bi_customers');
SELECT dbt_contract.check_fk_statement(
    'ALTER TABLE bi_t.bi_customers ADD FOREIGN KEY (id) REFERENCES bi_t.bi_orders (order_id) NOT ENFORCED',
    'bi_t.bi_orders', 'bi_t.bi_customers');
SELECT dbt_contract.check_fk_statement(
    'ALTER TABLE ONLY bi_t.bi_orders ADD FOREIGN KEY (billing_email) REFERENCES bi_t.bi_customers (email) NOT ENFORCED',
    'bi_t.bi_orders', 'bi_t.bi_customers');
SELECT dbt_contract.check_fk_statement(
    'ALTER TABLE bi_t.bi_orders ADD CHECK (false) NOT ENFORCED',
    'bi_t.bi_orders', 'bi_t.bi_customers');
SELECT dbt_contract.check_fk_statement(
    'ALTER TABLE bi_t.bi_orders ADD FOREIGN KEY (billing_email) REFERENCES bi_t.bi_customers (email) NOT ENFORCED',
    'bi_t.bi_orders', 'bi_t.bi_customers');

-- Per target: the same models loaded for a second target are another
-- target's relationships; without a target the models are ambiguous.
CREATE SCHEMA bi_dev;
SELECT model, action FROM dbt_contract_apply_yaml($$
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
CREATE TABLE bi_dev.bi_customers (id int PRIMARY KEY);
CREATE TABLE bi_dev.bi_orders (order_ref text PRIMARY KEY, customer_id int);
SELECT count(*) FROM dbt_contract_not_enforced_fk_ddl(ARRAY['bi_orders']);
SELECT relation, "references", statement, note
  FROM dbt_contract_not_enforced_fk_ddl(ARRAY['bi_orders'], 'bi_dev');
SELECT model, action FROM dbt_contract_apply_yaml('version: 2', 'exports_dev', 'bi_dev',
                                                  allow_breaking => true) ORDER BY 1;
DROP SCHEMA bi_dev CASCADE;
