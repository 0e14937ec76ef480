--
-- enforce_modes: dbt_contract.enforcement (error, warn, off),
-- dbt_contract.sync_descriptions, PostgreSQL's own messages for the data,
-- and contract changes reaching the checks without a reconnect.
--
CREATE SCHEMA enf_modes;

SELECT model, relation, action, columns, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: modes_items
    description: Items we sell
    config:
      materialized: table
      contract: {enforced: true}
      persist_docs: {relation: true}
    columns:
      - name: id
        data_type: int
        description: Item key
        constraints: [{type: not_null}, {type: primary_key}]
      - name: label
        data_type: text
        description: What the customer sees
      - name: price
        data_type: numeric(10,2)
        constraints:
          - type: check
            expression: "price >= 0"
$$, 'enf_modes', 'enf_modes');

SHOW dbt_contract.enforcement;

--
-- error (the default): the DDL fails with SQLSTATE 42P16.
--
CREATE TABLE enf_modes.modes_items (id int, label varchar(40), price numeric(10,2));
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('enf_modes.modes_items') AS created;

--
-- warn: the same report as a WARNING, and the DDL goes ahead.
--
SET dbt_contract.enforcement = warn;
CREATE TABLE enf_modes.modes_items (id int, label varchar(40), price numeric(10,2));
SELECT to_regclass('enf_modes.modes_items') AS created;
-- ALTER TABLE too.
ALTER TABLE enf_modes.modes_items ADD COLUMN note text;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'enf_modes.modes_items'::regclass AND attnum > 0 ORDER BY attnum;
-- A CASCADE that takes a contract's key warns in warn mode as well.
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: modes_sales
    config:
      contract: {enforced: true}
    columns:
      - name: item_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('modes_items')
            to_columns: [id]
$$, 'enf_modes_sales', 'enf_modes');
DROP TABLE enf_modes.modes_items;
SET dbt_contract.enforcement = error;
CREATE TABLE enf_modes.modes_items (id int PRIMARY KEY, label text, price numeric(10,2) CHECK (price >= 0));
CREATE TABLE enf_modes.modes_sales (item_id int REFERENCES enf_modes.modes_items (id));
SET dbt_contract.enforcement = warn;
DROP TABLE enf_modes.modes_items CASCADE;
DROP TABLE enf_modes.modes_sales;

--
-- off: no checks at all, and no CASCADE warning.
--
SET dbt_contract.enforcement = off;
CREATE TABLE enf_modes.modes_items (id int, label varchar(40), price numeric(10,2));
ALTER TABLE enf_modes.modes_items ADD COLUMN note text;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'enf_modes.modes_items'::regclass AND attnum > 0 ORDER BY attnum;
DROP TABLE enf_modes.modes_items;
CREATE TABLE enf_modes.modes_items (id int PRIMARY KEY, label text, price numeric(10,2) CHECK (price >= 0));
CREATE TABLE enf_modes.modes_sales (item_id int REFERENCES enf_modes.modes_items (id));
DROP TABLE enf_modes.modes_items CASCADE;
DROP TABLE enf_modes.modes_sales;
RESET dbt_contract.enforcement;
-- Transaction-local, as any setting.
BEGIN;
SET LOCAL dbt_contract.enforcement = off;
CREATE TABLE enf_modes.modes_items (id int);
ROLLBACK;
SHOW dbt_contract.enforcement;
CREATE TABLE enf_modes.modes_items (id int);
-- Only the documented values.
SET dbt_contract.enforcement = lenient;
\echo :LAST_ERROR_SQLSTATE

--
-- sync_descriptions: persist_docs (the default), a relation created for a
-- model gets the descriptions the model's persist_docs asks dbt to write
-- (here relation: true, so the table's and not the columns'), whatever
-- the enforcement; always, every description; off, none.  on and off are
-- still accepted (on means always, as when the setting was a boolean).
--
SHOW dbt_contract.sync_descriptions;
SELECT model, persist_relation_docs, persist_column_docs FROM dbt_contract.models
 WHERE model = 'modes_items';
CREATE TABLE enf_modes.modes_items (id int PRIMARY KEY, label text, price numeric(10,2) CHECK (price >= 0));
SELECT obj_description('enf_modes.modes_items'::regclass, 'pg_class') AS table_comment,
       col_description('enf_modes.modes_items'::regclass, 1) AS id_comment,
       col_description('enf_modes.modes_items'::regclass, 2) AS label_comment,
       col_description('enf_modes.modes_items'::regclass, 3) AS price_comment;
DROP TABLE enf_modes.modes_items;
SET dbt_contract.sync_descriptions = always;
CREATE TABLE enf_modes.modes_items (id int PRIMARY KEY, label text, price numeric(10,2) CHECK (price >= 0));
SELECT obj_description('enf_modes.modes_items'::regclass, 'pg_class') AS table_comment,
       col_description('enf_modes.modes_items'::regclass, 1) AS id_comment,
       col_description('enf_modes.modes_items'::regclass, 2) AS label_comment,
       col_description('enf_modes.modes_items'::regclass, 3) AS price_comment;
