/*-------------------------------------------------------------------------
 * contract_match.c
 *	  Compare a live relation with its contract: column names and types
 *	  (three strictness levels) and declared constraints.
 *
 * The column report reproduces dbt's mismatch table and reasons; the
 * constraint report shows what the contract wants and what the relation
 * has, deparsed.  CHECK constraints are compared as PostgreSQL stores
 * them: the contract's expression is transformed against the relation the
 * way CREATE TABLE cooks a check, and compared with equal() to conbin.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "parser/scansup.h"
#include "rewrite/rewriteHandler.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "dbt_contract.h"

typedef struct MismatchRow
{
	char	   *column_name;
	char	   *definition_type;
	char	   *contract_type;
	const char *reason;
} MismatchRow;

/* One live constraint of the relation. */
typedef struct LiveConstraint
{
	Oid			oid;
	char		contype;
	char	   *name;
	List	   *cols;			/* attribute names, in key order */
	Oid			confrelid;
	List	   *fcols;			/* referenced attribute names */
	Node	   *check_expr;		/* CHECK: stored expression */
} LiveConstraint;

char *
spec_label(const ContractSpec *spec)
{
	if (spec->version >= 0)
		return psprintf("model \"%s\" version %d", spec->model, spec->version);
	return psprintf("model \"%s\"", spec->model);
}

/* ------------------------------------------------------------------------
 * Types
 * ------------------------------------------------------------------------
 */

/*
 * The coarse type name dbt's preflight compares on PostgreSQL: psycopg2's
 * typecaster for the result OID (length, precision and scale invisible,
 * and several distinct types sharing a name).  Unknown OIDs compare by
 * OID, as dbt's "unknown type_code <oid>" does.
 */
static char *
dbt_type_name(Oid typid)
{
	switch (typid)
	{
		case NAMEOID:
		case CHAROID:
		case TEXTOID:
		case BPCHAROID:
		case VARCHAROID:
			return "STRING";
		case BOOLOID:
			return "BOOLEAN";
		case INT8OID:
			return "LONGINTEGER";
		case INT2OID:
		case INT4OID:
			return "INTEGER";
		case FLOAT4OID:
		case FLOAT8OID:
			return "FLOAT";
		case NUMERICOID:
			return "DECIMAL";
		case TIMESTAMPOID:
			return "DATETIME";
		case TIMESTAMPTZOID:
			return "DATETIMETZ";
		case TIMEOID:
		case TIMETZOID:
			return "TIME";
		case DATEOID:
			return "DATE";
		case INTERVALOID:
			return "INTERVAL";
		case BYTEAOID:
			return "BINARY";
		case OIDOID:
			return "ROWID";
		case JSONOID:
			return "JSON";
		case JSONBOID:
			return "JSONB";
		case INT2ARRAYOID:
		case INT4ARRAYOID:
			return "INTEGERARRAY";
		case INT8ARRAYOID:
			return "LONGINTEGERARRAY";
		case TEXTARRAYOID:
		case 1002:				/* char[] */
		case 1003:				/* name[] */
		case 1014:				/* bpchar[] */
		case 1015:				/* varchar[] */
			return "STRINGARRAY";
		case BOOLARRAYOID:
			return "BOOLEANARRAY";
		case FLOAT4ARRAYOID:
		case FLOAT8ARRAYOID:
			return "FLOATARRAY";
		case 1231:				/* numeric[] */
			return "DECIMALARRAY";
		case 1115:				/* timestamp[] */
			return "DATETIMEARRAY";
		case 1185:				/* timestamptz[] */
			return "DATETIMETZARRAY";
		case 1183:				/* time[] */
		case 1270:				/* timetz[] */
			return "TIMEARRAY";
		case 1182:				/* date[] */
			return "DATEARRAY";
		case 1187:				/* interval[] */
			return "INTERVALARRAY";
		default:
			return psprintf("unknown type_code %u", typid);
	}
}

/*
 * The contract stores the type's OID as resolved at apply time; a type
 * dropped since (DROP TYPE ... CASCADE) leaves it dangling.
 */
