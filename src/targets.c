/*-------------------------------------------------------------------------
 * targets.c
 *	  The lifecycle of a target (dbt's target.schema): dropping one
 *	  target's contracts as a whole, and saying so when the base schema of
 *	  a target that still has contracts is dropped.
 *
 * A dropped schema does not remove its target's contracts: the same DROP
 * SCHEMA ... CASCADE ends a CI run, a pg_restore --clean and a mistaken
 * drop of production, and only in the first are the contracts (production's
 * breaking-change baseline, its history) no longer wanted.  The sql_drop
 * trigger reports it instead, naming dbt_contract_drop_target.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_drop_target);

/*
 * One statement removes everything of the target; each kind comes back
 * as a row (kind, count, names), zero rows removed included, so a script
 * can run it twice.  Clone views recorded in the target's schemas are
 * forgotten (the views themselves are the schema owner's to drop).
 */
static const char *const drop_target_sql =
"WITH m AS ("
"  DELETE FROM dbt_contract.contract_model WHERE target = $1"
"  RETURNING model_id, model || coalesce(' v' || version, '') AS label,"
"            relation_schema),"
" c AS (DELETE FROM dbt_contract.contract_column"
"       WHERE model_id IN (SELECT model_id FROM m) RETURNING 1),"
" k AS (DELETE FROM dbt_contract.contract_constraint"
"       WHERE model_id IN (SELECT model_id FROM m) RETURNING 1),"
" t AS (DELETE FROM dbt_contract.contract_test"
"       WHERE model_id IN (SELECT model_id FROM m) RETURNING 1),"
" e AS (DELETE FROM dbt_contract.contract_semantic"
"       WHERE model_id IN (SELECT model_id FROM m) RETURNING 1),"
" s AS (DELETE FROM dbt_contract.contract_source WHERE target = $1"
"       RETURNING source),"
" h AS (DELETE FROM dbt_contract.apply_history WHERE target = $1"
"       RETURNING apply_id),"
" v AS (DELETE FROM dbt_contract.clone_view"
"       WHERE to_schema = $1"
"          OR to_schema IN (SELECT relation_schema FROM m)"
"       RETURNING to_schema, relation_name)"
"SELECT 'models', count(*), array_agg(label ORDER BY label COLLATE \"C\")"
"  FROM m "
"UNION ALL "
"SELECT 'sources', count(*), array_agg(source ORDER BY source COLLATE \"C\")"
"  FROM s "
"UNION ALL "
"SELECT 'history', count(*), NULL FROM h "
"UNION ALL "
"SELECT 'clone views', count(*),"
"       array_agg(format('%I.%I', to_schema, relation_name)"
"                 ORDER BY to_schema COLLATE \"C\", relation_name COLLATE \"C\")"
"  FROM v";

/*
 * dbt_contract_drop_target(target text) RETURNS TABLE (kind text,
 * removed bigint, names text[]): remove every contract, source, apply
 * history row and clone record of one target, as the end of a CI run
 * does.  Who may: whoever may apply for that target.
 */
Datum
dbt_contract_drop_target(PG_FUNCTION_ARGS)
{
	char	   *target = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ResultSink	sink;
	OwnerContext oc;
	Datum		args[1];
	Oid			types[1] = {TEXTOID};
	uint64		i;
	int			rc;

	contract_check_target_privilege(target, GetUserId());
	sink = dbtc_srf_begin(fcinfo);

	dbtc_begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	/* as an apply: never beside another apply */
	rc = SPI_execute("LOCK TABLE dbt_contract.contract_model IN EXCLUSIVE MODE",
					 false, 0);
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "dbt_contract: locking the contract catalog failed: %s",
			 SPI_result_code_string(rc));
	args[0] = CStringGetTextDatum(target);
	rc = SPI_execute_with_args(drop_target_sql, 1, types, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dbt_contract: dropping target \"%s\" failed: %s",
			 target, SPI_result_code_string(rc));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		Datum		values[3];
		bool		nulls[3];
		int			j;

		for (j = 0; j < 3; j++)
			values[j] = SPI_getbinval(tup, td, j + 1, &nulls[j]);
		/* the tuplestore copies the row, arrays included */
		tuplestore_putvalues(sink.store, sink.desc, values, nulls);
	}
	SPI_finish();
	dbtc_end_as_owner(&oc);
	return (Datum) 0;
}

/*
 * At sql_drop of DROP SCHEMA (or DROP OWNED): for every dropped schema
 * that is the base schema of a target with contracts, a NOTICE that the
 * contracts stay and how to remove them: information, like PostgreSQL's
 * own "drop cascades to", since contracts left behind harm nothing.
 * Called only for those commands, so other drops (dbt's __dbt_backup,
 * once per model) pay nothing.
 */
void
contract_report_dropped_targets(Node *parsetree)
{
	OwnerContext oc;
	MemoryContext outer = CurrentMemoryContext;
	List	   *targets = NIL;
	List	   *counts = NIL;
	Oid			model_rel;
	ListCell   *lc1;
	ListCell   *lc2;
	uint64		i;
	int			rc;

	if (!((IsA(parsetree, DropStmt) &&
		   ((DropStmt *) parsetree)->removeType == OBJECT_SCHEMA) ||
		  IsA(parsetree, DropOwnedStmt)))
		return;
	/*
	 * DROP OWNED can take the extension's own catalog with it; a 0.1.0
	 * catalog (before ALTER EXTENSION UPDATE) has no targets.
	 */
	model_rel = get_relname_relid("contract_model",
								  get_namespace_oid("dbt_contract", true));
	if (!OidIsValid(model_rel) ||
		get_attnum(model_rel, "target") == InvalidAttrNumber)
		return;

	dbtc_begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	rc = SPI_execute("SELECT m.target, count(*)::int "
					 "  FROM pg_catalog.pg_event_trigger_dropped_objects() d "
					 "  JOIN dbt_contract.contract_model m "
					 "    ON m.target OPERATOR(pg_catalog.=) d.object_name "
					 " WHERE d.object_type OPERATOR(pg_catalog.=) 'schema' "
					 " GROUP BY m.target ORDER BY m.target COLLATE \"C\"",
					 true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dbt_contract: reading the dropped schemas failed: %s",
			 SPI_result_code_string(rc));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext spi = MemoryContextSwitchTo(outer);

		targets = lappend(targets, SPI_getvalue(tup, td, 1));
		counts = lappend_int(counts,
							 DatumGetInt32(SPI_getbinval(tup, td, 2, &isnull)));
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	dbtc_end_as_owner(&oc);

	forboth(lc1, targets, lc2, counts)
	{
		const char *target = lfirst(lc1);
		int			n = lfirst_int(lc2);

		ereport(NOTICE,
				(errmsg_plural("schema \"%s\" was the target of %d dbt contract, which stays loaded",
							   "schema \"%s\" was the target of %d dbt contracts, which stay loaded",
							   n, target, n),
				 errdetail("Target \"%s\" keeps its contracts, sources and history: they are production's breaking-change baseline if this was a mistaken drop or a restore, and they are enforced again when the schema is built anew.",
						   target),
				 errhint("At the end of a CI run, remove them with: SELECT * FROM dbt_contract_drop_target(%s);",
						 quote_literal_cstr(target))));
	}
}
