/*-------------------------------------------------------------------------
 * contract_target.c
 *	  The one reading of what a relationship points at: a ref() or source()
 *	  call as dbt's Jinja writes it, or the legacy foreign_key expression
 *	  (the text that follows REFERENCES).
 *
 * The loaders, the checks and the SQL views (through
 * dbt_contract.parse_target) all read targets here, so that a target means
 * the same thing to the event trigger as to the relationships view.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "dbt_contract.h"

/* What the legacy expression is parsed after, as PostgreSQL reads it. */
#define FK_REFERENCES_PREFIX "FOREIGN KEY (dbtc_probe_column) REFERENCES"

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* One quoted string argument of a Jinja call; NULL when there is none. */
static char *
quoted_argument(const char **pp)
{
	const char *p = skip_blanks(*pp);
	const char *end;

	if (*p != '\'' && *p != '"')
		return NULL;
	end = strchr(p + 1, *p);
	if (end == NULL)
		return NULL;
	*pp = end + 1;
	return pnstrdup(p + 1, end - p - 1);
}

/*
 * The value of ref()'s v= or version= keyword, as dbt keys the version it
 * names: quoted text as written, an unquoted number as dbt reads it
 * (v=4.50 is "4.5", dbtc_version_literal).  Every reader of a version goes
 * through here, so what a version may be is decided in one place.
 */
static bool
ref_version(const char **pp, char **version)
{
	const char *p = skip_blanks(*pp);
	char	   *v = quoted_argument(&p);

	if (v == NULL)
	{
		const char *start = p;

		while ((*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
			   *p == 'e' || *p == 'E' || *p == '-' || *p == '+')
			p++;
		v = dbtc_version_literal(pnstrdup(start, p - start));
		if (v == NULL || v[0] == '\0')
			return false;
	}
	/* v='' is no version at all */
	*version = v[0] != '\0' ? v : NULL;
	*pp = p;
	return true;
}

/*
 * Read ref('m'), ref('pkg', 'm'), ref('m', v=2) (or version=2) and
 * source('s', 't'), optionally wrapped in {{ }}, with blanks and newlines
 * anywhere between the tokens, as Jinja allows.  The whole text must be
 * the one call; false for anything else.
 */
bool
contract_target_call(const char *text, ContractTargetCall *call)
{
	const char *p = skip_blanks(text);
	bool		braces = false;
	bool		versioned = false;
	char	   *args[2];
	int			nargs = 0;

	memset(call, 0, sizeof(ContractTargetCall));
	if (strncmp(p, "{{", 2) == 0)
	{
		braces = true;
		p = skip_blanks(p + 2);
	}
	if (strncmp(p, "ref", 3) == 0)
		call->is_ref = true, p += 3;
	else if (strncmp(p, "source", 6) == 0)
		p += 6;
	else
		return false;
	p = skip_blanks(p);
	if (*p++ != '(')
		return false;
	for (;;)
	{
		char	   *a;

		p = skip_blanks(p);
		if (*p == ')')
			break;
		if ((a = quoted_argument(&p)) != NULL)
		{
			/* a positional argument cannot follow a keyword one */
			if (nargs == 2 || versioned)
				return false;
			args[nargs++] = a;
		}
		else if (call->is_ref && *p == 'v' && !versioned)
		{
			p += strncmp(p, "version", 7) == 0 ? 7 : 1;
			p = skip_blanks(p);
			if (*p++ != '=' || !ref_version(&p, &call->version))
				return false;
			versioned = true;
		}
		else
			return false;
		p = skip_blanks(p);
		if (*p == ',')
			p++;
		else if (*p != ')')
			return false;
	}
	p = skip_blanks(p + 1);
	if (braces)
	{
		if (strncmp(p, "}}", 2) != 0)
			return false;
		p = skip_blanks(p + 2);
	}
	if (*p != '\0')
		return false;

	if (!call->is_ref)
	{
		if (nargs != 2)
			return false;
		call->source_name = args[0];
		call->table_name = args[1];
		return true;
	}
	if (nargs == 0)
		return false;
	call->package = nargs == 2 ? args[0] : NULL;
	call->model = args[nargs - 1];
	return true;
}

/*
 * The relation and columns a legacy foreign_key expression references,
 * "schema.table (col, ...) ON DELETE ...", read by PostgreSQL's parser as
 * what follows REFERENCES; a relation name alone reads the same way.
 * Unquoted names fold as PostgreSQL folds them.  With soft, a text that
 * does not read so gives NULL; otherwise it is an error naming `what`.
 */
RangeVar *
contract_references_clause(const char *text, const char *what, List **columns,
					   bool soft)
{
	Constraint *con = NULL;
	ListCell   *lc;

	if (!soft)
		con = dbtc_render_table_clause(NULL, NULL, FK_REFERENCES_PREFIX, text,
									   what, false);
	else
	{
		MemoryContext oldcxt = CurrentMemoryContext;

		/* the parser only allocates memory (see generated_sql.c) */
		PG_TRY();
		{
			con = dbtc_render_table_clause(NULL, NULL, FK_REFERENCES_PREFIX,
										   text, what, false);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(oldcxt);
			edata = CopyErrorData();
			if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR)
				PG_RE_THROW();
			FlushErrorState();
			FreeErrorData(edata);
			con = NULL;
		}
		PG_END_TRY();
		if (con == NULL)
			return NULL;
	}
	if (con->contype != CONSTR_FOREIGN)
		elog(ERROR, "a FOREIGN KEY clause parsed as another constraint");
	*columns = NIL;
	foreach(lc, con->pk_attrs)
		*columns = lappend(*columns, strVal(lfirst(lc)));
	return con->pktable;
}

