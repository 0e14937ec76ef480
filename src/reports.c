/*-------------------------------------------------------------------------
 * reports.c
 *	  What the contracts say about the live database: every discrepancy
 *	  (dbt_contract_verify, dbt_contract_check), the DDL a contract
 *	  implies (dbt_contract_ddl), and adding what is missing
 *	  (dbt_contract_repair).
 *
 * All contracts are read with one query and compared through the catalog
 * caches, so verifying thousands of relations issues no query per table.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_verify);
PG_FUNCTION_INFO_V1(dbt_contract_check);
PG_FUNCTION_INFO_V1(dbt_contract_ddl);
PG_FUNCTION_INFO_V1(dbt_contract_repair);

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/* One row of (model, version, relation, object, problem, have, want). */
static void
put_problem(ResultSink *sink, const ContractSpec *spec, const char *relation,
			const char *object, const char *problem, const char *have,
			const char *want)
{
	Datum		values[7];
	bool		nulls[7];

	values[0] = CStringGetTextDatum(spec->model);
	nulls[0] = false;
	values[1] = Int32GetDatum(spec->version);
	nulls[1] = spec->version < 0;
	values[2] = text_or_null(relation, &nulls[2]);
	values[3] = text_or_null(object, &nulls[3]);
	values[4] = text_or_null(problem, &nulls[4]);
	values[5] = text_or_null(have, &nulls[5]);
	values[6] = text_or_null(want, &nulls[6]);
	tuplestore_putvalues(sink->store, sink->desc, values, nulls);
}

