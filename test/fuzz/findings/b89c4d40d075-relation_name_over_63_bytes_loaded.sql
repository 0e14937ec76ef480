-- relation name over 63 bytes loaded
-- stage: apply
-- [('fz.victim (id)); ; DROP TABLE fz.victim; CREATE TABLE fz.pwn', 'fz_t', 'fz.victim (id)); ; DROP TABLE fz.victim; CREATE TABLE fz.pwn')]
CREATE EXTENSION IF NOT EXISTS dbt_contract;
CREATE SCHEMA IF NOT EXISTS fz;
CREATE TABLE IF NOT EXISTS fz.victim (id int PRIMARY KEY);
SET standard_conforming_strings = on;
SET dbt_contract.type_match = declared;
SELECT * FROM dbt_contract_apply_yaml($fz0$models:
  - name: brand_new
    columns: [{? !!bool name
: id}]
  - name: "fz.victim (id)); ; DROP TABLE fz.victim; CREATE TABLE fz.pwned (a int); --"$fz0$, 'éééééééééééééééééééééééééééééééééééééééé', 'fz_t', false);
SELECT * FROM dbt_contract_verify();
SELECT model, version, dbt_contract_ddl(model, version, target) FROM dbt_contract.models;
