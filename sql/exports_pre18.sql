--
-- exports_pre18: before PostgreSQL 18 there are no NOT ENFORCED foreign
-- keys, and the functions that would declare them refuse, saying why.
-- Run only before PostgreSQL 18 (see REGRESS in the Makefile); after the
-- exports suite, whose models it names.
--
SELECT * FROM dbt_contract_not_enforced_fk_ddl(ARRAY['bi_orders']);
SELECT * FROM dbt_contract_add_not_enforced_fks();
SELECT dbt_contract.check_fk_statement(
    'ALTER TABLE bi_t.bi_orders ADD FOREIGN KEY (billing_email) REFERENCES bi_t.bi_customers (email)',
    'bi_t.bi_orders', 'bi_t.bi_customers');
-- nothing was added
SELECT conname, contype FROM pg_constraint
 WHERE conrelid = 'bi_t.bi_orders'::regclass ORDER BY 1;