DROP TABLE enf_modes.modes_items;
SET dbt_contract.sync_descriptions = on;
SHOW dbt_contract.sync_descriptions;
SET dbt_contract.sync_descriptions = off;
CREATE TABLE enf_modes.modes_items (id int PRIMARY KEY, label text, price numeric(10,2) CHECK (price >= 0));
SELECT obj_description('enf_modes.modes_items'::regclass, 'pg_class') AS table_comment,
       col_description('enf_modes.modes_items'::regclass, 1) AS id_comment;
DROP TABLE enf_modes.modes_items;
RESET dbt_contract.sync_descriptions;
SET dbt_contract.enforcement = off;
CREATE TABLE enf_modes.modes_items (id int, label varchar(40));
SELECT obj_description('enf_modes.modes_items'::regclass, 'pg_class') AS table_comment,
       col_description('enf_modes.modes_items'::regclass, 1) AS id_comment;
DROP TABLE enf_modes.modes_items;
RESET dbt_contract.enforcement;
-- A failed CREATE leaves no comments behind: they go with the relation.
CREATE TABLE enf_modes.modes_items (id int, label text, price numeric(10,2));
SELECT count(*) AS orphan_comments FROM pg_description
 WHERE description IN ('Items we sell', 'Item key', 'What the customer sees');

--
-- The data: constraint violations keep PostgreSQL's own messages (dbt's
-- adapter tests look for them).
--
CREATE TABLE enf_modes.modes_items (id int NOT NULL PRIMARY KEY, label text,
                                    price numeric(10,2) CHECK (price >= 0));
INSERT INTO enf_modes.modes_items (id, label, price) VALUES (NULL, 'x', 1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO enf_modes.modes_items (id, label, price) VALUES (1, 'x', -1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO enf_modes.modes_items (id, label, price) VALUES (1, 'x', 1), (1, 'y', 2);
\echo :LAST_ERROR_SQLSTATE
-- The same inside dbt's build transaction.
BEGIN;
create  table :"DBNAME"."enf_modes"."modes_items__dbt_tmp"
  (id int not null primary key, label text, price numeric(10,2) check (price >= 0))
 \;
insert into :"DBNAME"."enf_modes"."modes_items__dbt_tmp" ("id", "label", "price")
  (select "id", "label", "price" from (select null::int as id, 'x' as label, 1.00 as price) as model_subq);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
DROP TABLE enf_modes.modes_items;

--
-- Contract changes reach the checks at once, in the same session.
--
CREATE TABLE enf_modes.modes_items (id int PRIMARY KEY, label varchar(40), price numeric(10,2) CHECK (price >= 0));
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: modes_items
    description: Items we sell
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        description: Item key
        constraints: [{type: not_null}, {type: primary_key}]
      - name: label
        data_type: varchar(40)
        description: What the customer sees
      - name: price
        data_type: numeric(10,2)
        constraints:
          - type: check
            expression: "price >= 0"
$$, 'enf_modes', 'enf_modes');
CREATE TABLE enf_modes.modes_items (id int PRIMARY KEY, label varchar(40), price numeric(10,2) CHECK (price >= 0));
DROP TABLE enf_modes.modes_items;
-- An apply that is rolled back changes nothing.
BEGIN;
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: modes_items
    config:
      contract: {enforced: false}
    columns:
      - {name: id, data_type: int}
$$, 'enf_modes', 'enf_modes');
-- (within the transaction, the relaxed contract applies)
CREATE TABLE enf_modes.modes_items (anything text);
ROLLBACK;
CREATE TABLE enf_modes.modes_items (anything text);
-- Removing the contract removes the checks.
SELECT model, action FROM dbt_contract_apply_yaml('version: 2', 'enf_modes', 'enf_modes', allow_breaking => true);
CREATE TABLE enf_modes.modes_items (anything text);
DROP TABLE enf_modes.modes_items;

--
-- And in a new session.
--
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: modes_items
    config:
      contract: {enforced: true}
    columns:
      - {name: id, data_type: int}
$$, 'enf_modes', 'enf_modes');
\c -
CREATE TABLE enf_modes.modes_items (anything text);
CREATE TABLE enf_modes.modes_items (id int);
DROP TABLE enf_modes.modes_items;
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: modes_items
    config:
      contract: {enforced: true}
    columns:
      - {name: id, data_type: bigint}
$$, 'enf_modes', 'enf_modes');
\c -
CREATE TABLE enf_modes.modes_items (id int);
CREATE TABLE enf_modes.modes_items (id bigint);

-- Clean up.
SET client_min_messages = warning;
DROP SCHEMA enf_modes CASCADE;
RESET client_min_messages;
SELECT source, count(*) AS removed
  FROM unnest(ARRAY['enf_modes', 'enf_modes_sales']) source,
       LATERAL dbt_contract_apply_yaml('version: 2', source, 'enf_modes', allow_breaking => true)
 GROUP BY source ORDER BY source COLLATE "C";
SELECT count(*) FROM dbt_contract.models WHERE model LIKE 'modes\_%';
