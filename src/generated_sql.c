/*-------------------------------------------------------------------------
 * generated_sql.c
 *	  The SQL dbt_contract writes: expressions and constraint clauses taken
 *	  from contracts, rebuilt from their parse trees, and the check that a
 *	  generated statement is exactly the statement it is meant to be.
 *
 * Contract text never reaches generated SQL as written.  An expression is
 * parsed alone (and refused unless it is exactly one expression), cooked
 * against the columns it may name, and deparsed; a constraint clause is
 * parsed inside a CREATE TABLE of its own, and only the kinds of
 * constraint rendered below are accepted, written back from their nodes
 * with identifiers quoted.  Contract text is read with
 * standard_conforming_strings on, as dbt's sessions send it, so that
 * setting cannot change what it means.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/tuplestore.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_parse_statements);

/* How much of a user's text an error message quotes. */
#define GENSQL_QUOTE_BYTES	200

/* The columns a contract expression may name, as a VALUES range entry. */
struct GenScope
{
	const char *relname;		/* the relation's name, for rel.col */
	List	   *colnames;		/* String */
	List	   *coltypes;		/* Oid */
	List	   *coltypmods;		/* int */
	List	   *colcollations;	/* Oid */
	ParseState *pstate;			/* with the columns, built on first use */
	List	   *dpcontext;		/* deparse context for its Vars */
};

/* A bounded, single-line quotation of user text for messages and comments. */
char *
dbtc_text_excerpt(const char *text)
{
	int			len = strlen(text);
	int			keep = len > GENSQL_QUOTE_BYTES ?
		pg_mbcliplen(text, len, GENSQL_QUOTE_BYTES) : len;
	char	   *out = pnstrdup(text, keep);
	char	   *p;

	/* a line break would end a "--" comment */
	for (p = out; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = ' ';
	return keep < len ? psprintf("%s...", out) : out;
}

/*
 * Settings under which generated SQL is built, parsed back and run: names
 * resolve in pg_catalog only (pg_catalog, pg_temp), as the enforcement
 * trigger cooks contract checks, so nobody's objects can redirect them;
 * with fix_strings, standard_conforming_strings is on.  Returns the GUC
 * nest level to pass to dbtc_pop_settings.
 */
int
dbtc_push_settings(bool fix_strings)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	if (fix_strings)
		(void) set_config_option("standard_conforming_strings", "on",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
	return nest;
}

void
dbtc_pop_settings(int nest)
{
	AtEOXact_GUC(true, nest);
}

static void
refuse(const char *what, const char *text, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s cannot be rendered as SQL", what),
			 errdetail("\"%s\" %s.", dbtc_text_excerpt(text), why)));
}

/*
 * raw_parser() of SQL wrapped around contract text, with
 * standard_conforming_strings on.  A syntax error is reported as the
 * contract's, not at a position of the caller's query.  The parser only
 * allocates memory, so its error can be caught without a subtransaction.
 */
static List *
parse_fixed(const char *sql, const char *what, const char *text)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	bool		save_strings = standard_conforming_strings;
	List	   *raw = NIL;

	standard_conforming_strings = true;
	PG_TRY();
	{
		raw = DBTC_RAW_PARSE(sql);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		standard_conforming_strings = save_strings;
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR)
			PG_RE_THROW();
		FlushErrorState();
		refuse(what, text, psprintf("does not parse there: %s", edata->message));
	}
	PG_END_TRY();
	standard_conforming_strings = save_strings;
	return raw;
}

/*
 * A contract expression as exactly one raw expression: "SELECT <text>"
 * must be one plain SELECT of one unnamed target and nothing else.
 */