static bool
contract_type_exists(const SpecColumn *c)
{
	return OidIsValid(c->type_oid) &&
		SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(c->type_oid));
}

static bool
types_match(Oid live_typid, int32 live_typmod, const SpecColumn *c)
{
	if (!contract_type_exists(c))
		return false;
	switch ((TypeMatchMode) dbtc_type_match)
	{
		case TYPE_MATCH_EXACT:
			return live_typid == c->type_oid && live_typmod == c->typmod;
		case TYPE_MATCH_DBT:
			/* result columns of a domain type arrive as the base type */
			return strcmp(dbt_type_name(getBaseType(live_typid)),
						  dbt_type_name(getBaseType(c->type_oid))) == 0;
		case TYPE_MATCH_DECLARED:
		default:
			return live_typid == c->type_oid &&
				(c->typmod < 0 || live_typmod == c->typmod);
	}
}

/* ------------------------------------------------------------------------
 * Columns
 * ------------------------------------------------------------------------
 */
static const SpecColumn *
spec_column(const ContractSpec *spec, const char *attname)
{
	int			i;

	for (i = 0; i < spec->ncolumns; i++)
		if (strcmp(spec->columns[i].attname, attname) == 0)
			return &spec->columns[i];
	return NULL;
}

/* The attribute name a constraint's column (as written) refers to. */
char *
constraint_attname(const ContractSpec *spec, const char *written)
{
	int			i;

	for (i = 0; i < spec->ncolumns; i++)
		if (strcmp(spec->columns[i].name, written) == 0)
			return spec->columns[i].attname;
	return downcase_identifier(written, strlen(written), false, false);
}

static int
row_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((MismatchRow *) lfirst(a))->column_name,
				  ((MismatchRow *) lfirst(b))->column_name);
}

static void
add_problem(MatchReport *r, const char *object, const char *problem,
			const char *have, const char *want, const char *repair)
{
	MatchProblem *p = palloc(sizeof(MatchProblem));

	p->object = pstrdup(object);
	p->problem = problem;
	p->have = have ? pstrdup(have) : NULL;
	p->want = want ? pstrdup(want) : NULL;
	p->repair = repair ? pstrdup(repair) : NULL;
	r->problems = lappend(r->problems, p);
}

static void
add_row(MatchReport *r, const char *name, char *def, char *con, const char *reason)
{
	MismatchRow *row = palloc(sizeof(MismatchRow));

	row->column_name = pstrdup(name);
	row->definition_type = def ? def : "";
	row->contract_type = con ? con : "";
	row->reason = reason;
	r->column_rows = lappend(r->column_rows, row);
	add_problem(r, name,
				strcmp(reason, "missing in contract") == 0 ? "column extra" :
				strcmp(reason, "missing in definition") == 0 ? "column missing" :
				"column type",
				def, con, NULL);
}

static char *
spec_type_text(const SpecColumn *c)
{
	if (!OidIsValid(c->type_oid))
		return c->data_type ? pstrdup(c->data_type) : "";
	if (!contract_type_exists(c))
		return psprintf("%s (type dropped since the contract was applied)",
						c->data_type);
	return format_type_with_typemod(c->type_oid, c->typmod);
}

static void
match_columns(Relation rel, const ContractSpec *spec, MatchReport *r)
{
	TupleDesc	td = RelationGetDescr(rel);
	bool	   *seen = palloc0(sizeof(bool) * Max(1, spec->ncolumns));
	int			i;

	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);
		const SpecColumn *c;

		if (att->attisdropped)
			continue;
		c = spec_column(spec, NameStr(att->attname));
		if (c == NULL)
		{
			add_row(r, NameStr(att->attname),
					format_type_with_typemod(att->atttypid, att->atttypmod),
					NULL, "missing in contract");
			continue;
		}
		seen[c - spec->columns] = true;
		if (!types_match(att->atttypid, att->atttypmod, c))
			add_row(r, NameStr(att->attname),
					format_type_with_typemod(att->atttypid, att->atttypmod),
					spec_type_text(c), "data type mismatch");
	}
	for (i = 0; i < spec->ncolumns; i++)
		if (!seen[i])
			add_row(r, spec->columns[i].attname, NULL,
					spec_type_text(&spec->columns[i]), "missing in definition");
	list_sort(r->column_rows, row_cmp);
}

