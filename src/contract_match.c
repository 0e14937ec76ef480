/*-------------------------------------------------------------------------
 * contract_match.c
 *	  Compare a live relation with its contract: column names and types
 *	  (by the rules of type_match.c) and declared constraints, and report
 *	  what differs with the SQL that would restore a lost constraint.
 *
 * The column report reproduces dbt's mismatch table and reasons; the
 * constraint report shows what the contract wants and what the relation
 * has, deparsed.  CHECK constraints are compared as PostgreSQL stores
 * them: the contract's expression is transformed against the relation the
 * way CREATE TABLE cooks a check, and compared with equal() to conbin.
 * The relation is read here from its open relcache entry, or for many
 * relations at once by live_catalog.c.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
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
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "dbt_contract.h"
#include "contract_match.h"

typedef struct MismatchRow
{
	char	   *column_name;
	char	   *definition_type;
	char	   *contract_type;
	const char *reason;
} MismatchRow;

/* ------------------------------------------------------------------------
 * Columns
 * ------------------------------------------------------------------------
 */
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
spec_type_text(const ContractColumn *c)
{
	if (!OidIsValid(c->type_oid))
		return c->data_type ? pstrdup(c->data_type) : "";
	if (!contract_type_exists(c))
		return psprintf("%s (type dropped since the contract was applied)",
						c->data_type);
	return format_type_with_typemod(c->type_oid, c->typmod);
}

static void
match_columns(LiveRel *lr, const ContractModel *spec, MatchReport *r)
{
	int			ncolumns = list_length(spec->columns);
	bool	   *seen = palloc0(sizeof(bool) * Max(1, ncolumns));
	ListCell   *lc;
	int			i;

	foreach(lc, lr->attrs)
	{
		LiveAttr   *att = lfirst(lc);
		const ContractColumn *c;
		int			pos;

		pos = contract_column_by_attname(spec, att->name);
		if (pos < 0)
		{
			add_row(r, att->name,
					format_type_with_typemod(att->typid, att->typmod),
					NULL, "missing in contract");
			continue;
		}
		c = list_nth(spec->columns, pos);
		seen[pos] = true;
		if (!contract_types_match(att->typid, att->typmod, c))
			add_row(r, att->name,
					format_type_with_typemod(att->typid, att->typmod),
					spec_type_text(c), "data type mismatch");
	}
	i = 0;
	foreach(lc, spec->columns)
	{
		ContractColumn *c = lfirst(lc);

		if (!seen[i++])
			add_row(r, c->attname, NULL, spec_type_text(c), "missing in definition");
	}
	list_sort(r->column_rows, row_cmp);
}

/* ------------------------------------------------------------------------
 * Live constraints
 * ------------------------------------------------------------------------
 */
/* Attribute names of rel itself, from its descriptor (no catalog lookups). */
static List *
own_attnums_to_names(Relation rel, Datum arr)
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	int16	   *nums = (int16 *) ARR_DATA_PTR(a);
	int			n = ARR_DIMS(a)[0];
	TupleDesc	td = RelationGetDescr(rel);
	List	   *res = NIL;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (nums[i] > 0 && nums[i] <= td->natts)
			res = lappend(res, NameStr(TupleDescAttr(td, nums[i] - 1)->attname));
		else
			res = lappend(res, get_attname(RelationGetRelid(rel), nums[i], false));
	}
	return res;
}

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

/* A live column by name, through the name-sorted index. */
static int
live_attr_name_cmp(const void *a, const void *b)
{
	return strcmp((*(LiveAttr *const *) a)->name, (*(LiveAttr *const *) b)->name);
}

static LiveAttr *
live_attr(LiveRel *lr, const char *name)
{
	LiveAttr	key;
	LiveAttr   *keyp = &key;
	LiveAttr  **found;

	if (lr->nattrs == 0)
		return NULL;
	key.name = unconstify(char *, name);
	found = bsearch(&keyp, lr->byname, lr->nattrs, sizeof(LiveAttr *),
					live_attr_name_cmp);
	return found ? *found : NULL;
}

/*
 * A constraint PostgreSQL does not enforce on every row (NOT VALID, or
 * NOT ENFORCED from PostgreSQL 18) does not satisfy a contract: rows that
 * break it may be in the table, and new ones may be let in.
 */
