/*-------------------------------------------------------------------------
 * exports.c
 *	  The one statement the BI exports execute: dbt_contract_add_not_enforced_fks
 *	  builds ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ... NOT ENFORCED
 *	  from quoted identifiers in SQL, and this parses it back before it runs,
 *	  so that nothing else can ever be executed in its name.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dbt_contract.h"
#include "compat.h"

PG_FUNCTION_INFO_V1(dbt_contract_check_fk_statement);

static void
refuse(const char *stmt, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("generated statement is not the expected foreign key"),
			 errdetail("%s: %s", why, stmt)));
}

/*
 * dbt_contract.check_fk_statement(stmt text, rel regclass, ref regclass)
 *
 * Errors unless stmt is exactly one ALTER TABLE of rel with exactly one
 * ADD CONSTRAINT ... FOREIGN KEY ... REFERENCES ref ... NOT ENFORCED.
 * The relation names are resolved as the statement will resolve them.
 */
Datum
dbt_contract_check_fk_statement(PG_FUNCTION_ARGS)
{
	char	   *stmt = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			rel = PG_GETARG_OID(1);
	Oid			ref = PG_GETARG_OID(2);
	List	   *raw;
	AlterTableStmt *ats;
	AlterTableCmd *cmd;
	Constraint *con;

	if (!DBTC_HAVE_NOT_ENFORCED_FK)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("NOT ENFORCED foreign keys need PostgreSQL 18 or later")));

	raw = DBTC_RAW_PARSE(stmt);
	if (list_length(raw) != 1)
		refuse(stmt, "not exactly one statement");
	ats = (AlterTableStmt *) ((RawStmt *) linitial(raw))->stmt;
	if (!IsA(ats, AlterTableStmt) || DBTC_ALTER_TABLE_OBJTYPE(ats) != OBJECT_TABLE ||
		ats->missing_ok)
		refuse(stmt, "not ALTER TABLE");
	if (RangeVarGetRelid(ats->relation, NoLock, true) != rel || !ats->relation->inh)
		refuse(stmt, "not the expected table");
	if (list_length(ats->cmds) != 1)
		refuse(stmt, "not exactly one subcommand");
	cmd = linitial_node(AlterTableCmd, ats->cmds);
	if (cmd->subtype != AT_AddConstraint || !IsA(cmd->def, Constraint))
		refuse(stmt, "not ADD CONSTRAINT");
	con = (Constraint *) cmd->def;
	if (con->contype != CONSTR_FOREIGN || DBTC_FK_ENFORCED(con) ||
		con->pktable == NULL ||
		RangeVarGetRelid(con->pktable, NoLock, true) != ref)
		refuse(stmt, "not a NOT ENFORCED foreign key to the expected table");

	PG_RETURN_VOID();
}
