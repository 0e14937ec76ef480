-- identifier over 63 bytes loaded
-- stage: apply
-- [('sem_a', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', 'sem_a'), ('sem_b', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', 'sem_b'), ('sem_c', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', 'sem_c')]
CREATE EXTENSION IF NOT EXISTS dbt_contract;
CREATE SCHEMA IF NOT EXISTS fz;
CREATE TABLE IF NOT EXISTS fz.victim (id int PRIMARY KEY);
SET standard_conforming_strings = off;
SET dbt_contract.type_match = dbt;
SELECT * FROM dbt_contract_apply_yaml($fz0$models:
  [{name: sem_a, columns: [{name: id, data_type: int}]}, {name: sem_b, columns: [{name: id, data_type: int}]}, {name: sem_c, columns: [{name: id, data_type: int}]}, {name: sem_v, versions: [{v: "1", values: {name: x, data_type: setof int}}, {defined_in: "~", v: "2"}], columns: [{name: id, data_type: int}]}]$fz0$, 'fz_a', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', true);
SELECT * FROM dbt_contract_verify();
SELECT model, version, dbt_contract_ddl(model, version) FROM dbt_contract.models;