Node *
dbtc_parse_expression(const char *text, const char *what)
{
	List	   *raw = parse_fixed(psprintf("SELECT %s", text), what, text);
	SelectStmt *sel;
	ResTarget  *rt;

	if (list_length(raw) != 1)
		refuse(what, text, "is more than one statement");
	sel = (SelectStmt *) ((RawStmt *) linitial(raw))->stmt;
	if (!IsA(sel, SelectStmt) || sel->op != SETOP_NONE ||
		sel->distinctClause != NIL || sel->intoClause != NULL ||
		sel->fromClause != NIL || sel->whereClause != NULL ||
		sel->groupClause != NIL || DBTC_SELECT_GROUP_DISTINCT(sel) ||
		sel->havingClause != NULL || sel->windowClause != NIL ||
		sel->valuesLists != NIL || sel->sortClause != NIL ||
		sel->limitOffset != NULL || sel->limitCount != NULL ||
		sel->lockingClause != NIL || sel->withClause != NULL ||
		list_length(sel->targetList) != 1)
		refuse(what, text, "is not exactly one expression");
	rt = linitial(sel->targetList);
	if (rt->name != NULL || rt->indirection != NIL ||
		(IsA(rt->val, ColumnRef) &&
		 IsA(llast(((ColumnRef *) rt->val)->fields), A_Star)))
		refuse(what, text, "is not exactly one expression");
	return rt->val;
}

/*
 * The elements of "CREATE TABLE t (<elements>)", refused unless that is
 * one plain CREATE TABLE: the contract's text (within elements, and what
 * messages quote) cannot close the parenthesis and go on.
 */
List *
dbtc_parse_table_elements(const char *elements, const char *text, const char *what)
{
	List	   *raw = parse_fixed(psprintf("CREATE TABLE dbtc_probe (%s)", elements),
								  what, text);
	CreateStmt *cs;

	if (list_length(raw) != 1)
		refuse(what, text, "is more than one statement");
	cs = (CreateStmt *) ((RawStmt *) linitial(raw))->stmt;
	if (!IsA(cs, CreateStmt) || cs->inhRelations != NIL ||
		cs->partbound != NULL || cs->partspec != NULL ||
		cs->ofTypename != NULL || cs->constraints != NIL ||
		cs->options != NIL || cs->oncommit != ONCOMMIT_NOOP ||
		cs->tablespacename != NULL || cs->accessMethod != NULL ||
		cs->if_not_exists || cs->relation->relpersistence != RELPERSISTENCE_PERMANENT)
		refuse(what, text, "does not stay inside the table's parentheses");
	return cs->tableElts;
}

/* ------------------------------------------------------------------------
 * Cooking and deparsing against the contract's columns
 * ------------------------------------------------------------------------
 */
GenScope *
dbtc_scope_create(const char *relname)
{
	GenScope   *scope = palloc0(sizeof(GenScope));

	scope->relname = relname;
	return scope;
}

void
dbtc_scope_add_column(GenScope *scope, const char *attname, Oid typid, int32 typmod)
{
	scope->colnames = lappend(scope->colnames, makeString(pstrdup(attname)));
	scope->coltypes = lappend_oid(scope->coltypes, typid);
	scope->coltypmods = lappend_int(scope->coltypmods, typmod);
	scope->colcollations = lappend_oid(scope->colcollations, get_typcollation(typid));
}

/*
 * A parse state whose one range entry is the scope's columns, and the
 * deparse context for its Vars: built once, as every expression of a
 * contract may name every column.
 */
static ParseState *
scope_parsestate(GenScope *scope)
{
	List	   *row = NIL;
	ListCell   *lt;
	ListCell   *lm;
	ParseNamespaceItem *nsitem;
	PlannedStmt *pstmt;

	if (scope->pstate != NULL)
		return scope->pstate;
	forboth(lt, scope->coltypes, lm, scope->coltypmods)
	{
		CHECK_FOR_INTERRUPTS();
		row = lappend(row, makeNullConst(lfirst_oid(lt), lfirst_int(lm),
										 get_typcollation(lfirst_oid(lt))));
	}
	scope->pstate = make_parsestate(NULL);
	nsitem = addRangeTableEntryForValues(scope->pstate, list_make1(row),
										 scope->coltypes, scope->coltypmods,
										 scope->colcollations,
										 makeAlias(scope->relname, scope->colnames),
										 false, true);
	addNSItemToQuery(scope->pstate, nsitem, true, true, true);
	pstmt = makeNode(PlannedStmt);
	pstmt->rtable = scope->pstate->p_rtable;
	scope->dpcontext = deparse_context_for_plan_tree(pstmt,
													 list_make1(pstrdup(scope->relname)));
	return scope->pstate;
}

/*
 * An expression of the scope, cooked as CREATE TABLE would cook it for
 * kind (CHECK, DEFAULT or a generated column; the last two coerced to the
 * column's type) and deparsed.  Names outside pg_catalog come out
 * schema-qualified, so the text means the same under any search_path.
 */