/* ------------------------------------------------------------------------
 * Live constraints
 * ------------------------------------------------------------------------
 */
static List *
attnums_to_names(Oid relid, Datum arr)
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	int16	   *nums = (int16 *) ARR_DATA_PTR(a);
	int			n = ARR_DIMS(a)[0];
	List	   *res = NIL;
	int			i;

	for (i = 0; i < n; i++)
		res = lappend(res, get_attname(relid, nums[i], false));
	return res;
}

static List *
live_constraints(Relation rel)
{
	Relation	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *res = NIL;

	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationGetRelid(rel)));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		LiveConstraint *lc = palloc0(sizeof(LiveConstraint));
		bool		isnull;
		Datum		d;

		lc->oid = con->oid;
		lc->contype = con->contype;
		lc->name = pstrdup(NameStr(con->conname));
		d = heap_getattr(tup, Anum_pg_constraint_conkey, RelationGetDescr(conrel), &isnull);
		if (!isnull)
			lc->cols = attnums_to_names(RelationGetRelid(rel), d);
		if (con->contype == CONSTRAINT_FOREIGN)
		{
			lc->confrelid = con->confrelid;
			d = heap_getattr(tup, Anum_pg_constraint_confkey, RelationGetDescr(conrel), &isnull);
			if (!isnull)
				lc->fcols = attnums_to_names(con->confrelid, d);
		}
		if (con->contype == CONSTRAINT_CHECK)
		{
			d = heap_getattr(tup, Anum_pg_constraint_conbin, RelationGetDescr(conrel), &isnull);
			if (!isnull)
				lc->check_expr = stringToNode(TextDatumGetCString(d));
		}
		res = lappend(res, lc);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return res;
}

static int
name_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

static bool
same_set(List *a, List *b)
{
	List	   *x;
	List	   *y;
	ListCell   *la;
	ListCell   *lb;

	if (list_length(a) != list_length(b))
		return false;
	x = list_copy(a);
	y = list_copy(b);
	list_sort(x, name_cmp);
	list_sort(y, name_cmp);
	forboth(la, x, lb, y)
		if (strcmp(lfirst(la), lfirst(lb)) != 0)
		return false;
	return true;
}

static char *
name_list_text(List *names)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, names)
	{
		if (lc != list_head(names))
			appendStringInfoString(&s, ", ");
		appendStringInfoString(&s, quote_identifier(lfirst(lc)));
	}
	return s.data;
}

static char *
constraint_def(Oid conoid)
{
	return TextDatumGetCString(DirectFunctionCall1(pg_get_constraintdef,
												   ObjectIdGetDatum(conoid)));
}

/* Definitions of live constraints of one type, for the "have" side. */
static char *
have_text(List *live, char contype)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, live)
	{
		LiveConstraint *l = lfirst(lc);

		if (l->contype != contype)
			continue;
		if (s.len > 0)
			appendStringInfoString(&s, "; ");
		appendStringInfo(&s, "%s", constraint_def(l->oid));
	}
	return s.len > 0 ? s.data : "none";
}

/* Foreign keys of the same columns, whatever they reference. */
static char *
fk_have_text(List *live, List *cols)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, live)
	{
		LiveConstraint *l = lfirst(lc);

		if (l->contype != CONSTRAINT_FOREIGN || !same_set(l->cols, cols))
			continue;
		if (s.len > 0)
			appendStringInfoString(&s, "; ");
		appendStringInfoString(&s, constraint_def(l->oid));
	}
	return s.len > 0 ? s.data : psprintf("none on (%s)", name_list_text(cols));
}

/* How a constraint is named in reports: its name, else its columns. */
static char *
constraint_object(const SpecConstraint *k)
{
	if (k->name)
		return psprintf("%s %s", contract_constraint_type_name(k->type),
						quote_identifier(k->name));
	if (k->columns != NIL)
		return psprintf("%s (%s)", contract_constraint_type_name(k->type),
						name_list_text(k->columns));
	return pstrdup(contract_constraint_type_name(k->type));
}

