-- view relationships fails (fixed; regression test sql/fuzz_findings.sql)
-- stage: view relationships
-- view relationships 2201B: invalid regular expression: parentheses () not balanced
-- dbt_contract.target_name's SQL body was parsed at call time with the
-- session's standard_conforming_strings; with it off '\(' became '('.
-- (Minimized by hand from the fuzzer's reproducer.)
CREATE EXTENSION IF NOT EXISTS dbt_contract;
SELECT * FROM dbt_contract_apply_yaml($fz0$models:
  - name: p
    columns: [{name: id, data_type: int, constraints: [{type: primary_key}]}]
  - name: c
    columns:
      - name: p_id
        data_type: int
        data_tests:
          - relationships: {to: "source('raw', 'p')", field: id}
$fz0$, 'fz_a', 'fz_t', false);
SET standard_conforming_strings = off;
SELECT * FROM dbt_contract.relationships;