static char *
scope_cook(GenScope *scope, Node *raw, ParseExprKind kind, int colidx)
{
	bool		columns = (kind != EXPR_KIND_COLUMN_DEFAULT);
	ParseState *pstate;
	Node	   *expr;
	char	   *text;
	int			nest = dbtc_push_settings(false);

	/* a default names no column */
	pstate = columns ? scope_parsestate(scope) : make_parsestate(NULL);
	expr = transformExpr(pstate, copyObject(raw), kind);
	if (kind == EXPR_KIND_CHECK_CONSTRAINT)
		expr = coerce_to_boolean(pstate, expr, "CHECK");
	else
	{
		Oid			typid = list_nth_oid(scope->coltypes, colidx);
		int32		typmod = list_nth_int(scope->coltypmods, colidx);
		Oid			exprtype = exprType(expr);
		Node	   *coerced = coerce_to_target_type(pstate, expr, exprtype,
													typid, typmod,
													COERCION_ASSIGNMENT,
													COERCE_IMPLICIT_CAST, -1);

		if (coerced == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("expression for column \"%s\" is of type %s, not %s",
							strVal(list_nth(scope->colnames, colidx)),
							format_type_be(exprtype), format_type_be(typid))));
		expr = coerced;
	}
	assign_expr_collations(pstate, expr);
	dbtc_pop_settings(nest);

	nest = dbtc_push_settings(false);
	text = deparse_expression(expr, columns ? scope->dpcontext : NIL, false, false);
	dbtc_pop_settings(nest);
	if (!columns)
		free_parsestate(pstate);
	return text;
}

/* "CHECK (<expression>)" of a contract check, from its parse tree. */
char *
dbtc_render_check(GenScope *scope, const char *expression, const char *what)
{
	Node	   *raw = dbtc_parse_expression(expression, what);

	return psprintf("CHECK (%s)",
					scope_cook(scope, raw, EXPR_KIND_CHECK_CONSTRAINT, -1));
}

/* A cooked expression of a live relation, deparsed as dbtc_push_settings. */
char *
dbtc_deparse_for_relation(Node *expr, const char *relname, Oid relid)
{
	List	   *ctx = deparse_context_for(relname, relid);
	int			nest = dbtc_push_settings(true);
	char	   *text = deparse_expression(expr, ctx, false, false);

	dbtc_pop_settings(nest);
	return text;
}

/* ------------------------------------------------------------------------
 * Constraint clauses, written back from their nodes
 * ------------------------------------------------------------------------
 */
static void
append_name_list(StringInfo s, List *names)
{
	ListCell   *lc;

	appendStringInfoString(s, " (");
	foreach(lc, names)
	{
		CHECK_FOR_INTERRUPTS();
		if (lc != list_head(names))
			appendStringInfoString(s, ", ");
		appendStringInfoString(s, quote_identifier(strVal(lfirst(lc))));
	}
	appendStringInfoChar(s, ')');
}

static void
append_options(StringInfo s, List *options)
{
	ListCell   *lc;

	appendStringInfoString(s, " WITH (");
	foreach(lc, options)
	{
		DefElem    *d = lfirst(lc);

		if (lc != list_head(options))
			appendStringInfoString(s, ", ");
		if (d->defnamespace)
			appendStringInfo(s, "%s.", quote_identifier(d->defnamespace));
		appendStringInfoString(s, quote_identifier(d->defname));
		if (d->arg != NULL)
			appendStringInfo(s, " = %s", quote_literal_cstr(defGetString(d)));
	}
	appendStringInfoChar(s, ')');
}

static const char *
fk_action(char action)
{
	switch (action)
	{
		case FKCONSTR_ACTION_RESTRICT:
			return "RESTRICT";
		case FKCONSTR_ACTION_CASCADE:
			return "CASCADE";
		case FKCONSTR_ACTION_SETNULL:
			return "SET NULL";
		case FKCONSTR_ACTION_SETDEFAULT:
			return "SET DEFAULT";
		default:
			return NULL;		/* NO ACTION, the default */
	}
}

static char *
rangevar_text(const RangeVar *rv)
{
	if (rv->schemaname)
		return quote_qualified_identifier(rv->schemaname, rv->relname);
	return pstrdup(quote_identifier(rv->relname));
}