/*
 * Is the declared name of k already taken, by another constraint of the
 * relation or, for keys (whose index takes the name), by a relation of its
 * schema?  Adding k under that name would fail, and the repair never drops
 * what is there.
 */
static bool
constraint_name_taken(Relation rel, List *live, const SpecConstraint *k)
{
	ListCell   *lc;

	if (k->name == NULL)
		return false;
	foreach(lc, live)
		if (strcmp(((LiveConstraint *) lfirst(lc))->name, k->name) == 0)
			return true;
	if (k->type == CC_PRIMARY_KEY || k->type == CC_UNIQUE)
		return OidIsValid(get_relname_relid(k->name, RelationGetNamespace(rel)));
	return false;
}

/*
 * ALTER TABLE that adds a contract constraint, named as declared; NULL
 * when the name is taken.
 */
static char *
add_constraint_sql(Relation rel, List *live, const MatchReport *r,
				   const SpecConstraint *k, const char *body)
{
	if (constraint_name_taken(rel, live, k))
		return NULL;
	return psprintf("ALTER TABLE %s ADD %s%s%s;", r->relation,
					k->name ? "CONSTRAINT " : "",
					k->name ? psprintf("%s ", quote_identifier(k->name)) : "",
					body);
}

/*
 * One constraint problem.  "have" says what the relation has instead;
 * when it has nothing of the kind the constraint is missing (a missing
 * foreign key is reported as lost: it is what CASCADE takes away).
 */
static void
add_line(MatchReport *r, const SpecConstraint *k, const char *want,
		 const char *have, const char *repair)
{
	bool		missing = strncmp(have, "none", 4) == 0 ||
		strncmp(have, "no ", 3) == 0 ||
		strcmp(have, "a nullable column") == 0;

	r->constraint_lines =
		lappend(r->constraint_lines,
				psprintf("%s%s%s: want %s, have %s",
						 contract_constraint_type_name(k->type),
						 k->name ? " " : "",
						 k->name ? quote_identifier(k->name) : "",
						 want, have));
	add_problem(r, constraint_object(k),
				!missing ? "constraint different" :
				k->type == CC_FOREIGN_KEY ? "foreign key lost" : "constraint missing",
				missing ? NULL : have, want, repair);
}

/* ------------------------------------------------------------------------
 * Foreign key targets
 * ------------------------------------------------------------------------
 */

/* source('s', 't') -> s.t as dbt's default source relation. */
static List *
source_target(const char *text)
{
	const char *p = strchr(text, '(');
	List	   *parts = NIL;

	if (p == NULL)
		return NIL;
	while (*p && *p != ')')
	{
		const char *q;
		char		quote;

		while (*p && *p != '\'' && *p != '"' && *p != ')')
			p++;
		if (*p != '\'' && *p != '"')
			break;
		quote = *p++;
		q = strchr(p, quote);
		if (q == NULL)
			break;
		parts = lappend(parts, pnstrdup(p, q - p));
		p = q + 1;
	}
	return list_length(parts) == 2 ? parts : NIL;
}

/*
 * The relation a contract foreign key references and its columns: the
 * ref() target from the catalog, a source(), or the legacy expression
 * "schema.table (col, ...)" parsed with PostgreSQL's identifier rules.
 */