bool
contract_constraint_in_force(Form_pg_constraint con)
{
	return con->convalidated && DBTC_CONSTRAINT_ENFORCED(con);
}

PG_FUNCTION_INFO_V1(dbt_contract_constraint_in_force);

/*
 * dbt_contract.contract_constraint_in_force(oid): the views' way of asking the same
 * question, so "enforced" there means what it means to the checks.
 */
Datum
dbt_contract_constraint_in_force(PG_FUNCTION_ARGS)
{
	Oid			conoid = PG_GETARG_OID(0);
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	bool		res;

	if (!HeapTupleIsValid(tup))
		PG_RETURN_NULL();
	res = contract_constraint_in_force((Form_pg_constraint) GETSTRUCT(tup));
	ReleaseSysCache(tup);
	PG_RETURN_BOOL(res);
}

/*
 * From PostgreSQL 18 a NOT NULL is a constraint row that can be NOT VALID
 * while attnotnull is set; such a column still holds NULLs.
 */
void
contract_live_note_invalid_not_null(LiveRel *lr, LiveConstraint *l)
{
	if (l->contype == DBTC_CONSTRAINT_NOTNULL && !l->in_force && l->cols != NIL)
	{
		LiveAttr   *a = live_attr(lr, linitial(l->cols));

		if (a != NULL)
			a->notnull = false;
	}
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
		lc->in_force = contract_constraint_in_force(con);
		lc->name = pstrdup(NameStr(con->conname));
		d = heap_getattr(tup, Anum_pg_constraint_conkey, RelationGetDescr(conrel), &isnull);
		if (!isnull)
			lc->cols = own_attnums_to_names(rel, d);
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

/*
 * Live constraints by type and column set, so that matching k contract
 * constraints against l live ones costs k + l lookups instead of k * l
 * comparisons.  Entries are keyed by a hash of the type and the sorted
 * column names; callers confirm each candidate, so collisions are harmless.
 * A CHECK's columns are those it refers to (pg_constraint.conkey).
 */
typedef struct LiveConKey
{
	uint32		hash;
	List	   *cons;			/* LiveConstraint * */
} LiveConKey;

static uint32
con_set_hash(char contype, List *cols)
{
	List	   *sorted = list_copy(cols);
	StringInfoData key;
	ListCell   *lc;
	uint32		h;

	list_sort(sorted, name_cmp);
	initStringInfo(&key);
	appendStringInfoChar(&key, contype);
	foreach(lc, sorted)
	{
		appendStringInfoChar(&key, '\0');
		appendStringInfoString(&key, lfirst(lc));
	}
	h = hash_bytes((const unsigned char *) key.data, key.len);
	pfree(key.data);
	list_free(sorted);
	return h;
}

static void
live_index_constraints(LiveRel *lr)
{
	HASHCTL		ctl;
	ListCell   *lc;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(uint32);
	ctl.entrysize = sizeof(LiveConKey);
	ctl.hcxt = CurrentMemoryContext;
	lr->conindex = hash_create("dbt_contract live constraints",
							   Max(16, list_length(lr->constraints)), &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	foreach(lc, lr->constraints)
	{
		LiveConstraint *l = lfirst(lc);
		uint32		h;
		LiveConKey *e;
		bool		found;

		CHECK_FOR_INTERRUPTS();
		h = con_set_hash(l->contype, l->cols);
		e = hash_search(lr->conindex, &h, HASH_ENTER, &found);
		if (!found)
			e->cons = NIL;
		e->cons = lappend(e->cons, l);
	}
}

/* Live constraints of this type on exactly this set of columns. */
static List *
live_candidates(LiveRel *lr, char contype, List *cols)
{
	uint32		h = con_set_hash(contype, cols);
	LiveConKey *e;
	List	   *res = NIL;
	ListCell   *lc;

	if (lr->conindex == NULL)
		live_index_constraints(lr);
	e = hash_search(lr->conindex, &h, HASH_FIND, NULL);
	if (e == NULL)
		return NIL;
	foreach(lc, e->cons)
	{
		LiveConstraint *l = lfirst(lc);

		if (l->contype == contype && same_set(l->cols, cols))
			res = lappend(res, l);
	}
	return res;
}

/* At most this many live constraints are listed on the "have" side. */
#define HAVE_TEXT_MAX 5

/* Definitions of live constraints of one type, for the "have" side. */
static char *
have_text(List *live, char contype)
{
	StringInfoData s;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&s);
	foreach(lc, live)
	{
		LiveConstraint *l = lfirst(lc);

		if (l->contype != contype)
			continue;
		if (++n > HAVE_TEXT_MAX)
			continue;
		if (s.len > 0)
			appendStringInfoString(&s, "; ");
		appendStringInfo(&s, "%s", constraint_def(l->oid));
	}
	if (n > HAVE_TEXT_MAX)
		appendStringInfo(&s, "; and %d more", n - HAVE_TEXT_MAX);
	return s.len > 0 ? s.data : "none";
}

/* Foreign keys of the same columns, whatever they reference. */
static char *
fk_have_text(LiveRel *lr, List *cols)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, live_candidates(lr, CONSTRAINT_FOREIGN, cols))
	{
		LiveConstraint *l = lfirst(lc);

		if (s.len > 0)
			appendStringInfoString(&s, "; ");
		appendStringInfoString(&s, constraint_def(l->oid));
	}
	return s.len > 0 ? s.data : psprintf("none on (%s)", name_list_text(cols));
}