/* ------------------------------------------------------------------------
 * dbt_contract.parse_target(text), for the views
 * ------------------------------------------------------------------------
 */
enum
{
	PT_KIND,
	PT_PACKAGE,
	PT_MODEL,
	PT_VERSION,
	PT_SOURCE_NAME,
	PT_TABLE_NAME,
	PT_RELATION_CATALOG,
	PT_RELATION_SCHEMA,
	PT_RELATION_NAME,
	PT_RELATION,
	PT_COLUMNS,
	PT_NATTS
};

static Datum
text_list_datum(List *names)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(1, list_length(names)));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, names)
		elems[n++] = CStringGetTextDatum(lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(dbt_contract_parse_target);

/*
 * dbt_contract.parse_target(text): a relationship target read as the
 * loaders and the checks read it, so that the views need no parser of
 * their own.  kind is 'ref', 'source', 'relation' (a relation name, or the
 * legacy expression with its columns) or NULL for a text none of these.
 * A source() also gives the relation dbt names it by default.
 */
Datum
dbt_contract_parse_target(PG_FUNCTION_ARGS)
{
	char	   *target = text_to_cstring(PG_GETARG_TEXT_PP(0));
	TupleDesc	tupdesc;
	Datum		values[PT_NATTS];
	bool		nulls[PT_NATTS];
	ContractTargetCall call;
	RangeVar   *rv = NULL;
	List	   *columns = NIL;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(nulls, true, sizeof(nulls));

	if (contract_target_call(target, &call))
	{
		values[PT_KIND] = CStringGetTextDatum(call.is_ref ? "ref" : "source");
		nulls[PT_KIND] = false;
		if (call.is_ref)
		{
			if (call.package != NULL)
			{
				values[PT_PACKAGE] = CStringGetTextDatum(call.package);
				nulls[PT_PACKAGE] = false;
			}
			values[PT_MODEL] = CStringGetTextDatum(call.model);
			nulls[PT_MODEL] = false;
			if (call.version != NULL)
			{
				values[PT_VERSION] = CStringGetTextDatum(call.version);
				nulls[PT_VERSION] = false;
			}
		}
		else
		{
			values[PT_SOURCE_NAME] = CStringGetTextDatum(call.source_name);
			values[PT_TABLE_NAME] = CStringGetTextDatum(call.table_name);
			nulls[PT_SOURCE_NAME] = nulls[PT_TABLE_NAME] = false;
			/* dbt's default relation of a source table */
			rv = makeRangeVar(call.source_name, call.table_name, -1);
		}
	}
	else
	{
		rv = contract_references_clause(target, "relationship target", &columns, true);
		if (rv != NULL)
		{
			values[PT_KIND] = CStringGetTextDatum("relation");
			nulls[PT_KIND] = false;
			values[PT_COLUMNS] = text_list_datum(columns);
			nulls[PT_COLUMNS] = false;
		}
	}
	if (rv != NULL)
	{
		StringInfoData s;

		initStringInfo(&s);
		if (rv->catalogname != NULL)
		{
			values[PT_RELATION_CATALOG] = CStringGetTextDatum(rv->catalogname);
			nulls[PT_RELATION_CATALOG] = false;
			appendStringInfo(&s, "%s.", quote_identifier(rv->catalogname));
		}
		if (rv->schemaname != NULL)
		{
			values[PT_RELATION_SCHEMA] = CStringGetTextDatum(rv->schemaname);
			nulls[PT_RELATION_SCHEMA] = false;
			appendStringInfo(&s, "%s.", quote_identifier(rv->schemaname));
		}
		appendStringInfoString(&s, quote_identifier(rv->relname));
		values[PT_RELATION_NAME] = CStringGetTextDatum(rv->relname);
		values[PT_RELATION] = CStringGetTextDatum(s.data);
		nulls[PT_RELATION_NAME] = nulls[PT_RELATION] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