/*
 * Append one parsed constraint.  colidx is the scope column of a column
 * constraint, or -1 for a table constraint, whose key columns are written
 * from the node.
 */
static void
render_node(StringInfo s, GenScope *scope, Constraint *con, int colidx,
			const char *what, const char *text)
{
	bool		column = colidx >= 0;

	if (con->conname)
		appendStringInfo(s, "CONSTRAINT %s ", quote_identifier(con->conname));
	switch (con->contype)
	{
		case CONSTR_NULL:
			appendStringInfoString(s, "NULL");
			break;
		case CONSTR_NOTNULL:
			appendStringInfoString(s, "NOT NULL");
			break;
		case CONSTR_DEFAULT:
			appendStringInfo(s, "DEFAULT %s",
							 scope_cook(scope, con->raw_expr, EXPR_KIND_COLUMN_DEFAULT, colidx));
			break;
		case CONSTR_GENERATED:
			appendStringInfo(s, "GENERATED ALWAYS AS (%s) STORED",
							 scope_cook(scope, con->raw_expr, EXPR_KIND_GENERATED_COLUMN, colidx));
			break;
		case CONSTR_IDENTITY:
			if (con->options != NIL)
				refuse(what, text, "gives identity sequence options, which are not rendered");
			appendStringInfo(s, "GENERATED %s AS IDENTITY",
							 con->generated_when == ATTRIBUTE_IDENTITY_ALWAYS ?
							 "ALWAYS" : "BY DEFAULT");
			break;
		case CONSTR_CHECK:
			appendStringInfo(s, "CHECK (%s)",
							 scope_cook(scope, con->raw_expr, EXPR_KIND_CHECK_CONSTRAINT, -1));
			if (con->is_no_inherit)
				appendStringInfoString(s, " NO INHERIT");
			break;
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
			if (con->indexname != NULL)
				refuse(what, text, "names an existing index");
			appendStringInfoString(s, con->contype == CONSTR_PRIMARY ?
								   "PRIMARY KEY" : "UNIQUE");
			if (DBTC_CONSTRAINT_NULLS_NOT_DISTINCT(con))
				appendStringInfoString(s, " NULLS NOT DISTINCT");
			if (!column)
				append_name_list(s, con->keys);
			if (con->including != NIL)
			{
				appendStringInfoString(s, " INCLUDE");
				append_name_list(s, con->including);
			}
			if (con->options != NIL)
				append_options(s, con->options);
			if (con->indexspace != NULL)
				appendStringInfo(s, " USING INDEX TABLESPACE %s",
								 quote_identifier(con->indexspace));
			break;
		case CONSTR_FOREIGN:
			if (!column)
			{
				appendStringInfoString(s, "FOREIGN KEY");
				append_name_list(s, con->fk_attrs);
				appendStringInfoChar(s, ' ');
			}
			appendStringInfo(s, "REFERENCES %s", rangevar_text(con->pktable));
			if (con->pk_attrs != NIL)
				append_name_list(s, con->pk_attrs);
			if (con->fk_matchtype == FKCONSTR_MATCH_FULL)
				appendStringInfoString(s, " MATCH FULL");
			else if (con->fk_matchtype == FKCONSTR_MATCH_PARTIAL)
				refuse(what, text, "uses MATCH PARTIAL, which PostgreSQL does not implement");
			if (fk_action(con->fk_del_action))
			{
				appendStringInfo(s, " ON DELETE %s", fk_action(con->fk_del_action));
				if (DBTC_FK_DEL_SET_COLS(con) != NIL)
					append_name_list(s, DBTC_FK_DEL_SET_COLS(con));
			}
			if (fk_action(con->fk_upd_action))
				appendStringInfo(s, " ON UPDATE %s", fk_action(con->fk_upd_action));
			break;
		default:
			refuse(what, text,
				   "is not a constraint dbt_contract renders (NULL, NOT NULL, DEFAULT, CHECK, "
				   "UNIQUE, PRIMARY KEY, REFERENCES, GENERATED)");
	}
	if (con->skip_validation)
		refuse(what, text, "is NOT VALID, which an enforced contract is never met by");
	if (con->deferrable)
		appendStringInfoString(s, " DEFERRABLE");
	if (con->initdeferred)
		appendStringInfoString(s, " INITIALLY DEFERRED");
}

