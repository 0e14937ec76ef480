/*-------------------------------------------------------------------------
 * verify.c
 *	  Every discrepancy between the enforced contracts and the live
 *	  database: dbt_contract_verify() and, for one relation,
 *	  dbt_contract_check().
 *
 * All contracts are read at once (contract_read.c) and the live relations
 * in one pass over each system catalog (contract_match.c), so verifying
 * thousands of relations issues no query per table.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_verify);
PG_FUNCTION_INFO_V1(dbt_contract_check);

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * One row of (model, version, relation, object, problem, have, want,
 * target).
 */
static void
put_problem(ResultSink *sink, const ContractModel *spec, const char *relation,
			const char *object, const char *problem, const char *have,
			const char *want)
{
	Datum		values[8];
	bool		nulls[8];

	values[0] = CStringGetTextDatum(spec->name);
	nulls[0] = false;
	values[1] = spec->version ? CStringGetTextDatum(spec->version) : (Datum) 0;
	nulls[1] = spec->version == NULL;
	values[2] = text_or_null(relation, &nulls[2]);
	values[3] = text_or_null(object, &nulls[3]);
	values[4] = text_or_null(problem, &nulls[4]);
	values[5] = text_or_null(have, &nulls[5]);
	values[6] = text_or_null(want, &nulls[6]);
	values[7] = text_or_null(spec->target, &nulls[7]);
	tuplestore_putvalues(sink->store, sink->desc, values, nulls);
}

/*
 * Relations whose columns can be compared with a contract: what dbt builds
 * (tables, views, materialized views) and foreign tables.  Constraints
 * are compared on tables only.
 */
static bool
is_checkable(char relkind)
{
	return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_VIEW || relkind == RELKIND_MATVIEW ||
		relkind == RELKIND_FOREIGN_TABLE;
}

/*
 * Every problem of one contract against the live catalog: its relation,
 * or relid when given (dbt_contract_check of a relation under another
 * name, such as dbt's __dbt_tmp).  With cat, the relations were read from
 * the catalog in bulk (dbt_contract_verify).
 */
static void
verify_spec(ResultSink *sink, const ContractModel *spec, Oid relid, LiveCatalog *cat)
{
	char	   *relation;
	char		relkind = '\0';
	MatchReport *report;
	ListCell   *lc;

	if (!contract_model_verified(spec))
		return;
	if (cat != NULL)
		relid = contract_live_catalog_relid(cat, spec->relation_schema, spec->relation_name,
								   &relkind);
	else if (!OidIsValid(relid))
		relid = contract_model_relid(spec);
	if (!OidIsValid(relid))
	{
		relation = quote_qualified_identifier(spec->relation_schema,
											  spec->relation_name);
		put_problem(sink, spec, relation, relation, "relation missing", NULL,
					spec->materialized ? spec->materialized : "a table or view");
		return;
	}
	if (cat != NULL)
		relation = quote_qualified_identifier(spec->relation_schema, spec->relation_name);
	else
	{
		relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											  get_rel_name(relid));
		relkind = get_rel_relkind(relid);
	}
	if (!is_checkable(relkind))
	{
		put_problem(sink, spec, relation, relation, "relation kind",
					contract_relkind_name(relkind),
					spec->materialized ? spec->materialized : "a table or view");
		return;
	}
	report = cat != NULL ? contract_match_live(cat, relid, spec) :
		contract_match_relation(relid, spec, true);
	foreach(lc, report->problems)
	{
		MatchProblem *p = lfirst(lc);

		put_problem(sink, spec, relation, p->object, p->problem, p->have, p->want);
	}
}

/*
 * dbt_contract_verify(target text DEFAULT NULL) RETURNS TABLE (model,
 * version, relation, object, problem, have, want, target): every
 * discrepancy between enforced contracts (of one target, or of all) and
 * the live catalog.
 */
Datum
dbt_contract_verify(PG_FUNCTION_ARGS)
{
	ResultSink	sink = dbtc_srf_begin(fcinfo);
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext,
											   "dbt_contract verify",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext per_spec = AllocSetContextCreate(work, "dbt_contract verify one",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(work);
	/* 0.1.0's SQL declares no argument: until ALTER EXTENSION UPDATE */
	char	   *target = PG_NARGS() > 0 && !PG_ARGISNULL(0) ?
		text_to_cstring(PG_GETARG_TEXT_PP(0)) : NULL;
	List	   *specs;
	LiveCatalog *cat;
	ListCell   *lc;

	/* one read of the contracts, one pass over each catalog */
	specs = contract_load_enforced();
	if (target != NULL)
	{
		List	   *mine = NIL;

		foreach(lc, specs)
		{
			ContractModel *m = lfirst(lc);

			/* a 0.1.0 catalog has no target: its models are in none */
			if (m->target != NULL && strcmp(m->target, target) == 0)
				mine = lappend(mine, m);
		}
		specs = mine;
	}
	cat = contract_live_catalog_load(specs);
	foreach(lc, specs)
	{
		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(per_spec);
		verify_spec(&sink, lfirst(lc), InvalidOid, cat);
		MemoryContextSwitchTo(work);
		MemoryContextReset(per_spec);
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(work);
	return (Datum) 0;
}

/*
 * dbt_contract_check(regclass): the rows dbt_contract_verify() has for
 * one relation -- none when its contract is not enforced, as verify skips
 * those.  A relation with no contract at all is an error.
 */
Datum
dbt_contract_check(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ResultSink	sink = dbtc_srf_begin(fcinfo);
	ContractModel *spec = contract_for_relation(relid);

	verify_spec(&sink, spec, relid, NULL);
	return (Datum) 0;
}
