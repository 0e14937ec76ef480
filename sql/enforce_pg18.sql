--
-- enforce_pg18: constraints PostgreSQL 18 can declare without enforcing
-- them (NOT ENFORCED checks and foreign keys, NOT NULL ... NOT VALID) do
-- not satisfy an enforced contract, and the views say so.
-- Run only on PostgreSQL 18 and later (see REGRESS in the Makefile).
--
CREATE SCHEMA enf_pg18;
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: pg18_customers
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: id
        data_type: bigint
        constraints: [{type: primary_key}]
  - name: pg18_orders
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: id
        data_type: bigint
        constraints: [{type: not_null}]
      - name: customer_id
        data_type: bigint
        constraints:
          - {type: foreign_key, to: "ref('pg18_customers')", to_columns: [id]}
      - name: amount
        data_type: numeric
        constraints:
          - {type: check, expression: "amount >= 0"}
$$, 'enforce_pg18', 'enf_pg18') ORDER BY model COLLATE "C";
CREATE TABLE enf_pg18.pg18_customers (id bigint PRIMARY KEY);
\set VERBOSITY terse

-- NOT ENFORCED in CREATE TABLE: refused.
CREATE TABLE enf_pg18.pg18_orders (
    id bigint NOT NULL,
    customer_id bigint REFERENCES enf_pg18.pg18_customers (id) NOT ENFORCED,
    amount numeric CHECK (amount >= 0));
CREATE TABLE enf_pg18.pg18_orders (
    id bigint NOT NULL,
    customer_id bigint REFERENCES enf_pg18.pg18_customers (id),
    amount numeric CHECK (amount >= 0) NOT ENFORCED);
CREATE TABLE enf_pg18.pg18_orders (
    id bigint NOT NULL,
    customer_id bigint REFERENCES enf_pg18.pg18_customers (id),
    amount numeric CHECK (amount >= 0));

-- ALTER CONSTRAINT ... NOT ENFORCED on the contracted table: refused.
ALTER TABLE enf_pg18.pg18_orders
    ALTER CONSTRAINT pg18_orders_customer_id_fkey NOT ENFORCED;
ALTER TABLE enf_pg18.pg18_orders DROP CONSTRAINT pg18_orders_amount_check,
    ADD CONSTRAINT pg18_orders_amount_check CHECK (amount >= 0) NOT ENFORCED;

-- Under warn it goes through; verify and relationships tell the truth.
SET dbt_contract.enforcement = warn;
ALTER TABLE enf_pg18.pg18_orders
    ALTER CONSTRAINT pg18_orders_customer_id_fkey NOT ENFORCED;
RESET dbt_contract.enforcement;
INSERT INTO enf_pg18.pg18_orders VALUES (1, 42, 1);
SELECT object, problem FROM dbt_contract_check('enf_pg18.pg18_orders');
SELECT to_model, enforced FROM dbt_contract.relationships WHERE from_model = 'pg18_orders';
DELETE FROM enf_pg18.pg18_orders;
ALTER TABLE enf_pg18.pg18_orders
    ALTER CONSTRAINT pg18_orders_customer_id_fkey ENFORCED;
SELECT count(*) AS problems FROM dbt_contract_check('enf_pg18.pg18_orders');

-- NOT NULL ... NOT VALID over existing NULLs leaves the column nullable
-- as far as the contract is concerned, until it is validated.
SET dbt_contract.enforcement = warn;
ALTER TABLE enf_pg18.pg18_orders ALTER COLUMN id DROP NOT NULL;
RESET dbt_contract.enforcement;
INSERT INTO enf_pg18.pg18_orders VALUES (NULL, NULL, 1);
ALTER TABLE enf_pg18.pg18_orders ADD CONSTRAINT pg18_orders_id_nn NOT NULL id NOT VALID;
SELECT object, problem FROM dbt_contract_check('enf_pg18.pg18_orders');
DELETE FROM enf_pg18.pg18_orders;
ALTER TABLE enf_pg18.pg18_orders VALIDATE CONSTRAINT pg18_orders_id_nn;
SELECT count(*) AS problems FROM dbt_contract_check('enf_pg18.pg18_orders');

\set VERBOSITY default
DROP SCHEMA enf_pg18 CASCADE;