static Oid
fk_target(const ContractSpec *spec, const SpecConstraint *k, List **to_cols,
		  char **target_text)
{
	List	   *names = NIL;
	RangeVar   *rv;
	ListCell   *lc;

	/*
	 * The loader maps to_columns of a ref() it resolves to the target's
	 * attribute names (quoted columns keep their case); others fold as
	 * unquoted identifiers.
	 */
	*to_cols = NIL;
	foreach(lc, k->to_columns)
		*to_cols = lappend(*to_cols, k->to_relation != NULL ? pstrdup(lfirst(lc)) :
						   downcase_identifier(lfirst(lc), strlen(lfirst(lc)),
											   false, false));

	if (k->to_relation != NULL)
		names = stringToQualifiedNameList(k->to_relation
#if PG_VERSION_NUM >= 160000
										  , NULL
#endif
			);
	else if (k->to_text != NULL && strncmp(k->to_text, "source", 6) == 0)
	{
		List	   *st = source_target(k->to_text);

		if (st != NIL)
			names = list_make2(makeString(linitial(st)), makeString(lsecond(st)));
	}
	else if (k->to_text != NULL && k->to_model == NULL)
	{
		/* a relation name as dbt compiled it, from a manifest */
		names = stringToQualifiedNameList(k->to_text
#if PG_VERSION_NUM >= 160000
										  , NULL
#endif
			);
	}
	else if (k->to_text == NULL && k->expression != NULL)
	{
		char	   *expr = pstrdup(k->expression);
		char	   *open = strchr(expr, '(');

		if (open != NULL)
		{
			char	   *close = strchr(open, ')');
			List	   *cols = NIL;

			*open = '\0';
			if (close != NULL)
			{
				*close = '\0';
				if (SplitIdentifierString(open + 1, ',', &cols))
					*to_cols = cols;
			}
		}
		names = stringToQualifiedNameList(expr
#if PG_VERSION_NUM >= 160000
										  , NULL
#endif
			);
	}
	if (names == NIL)
	{
		*target_text = pstrdup(k->to_text ? k->to_text :
							   k->expression ? k->expression : "(unresolved)");
		return InvalidOid;
	}
	rv = makeRangeVarFromNameList(names);
	*target_text = rv->schemaname ?
		quote_qualified_identifier(rv->schemaname, rv->relname) :
		pstrdup(quote_identifier(rv->relname));
	return RangeVarGetRelid(rv, NoLock, true);
}

static void
match_foreign_key(const ContractSpec *spec, const SpecConstraint *k,
				  Relation rel, List *cols, List *live, MatchReport *r)
{
	List	   *to_cols;
	char	   *target;
	Oid			target_oid = fk_target(spec, k, &to_cols, &target);
	ListCell   *lc;
	char	   *want;
	char	   *repair;

	foreach(lc, live)
	{
		LiveConstraint *l = lfirst(lc);
		ListCell   *a;
		ListCell   *b;
		bool		ok = true;

		if (l->contype != CONSTRAINT_FOREIGN || l->confrelid != target_oid ||
			list_length(l->cols) != list_length(cols))
			continue;
		if (to_cols == NIL)
		{
			if (same_set(l->cols, cols))
				return;
			continue;
		}
		if (list_length(to_cols) != list_length(cols))
			continue;
		/* pairs (column -> referenced column) must agree, in any order */
		forboth(a, cols, b, to_cols)
		{
			ListCell   *x;
			ListCell   *y;
			bool		found = false;

			forboth(x, l->cols, y, l->fcols)
				if (strcmp(lfirst(x), lfirst(a)) == 0 && strcmp(lfirst(y), lfirst(b)) == 0)
				found = true;
			if (!found)
				ok = false;
		}
		if (ok)
			return;
	}

	/* written like pg_get_constraintdef, which the "have" side shows */
	want = psprintf("FOREIGN KEY (%s) REFERENCES %s%s%s%s",
					name_list_text(cols), target,
					to_cols ? "(" : "", to_cols ? name_list_text(to_cols) : "",
					to_cols ? ")" : "");
	if (k->to_model != NULL && k->to_relation == NULL)
	{
		/* no SQL to offer for a key whose target is unknown */
		add_line(r, k, psprintf("%s (no loaded contract defines model \"%s\"%s)",
								want, k->to_model,
								k->to_version >= 0 ?
								psprintf(" version %d", k->to_version) : ""),
				 fk_have_text(live, cols), NULL);
		return;
	}
	repair = add_constraint_sql(rel, live, r, k, want);
	add_line(r, k, want, fk_have_text(live, cols), repair);
	if (repair != NULL)
		r->repair_sql = lappend(r->repair_sql, repair);
}

/*
 * "REFERENCES target (cols)" for a contract foreign key, as DDL; NULL when
 * the target is unknown (a ref() to a model without a contract).
 */
