--
-- enforce_pg17: PostgreSQL 17's event_triggers setting switches every
-- event trigger off; enforcement_status shows it, and who may set it.
-- Run only on PostgreSQL 17 and later (see REGRESS in the Makefile).
--
CREATE ROLE regress_pg17_operator;
SELECT control, setting, enforcing
  FROM dbt_contract.enforcement_status WHERE control = 'event_triggers';
SET event_triggers = off;
SELECT control, setting, enforcing, detail
  FROM dbt_contract.enforcement_status WHERE control = 'event_triggers';
RESET event_triggers;
GRANT SET ON PARAMETER event_triggers TO regress_pg17_operator;
SELECT who_can_change LIKE '%granted SET: regress_pg17_operator%' AS names_grantee
  FROM dbt_contract.enforcement_status WHERE control = 'event_triggers';
REVOKE SET ON PARAMETER event_triggers FROM regress_pg17_operator;
DROP ROLE regress_pg17_operator;