/* How a constraint is named in reports: its name, else its columns. */
static char *
constraint_object(const ContractConstraint *k)
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
constraint_name_taken(LiveRel *lr, List *live, const ContractConstraint *k)
{
	ListCell   *lc;

	if (k->name == NULL)
		return false;
	foreach(lc, live)
		if (strcmp(((LiveConstraint *) lfirst(lc))->name, k->name) == 0)
			return true;
	if (k->type == CC_PRIMARY_KEY || k->type == CC_UNIQUE)
		return OidIsValid(get_relname_relid(k->name, lr->nsp));
	return false;
}

/*
 * ALTER TABLE that adds a contract constraint, named as declared; NULL
 * when the name is taken.
 */
static char *
add_constraint_sql(LiveRel *lr, List *live, const MatchReport *r,
				   const ContractConstraint *k, const char *body)
{
	if (constraint_name_taken(lr, live, k))
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
add_line(MatchReport *r, const ContractConstraint *k, const char *want,
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

static char *
rangevar_target_text(const RangeVar *rv)
{
	return rv->schemaname ?
		quote_qualified_identifier(rv->schemaname, rv->relname) :
		pstrdup(quote_identifier(rv->relname));
}

/*
 * The relation a contract foreign key references and its columns: the
 * ref() target from the catalog, a source(), or the legacy expression
 * "schema.table (col, ...) ..." parsed as what follows REFERENCES.
 */
static Oid
fk_target(const ContractModel *spec, const ContractConstraint *k, List **to_cols,
		  char **target_text)
{
	List	   *names = NIL;
	RangeVar   *rv;
	ContractTargetCall call;
	ListCell   *lc;

	/*
	 * The loader maps to_columns of a ref() it resolves to the target's
	 * attribute names (quoted columns keep their case); others fold as
	 * unquoted identifiers.
	 */
	*to_cols = NIL;
	if (k->to_relation != NULL)
		foreach(lc, k->to_attnames)
			*to_cols = lappend(*to_cols, pstrdup(lfirst(lc)));
	else
		foreach(lc, k->to_columns)
			*to_cols = lappend(*to_cols, downcase_identifier(lfirst(lc),
															 strlen(lfirst(lc)),
															 false, false));

	if (k->to_relation != NULL)
		names = DBTC_QUALIFIED_NAME_LIST(k->to_relation);
	else if (k->to_text != NULL && k->to_model == NULL &&
			 contract_target_call(k->to_text, &call) && !call.is_ref)
	{
		/* a source whose relation the loader did not know: dbt's default */
		names = list_make2(makeString(call.source_name), makeString(call.table_name));
	}
	else if (k->to_text != NULL && k->to_model == NULL)
	{
		/* a relation name as dbt compiled it, from a manifest */
		names = DBTC_QUALIFIED_NAME_LIST(k->to_text);
	}
	else if (k->to_text == NULL && k->expression != NULL)
	{
		/* the legacy form: what follows REFERENCES, parsed as such */
		rv = contract_references_clause(k->expression,
									psprintf("foreign_key constraint of %s",
											 contract_model_label_full(spec)),
									to_cols, false);
		*target_text = rangevar_target_text(rv);
		return RangeVarGetRelid(rv, NoLock, true);
	}
	if (names == NIL)
	{
		*target_text = pstrdup(k->to_text ? k->to_text :
							   k->expression ? k->expression : "(unresolved)");
		return InvalidOid;
	}
	rv = makeRangeVarFromNameList(names);
	*target_text = rangevar_target_text(rv);
	return RangeVarGetRelid(rv, NoLock, true);
}

static void
match_foreign_key(const ContractModel *spec, const ContractConstraint *k,
				  LiveRel *lr, List *cols, List *live, MatchReport *r)
{
	List	   *to_cols;
	char	   *target;
	Oid			target_oid = fk_target(spec, k, &to_cols, &target);
	ListCell   *lc;
	char	   *want;
	char	   *repair;

	foreach(lc, live_candidates(lr, CONSTRAINT_FOREIGN, cols))
	{
		LiveConstraint *l = lfirst(lc);
		ListCell   *a;
		ListCell   *b;
		bool		ok = true;

		if (!l->in_force || l->confrelid != target_oid)
			continue;
		if (to_cols == NIL)
			return;
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
								k->to_version ?
								psprintf(" version %s", k->to_version) : ""),
				 fk_have_text(lr, cols), NULL);
		return;
	}
	repair = add_constraint_sql(lr, live, r, k, want);
	add_line(r, k, want, fk_have_text(lr, cols), repair);
	if (repair != NULL)
		r->repair_sql = lappend(r->repair_sql, repair);
}

