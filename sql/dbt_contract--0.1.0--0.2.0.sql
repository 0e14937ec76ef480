-- dbt_contract 0.1.0 -> 0.2.0
--
-- Every change made to sql/dbt_contract--0.2.0.sql since 0.1.0 is made
-- here too, so that an upgraded database and a fresh install of 0.2.0
-- have the same objects (test/t checks that they do).

\echo Use "ALTER EXTENSION dbt_contract UPDATE TO '0.2.0'" to load this file. \quit