/*
 * Column constraints as the parser leaves them: attribute clauses
 * (DEFERRABLE, INITIALLY ...) are separate items following the constraint
 * they qualify.  Fold them in, as the server does.
 */
static List *
fold_attributes(List *constraints, const char *what, const char *text)
{
	List	   *res = NIL;
	Constraint *last = NULL;
	ListCell   *lc;

	foreach(lc, constraints)
	{
		Constraint *con = lfirst(lc);
		bool		keyed = last != NULL &&
			(last->contype == CONSTR_PRIMARY || last->contype == CONSTR_UNIQUE ||
			 last->contype == CONSTR_FOREIGN);

		switch (con->contype)
		{
			case CONSTR_ATTR_DEFERRABLE:
			case CONSTR_ATTR_NOT_DEFERRABLE:
			case CONSTR_ATTR_DEFERRED:
			case CONSTR_ATTR_IMMEDIATE:
				if (!keyed)
					refuse(what, text, "has a DEFERRABLE or INITIALLY clause qualifying nothing");
				if (con->contype == CONSTR_ATTR_DEFERRABLE)
					last->deferrable = true;
				else if (con->contype == CONSTR_ATTR_NOT_DEFERRABLE)
					last->deferrable = false;
				else
					last->initdeferred = (con->contype == CONSTR_ATTR_DEFERRED);
				if (last->initdeferred && !last->deferrable &&
					con->contype != CONSTR_ATTR_DEFERRED)
					refuse(what, text, "is INITIALLY DEFERRED but not DEFERRABLE");
				break;
			default:
				last = con;
				res = lappend(res, con);
		}
	}
	return res;
}

/*
 * Column constraints written as text after a column (a custom constraint,
 * or what dbt appends to "primary key"), rendered from their nodes.
 * prefix goes before text, in the SQL parsed and nowhere else.
 */
void
dbtc_render_column_clause(StringInfo s, GenScope *scope, int colidx,
						  const char *prefix, const char *text, const char *what)
{
	List	   *elts = dbtc_parse_table_elements(psprintf("dbtc_probe_column integer %s %s",
														  prefix, text), text, what);
	ColumnDef  *cd = linitial(elts);
	List	   *cons;
	ListCell   *lc;

	if (list_length(elts) != 1 || !IsA(cd, ColumnDef) ||
		cd->collClause != NULL || DBTC_COLUMN_COMPRESSION(cd) != NULL ||
		cd->fdwoptions != NIL || cd->constraints == NIL)
		refuse(what, text, "is not a list of column constraints");
	cons = fold_attributes(cd->constraints, what, text);
	foreach(lc, cons)
	{
		CHECK_FOR_INTERRUPTS();
		if (lc != list_head(cons))
			appendStringInfoChar(s, ' ');
		render_node(s, scope, lfirst(lc), colidx, what, text);
	}
}

/*
 * A table constraint written as text (a custom constraint, or a foreign
 * key's legacy REFERENCES expression after "FOREIGN KEY (cols)"), parsed
 * and rendered.  Returns the node, for callers that need its parts.
 */
Constraint *
dbtc_render_table_clause(StringInfo s, GenScope *scope, const char *prefix,
						 const char *text, const char *what, bool named)
{
	List	   *elts = dbtc_parse_table_elements(psprintf("%s %s", prefix, text), text, what);
	Constraint *con = linitial(elts);

	if (list_length(elts) != 1 || !IsA(con, Constraint))
		refuse(what, text, "is not one table constraint");
	if (named && con->conname != NULL)
		refuse(what, text, "names the constraint a second time");
	if (s != NULL)
		render_node(s, scope, con, -1, what, text);
	return con;
}

/* ------------------------------------------------------------------------
 * Parsing generated statements back
 * ------------------------------------------------------------------------
 */
static RangeVar *
statement_relation(Node *stmt)
{
	if (IsA(stmt, CreateStmt))
		return ((CreateStmt *) stmt)->relation;
	if (IsA(stmt, AlterTableStmt))
		return ((AlterTableStmt *) stmt)->relation;
	return NULL;
}

static void
not_expected(const char *sql, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("dbt_contract generated a statement it will not return or run"),
			 errdetail("%s: %s", why, dbtc_text_excerpt(sql))));
}