/*
 * "REFERENCES target (cols)" for a contract foreign key, as DDL; NULL when
 * the target is unknown (a ref() to a model without a contract).
 */
char *
contract_fk_references(const ContractModel *spec, const ContractConstraint *k)
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
	/* one expression, read as generated SQL reads it (generated_sql.c) */
	Node	   *raw = dbtc_parse_expression(expression, "check expression");
	ParseState *pstate;
	ParseNamespaceItem *nsitem;
	Node	   *expr;

	pstate = make_parsestate(NULL);
	nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock,
										   NULL, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);
	expr = transformExpr(pstate, raw, EXPR_KIND_CHECK_CONSTRAINT);
	expr = coerce_to_boolean(pstate, expr, "CHECK");
	assign_expr_collations(pstate, expr);
	free_parsestate(pstate);
	return expr;
}

typedef struct CookStep
{
	Relation	rel;
	const char *expression;
	Node	   *expr;
} CookStep;

/*
 * Names resolve in pg_catalog only, so that nobody can redirect them:
 * with the DDL session's search_path, or even with the relation's own
 * schema after pg_catalog, an operator of the table owner's taking
 * (numeric, integer) would win over the built-in (numeric, numeric) one
 * as the closer match, and a check that checks nothing would pass for
 * the contract's.  Anything else must be schema-qualified.
 */
static void
cook_check_step(void *arg)
{
	CookStep   *cs = arg;
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	cs->expr = cook_check(cs->rel, cs->expression);
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Cook inside a subtransaction: an expression naming a column the
 * relation lacks is a contract problem to report, not an abort.
 */
static Node *
cook_check_safely(Relation rel, const char *expression, char **error)
{
	CookStep	cs = {rel, expression, NULL};
	ErrorData  *edata = dbtc_trap_error(cook_check_step, &cs);

	*error = edata != NULL ? edata->message : NULL;
	return edata != NULL ? NULL : cs.expr;
}

/* The relation itself, opened on first need; NULL if it is gone. */
static Relation
live_rel_open(LiveRel *lr)
{
	if (lr->rel == NULL)
	{
		lr->rel = try_relation_open(lr->relid, AccessShareLock);
		lr->opened = (lr->rel != NULL);
	}
	return lr->rel;
}

/* Renumber the Vars of a cooked check for another relation. */
typedef struct VarRenumber
{
	int			n;
	AttrNumber *from;
	AttrNumber *to;
} VarRenumber;

static Node *
renumber_vars_mutator(Node *node, void *context)
{
	VarRenumber *vr = (VarRenumber *) context;

	if (node == NULL)
		return NULL;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) copyObject(node);
		int			i;

		for (i = 0; i < vr->n; i++)
			if (v->varattno == vr->from[i])
			{
				v->varattno = vr->to[i];
				v->varattnosyn = vr->to[i];
				break;
			}
		return (Node *) v;
	}
	return expression_tree_mutator(node, renumber_vars_mutator, context);
}