char *
contract_fk_references(const ContractSpec *spec, const SpecConstraint *k)
{
	List	   *to_cols;
	char	   *target;

	if (k->to_model != NULL && k->to_relation == NULL)
		return NULL;
	(void) fk_target(spec, k, &to_cols, &target);
	if (to_cols == NIL)
		return psprintf("REFERENCES %s", target);
	return psprintf("REFERENCES %s (%s)", target, name_list_text(to_cols));
}

/* ------------------------------------------------------------------------
 * CHECK constraints
 * ------------------------------------------------------------------------
 */

/* The contract's expression cooked against rel as CREATE TABLE would. */
static Node *
cook_check(Relation rel, const char *expression)
{
	char	   *sql = psprintf("SELECT %s", expression);
	List	   *raw;
	ResTarget  *rt;
	ParseState *pstate;
	ParseNamespaceItem *nsitem;
	Node	   *expr;

#if PG_VERSION_NUM >= 140000
	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
#else
	raw = raw_parser(sql);
#endif
	rt = linitial(((SelectStmt *) ((RawStmt *) linitial(raw))->stmt)->targetList);
	pstate = make_parsestate(NULL);
	nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock,
										   NULL, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);
	expr = transformExpr(pstate, rt->val, EXPR_KIND_CHECK_CONSTRAINT);
	expr = coerce_to_boolean(pstate, expr, "CHECK");
	assign_expr_collations(pstate, expr);
	free_parsestate(pstate);
	return expr;
}

/*
 * Cook inside a subtransaction: an expression naming a column the
 * relation lacks is a contract problem to report, not an abort.
 */
static Node *
cook_check_safely(Relation rel, const char *expression, char **error)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	Node	   *volatile expr = NULL;

	*error = NULL;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		expr = cook_check(rel, expression);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		*error = edata->message;
		expr = NULL;
	}
	PG_END_TRY();
	return expr;
}

/*
 * The relation's checks on the same columns as the contract's expression:
 * the ones it was probably meant to be.  All of them would bury the
 * difference in a long table.
 */
static char *
check_have_text(Relation rel, List *live, Node *want)
{
	Bitmapset  *want_cols = NULL;
	StringInfoData s;
	ListCell   *lc;
	int			attno;

	pull_varattnos(want, 1, &want_cols);
	initStringInfo(&s);
	foreach(lc, live)
	{
		LiveConstraint *l = lfirst(lc);
		Bitmapset  *cols = NULL;

		if (l->contype != CONSTRAINT_CHECK || l->check_expr == NULL)
			continue;
		pull_varattnos(l->check_expr, 1, &cols);
		if (!bms_equal(cols, want_cols))
			continue;
		if (s.len > 0)
			appendStringInfoString(&s, "; ");
		appendStringInfoString(&s, constraint_def(l->oid));
	}
	if (s.len > 0)
		return s.data;
	attno = -1;
	while ((attno = bms_next_member(want_cols, attno)) >= 0)
	{
		AttrNumber	a = attno + FirstLowInvalidHeapAttributeNumber;

		if (a <= 0)
			continue;
		appendStringInfoString(&s, s.len > 0 ? ", " : "no check on (");
		appendStringInfoString(&s,
							   quote_identifier(NameStr(TupleDescAttr(RelationGetDescr(rel),
																	  a - 1)->attname)));
	}
	if (s.len == 0)
		return "none";
	appendStringInfoChar(&s, ')');
	return s.data;
}

static void
match_check(Relation rel, const SpecConstraint *k, List *live, MatchReport *r)
{
	char	   *error;
	Node	   *want = cook_check_safely(rel, k->expression, &error);
	ListCell   *lc;
	List	   *ctx;

	if (want == NULL)
	{
		r->constraint_lines =
			lappend(r->constraint_lines,
					psprintf("%s%s%s: want CHECK (%s), which cannot apply to this relation: %s",
							 contract_constraint_type_name(k->type),
							 k->name ? " " : "",
							 k->name ? quote_identifier(k->name) : "",
							 k->expression, error));
		/* the relation cannot have it, so it is missing; say why */
		add_problem(r, constraint_object(k), "constraint missing",
					psprintf("cannot apply: %s", error),
					psprintf("CHECK (%s)", k->expression), NULL);
		return;
	}
	foreach(lc, live)
	{
		LiveConstraint *l = lfirst(lc);

		if (l->contype == CONSTRAINT_CHECK && l->check_expr != NULL &&
			equal(l->check_expr, want))
			return;
	}
	ctx = deparse_context_for(RelationGetRelationName(rel), RelationGetRelid(rel));
	add_line(r, k, psprintf("CHECK (%s)", deparse_expression(want, ctx, false, false)),
			 check_have_text(rel, live, want),
			 add_constraint_sql(rel, live, r, k, psprintf("CHECK (%s)", k->expression)));
}

