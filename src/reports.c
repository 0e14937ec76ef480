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

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
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

/*
 * One row of (model, version, relation, object, problem, have, want,
 * target).
 */
static void
put_problem(ResultSink *sink, const ContractSpec *spec, const char *relation,
			const char *object, const char *problem, const char *have,
			const char *want)
{
	Datum		values[8];
	bool		nulls[8];

	values[0] = CStringGetTextDatum(spec->model);
	nulls[0] = false;
	values[1] = Int32GetDatum(spec->version);
	nulls[1] = spec->version < 0;
	values[2] = text_or_null(relation, &nulls[2]);
	values[3] = text_or_null(object, &nulls[3]);
	values[4] = text_or_null(problem, &nulls[4]);
	values[5] = text_or_null(have, &nulls[5]);
	values[6] = text_or_null(want, &nulls[6]);
	values[7] = text_or_null(spec->target, &nulls[7]);
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
	ResultSink	sink = srf_begin(fcinfo);
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext,
											   "dbt_contract verify",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext per_spec = AllocSetContextCreate(work, "dbt_contract verify one",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(work);
	char	   *target = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	List	   *specs;
	LiveCatalog *cat;
	ListCell   *lc;

	/* one query for the contracts, one pass over each catalog */
	specs = contract_load_enforced();
	if (target != NULL)
	{
		List	   *mine = NIL;

		foreach(lc, specs)
			if (strcmp(((ContractSpec *) lfirst(lc))->target, target) == 0)
				mine = lappend(mine, lfirst(lc));
		specs = mine;
	}
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
		char	   *target = pstrdup(cached->target);
		int			version = cached->version;

		spec = contract_load_model(model, version, target);
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
 *
 * Every piece comes from a parsed, validated part of the contract:
 * identifiers quoted, types formatted from their OIDs, expressions and
 * clauses rebuilt from their parse trees (generated_sql.c).  The result is
 * parsed back and must be one CREATE TABLE of the contract's relation and
 * columns.  Work is O(n log n) in columns and constraint columns.
 * ------------------------------------------------------------------------
 */
typedef struct ColumnKey
{
	const char *key;
	int			index;
} ColumnKey;

/* The contract's columns, findable by written name and by identifier. */
typedef struct DdlColumns
{
	const ContractSpec *spec;
	ColumnKey  *by_name;
	ColumnKey  *by_attname;
	bool	   *notnull;		/* a not_null constraint covers it */
	List	  **constraints;	/* its column-level constraints */
	GenScope   *scope;
} DdlColumns;

static int
column_key_cmp(const void *a, const void *b)
{
	return strcmp(((const ColumnKey *) a)->key, ((const ColumnKey *) b)->key);
}

static int
column_lookup(const DdlColumns *dc, const ColumnKey *keys, const char *key)
{
	ColumnKey	probe = {key, -1};
	ColumnKey  *hit = bsearch(&probe, keys, dc->spec->ncolumns, sizeof(ColumnKey),
							  column_key_cmp);

	return hit ? hit->index : -1;
}

/* The identifier a constraint column (as written) refers to. */
static const char *
ddl_attname(const DdlColumns *dc, const char *written)
{
	int			i = column_lookup(dc, dc->by_name, written);

	return i >= 0 ? dc->spec->columns[i].attname : contract_written_ident(written);
}

static void
check_name_length(const ContractSpec *spec, const char *what, const char *name)
{
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s \"%s\" of %s is longer than %d bytes", what,
						dbtc_text_excerpt(name), spec_label(spec), NAMEDATALEN - 1),
				 errdetail("PostgreSQL would truncate it, so the table would not be the one the contract names.")));
}