/*
 * The contract's expression cooked against the relation.  Cooking depends
 * only on the columns the expression names, so within one verify a check
 * that an earlier relation with the same columns (names, types, typmods,
 * collations) had is reused, its Vars renumbered: verifying thousands of
 * tables built from one template cooks each expression once.  A text that
 * names the relation itself (rel.col) is always cooked afresh.
 */
static Node *
cook_live(LiveCatalog *cat, LiveRel *lr, const char *expression, char **error)
{
	uint32		hash = 0;
	CookedBucket *bucket = NULL;
	bool		cacheable;
	Relation	rel;
	Node	   *expr;
	ListCell   *lc;

	cacheable = cat != NULL && strstr(expression, lr->relname) == NULL;
	if (cacheable)
	{
		bool		found;

		hash = hash_bytes((const unsigned char *) expression, strlen(expression));
		bucket = hash_search(cat->cooked, &hash, HASH_ENTER, &found);
		if (!found)
			bucket->entries = NIL;
		foreach(lc, bucket->entries)
		{
			CookedCheck *cc = lfirst(lc);
			VarRenumber vr;
			int			i;

			if (cc->nsp != lr->nsp || strcmp(cc->expression, expression) != 0)
				continue;
			vr.n = cc->ncols;
			vr.from = cc->attnos;
			vr.to = palloc(sizeof(AttrNumber) * Max(1, cc->ncols));
			for (i = 0; i < cc->ncols; i++)
			{
				LiveAttr   *a = live_attr(lr, cc->names[i]);

				if (a == NULL || a->typid != cc->typids[i] ||
					a->typmod != cc->typmods[i] || a->collation != cc->collations[i])
					break;
				vr.to[i] = a->attnum;
			}
			if (i < cc->ncols)
				continue;
			*error = NULL;
			return renumber_vars_mutator(cc->expr, &vr);
		}
	}

	rel = live_rel_open(lr);
	if (rel == NULL)
	{
		*error = pstrdup("the relation was dropped");
		return NULL;
	}
	expr = cook_check_safely(rel, expression, error);
	if (expr != NULL && cacheable)
	{
		Bitmapset  *attnos = NULL;
		MemoryContext old = MemoryContextSwitchTo(cat->cxt);
		CookedCheck *cc = palloc0(sizeof(CookedCheck));
		int			n = 0;
		int			x = -1;

		pull_varattnos(expr, 1, &attnos);
		cc->expression = pstrdup(expression);
		cc->nsp = lr->nsp;
		cc->ncols = bms_num_members(attnos);
		cc->names = palloc(sizeof(char *) * Max(1, cc->ncols));
		cc->attnos = palloc(sizeof(AttrNumber) * Max(1, cc->ncols));
		cc->typids = palloc(sizeof(Oid) * Max(1, cc->ncols));
		cc->typmods = palloc(sizeof(int32) * Max(1, cc->ncols));
		cc->collations = palloc(sizeof(Oid) * Max(1, cc->ncols));
		while ((x = bms_next_member(attnos, x)) >= 0)
		{
			AttrNumber	a = x + FirstLowInvalidHeapAttributeNumber;

			/* system columns and whole-row references: not reusable */
			if (a <= 0 || a > lr->maxattnum || lr->byattnum[a] == NULL)
				break;
			cc->names[n] = pstrdup(lr->byattnum[a]->name);
			cc->attnos[n] = a;
			cc->typids[n] = lr->byattnum[a]->typid;
			cc->typmods[n] = lr->byattnum[a]->typmod;
			cc->collations[n] = lr->byattnum[a]->collation;
			n++;
		}
		if (n == cc->ncols)
		{
			cc->expr = copyObject(expr);
			bucket->entries = lappend(bucket->entries, cc);
		}
		MemoryContextSwitchTo(old);
	}
	return expr;
}

/*
 * The relation's checks on the same columns as the contract's expression:
 * the ones it was probably meant to be.  All of them would bury the
 * difference in a long table.
 */
static char *
check_have_text(LiveRel *lr, List *live, Node *want)
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

		if (a <= 0 || a > lr->maxattnum || lr->byattnum[a] == NULL)
			continue;
		appendStringInfoString(&s, s.len > 0 ? ", " : "no check on (");
		appendStringInfoString(&s, quote_identifier(lr->byattnum[a]->name));
	}
	if (s.len == 0)
		return "none";
	appendStringInfoChar(&s, ')');
	return s.data;
}