/*
 * Parse generated SQL back (with the settings it was generated under) and
 * insist it is exactly one statement of kind expected on relation
 * schema.relname: one CREATE TABLE with ncolumns columns named as given,
 * or one ALTER TABLE adding one constraint or NOT NULL.
 */
void
dbtc_check_generated(const char *sql, NodeTag expected, const char *schema,
					 const char *relname, int ncolumns, const char *const *colnames)
{
	List	   *raw = DBTC_RAW_PARSE(sql);
	Node	   *stmt;
	RangeVar   *rv;

	if (list_length(raw) != 1)
		not_expected(sql, "not exactly one statement");
	stmt = ((RawStmt *) linitial(raw))->stmt;
	if (nodeTag(stmt) != expected)
		not_expected(sql, "not the statement kind expected");
	rv = statement_relation(stmt);
	if (rv == NULL || rv->catalogname != NULL || rv->schemaname == NULL ||
		strcmp(rv->schemaname, schema) != 0 || strcmp(rv->relname, relname) != 0)
		not_expected(sql, "not on the relation expected");
	if (IsA(stmt, CreateStmt))
	{
		CreateStmt *cs = (CreateStmt *) stmt;
		ListCell   *lc;
		int			i = 0;

		if (cs->inhRelations != NIL || cs->partbound != NULL ||
			cs->partspec != NULL || cs->ofTypename != NULL ||
			cs->options != NIL || cs->tablespacename != NULL ||
			cs->accessMethod != NULL || cs->if_not_exists ||
			rv->relpersistence != RELPERSISTENCE_PERMANENT)
			not_expected(sql, "a CREATE TABLE with clauses of its own");
		foreach(lc, cs->tableElts)
		{
			Node	   *elt = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			if (IsA(elt, ColumnDef))
			{
				if (i >= ncolumns ||
					strcmp(((ColumnDef *) elt)->colname, colnames[i]) != 0)
					not_expected(sql, "a column not in the contract, or out of order");
				i++;
			}
			else if (!IsA(elt, Constraint))
				not_expected(sql, "a table element that is neither column nor constraint");
		}
		if (i != ncolumns)
			not_expected(sql, "columns of the contract missing");
	}
	else
	{
		AlterTableStmt *as = (AlterTableStmt *) stmt;
		AlterTableCmd *cmd;

		if (DBTC_ALTER_TABLE_OBJTYPE(as) != OBJECT_TABLE || as->missing_ok ||
			list_length(as->cmds) != 1)
			not_expected(sql, "not one ALTER TABLE command");
		cmd = linitial(as->cmds);
		if (!(cmd->subtype == AT_SetNotNull ||
			  (cmd->subtype == AT_AddConstraint && IsA(cmd->def, Constraint) &&
			   !((Constraint *) cmd->def)->skip_validation)))
			not_expected(sql, "not an ALTER TABLE adding one constraint");
	}
}

/*
 * dbt_contract.parse_statements(sql text) RETURNS TABLE (kind, relation,
 * elements): each statement raw_parser finds in sql, with its command tag,
 * the relation it names (CREATE TABLE, ALTER TABLE) and how many table
 * elements or ALTER commands it has.  Nothing is executed; tests and the
 * fuzzer use it to see what generated SQL would do.
 */
Datum
dbt_contract_parse_statements(PG_FUNCTION_ARGS)
{
	ResultSink	sink = dbtc_srf_begin(fcinfo);
	List	   *raw = DBTC_RAW_PARSE(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	ListCell   *lc;

	foreach(lc, raw)
	{
		Node	   *stmt = ((RawStmt *) lfirst(lc))->stmt;
		RangeVar   *rv = statement_relation(stmt);
		Datum		values[3];
		bool		nulls[3] = {false, rv == NULL, rv == NULL};

		CHECK_FOR_INTERRUPTS();
		values[0] = CStringGetTextDatum(GetCommandTagName(CreateCommandTag(stmt)));
		if (rv != NULL)
		{
			values[1] = CStringGetTextDatum(rangevar_text(rv));
			values[2] = Int32GetDatum(IsA(stmt, CreateStmt) ?
									  list_length(((CreateStmt *) stmt)->tableElts) :
									  list_length(((AlterTableStmt *) stmt)->cmds));
		}
		tuplestore_putvalues(sink.store, sink.desc, values, nulls);
	}
	return (Datum) 0;
}