static DdlColumns *
ddl_columns(const ContractSpec *spec)
{
	DdlColumns *dc = palloc0(sizeof(DdlColumns));
	int			n = spec->ncolumns;
	ListCell   *lc;
	int			i;

	dc->spec = spec;
	dc->by_name = palloc(sizeof(ColumnKey) * Max(1, n));
	dc->by_attname = palloc(sizeof(ColumnKey) * Max(1, n));
	dc->notnull = palloc0(sizeof(bool) * Max(1, n));
	dc->constraints = palloc0(sizeof(List *) * Max(1, n));
	dc->scope = dbtc_scope_create(spec->relation_name);
	for (i = 0; i < n; i++)
	{
		const SpecColumn *c = &spec->columns[i];

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(c->type_oid) && c->data_type != NULL && c->data_type[0] != '\0')
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("data_type \"%s\" of column \"%s\" of %s is not a PostgreSQL type",
							dbtc_text_excerpt(c->data_type),
							dbtc_text_excerpt(c->name), spec_label(spec)),
					 errhint("A contract implies DDL only when every data_type is a PostgreSQL type; it was stored unresolved because the contract is not enforced.")));
		if (!OidIsValid(c->type_oid))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("column \"%s\" of %s has no data_type",
							dbtc_text_excerpt(c->name), spec_label(spec)),
					 errhint("A contract implies DDL only when every column has a data_type.")));
		check_name_length(spec, "column", c->attname);
		dc->by_name[i].key = c->name;
		dc->by_name[i].index = i;
		dc->by_attname[i].key = c->attname;
		dc->by_attname[i].index = i;
		dbtc_scope_add_column(dc->scope, c->attname, c->type_oid, c->typmod);
	}
	qsort(dc->by_name, n, sizeof(ColumnKey), column_key_cmp);
	qsort(dc->by_attname, n, sizeof(ColumnKey), column_key_cmp);

	/* which columns each constraint is about */
	foreach(lc, spec->constraints)
	{
		SpecConstraint *k = lfirst(lc);
		ListCell   *l2;

		CHECK_FOR_INTERRUPTS();
		if (k->name)
			check_name_length(spec, "constraint", k->name);
		if (k->type == CC_NOT_NULL)
		{
			/* dbt renders a model-level not_null as nothing, but it holds */
			foreach(l2, k->columns)
			{
				int			ci = column_lookup(dc, dc->by_attname,
											   ddl_attname(dc, lfirst(l2)));

				CHECK_FOR_INTERRUPTS();
				if (ci >= 0)
					dc->notnull[ci] = true;
			}
		}
		else if (!k->model_level && list_length(k->columns) == 1)
		{
			int			ci = column_lookup(dc, dc->by_attname,
										   ddl_attname(dc, linitial(k->columns)));

			if (ci >= 0)
				dc->constraints[ci] = lappend(dc->constraints[ci], k);
		}
	}
	return dc;
}

static char *
column_list(const DdlColumns *dc, List *written)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, written)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&s, "%s%s", s.len ? ", " : "",
						 quote_identifier(ddl_attname(dc, lfirst(lc))));
	}
	return s.data;
}

/* How messages name a constraint of the contract. */
static char *
constraint_what(const ContractSpec *spec, const SpecConstraint *k)
{
	return psprintf("%s constraint%s%s%s of %s",
					contract_constraint_type_name(k->type),
					k->name ? " \"" : "", k->name ? dbtc_text_excerpt(k->name) : "",
					k->name ? "\"" : "", spec_label(spec));
}

static bool
has_text(const char *s)
{
	return s != NULL && s[strspn(s, " \t\r\n")] != '\0';
}

/*
 * A primary_key or unique constraint.  dbt writes the expression after the
 * keyword ("unique nulls not distinct (a)"); PostgreSQL takes the other
 * index options after the column list, where they go unless they are a
 * NULLS clause.
 */
static void
render_key(StringInfo s, const DdlColumns *dc, const SpecConstraint *k,
		   int colidx, const char *what)
{
	const char *keyword = k->type == CC_PRIMARY_KEY ? "PRIMARY KEY" : "UNIQUE";
	const char *expr = k->expression;
	char	   *cols;

	if (!has_text(expr))
	{
		if (colidx >= 0)
			appendStringInfoString(s, keyword);
		else
			appendStringInfo(s, "%s (%s)", keyword, column_list(dc, k->columns));
		return;
	}
	if (colidx >= 0)
	{
		dbtc_render_column_clause(s, dc->scope, colidx, keyword, expr, what);
		return;
	}
	cols = column_list(dc, k->columns);
	expr += strspn(expr, " \t\r\n");
	if (pg_strncasecmp(expr, "nulls", 5) == 0)
		(void) dbtc_render_table_clause(s, dc->scope, "",
										psprintf("%s %s (%s)", keyword, expr, cols),
										what, k->name != NULL);
	else
		(void) dbtc_render_table_clause(s, dc->scope,
										psprintf("%s (%s)", keyword, cols),
										expr, what, k->name != NULL);
}

/*
 * Append the clause a constraint renders to at column (colidx >= 0) or
 * model level, as dbt renders it; false when it renders to nothing.
 * not_null is rendered by the caller, once per column.
 */
static void
render_error_context(void *arg)
{
	errcontext("rendering %s", (const char *) arg);
}