static Oid
spec_relid(const ContractSpec *spec)
{
	Oid			nsp = get_namespace_oid(spec->relation_schema, true);

	return OidIsValid(nsp) ? get_relname_relid(spec->relation_name, nsp) : InvalidOid;
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

static const char *
relkind_name(char relkind)
{
	switch (relkind)
	{
		case RELKIND_RELATION:
			return "table";
		case RELKIND_PARTITIONED_TABLE:
			return "partitioned table";
		case RELKIND_VIEW:
			return "view";
		case RELKIND_MATVIEW:
			return "materialized view";
		case RELKIND_FOREIGN_TABLE:
			return "foreign table";
		case RELKIND_SEQUENCE:
			return "sequence";
		case RELKIND_INDEX:
		case RELKIND_PARTITIONED_INDEX:
			return "index";
		case RELKIND_COMPOSITE_TYPE:
			return "composite type";
		case RELKIND_TOASTVALUE:
			return "TOAST table";
		default:
			return "relation";
	}
}

/* Contracts that say something about a live relation. */
static bool
spec_is_verified(const ContractSpec *spec)
{
	/* an ephemeral model is never built */
	return spec->enforced &&
		!(spec->materialized && strcmp(spec->materialized, "ephemeral") == 0);
}

/*
 * Every problem of one contract against the live catalog: its relation,
 * or relid when given (dbt_contract_check of a relation under another
 * name, such as dbt's __dbt_tmp).  With cat, the relations were read from
 * the catalog in bulk (dbt_contract_verify).
 */
static void
verify_spec(ResultSink *sink, const ContractSpec *spec, Oid relid, LiveCatalog *cat)
{
	char	   *relation;
	char		relkind = '\0';
	MatchReport *report;
	ListCell   *lc;

	if (!spec_is_verified(spec))
		return;
	if (cat != NULL)
		relid = live_catalog_relid(cat, spec->relation_schema, spec->relation_name,
								   &relkind);
	else if (!OidIsValid(relid))
		relid = spec_relid(spec);
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
					relkind_name(relkind),
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
 * dbt_contract_verify() RETURNS TABLE (model, version, relation, object,
 * problem, have, want): every discrepancy between enforced contracts and
 * the live catalog.
 */
Datum
dbt_contract_verify(PG_FUNCTION_ARGS)
{
	ResultSink	sink = srf_begin(fcinfo);
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext,
											   "dbt_contract verify",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext per_spec = AllocSetContextCreate(work, "dbt_contract verify one",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(work);
	List	   *specs;
	LiveCatalog *cat;
	ListCell   *lc;

	/* one query for the contracts, one pass over each catalog */
	specs = contract_load_enforced();
	cat = live_catalog_load(specs);
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
 * The contract a relation is governed by (as its own relation or as dbt's
 * __dbt_tmp of it), or an error saying there is none.  The result is a
 * private copy: the backend's cached one goes away when contracts change,
 * which any catalog access may notice.
 */
static ContractSpec *
spec_for_relation(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *schema;
	bool		is_tmp;
	ContractSpec *cached;
	ContractSpec *spec = NULL;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	schema = get_namespace_name(get_rel_namespace(relid));
	cached = contract_cache_lookup(schema, relname, &is_tmp);
	if (cached != NULL)
	{
		char	   *model = pstrdup(cached->model);
		int			version = cached->version;

		spec = contract_load_model(model, version);
	}
	if (spec == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("relation %s has no contract",
						quote_qualified_identifier(schema, relname)),
				 errhint("dbt_contract.models lists the relations of loaded contracts.")));
	return spec;
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
	ResultSink	sink = srf_begin(fcinfo);
	ContractSpec *spec = spec_for_relation(relid);

	verify_spec(&sink, spec, relid, NULL);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * dbt_contract_ddl
 * ------------------------------------------------------------------------
 */
static char *
column_list(const ContractSpec *spec, List *written)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, written)
		appendStringInfo(&s, "%s%s", s.len ? ", " : "",
						 quote_identifier(constraint_attname(spec, lfirst(lc))));
	return s.data;
}

/* " <expression>" of a key or not_null constraint: dbt appends it. */
static const char *
clause_suffix(const SpecConstraint *k)
{
	if (k->expression == NULL || k->expression[0] == '\0')
		return "";
	return psprintf(" %s", k->expression);
}

/*
 * The REFERENCES clause of a foreign key: a ref() or source() target
 * resolved to its relation, or the legacy expression pasted as dbt pastes
 * it.  NULL when a ref() names a model no loaded contract defines.
 */
static char *
references_clause(const ContractSpec *spec, const SpecConstraint *k)
{
	if (k->to_text == NULL && k->expression != NULL)
		return psprintf("REFERENCES %s", k->expression);
	return contract_fk_references(spec, k);
}

/*
 * The clause a constraint renders to at column or model level, as dbt
 * renders it, or NULL when it renders to nothing here.  not_null is
 * rendered by the caller, once per column.
 */
static char *
constraint_clause(const ContractSpec *spec, const SpecConstraint *k, bool column_level)
{
	char	   *refs;
	char	   *body;

	switch (k->type)
	{
		case CC_PRIMARY_KEY:
			body = column_level ?
				psprintf("PRIMARY KEY%s", clause_suffix(k)) :
				psprintf("PRIMARY KEY%s (%s)", clause_suffix(k),
						 column_list(spec, k->columns));
			break;
		case CC_UNIQUE:
			body = column_level ?
				psprintf("UNIQUE%s", clause_suffix(k)) :
				psprintf("UNIQUE%s (%s)", clause_suffix(k),
						 column_list(spec, k->columns));
			break;
		case CC_CHECK:
			body = psprintf("CHECK (%s)", k->expression);
			break;
		case CC_FOREIGN_KEY:
			refs = references_clause(spec, k);
			if (refs == NULL)
				return NULL;
			body = column_level ? refs :
				psprintf("FOREIGN KEY (%s) %s", column_list(spec, k->columns), refs);
			break;
		case CC_CUSTOM:
			/* dbt names a custom constraint at model level only */
			if (column_level)
				return pstrdup(k->expression);
			body = pstrdup(k->expression);
			break;
		case CC_NOT_NULL:
		default:
			return NULL;
	}
	if (k->name)
		return psprintf("CONSTRAINT %s %s", quote_identifier(k->name), body);
	return body;
}

/*
 * Does a not_null constraint cover the column?  dbt renders a model-level
 * not_null as nothing, but the table the contract implies has NOT NULL.
 */
static bool
column_has_not_null(const ContractSpec *spec, const SpecColumn *c)
{
	ListCell   *lc;

	foreach(lc, spec->constraints)
	{
		SpecConstraint *k = lfirst(lc);
		ListCell   *l2;

		if (k->type != CC_NOT_NULL)
			continue;
		foreach(l2, k->columns)
			if (strcmp(constraint_attname(spec, lfirst(l2)), c->attname) == 0)
				return true;
	}
	return false;
}

/* Is k a column-level constraint of column c? */
static bool
constraint_of_column(const ContractSpec *spec, const SpecConstraint *k,
					 const SpecColumn *c)
{
	return !k->model_level && list_length(k->columns) == 1 &&
		strcmp(constraint_attname(spec, linitial(k->columns)), c->attname) == 0;
}

/* The line saying why a foreign key is not in the DDL. */
static char *
unrendered_fk_comment(const ContractSpec *spec, const SpecConstraint *k)
{
	return psprintf("    -- not rendered: foreign_key (%s) to %s: no loaded contract defines model \"%s\"%s",
					column_list(spec, k->columns), k->to_text ? k->to_text : k->to_model,
					k->to_model,
					k->to_version >= 0 ? psprintf(" version %d", k->to_version) : "");
}

/*
 * The CREATE TABLE a contract implies: columns in contract order with
 * their types, column-level constraints after each column, model-level
 * ones after the columns, foreign keys pointing at the relations of the
 * models they ref().
 */
static char *
contract_ddl(const ContractSpec *spec)
{
	StringInfoData s;
	List	   *unrendered = NIL;
	ListCell   *lc;
	int			i;
	bool		first = true;

	initStringInfo(&s);
	appendStringInfo(&s, "CREATE TABLE %s (",
					 quote_qualified_identifier(spec->relation_schema, spec->relation_name));
	for (i = 0; i < spec->ncolumns; i++)
	{
		const SpecColumn *c = &spec->columns[i];

		if (!OidIsValid(c->type_oid))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("column \"%s\" of %s has no data_type", c->name, spec_label(spec)),
					 errhint("A contract implies DDL only when every column has a data_type.")));
		appendStringInfo(&s, "%s\n    %s %s", first ? "" : ",",
						 quote_identifier(c->attname),
						 format_type_with_typemod(c->type_oid, c->typmod));
		first = false;
		if (column_has_not_null(spec, c))
			appendStringInfoString(&s, " NOT NULL");
		foreach(lc, spec->constraints)
		{
			SpecConstraint *k = lfirst(lc);
			char	   *clause;

			if (!constraint_of_column(spec, k, c))
				continue;
			if ((clause = constraint_clause(spec, k, true)) != NULL)
				appendStringInfo(&s, " %s", clause);
			else if (k->type == CC_FOREIGN_KEY)
				unrendered = lappend(unrendered, unrendered_fk_comment(spec, k));
		}
	}
	foreach(lc, spec->constraints)
	{
		SpecConstraint *k = lfirst(lc);
		char	   *clause;

		if (!k->model_level)
			continue;
		if ((clause = constraint_clause(spec, k, false)) != NULL)
			appendStringInfo(&s, ",\n    %s", clause);
		else if (k->type == CC_FOREIGN_KEY)
			unrendered = lappend(unrendered, unrendered_fk_comment(spec, k));
	}
	/* after the last element, where a comment keeps the statement valid */
	foreach(lc, unrendered)
		appendStringInfo(&s, "\n%s", (char *) lfirst(lc));
	appendStringInfoString(&s, "\n);");
	return s.data;
}