/* ------------------------------------------------------------------------
 * custom constraints: matched on normalized definitions
 * ------------------------------------------------------------------------
 */
static bool
name_in_list(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

static char *
normalize_def(const char *s)
{
	char	   *out = palloc(strlen(s) + 1);
	char	   *o = out;

	for (; *s; s++)
	{
		if (isspace((unsigned char) *s) || *s == '(' || *s == ')' || *s == '"')
			continue;
		*o++ = pg_tolower((unsigned char) *s);
	}
	*o = '\0';
	return out;
}

static void
match_custom(Relation rel, const SpecConstraint *k, List *cols, List *live,
			 MatchReport *r)
{
	char	   *want = normalize_def(k->expression);
	TupleDesc	td = RelationGetDescr(rel);
	ListCell   *lc;
	int			i;

	foreach(lc, live)
		if (strstr(normalize_def(constraint_def(((LiveConstraint *) lfirst(lc))->oid)), want))
			return;
	/* dbt users also use custom for column defaults */
	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		if (att->atthasdef && !att->attisdropped &&
			(cols == NIL || name_in_list(cols, NameStr(att->attname))))
		{
			Node	   *def = build_column_default(rel, att->attnum);

			if (def != NULL)
			{
				List	   *ctx = deparse_context_for(RelationGetRelationName(rel),
													  RelationGetRelid(rel));
				char	   *txt = psprintf("default %s",
										   deparse_expression(def, ctx, false, false));

				if (strstr(normalize_def(txt), want))
					return;
			}
		}
	}
	add_line(r, k, k->expression, "no constraint or default with that definition", NULL);
}

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------
 */
static List *
attnames_of(const ContractSpec *spec, List *written)
{
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, written)
		res = lappend(res, constraint_attname(spec, lfirst(lc)));
	return res;
}

static void
match_constraints(Relation rel, const ContractSpec *spec, MatchReport *r)
{
	TupleDesc	td = RelationGetDescr(rel);
	List	   *live = live_constraints(rel);
	ListCell   *lc;

	foreach(lc, spec->constraints)
	{
		SpecConstraint *k = lfirst(lc);
		List	   *cols = attnames_of(spec, k->columns);
		ListCell   *c;
		ListCell   *l;
		bool		found = false;

		switch (k->type)
		{
			case CC_NOT_NULL:
				/*
				 * dbt renders nothing for a model-level not_null, so the
				 * tables it builds never have it: demanding it would refuse
				 * every dbt build of the model.
				 */
				if (k->model_level)
					break;
				foreach(c, cols)
				{
					int			i;

					for (i = 0; i < td->natts; i++)
					{
						Form_pg_attribute att = TupleDescAttr(td, i);

						if (!att->attisdropped && !att->attnotnull &&
							strcmp(NameStr(att->attname), lfirst(c)) == 0)
							add_line(r, k,
									 psprintf("NOT NULL on %s", quote_identifier(lfirst(c))),
									 "a nullable column",
									 psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;",
											  r->relation, quote_identifier(lfirst(c))));
					}
				}
				break;
			case CC_PRIMARY_KEY:
				foreach(l, live)
				{
					LiveConstraint *lcon = lfirst(l);

					if (lcon->contype == CONSTRAINT_PRIMARY && same_set(lcon->cols, cols))
						found = true;
				}
				if (!found)
				{
					char	   *want = psprintf("PRIMARY KEY (%s)", name_list_text(cols));
					char	   *have = have_text(live, CONSTRAINT_PRIMARY);

					/* a table has one primary key: only a missing one can be added */
					add_line(r, k, want, have,
							 strncmp(have, "none", 4) == 0 ?
							 add_constraint_sql(rel, live, r, k, want) : NULL);
				}
				break;
			case CC_UNIQUE:
				foreach(l, live)
				{
					LiveConstraint *lcon = lfirst(l);

					if ((lcon->contype == CONSTRAINT_UNIQUE ||
						 lcon->contype == CONSTRAINT_PRIMARY) &&
						same_set(lcon->cols, cols))
						found = true;
				}
				if (!found)
				{
					char	   *want = psprintf("UNIQUE (%s)", name_list_text(cols));

					add_line(r, k, want, have_text(live, CONSTRAINT_UNIQUE),
							 add_constraint_sql(rel, live, r, k, want));
				}
				break;
			case CC_FOREIGN_KEY:
				match_foreign_key(spec, k, rel, cols, live, r);
				break;
			case CC_CHECK:
				match_check(rel, k, live, r);
				break;
			case CC_CUSTOM:
				match_custom(rel, k, cols, live, r);
				break;
		}
	}
}