static bool
render_constraint(StringInfo s, const DdlColumns *dc, const SpecConstraint *k,
				  int colidx)
{
	const ContractSpec *spec = dc->spec;
	char	   *what = constraint_what(spec, k);
	char	   *refs;
	ErrorContextCallback errcallback;

	switch (k->type)
	{
		case CC_NOT_NULL:
			return false;
		case CC_CHECK:
		case CC_CUSTOM:
			/* dbt renders neither without an expression */
			if (!has_text(k->expression))
				return false;
			break;
		case CC_FOREIGN_KEY:
			if (k->to_text == NULL && !has_text(k->expression))
				return false;
			if (k->to_model != NULL && k->to_relation == NULL)
				return false;
			break;
		default:
			break;
	}
	errcallback.callback = render_error_context;
	errcallback.arg = what;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	if (k->name)
		appendStringInfo(s, "CONSTRAINT %s ", quote_identifier(k->name));
	switch (k->type)
	{
		case CC_PRIMARY_KEY:
		case CC_UNIQUE:
			render_key(s, dc, k, colidx, what);
			break;
		case CC_CHECK:
			appendStringInfoString(s, dbtc_render_check(dc->scope, k->expression, what));
			break;
		case CC_FOREIGN_KEY:
			if (k->to_text == NULL)
			{
				/* the legacy form: "expression" is what follows REFERENCES */
				if (colidx >= 0)
					dbtc_render_column_clause(s, dc->scope, colidx, "REFERENCES",
											  k->expression, what);
				else
					(void) dbtc_render_table_clause(s, dc->scope,
													psprintf("FOREIGN KEY (%s) REFERENCES",
															 column_list(dc, k->columns)),
													k->expression, what, true);
				break;
			}
			refs = contract_fk_references(spec, k);
			if (colidx >= 0)
				appendStringInfoString(s, refs);
			else
				appendStringInfo(s, "FOREIGN KEY (%s) %s", column_list(dc, k->columns), refs);
			break;
		case CC_CUSTOM:
			if (colidx >= 0)
				dbtc_render_column_clause(s, dc->scope, colidx, "", k->expression, what);
			else
				(void) dbtc_render_table_clause(s, dc->scope, "", k->expression, what,
												k->name != NULL);
			break;
		case CC_NOT_NULL:
			break;
	}
	error_context_stack = errcallback.previous;
	return true;
}

/* The line saying why a foreign key is not in the DDL. */
static char *
unrendered_fk_comment(const DdlColumns *dc, const SpecConstraint *k)
{
	return psprintf("    -- not rendered: foreign_key (%s) to %s: no loaded contract defines model \"%s\"%s",
					dbtc_text_excerpt(column_list(dc, k->columns)),
					dbtc_text_excerpt(k->to_text ? k->to_text : k->to_model),
					dbtc_text_excerpt(k->to_model),
					k->to_version >= 0 ? psprintf(" version %d", k->to_version) : "");
}

static bool
fk_unrendered(const SpecConstraint *k)
{
	return k->type == CC_FOREIGN_KEY && k->to_model != NULL && k->to_relation == NULL;
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
	DdlColumns *dc;
	const char **attnames;
	List	   *unrendered = NIL;
	ListCell   *lc;
	int			i;
	bool		first = true;

	check_name_length(spec, "schema", spec->relation_schema);
	check_name_length(spec, "relation", spec->relation_name);
	dc = ddl_columns(spec);
	attnames = palloc(sizeof(char *) * Max(1, spec->ncolumns));

	initStringInfo(&s);
	appendStringInfo(&s, "CREATE TABLE %s (",
					 quote_qualified_identifier(spec->relation_schema, spec->relation_name));
	for (i = 0; i < spec->ncolumns; i++)
	{
		const SpecColumn *c = &spec->columns[i];

		CHECK_FOR_INTERRUPTS();
		attnames[i] = c->attname;
		appendStringInfo(&s, "%s\n    %s %s", first ? "" : ",",
						 quote_identifier(c->attname),
						 format_type_with_typemod(c->type_oid, c->typmod));
		first = false;
		if (dc->notnull[i])
			appendStringInfoString(&s, " NOT NULL");
		foreach(lc, dc->constraints[i])
		{
			SpecConstraint *k = lfirst(lc);
			int			len = s.len;

			CHECK_FOR_INTERRUPTS();
			appendStringInfoChar(&s, ' ');
			if (!render_constraint(&s, dc, k, i))
			{
				s.data[s.len = len] = '\0';
				if (fk_unrendered(k))
					unrendered = lappend(unrendered, unrendered_fk_comment(dc, k));
			}
		}
	}
	foreach(lc, spec->constraints)
	{
		SpecConstraint *k = lfirst(lc);
		int			len = s.len;

		CHECK_FOR_INTERRUPTS();
		if (!k->model_level)
			continue;
		appendStringInfo(&s, "%s\n    ", first ? "" : ",");
		if (render_constraint(&s, dc, k, -1))
			first = false;
		else
		{
			s.data[s.len = len] = '\0';
			if (fk_unrendered(k))
				unrendered = lappend(unrendered, unrendered_fk_comment(dc, k));
		}
	}
	/* after the last element, where a comment keeps the statement valid */
	foreach(lc, unrendered)
		appendStringInfo(&s, "\n%s", (char *) lfirst(lc));
	appendStringInfoString(&s, "\n);");
	dbtc_check_generated(s.data, T_CreateStmt, spec->relation_schema,
						 spec->relation_name, spec->ncolumns, attnames);
	return s.data;
}

