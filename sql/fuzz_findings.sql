--
-- fuzz_findings: regression tests for what test/fuzz (make fuzz) found;
-- the reproducers are in test/fuzz/findings/.
--

-- The relationships views read a session with standard_conforming_strings
-- off as one with it on: dbt_contract.target_name's body, parsed when it
-- is called, used to turn '\(' into '(' there and fail with "invalid
-- regular expression" (finding 6ff2d4f2dbd3).
SELECT model, action FROM dbt_contract_apply_yaml($Y$
version: 2
models:
  - name: fzf_parent
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
  - name: fzf_child
    config: {contract: {enforced: true}}
    columns:
      - name: parent_id
        data_type: int
        constraints:
          - {type: foreign_key, to: "ref('fzf_parent')", to_columns: [id]}
        data_tests:
          - relationships: {to: "source('raw', 'fzf_parents')", field: id}
$Y$, 'fuzz_findings', 'fzf') ORDER BY model COLLATE "C";
CREATE TEMP TABLE fzf_on AS
SELECT from_model, to_model, on_sql FROM dbt_contract.relationships
 WHERE from_model LIKE 'fzf%';
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SELECT from_model, to_model, on_sql FROM dbt_contract.relationships
 WHERE from_model LIKE 'fzf%' ORDER BY 1, 2, 3;
-- the same rows as with it on
SELECT count(*) AS differing FROM (
    (SELECT from_model, to_model, on_sql FROM dbt_contract.relationships
      WHERE from_model LIKE 'fzf%'
     EXCEPT SELECT * FROM fzf_on)
    UNION ALL
    (SELECT * FROM fzf_on
     EXCEPT SELECT from_model, to_model, on_sql FROM dbt_contract.relationships
      WHERE from_model LIKE 'fzf%')) d;
SELECT length(dbt_contract_omni_relationships('fzf')) > 0 AS omni_ok;
RESET standard_conforming_strings;
RESET escape_string_warning;
SELECT count(*) AS removed
  FROM dbt_contract_apply_yaml('version: 2', 'fuzz_findings', 'fzf', allow_breaking => true);

-- The install and upgrade scripts are parsed whole, with the session's
-- standard_conforming_strings: with it off, CREATE EXTENSION used to
-- build dbt_contract.relationships with '\(' read as '(' (a view that
-- then failed for every foreign key).  They refuse to run instead.
SELECT current_database() AS fzf_regress_db \gset
CREATE DATABASE fzf_scs_off;
\c fzf_scs_off
\set SHOW_CONTEXT never
SET escape_string_warning = off;
SET standard_conforming_strings = off;
CREATE EXTENSION dbt_contract;
RESET standard_conforming_strings;
CREATE EXTENSION dbt_contract VERSION '0.1.0';
SET standard_conforming_strings = off;
ALTER EXTENSION dbt_contract UPDATE TO '0.2.0';
RESET standard_conforming_strings;
ALTER EXTENSION dbt_contract UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'dbt_contract';
\c :fzf_regress_db
DROP DATABASE fzf_scs_off;