/*
 * The live checks that could equal a cooked expression: those on the same
 * columns (pg_constraint.conkey lists the columns a check refers to).  An
 * expression on system columns or the whole row is compared with all.
 */
static List *
check_candidates(LiveRel *lr, List *live, Node *want)
{
	Bitmapset  *attnos = NULL;
	List	   *names = NIL;
	int			x = -1;

	pull_varattnos(want, 1, &attnos);
	while ((x = bms_next_member(attnos, x)) >= 0)
	{
		AttrNumber	a = x + FirstLowInvalidHeapAttributeNumber;

		if (a <= 0 || a > lr->maxattnum || lr->byattnum[a] == NULL)
			return live;
		names = lappend(names, lr->byattnum[a]->name);
	}
	return live_candidates(lr, CONSTRAINT_CHECK, names);
}

static void
match_check(LiveCatalog *cat, LiveRel *lr, const ContractConstraint *k, List *live,
			MatchReport *r)
{
	char	   *error;
	Node	   *want = cook_live(cat, lr, k->expression, &error);
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
	foreach(lc, check_candidates(lr, live, want))
	{
		LiveConstraint *l = lfirst(lc);

		if (l->contype == CONSTRAINT_CHECK && l->check_expr != NULL &&
			l->in_force && equal(l->check_expr, want))
			return;
	}
	ctx = deparse_context_for(lr->relname, lr->relid);
	add_line(r, k, psprintf("CHECK (%s)", deparse_expression(want, ctx, false, false)),
			 check_have_text(lr, live, want),
			 add_constraint_sql(lr, live, r, k,
								psprintf("CHECK (%s)",
										 dbtc_deparse_for_relation(want, lr->relname,
																   lr->relid))));
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
match_custom(LiveRel *lr, const ContractConstraint *k, List *cols, List *live,
			 MatchReport *r)
{
	char	   *want = normalize_def(k->expression);
	ListCell   *lc;

	foreach(lc, live)
		if (strstr(normalize_def(constraint_def(((LiveConstraint *) lfirst(lc))->oid)), want))
			return;
	/* dbt users also use custom for column defaults */
	foreach(lc, lr->attrs)
	{
		LiveAttr   *att = lfirst(lc);

		if (att->hasdef &&
			(cols == NIL || name_in_list(cols, att->name)) &&
			live_rel_open(lr) != NULL)
		{
			Node	   *def = build_column_default(lr->rel, att->attnum);

			if (def != NULL)
			{
				List	   *ctx = deparse_context_for(lr->relname, lr->relid);
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
attnames_of(const ContractModel *spec, List *written)
{
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, written)
		res = lappend(res, contract_constraint_attname(spec, lfirst(lc)));
	return res;
}

static void
match_constraints(LiveCatalog *cat, LiveRel *lr, const ContractModel *spec,
				  MatchReport *r)
{
	List	   *live = lr->constraints;
	ListCell   *lc;

	foreach(lc, spec->constraints)
	{
		ContractConstraint *k = lfirst(lc);
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
					LiveAttr   *att = live_attr(lr, lfirst(c));

					if (att != NULL && !att->notnull)
						add_line(r, k,
								 psprintf("NOT NULL on %s", quote_identifier(lfirst(c))),
								 "a nullable column",
								 psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;",
										  r->relation, quote_identifier(lfirst(c))));
				}
				break;
			case CC_PRIMARY_KEY:
				foreach(l, live_candidates(lr, CONSTRAINT_PRIMARY, cols))
					if (((LiveConstraint *) lfirst(l))->in_force)
						found = true;
				if (!found)
				{
					char	   *want = psprintf("PRIMARY KEY (%s)", name_list_text(cols));
					char	   *have = have_text(live, CONSTRAINT_PRIMARY);

					/* a table has one primary key: only a missing one can be added */
					add_line(r, k, want, have,
							 strncmp(have, "none", 4) == 0 ?
							 add_constraint_sql(lr, live, r, k, want) : NULL);
				}
				break;
			case CC_UNIQUE:
				foreach(l, list_concat(live_candidates(lr, CONSTRAINT_UNIQUE, cols),
									   live_candidates(lr, CONSTRAINT_PRIMARY, cols)))
					if (((LiveConstraint *) lfirst(l))->in_force)
						found = true;
				if (!found)
				{
					char	   *want = psprintf("UNIQUE (%s)", name_list_text(cols));

					add_line(r, k, want, have_text(live, CONSTRAINT_UNIQUE),
							 add_constraint_sql(lr, live, r, k, want));
				}
				break;
			case CC_FOREIGN_KEY:
				match_foreign_key(spec, k, lr, cols, live, r);
				break;
			case CC_CHECK:
				match_check(cat, lr, k, live, r);
				break;
			case CC_CUSTOM:
				match_custom(lr, k, cols, live, r);
				break;
		}
	}
}

/* What a relation of this kind is called in messages. */
const char *
contract_relkind_name(char relkind)
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

/*
 * The relation kinds dbt builds for a declared materialization, or NULL
 * when the contract does not say (no `materialized` in the YAML, or a
 * custom materialization): then any kind may carry the contract.
 */
static const char *
materialized_relkinds(const char *materialized)
{
	static const char table_kinds[] = {RELKIND_RELATION, RELKIND_PARTITIONED_TABLE, '\0'};
	static const char view_kinds[] = {RELKIND_VIEW, '\0'};
	static const char matview_kinds[] = {RELKIND_MATVIEW, '\0'};

	if (materialized == NULL)
		return NULL;
	if (strcmp(materialized, "table") == 0 ||
		strcmp(materialized, "incremental") == 0 ||
		strcmp(materialized, "snapshot") == 0 ||
		strcmp(materialized, "seed") == 0)
		return table_kinds;
	if (strcmp(materialized, "view") == 0)
		return view_kinds;
	if (strcmp(materialized, "materialized_view") == 0)
		return matview_kinds;
	return NULL;
}

/*
 * A view, materialized view or foreign table cannot keep a table's
 * constraints (PostgreSQL does not enforce them there), so one standing
 * at the name of a model declared as a table breaks its contract.
 */
/*
 * Set by dbt_contract_clone while it creates its stand-in views: a view
 * onto production's relation at a dev name is what the clone is for.
 */
bool		dbtc_creating_clone_view = false;

/* Is this view one that dbt_contract_clone made (dbt_contract.clone_view)? */
static bool
is_clone_view(const char *schema, const char *relname)
{
	OwnerContext oc;
	Datum		args[2];
	Oid			types[2] = {TEXTOID, TEXTOID};
	int			rc;
	bool		res;

	dbtc_begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	args[0] = CStringGetTextDatum(schema);
	args[1] = CStringGetTextDatum(relname);
	rc = SPI_execute_with_args("SELECT 1 FROM dbt_contract.clone_view "
							   "WHERE to_schema OPERATOR(pg_catalog.=) $1 "
							   "AND relation_name OPERATOR(pg_catalog.=) $2",
							   2, types, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dbt_contract: reading clone views failed: %s",
			 SPI_result_code_string(rc));
	res = SPI_processed > 0;
	SPI_finish();
	dbtc_end_as_owner(&oc);
	return res;
}

/*
 * Is this the view dbt 1.12 makes onto the latest version of a model
 * (latest_version_pointer), or the __dbt_tmp name it is built under?  It
 * is a view whatever the version's materialization; its columns and
 * types are the version's contract.
 */
static bool
is_latest_pointer(const LiveRel *lr, const ContractModel *spec)
{
	if (spec->latest_pointer == NULL || lr->relkind != RELKIND_VIEW ||
		strcmp(lr->schema, spec->relation_schema) != 0)
		return false;
	return strncmp(lr->relname, spec->latest_pointer, NAMEDATALEN - 1) == 0 ||
		strncmp(lr->relname, contract_dbt_tmp_name(spec->latest_pointer),
				NAMEDATALEN - 1) == 0;
}

static void
match_relkind(LiveRel *lr, const ContractModel *spec, MatchReport *r)
{
	const char *kinds = materialized_relkinds(spec->materialized);
	char	   *want;
	const char *have;

	if (kinds == NULL || strchr(kinds, lr->relkind) != NULL ||
		is_latest_pointer(lr, spec))
		return;
	/* dbt_contract_clone's views stand in for production's relations */
	if (lr->relkind == RELKIND_VIEW &&
		(dbtc_creating_clone_view || is_clone_view(lr->schema, lr->relname)))
		return;
	want = psprintf("a %s (materialized: %s)",
					contract_relkind_name(kinds[0]), spec->materialized);
	have = psprintf("a %s", contract_relkind_name(lr->relkind));
	r->constraint_lines = lappend(r->constraint_lines,
								  psprintf("relation kind: want %s, have %s",
										   want, have));
	add_problem(r, "relation", "relation kind", have, want, NULL);
}

MatchReport *
contract_match_live_rel(LiveCatalog *cat, LiveRel *lr, const ContractModel *spec,
		   bool check_constraints)
{
	MatchReport *r = palloc0(sizeof(MatchReport));

	r->relation = quote_qualified_identifier(lr->schema, lr->relname);
	match_relkind(lr, spec, r);
	match_columns(lr, spec, r);
	if (check_constraints &&
		(lr->relkind == RELKIND_RELATION || lr->relkind == RELKIND_PARTITIONED_TABLE))
		match_constraints(cat, lr, spec, r);
	return r;
}

/* A live column as matching sees it, from its pg_attribute row. */
LiveAttr *
contract_live_attr_make(Form_pg_attribute att)
{
	LiveAttr   *a = palloc(sizeof(LiveAttr));

	a->name = pstrdup(NameStr(att->attname));
	a->attnum = att->attnum;
	a->typid = att->atttypid;
	a->typmod = att->atttypmod;
	a->collation = att->attcollation;
	a->notnull = att->attnotnull;
	a->hasdef = att->atthasdef;
	return a;
}

/* attrs and byattnum from a list of LiveAttr, sorted here. */
static int
attr_cmp(const ListCell *a, const ListCell *b)
{
	AttrNumber	x = ((LiveAttr *) lfirst(a))->attnum;
	AttrNumber	y = ((LiveAttr *) lfirst(b))->attnum;

	return (x > y) - (x < y);
}

void
contract_live_rel_index_attrs(LiveRel *lr)
{
	ListCell   *lc;
	int			i;

	list_sort(lr->attrs, attr_cmp);
	lr->maxattnum = 0;
	foreach(lc, lr->attrs)
		lr->maxattnum = Max(lr->maxattnum, ((LiveAttr *) lfirst(lc))->attnum);
	lr->byattnum = palloc0(sizeof(LiveAttr *) * (lr->maxattnum + 1));
	lr->nattrs = list_length(lr->attrs);
	lr->byname = palloc(sizeof(LiveAttr *) * Max(1, lr->nattrs));
	i = 0;
	foreach(lc, lr->attrs)
	{
		lr->byattnum[((LiveAttr *) lfirst(lc))->attnum] = lfirst(lc);
		lr->byname[i++] = lfirst(lc);
	}
	qsort(lr->byname, lr->nattrs, sizeof(LiveAttr *), live_attr_name_cmp);
}

/*
 * Compare relation relid with spec.  Views carry names and types only;
 * check_constraints = false does the same for tables.
 */
MatchReport *
contract_match_relation(Oid relid, const ContractModel *spec, bool check_constraints)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	TupleDesc	td = RelationGetDescr(rel);
	LiveRel		lr;
	MatchReport *r;
	int			i;

	memset(&lr, 0, sizeof(lr));
	lr.relid = relid;
	lr.nsp = RelationGetNamespace(rel);
	lr.relkind = rel->rd_rel->relkind;
	lr.schema = get_namespace_name(lr.nsp);
	lr.relname = RelationGetRelationName(rel);
	lr.rel = rel;
	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);
		LiveAttr   *a;

		if (att->attisdropped)
			continue;
		a = contract_live_attr_make(att);
		lr.attrs = lappend(lr.attrs, a);
	}
	contract_live_rel_index_attrs(&lr);
	if (check_constraints &&
		(lr.relkind == RELKIND_RELATION || lr.relkind == RELKIND_PARTITIONED_TABLE))
	{
		ListCell   *lc;

		lr.constraints = live_constraints(rel);
		foreach(lc, lr.constraints)
			contract_live_note_invalid_not_null(&lr, lfirst(lc));
	}
	r = contract_match_live_rel(NULL, &lr, spec, check_constraints);
	relation_close(rel, AccessShareLock);
	return r;
}

/* ------------------------------------------------------------------------
 * The report as text
 * ------------------------------------------------------------------------
 */
bool
contract_match_report_empty(const MatchReport *r)
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
contract_match_report_text(const MatchReport *r)
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