/* dbt_contract_ddl(model text, version int DEFAULT NULL) RETURNS text */
Datum
dbt_contract_ddl(PG_FUNCTION_ARGS)
{
	char	   *model;
	int			version;
	ContractSpec *spec;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be null")));
	model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	version = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1);
	spec = contract_load_model(model, version);
	if (spec == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 version >= 0 ?
				 errmsg("no contract is loaded for model \"%s\" version %d", model, version) :
				 errmsg("no contract is loaded for model \"%s\"", model),
				 errhint("dbt_contract.models lists the loaded models; a versioned model needs its version, as in dbt_contract_ddl('%s', 2).",
						 model)));
	PG_RETURN_TEXT_P(cstring_to_text(contract_ddl(spec)));
}

/* ------------------------------------------------------------------------
 * dbt_contract_repair
 * ------------------------------------------------------------------------
 */
typedef struct RepairStep
{
	const ContractSpec *spec;
	char	   *relation;
	char	   *object;
	char	   *sql;
	bool		foreign_key;
} RepairStep;

/* What repairing one relation (a table) against its contract takes. */
static List *
repair_steps(List *steps, const ContractSpec *spec, Oid relid)
{
	MatchReport *report;
	char		relkind;
	ListCell   *lp;

	if (!OidIsValid(relid) || !spec_is_verified(spec))
		return steps;
	relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return steps;
	report = contract_match_relation(relid, spec, true);
	foreach(lp, report->problems)
	{
		MatchProblem *p = lfirst(lp);
		RepairStep *step;

		if (p->repair == NULL)
			continue;
		step = palloc(sizeof(RepairStep));
		step->spec = spec;
		step->relation = report->relation;
		step->object = p->object;
		step->sql = p->repair;
		step->foreign_key = strcmp(p->problem, "foreign key lost") == 0;
		steps = lappend(steps, step);
	}
	return steps;
}