/*
 * Compare relation relid with spec.  Views carry names and types only;
 * check_constraints = false does the same for tables.
 */
MatchReport *
contract_match_relation(Oid relid, const ContractSpec *spec, bool check_constraints)
{
	MatchReport *r = palloc0(sizeof(MatchReport));
	Relation	rel = relation_open(relid, AccessShareLock);
	char		relkind = rel->rd_rel->relkind;

	r->relation = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
											 RelationGetRelationName(rel));
	match_columns(rel, spec, r);
	if (check_constraints &&
		(relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE))
		match_constraints(rel, spec, r);
	relation_close(rel, AccessShareLock);
	return r;
}

bool
match_report_empty(const MatchReport *r)
{
	return r->column_rows == NIL && r->constraint_lines == NIL;
}

static void
pad(StringInfo s, const char *v, int width)
{
	appendStringInfo(s, " %s%*s |", v, width - pg_mbstrlen(v), "");
}

/* dbt's mismatch table, then one line per constraint problem. */
char *
match_report_text(const MatchReport *r)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	if (r->column_rows != NIL)
	{
		int			w[4] = {11, 15, 13, 15};	/* header widths */
		const char *hdr[4] = {"column_name", "definition_type", "contract_type",
		"mismatch_reason"};
		int			i;

		foreach(lc, r->column_rows)
		{
			MismatchRow *row = lfirst(lc);

			w[0] = Max(w[0], pg_mbstrlen(row->column_name));
			w[1] = Max(w[1], pg_mbstrlen(row->definition_type));
			w[2] = Max(w[2], pg_mbstrlen(row->contract_type));
			w[3] = Max(w[3], pg_mbstrlen(row->reason));
		}
		appendStringInfoString(&s,
							   "This model has an enforced contract that failed.\n"
							   "Please ensure the name, data_type, and number of columns in your contract match the columns in your model's definition.\n\n|");
		for (i = 0; i < 4; i++)
			pad(&s, hdr[i], w[i]);
		appendStringInfoString(&s, "\n|");
		for (i = 0; i < 4; i++)
		{
			char	   *dashes = palloc(w[i] + 1);

			memset(dashes, '-', w[i]);
			dashes[w[i]] = '\0';
			pad(&s, dashes, w[i]);
		}
		foreach(lc, r->column_rows)
		{
			MismatchRow *row = lfirst(lc);

			appendStringInfoString(&s, "\n|");
			pad(&s, row->column_name, w[0]);
			pad(&s, row->definition_type, w[1]);
			pad(&s, row->contract_type, w[2]);
			pad(&s, row->reason, w[3]);
		}
	}
	if (r->constraint_lines != NIL)
	{
		if (s.len > 0)
			appendStringInfoString(&s, "\n\n");
		appendStringInfoString(&s, "Constraints that do not match the contract:");
		foreach(lc, r->constraint_lines)
			appendStringInfo(&s, "\n  %s", (char *) lfirst(lc));
	}
	return s.data;
}
