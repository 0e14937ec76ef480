--
-- bulk_read: dbt_contract_verify() reads the contracts of 100 models or
-- more with one scan of each catalog table, where dbt_contract_check()
-- reads its one model with index scans.  Both must see the same contracts
-- (columns in order, constraints, ref() targets resolved to relations and
-- quoted to_columns to their attribute names), so verify's rows for these
-- relations are exactly check's, relation by relation.
--
CREATE SCHEMA bulk;
SELECT count(*) AS models FROM dbt_contract_apply_yaml(
  E'version: 2\nmodels:' || (
    SELECT string_agg(format($y$
  - name: bulk_%1$s
    config: {contract: {enforced: true}}
    constraints:
      - {type: check, columns: [amount], expression: "amount >= 0"}
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - name: Ref
        quote: true
        data_type: int
        constraints: [{type: foreign_key, to: "ref('bulk_%2$s')", to_columns: [Key]}]
      - {name: Key, quote: true, data_type: int, constraints: [{type: unique}]}
      - {name: amount, data_type: 'numeric(12,2)'}$y$, i, greatest(i - 1, 1)),
      '' ORDER BY i)
    FROM generate_series(1, 150) AS i),
  'bulk_read', 'bulk');

-- Every 25th relation is missing, every tenth has a wrong type or no
-- foreign key; the rest conform.
SET dbt_contract.enforcement = off;
DO $$
BEGIN
  FOR i IN 1..150 LOOP
    CONTINUE WHEN i % 25 = 0;
    EXECUTE format('CREATE TABLE bulk.bulk_%s (id int PRIMARY KEY, "Ref" %s %s, '
                   '"Key" int UNIQUE, amount numeric(12,2) CHECK (amount >= 0))',
                   i, CASE WHEN i % 10 = 3 THEN 'bigint' ELSE 'int' END,
                   CASE WHEN i % 10 = 7 OR greatest(i - 1, 1) % 25 = 0 THEN ''
                        ELSE format('REFERENCES bulk.bulk_%s ("Key")', greatest(i - 1, 1)) END);
  END LOOP;
END $$;
RESET dbt_contract.enforcement;

CREATE TEMP TABLE bulk_verify AS
  SELECT model, version, relation, object, problem, have, want, target
    FROM dbt_contract_verify('bulk');
CREATE TEMP TABLE bulk_check AS
  SELECT ch.*
    FROM generate_series(1, 150) AS i,
         dbt_contract_check(format('bulk.bulk_%s', i)::regclass) AS ch
   WHERE i % 25 <> 0;

SELECT problem, count(*) FROM bulk_verify GROUP BY problem ORDER BY problem;
SELECT count(*) AS only_in_verify
  FROM (SELECT * FROM bulk_verify WHERE problem <> 'relation missing'
        EXCEPT ALL SELECT * FROM bulk_check) d;
SELECT count(*) AS only_in_check
  FROM (SELECT * FROM bulk_check EXCEPT ALL SELECT * FROM bulk_verify) d;
-- the foreign keys verify compared were the resolved ones
SELECT object, problem, want FROM bulk_verify
 WHERE relation = 'bulk.bulk_17' ORDER BY object, problem;

SET client_min_messages = warning;
DROP SCHEMA bulk CASCADE;
RESET client_min_messages;
SELECT count(*) AS removed
  FROM dbt_contract_apply_yaml('version: 2', 'bulk_read', 'bulk', allow_breaking => true);
