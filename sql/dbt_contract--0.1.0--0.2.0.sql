-- dbt_contract 0.1.0 -> 0.2.0
--
-- Every change made to sql/dbt_contract--0.2.0.sql since 0.1.0 is made
-- here too, so that an upgraded database and a fresh install of 0.2.0
-- have the same objects (test/t checks that they do).

\echo Use "ALTER EXTENSION dbt_contract UPDATE TO '0.2.0'" to load this file. \quit

-- The event triggers fire for every command; the C functions decide from
-- the parse tree which ones can touch a contracted relation.
DROP EVENT TRIGGER dbt_contract_ddl;
DROP EVENT TRIGGER dbt_contract_drop;
CREATE EVENT TRIGGER dbt_contract_ddl ON ddl_command_end
    EXECUTE FUNCTION dbt_contract.ddl_command_end();
CREATE EVENT TRIGGER dbt_contract_drop ON sql_drop
    EXECUTE FUNCTION dbt_contract.sql_drop();
ALTER EVENT TRIGGER dbt_contract_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER dbt_contract_drop ENABLE ALWAYS;