/* Say which statement of the repair failed, and for which model. */
static void
repair_error_context(void *arg)
{
	RepairStep *step = (RepairStep *) arg;

	errcontext("dbt_contract_repair of %s, %s",
			   step->relation, spec_label(step->spec));
}

/*
 * dbt_contract_repair(rel regclass DEFAULT NULL) RETURNS TABLE (model,
 * version, relation, object, statement): add the declared constraints
 * that live tables lack -- of every enforced contract, or of rel.  Runs
 * as the caller (who must own the tables), in the caller's transaction:
 * every ADD validates the existing rows, and one failure undoes all.
 * Nothing is dropped or rewritten; a constraint whose declared name is
 * taken by another is left to the user.
 */
Datum
dbt_contract_repair(PG_FUNCTION_ARGS)
{
	ResultSink	sink = srf_begin(fcinfo);
	List	   *steps = NIL;
	int			pass;
	int			rc;

	if (PG_ARGISNULL(0))
	{
		ListCell   *lc;

		foreach(lc, contract_load_enforced())
			steps = repair_steps(steps, lfirst(lc), spec_relid(lfirst(lc)));
	}
	else
	{
		Oid			relid = PG_GETARG_OID(0);

		steps = repair_steps(steps, spec_for_relation(relid), relid);
	}

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	/* keys before the foreign keys that may reference them */
	for (pass = 0; pass < 2; pass++)
	{
		ListCell   *lc;

		foreach(lc, steps)
		{
			RepairStep *step = lfirst(lc);
			ErrorContextCallback errcallback;
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};

			if (step->foreign_key != (pass == 1))
				continue;
			errcallback.callback = repair_error_context;
			errcallback.arg = step;
			errcallback.previous = error_context_stack;
			error_context_stack = &errcallback;
			rc = SPI_execute(step->sql, false, 0);
			error_context_stack = errcallback.previous;
			if (rc != SPI_OK_UTILITY)
				elog(ERROR, "dbt_contract: \"%s\" failed: %s", step->sql,
					 SPI_result_code_string(rc));
			values[0] = CStringGetTextDatum(step->spec->model);
			values[1] = Int32GetDatum(step->spec->version);
			nulls[1] = step->spec->version < 0;
			values[2] = CStringGetTextDatum(step->relation);
			values[3] = CStringGetTextDatum(step->object);
			values[4] = CStringGetTextDatum(step->sql);
			tuplestore_putvalues(sink.store, sink.desc, values, nulls);
		}
	}
	SPI_finish();
	return (Datum) 0;
}
