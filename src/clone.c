/*-------------------------------------------------------------------------
 * clone.c
 *	  dbt_contract_clone: fill a dev target with views onto the production
 *	  relations of contracted models it lacks, the way dbt's clone falls
 *	  back on PostgreSQL, so a BI tool pointed at dev finds every relation.
 *	  Target to target, each view goes where the dev target's contract
 *	  (or dbt's default schema naming) puts the model.
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
	char	   *from_schema;	/* production's relation */
	char	   *from_relname;
	char	   *to_schema;		/* where the dev target has (or would have) it */
	char	   *to_relname;
	bool		tracked;		/* a view this function created before */
	bool		differs;		/* to's enforced contract is not from's */
} CloneCandidate;

/*
 * Target to target: every contract of the from target, placed where the
 * to target's contract of the same model and version puts it, else where
 * dbt's default generate_schema_name would (the to target, or
 * <to>_<custom> for <from>_<custom>).  A verbatim custom schema is shared
 * by both targets: nothing to clone there.  A view of production's
 * relation can stand in only where the dev target's enforced contract
 * declares the same columns (the event trigger checks it like any view).
 */
static const char *const clone_targets_sql =
"SELECT f.model, f.relation_schema, f.relation_name, d.to_schema,"
"       coalesce(t.relation_name, f.relation_name),"
"       cv.relation_name IS NOT NULL,"
"       coalesce(t.enforced, false) AND"
"       (SELECT string_agg(format('%s %s %s', c.attname, c.type_oid, c.typmod), ','"
"                          ORDER BY c.ordinal)"
"          FROM dbt_contract.contract_column c WHERE c.model_id = f.model_id)"
"       IS DISTINCT FROM"
"       (SELECT string_agg(format('%s %s %s', c.attname, c.type_oid, c.typmod), ','"
"                          ORDER BY c.ordinal)"
"          FROM dbt_contract.contract_column c WHERE c.model_id = t.model_id)"
"  FROM dbt_contract.contract_model f"
"  LEFT JOIN dbt_contract.contract_model t"
"         ON t.target = $2 AND t.model = f.model"
"        AND t.version IS NOT DISTINCT FROM f.version"
"  CROSS JOIN LATERAL (SELECT coalesce(t.relation_schema,"
"         CASE WHEN f.relation_schema = $1 THEN $2"
"              WHEN starts_with(f.relation_schema, $1 || '_')"
"              THEN $2 || substr(f.relation_schema, length($1) + 1) END)"
"         AS to_schema) d"
"  LEFT JOIN dbt_contract.clone_view cv"
"         ON cv.to_schema = d.to_schema"
"        AND cv.relation_name = coalesce(t.relation_name, f.relation_name)"
" WHERE f.target = $1 AND d.to_schema IS NOT NULL"
"   AND d.to_schema <> f.relation_schema"
" ORDER BY f.relation_schema, f.relation_name";

/* Schema to schema (no contracts of a target named from_schema). */
static const char *const clone_schemas_sql =
"SELECT m.model, m.relation_schema, m.relation_name, $2, m.relation_name,"
"       c.relation_name IS NOT NULL, false"
"  FROM dbt_contract.contract_model m"
"  LEFT JOIN dbt_contract.clone_view c"
"    ON c.to_schema = $2 AND c.relation_name = m.relation_name"
" WHERE m.relation_schema = $1"
" ORDER BY m.relation_name";

/*
 * What to clone from `from` into `to`: by their targets' contracts when
 * `from` is a target that has contracts, else the contracted relations
 * of schema `from`, into schema `to`.
 */
static List *
clone_candidates(const char *from, const char *to)
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
	args[0] = CStringGetTextDatum(from);
	args[1] = CStringGetTextDatum(to);
	rc = SPI_execute_with_args("SELECT 1 FROM dbt_contract.contract_model WHERE target = $1",
							   1, types, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dbt_contract: reading the targets failed: %s",
			 SPI_result_code_string(rc));
	rc = SPI_execute_with_args(SPI_processed > 0 ? clone_targets_sql : clone_schemas_sql,
							   2, types, args, NULL, true, 0);
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

		CHECK_FOR_INTERRUPTS();
		c->model = SPI_getvalue(tup, td, 1);
		c->from_schema = SPI_getvalue(tup, td, 2);
		c->from_relname = SPI_getvalue(tup, td, 3);
		c->to_schema = SPI_getvalue(tup, td, 4);
		c->to_relname = SPI_getvalue(tup, td, 5);
		c->tracked = DatumGetBool(SPI_getbinval(tup, td, 6, &isnull));
		c->differs = DatumGetBool(SPI_getbinval(tup, td, 7, &isnull));
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
 * whose relation exists in production but not in the dev target, create a
 * view there selecting from it.  Both arguments are targets when
 * from_schema has contracts as a target (the views go where the dev
 * target's contracts, or dbt's default schema names, put the models,
 * custom schemas included); else schemas.  Actions: created; exists (a
 * view this function made earlier is still there); skipped (the dev
 * target has a relation of that name this function did not make, e.g. a
 * dbt build); differs (the dev target's enforced contract declares other
 * columns, so production's relation cannot stand in: build the model);
 * no schema (the dev target's custom schema does not exist yet).
 */
Datum
dbt_contract_clone(PG_FUNCTION_ARGS)
{
	ResultSink	sink;
	char	   *from_schema;
	char	   *to_schema;
	char	   *caller = GetUserNameFromId(GetUserId(), false);
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
	(void) get_namespace_oid(from_schema, false);
	(void) get_namespace_oid(to_schema, false);

	sink = dbtc_srf_begin(fcinfo);

	foreach(lc, clone_candidates(from_schema, to_schema))
	{
		CloneCandidate *c = lfirst(lc);
		Oid			from_nsp = get_namespace_oid(c->from_schema, true);
		Oid			to_nsp = get_namespace_oid(c->to_schema, true);
		Oid			existing;
		const char *action;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(from_nsp) ||
			!OidIsValid(get_relname_relid(c->from_relname, from_nsp)))
			continue;			/* not built in production: nothing to show */
		existing = OidIsValid(to_nsp) ?
			get_relname_relid(c->to_relname, to_nsp) : InvalidOid;
		if (!OidIsValid(to_nsp))
			action = "no schema";
		else if (OidIsValid(existing))
		{
			if (c->tracked && get_rel_relkind(existing) == RELKIND_VIEW)
				action = "exists";
			else
			{
				/* replaced since (dbt built the model in dev): not ours any more */
				if (c->tracked)
					track_clone(c->to_schema, c->to_relname, c->from_schema,
								caller, false);
				action = "skipped";
			}
		}
		else if (c->differs)
			action = "differs";
		else
		{
			char	   *sql = psprintf("CREATE VIEW %s AS SELECT * FROM %s",
									   quote_qualified_identifier(c->to_schema, c->to_relname),
									   quote_qualified_identifier(c->from_schema, c->from_relname));

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
			track_clone(c->to_schema, c->to_relname, c->from_schema, caller, true);
			action = "created";
		}
		values[0] = CStringGetTextDatum(c->model);
		values[1] = CStringGetTextDatum(quote_qualified_identifier(c->to_schema,
																   c->to_relname));
		values[2] = CStringGetTextDatum(action);
		tuplestore_putvalues(sink.store, sink.desc, values, nulls);
	}
	return (Datum) 0;
}
