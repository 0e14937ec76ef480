/*-------------------------------------------------------------------------
 * contract_ddl.c
 *	  The CREATE TABLE a contract implies: dbt_contract_ddl().
 *
 * Every piece comes from a parsed, validated part of the contract:
 * identifiers quoted, types formatted from their OIDs, expressions and
 * clauses rebuilt from their parse trees (generated_sql.c).  The result is
 * parsed back and must be one CREATE TABLE of the contract's relation and
 * columns.  Work is O(n log n) in columns and constraint columns.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_ddl);

/* The contract's columns, with what the DDL hangs off each of them. */
typedef struct DdlColumns
{
	const ContractModel *spec;
	bool	   *notnull;		/* a not_null constraint covers it */
	List	  **constraints;	/* its column-level constraints */
	GenScope   *scope;
} DdlColumns;

/* The position of the column a constraint column (as written) names. */
static int
ddl_column(const DdlColumns *dc, const char *written)
{
	return contract_column_by_attname(dc->spec,
									  contract_constraint_attname(dc->spec, written));
}

static void
check_name_length(const ContractModel *spec, const char *what, const char *name)
{
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s \"%s\" of %s is longer than %d bytes", what,
						dbtc_text_excerpt(name), contract_model_label_full(spec), NAMEDATALEN - 1),
				 errdetail("PostgreSQL would truncate it, so the table would not be the one the contract names.")));
}

static DdlColumns *
ddl_columns(const ContractModel *spec)
{
	DdlColumns *dc = palloc0(sizeof(DdlColumns));
	int			n = list_length(spec->columns);
	ListCell   *lc;

	dc->spec = spec;
	dc->notnull = palloc0(sizeof(bool) * Max(1, n));
	dc->constraints = palloc0(sizeof(List *) * Max(1, n));
	dc->scope = dbtc_scope_create(spec->relation_name);
	foreach(lc, spec->columns)
	{
		const ContractColumn *c = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(c->type_oid) && c->data_type != NULL && c->data_type[0] != '\0')
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("data_type \"%s\" of column \"%s\" of %s is not a PostgreSQL type",
							dbtc_text_excerpt(c->data_type),
							dbtc_text_excerpt(c->name), contract_model_label_full(spec)),
					 errhint("A contract implies DDL only when every data_type is a PostgreSQL type; it was stored unresolved because the contract is not enforced.")));
		if (!OidIsValid(c->type_oid))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("column \"%s\" of %s has no data_type",
							dbtc_text_excerpt(c->name), contract_model_label_full(spec)),
					 errhint("A contract implies DDL only when every column has a data_type.")));
		check_name_length(spec, "column", c->attname);
		dbtc_scope_add_column(dc->scope, c->attname, c->type_oid, c->typmod);
	}

	/* which columns each constraint is about */
	foreach(lc, spec->constraints)
	{
		ContractConstraint *k = lfirst(lc);
		ListCell   *l2;

		CHECK_FOR_INTERRUPTS();
		if (k->name)
			check_name_length(spec, "constraint", k->name);
		if (k->type == CC_NOT_NULL)
		{
			/* dbt renders a model-level not_null as nothing, but it holds */
			foreach(l2, k->columns)
			{
				int			ci = ddl_column(dc, lfirst(l2));

				CHECK_FOR_INTERRUPTS();
				if (ci >= 0)
					dc->notnull[ci] = true;
			}
		}
		else if (!k->model_level && list_length(k->columns) == 1)
		{
			int			ci = ddl_column(dc, linitial(k->columns));

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
						 quote_identifier(contract_constraint_attname(dc->spec, lfirst(lc))));
	}
	return s.data;
}

/* How messages name a constraint of the contract. */
static char *
constraint_what(const ContractModel *spec, const ContractConstraint *k)
{
	return psprintf("%s constraint%s%s%s of %s",
					contract_constraint_type_name(k->type),
					k->name ? " \"" : "", k->name ? dbtc_text_excerpt(k->name) : "",
					k->name ? "\"" : "", contract_model_label_full(spec));
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
render_key(StringInfo s, const DdlColumns *dc, const ContractConstraint *k,
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
render_constraint(StringInfo s, const DdlColumns *dc, const ContractConstraint *k,
				  int colidx)
{
	const ContractModel *spec = dc->spec;
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
unrendered_fk_comment(const DdlColumns *dc, const ContractConstraint *k)
{
	return psprintf("    -- not rendered: foreign_key (%s) to %s: no loaded contract defines model \"%s\"%s",
					dbtc_text_excerpt(column_list(dc, k->columns)),
					dbtc_text_excerpt(k->to_text ? k->to_text : k->to_model),
					dbtc_text_excerpt(k->to_model),
					k->to_version ? psprintf(" version %s", dbtc_text_excerpt(k->to_version)) : "");
}

static bool
fk_unrendered(const ContractConstraint *k)
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
contract_ddl(const ContractModel *spec)
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
	attnames = palloc(sizeof(char *) * Max(1, list_length(spec->columns)));

	initStringInfo(&s);
	appendStringInfo(&s, "CREATE TABLE %s (",
					 quote_qualified_identifier(spec->relation_schema, spec->relation_name));
	for (i = 0; i < list_length(spec->columns); i++)
	{
		const ContractColumn *c = list_nth(spec->columns, i);

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
			ContractConstraint *k = lfirst(lc);
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
		ContractConstraint *k = lfirst(lc);
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
						 spec->relation_name, list_length(spec->columns), attnames);
	return s.data;
}

/*
 * dbt_contract_ddl(model text, version text DEFAULT NULL, target text
 * DEFAULT NULL) RETURNS text; the SQL overload with version int (0.1.0's
 * signature) calls this one.
 */
Datum
dbt_contract_ddl(PG_FUNCTION_ARGS)
{
	char	   *model;
	char	   *version;
	ContractModel *spec;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be null")));
	model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	version = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	spec = contract_load_model(model, version,
							   PG_NARGS() > 2 && !PG_ARGISNULL(2) ?
							   text_to_cstring(PG_GETARG_TEXT_PP(2)) : NULL);
	if (spec == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 version != NULL ?
				 errmsg("no contract is loaded for model \"%s\" version %s", model, version) :
				 errmsg("no contract is loaded for model \"%s\"", model),
				 errhint("dbt_contract.models lists the loaded models; a versioned model needs its version, as in dbt_contract_ddl('%s', 2).",
						 model)));
	PG_RETURN_TEXT_P(cstring_to_text(contract_ddl(spec)));
}
