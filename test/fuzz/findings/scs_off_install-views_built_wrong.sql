-- CREATE EXTENSION with standard_conforming_strings off (fixed: refused;
-- regression test sql/fuzz_findings.sql).  Found while reducing
-- 6ff2d4f2dbd3: the install script is parsed whole with the session's
-- setting, so the views' regular expressions lost their backslashes.
CREATE DATABASE fz_scs_off;
\c fz_scs_off
SET standard_conforming_strings = off;
CREATE EXTENSION dbt_contract;
SELECT substring(pg_get_viewdef('dbt_contract.relationship_sources')
                 FROM 'regexp_match\(k.expression, [^)]*\)');
