--
-- name_folding: a column written in YAML names the attribute PostgreSQL's
-- identifier rules give it, in the trigger, verify and the views alike.
-- In a UTF-8 database with a collation that folds non-ASCII letters,
-- lower('ÄID') is 'äid', but PostgreSQL folds only ASCII letters of an
-- unquoted identifier: ÄID is the column "Äid".
--
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_fold TEMPLATE template0 ENCODING 'UTF8'
    LC_COLLATE 'C.utf8' LC_CTYPE 'C.utf8';
\c regress_fold
SET client_min_messages = warning;
CREATE EXTENSION dbt_contract;
RESET client_min_messages;
SELECT lower('ÄID') AS collation_folds, dbt_contract.written_attname('ÄID') AS postgres_folds;

CREATE SCHEMA fold;
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: fold_parent
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: Äid
        data_type: integer
        constraints: [{type: primary_key}]
  - name: fold_child
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: parent_id
        data_type: integer
        constraints:
          - type: foreign_key
            to: ref('fold_parent')
            to_columns: [ÄID]
$$, 'name_folding', 'fold') ORDER BY model COLLATE "C";

-- The trigger accepts the tables the contract describes (the foreign key
-- references "Äid") ...
CREATE TABLE fold.fold_parent ("Äid" integer PRIMARY KEY);
CREATE TABLE fold.fold_child (parent_id integer REFERENCES fold.fold_parent ("Äid"));
-- ... verify agrees (it reported the key as different with lower()) ...
SELECT count(*) AS problems FROM dbt_contract_verify();
-- ... and so do the views (to_columns {äid}, not enforced, with lower())
SELECT model, key_columns FROM dbt_contract.keys WHERE model = 'fold_parent';
SELECT from_model, from_columns, to_model, to_columns, enforced
  FROM dbt_contract.relationships WHERE from_model = 'fold_child';

\c :regress_db
DROP DATABASE regress_fold;
