/*-------------------------------------------------------------------------
 * clone.c
 *	  dbt_contract_clone: fill a dev schema with views onto the production
 *	  relations of contracted models it lacks, the way dbt's clone falls
 *	  back on PostgreSQL, so a BI tool pointed at dev finds every relation.
 *
 * Views are created as the caller (who needs CREATE on the dev schema);
 * the extension remembers which ones it created so that it never replaces
 * a relation it did not make, and a later dbt build of the model in dev
 * simply replaces the view.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_clone);

typedef struct CloneCandidate
{
	char	   *model;
	char	   *relname;
	bool		tracked;		/* a view this function created before */
} CloneCandidate;

/* Contracted relations of from_schema, and which to_schema views are ours. */
static List *
clone_candidates(const char *from_schema, const char *to_schema)
{
	OwnerContext oc;
	Datum		args[2];
	Oid			types[2] = {TEXTOID, TEXTOID};
	List	   *res = NIL;
	MemoryContext outer = CurrentMemoryContext;
	uint64		i;
	int			rc;

	dbtc_begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	args[0] = CStringGetTextDatum(from_schema);
	args[1] = CStringGetTextDatum(to_schema);
	rc = SPI_execute_with_args("SELECT DISTINCT ON (m.relation_name) m.model, m.relation_name, "
							   "       c.relation_name IS NOT NULL "
							   "  FROM dbt_contract.contract_model m "
							   "  LEFT JOIN dbt_contract.clone_view c "
							   "    ON c.to_schema = $2 AND c.relation_name = m.relation_name "
							   " WHERE m.relation_schema = $1 "
							   " ORDER BY m.relation_name, m.model",
							   2, types, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dbt_contract: reading contracted relations failed: %s",
			 SPI_result_code_string(rc));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		MemoryContext spi = MemoryContextSwitchTo(outer);
		CloneCandidate *c = palloc(sizeof(CloneCandidate));
		bool		isnull;

		c->model = pstrdup(SPI_getvalue(tup, td, 1));
		c->relname = pstrdup(SPI_getvalue(tup, td, 2));
		c->tracked = DatumGetBool(SPI_getbinval(tup, td, 3, &isnull));
		res = lappend(res, c);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	dbtc_end_as_owner(&oc);
	return res;
}

/*
 * Remember (or forget) a view this function created, and who asked for
 * it: `caller` is the role that called dbt_contract_clone, taken before
 * the switch to the catalog owner (whom current_user names meanwhile).
 */
static void
track_clone(const char *to_schema, const char *relname, const char *from_schema,
			const char *caller, bool add)
{
	OwnerContext oc;
	Datum		args[4];
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	int			rc;

	dbtc_begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	args[0] = CStringGetTextDatum(to_schema);
	args[1] = CStringGetTextDatum(relname);
	args[2] = CStringGetTextDatum(from_schema);
	args[3] = CStringGetTextDatum(caller);
	rc = add ?
		SPI_execute_with_args("INSERT INTO dbt_contract.clone_view "
							  "  (to_schema, relation_name, from_schema, created_at, created_by) "
							  "VALUES ($1, $2, $3, statement_timestamp(), $4) "
							  "ON CONFLICT (to_schema, relation_name) DO UPDATE "
							  "SET from_schema = EXCLUDED.from_schema, "
							  "    created_at = EXCLUDED.created_at, "
							  "    created_by = EXCLUDED.created_by",
							  4, types, args, NULL, false, 0) :
		SPI_execute_with_args("DELETE FROM dbt_contract.clone_view "
							  "WHERE to_schema = $1 AND relation_name = $2",
							  2, types, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT && rc != SPI_OK_DELETE)
		elog(ERROR, "dbt_contract: recording a clone failed: %s",
			 SPI_result_code_string(rc));
	SPI_finish();
	dbtc_end_as_owner(&oc);
}

/*
 * dbt_contract_clone(from_schema text, to_schema text) RETURNS TABLE
 * (model text, relation text, action text): for every contracted model
 * whose relation exists in from_schema but not in to_schema, create a
 * view in to_schema selecting from it.  Actions: created; exists (a view
 * this function made earlier is still there); skipped (to_schema has a
 * relation of that name this function did not make, e.g. a dbt build).
 */
Datum
dbt_contract_clone(PG_FUNCTION_ARGS)
{
	ResultSink	sink;
	char	   *from_schema;
	char	   *to_schema;
	char	   *caller = GetUserNameFromId(GetUserId(), false);
	Oid			from_nsp;
	Oid			to_nsp;
	ListCell   *lc;
	int			rc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("from_schema and to_schema must not be null")));
	from_schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
	to_schema = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strcmp(from_schema, to_schema) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot clone schema \"%s\" into itself", from_schema)));
	from_nsp = get_namespace_oid(from_schema, false);
	to_nsp = get_namespace_oid(to_schema, false);

	sink = dbtc_srf_begin(fcinfo);

	foreach(lc, clone_candidates(from_schema, to_schema))
	{
		CloneCandidate *c = lfirst(lc);
		Oid			existing = get_relname_relid(c->relname, to_nsp);
		const char *action;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(get_relname_relid(c->relname, from_nsp)))
			continue;			/* not built in from_schema: nothing to show */
		if (OidIsValid(existing))
		{
			if (c->tracked && get_rel_relkind(existing) == RELKIND_VIEW)
				action = "exists";
			else
			{
				/* replaced since (dbt built the model in dev): not ours any more */
				if (c->tracked)
					track_clone(to_schema, c->relname, from_schema, caller, false);
				action = "skipped";
			}
		}
		else
		{
			char	   *sql = psprintf("CREATE VIEW %s AS SELECT * FROM %s",
									   quote_qualified_identifier(to_schema, c->relname),
									   quote_qualified_identifier(from_schema, c->relname));

			/* as the caller: their privileges, and the usual contract checks */
			if ((rc = SPI_connect()) != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
			dbtc_creating_clone_view = true;
			PG_TRY();
			{
				rc = SPI_execute(sql, false, 0);
			}
			PG_FINALLY();
			{
				dbtc_creating_clone_view = false;
			}
			PG_END_TRY();
			if (rc != SPI_OK_UTILITY)
				elog(ERROR, "dbt_contract: \"%s\" failed: %s", sql,
					 SPI_result_code_string(rc));
			SPI_finish();
			track_clone(to_schema, c->relname, from_schema, caller, true);
			action = "created";
		}
		values[0] = CStringGetTextDatum(c->model);
		values[1] = CStringGetTextDatum(quote_qualified_identifier(to_schema, c->relname));
		values[2] = CStringGetTextDatum(action);
		tuplestore_putvalues(sink.store, sink.desc, values, nulls);
	}
	return (Datum) 0;
}