/*
 * dbt_contract_ddl(model text, version int DEFAULT NULL, target text
 * DEFAULT NULL) RETURNS text
 */
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
	spec = contract_load_model(model, version,
							   PG_NARGS() > 2 && !PG_ARGISNULL(2) ?
							   text_to_cstring(PG_GETARG_TEXT_PP(2)) : NULL);
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
	Oid			relid;
	char	   *schema;			/* the relation's names, as the catalog has them */
	char	   *relname;
	char	   *relation;		/* quoted */
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
		step->relid = relid;
		step->schema = get_namespace_name(get_rel_namespace(relid));
		step->relname = get_rel_name(relid);
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

static Oid
relation_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Run one repair statement.  It is parsed back first and must be one ALTER
 * TABLE of the step's relation adding one constraint.  It runs as the
 * table's owner, in a security-restricted operation, as ALTER TABLE runs
 * index expressions: validating a CHECK or a foreign key over existing
 * rows can call functions the owner chose, and those must never run with
 * the privileges of the caller (typically a superuser).  search_path is
 * the one the statement was deparsed under.
 */
static void
run_repair_step(RepairStep *step)
{
	ErrorContextCallback errcallback;
	Oid			save_userid;
	int			save_sec_context;
	int			nest;
	int			rc;

	errcallback.callback = repair_error_context;
	errcallback.arg = step;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	nest = dbtc_push_settings(true);
	dbtc_check_generated(step->sql, T_AlterTableStmt, step->schema, step->relname,
						 0, NULL);
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(relation_owner(step->relid),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	rc = SPI_execute(step->sql, false, 0);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	dbtc_pop_settings(nest);

	error_context_stack = errcallback.previous;
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "dbt_contract: \"%s\" failed: %s", step->sql,
			 SPI_result_code_string(rc));
}

/* The caller must own every table repaired, as ALTER TABLE demands. */
static void
check_repair_owner(const RepairStep *step)
{
	if (!DBTC_RELATION_OWNERCHECK(step->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER,
					   get_relkind_objtype(get_rel_relkind(step->relid)),
					   step->relname);
}

/*
 * dbt_contract_repair(rel regclass DEFAULT NULL) RETURNS TABLE (model,
 * version, relation, object, statement): add the declared constraints
 * that live tables lack -- of every enforced contract, or of rel.  The
 * caller must own the tables; each statement runs as the table's owner
 * (see run_repair_step), in the caller's transaction: every ADD validates
 * the existing rows, and one failure undoes all.  Nothing is dropped or
 * rewritten; a constraint whose declared name is taken by another is left
 * to the user.
 */
Datum
dbt_contract_repair(PG_FUNCTION_ARGS)
{
	ResultSink	sink = srf_begin(fcinfo);
	List	   *steps = NIL;
	ListCell   *lc;
	int			pass;
	int			rc;

	if (PG_ARGISNULL(0))
	{
		foreach(lc, contract_load_enforced())
		{
			CHECK_FOR_INTERRUPTS();
			steps = repair_steps(steps, lfirst(lc), spec_relid(lfirst(lc)));
		}
	}
	else
	{
		Oid			relid = PG_GETARG_OID(0);

		steps = repair_steps(steps, spec_for_relation(relid), relid);
	}
	foreach(lc, steps)
		check_repair_owner(lfirst(lc));

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	/* keys before the foreign keys that may reference them */
	for (pass = 0; pass < 2; pass++)
	{
		foreach(lc, steps)
		{
			RepairStep *step = lfirst(lc);
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};

			CHECK_FOR_INTERRUPTS();
			if (step->foreign_key != (pass == 1))
				continue;
			run_repair_step(step);
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
