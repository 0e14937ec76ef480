/*-------------------------------------------------------------------------
 * catalog_store.c
 *	  Write a set of parsed models into the dbt_contract catalog tables as
 *	  one keyed, atomic replacement of everything a source defined before.
 *
 * Contracts are keyed by target: the schema a project is applied for
 * (dbt's target.schema).  An apply replaces what one source defined for
 * one target and nothing else, and a relation has one contract across all
 * targets, so the event triggers find it by relation alone.
 *
 * Rows go in as arrays, one INSERT ... SELECT unnest($1), unnest($2), ...
 * per table and batch of rows, so a 10,000-model project costs some fifty
 * statements, not 400,000.  Applies serialize on an EXCLUSIVE lock of
 * contract_model, so readers never wait and two appliers never interleave.
 * The writes run as the owner of the dbt_contract schema with a fixed
 * search_path, so a role granted EXECUTE needs no rights on the tables and
 * cannot redirect the SQL used here.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_database.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "common/md5.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "dbt_contract.h"

/* A growing column of values destined for one unnest() argument. */
typedef struct ColArray
{
	Oid			elemtype;
	Datum	   *values;
	bool	   *nulls;
	int			n;
	int			cap;
} ColArray;

static void
col_init(ColArray *a, Oid elemtype)
{
	a->elemtype = elemtype;
	a->n = 0;
	a->cap = 64;
	a->values = palloc(sizeof(Datum) * a->cap);
	a->nulls = palloc(sizeof(bool) * a->cap);
}

static void
col_push(ColArray *a, Datum d, bool isnull)
{
	if (a->n >= a->cap)
	{
		a->cap *= 2;
		a->values = repalloc(a->values, sizeof(Datum) * a->cap);
		a->nulls = repalloc(a->nulls, sizeof(bool) * a->cap);
	}
	a->values[a->n] = d;
	a->nulls[a->n] = isnull;
	a->n++;
}

static void
col_text(ColArray *a, const char *s)
{
	col_push(a, s ? CStringGetTextDatum(s) : (Datum) 0, s == NULL);
}

static void
col_text_len(ColArray *a, const char *s, int len)
{
	col_push(a, PointerGetDatum(cstring_to_text_with_len(s, len)), false);
}

static Datum
col_array(ColArray *a)
{
	int			dims[1];
	int			lbs[1];
	int16		typlen;
	bool		typbyval;
	char		typalign;

	dims[0] = a->n;
	lbs[0] = 1;
	get_typlenbyvalalign(a->elemtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(a->values, a->nulls, 1, dims, lbs,
											  a->elemtype, typlen, typbyval,
											  typalign));
}

/*
 * Push a text[] literal, so ragged lists travel as one text per row.  It
 * is written into the caller's reusable buffer: a fresh StringInfo per
 * row would cost a 1 kB allocation for a literal of a few bytes.
 */
static void
col_array_literal(ColArray *a, StringInfo buf, List *names)
{
	ListCell   *lc;

	resetStringInfo(buf);
	appendStringInfoChar(buf, '{');
	foreach(lc, names)
	{
		const char *p;

		if (lc != list_head(names))
			appendStringInfoChar(buf, ',');
		appendStringInfoChar(buf, '"');
		for (p = lfirst(lc); *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, *p);
		}
		appendStringInfoChar(buf, '"');
	}
	appendStringInfoChar(buf, '}');
	col_text_len(a, buf->data, buf->len);
}

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------
 */

/* Entry of either side of the old/new merge. */
typedef struct KeyedRow
{
	int64		model_id;		/* old side only */
	const char *model;
	const char *version;		/* NULL: unversioned */
	const char *relation;
	const char *fingerprint;
	int			ncolumns;
	int			nconstraints;
	const char *relation_schema;	/* old side only */
	const char *relation_name;	/* old side only */
	const char *defined_at;		/* old side only */
	bool		is_latest;		/* old side only */
	ContractModel *m;			/* new side; a kept one's is a stand-in */
} KeyedRow;

static int
keyed_cmp(const void *a, const void *b)
{
	const KeyedRow *x = a;
	const KeyedRow *y = b;
	int			c = strcmp(x->model, y->model);

	if (c != 0)
		return c;
	return dbtc_version_key_cmp(x->version, y->version);
}

static char *
qualified(const char *schema, const char *rel)
{
	return quote_qualified_identifier(schema, rel);
}

static void
spi_check(int rc, int expected, const char *what)
{
	if (rc != expected)
		elog(ERROR, "dbt_contract: %s failed: %s", what, SPI_result_code_string(rc));
}

/* ------------------------------------------------------------------------
 * The apply
 * ------------------------------------------------------------------------
 */

static int
relation_cmp(const void *a, const void *b)
{
	const ContractModel *x = *(ContractModel *const *) a;
	const ContractModel *y = *(ContractModel *const *) b;
	int			c = strcmp(x->relation_schema, y->relation_schema);

	if (c == 0)
		c = strcmp(x->relation_name, y->relation_name);
	/* the pair reported is the one declared first, then its follower */
	if (c == 0)
		c = strcmp(x->loc.file, y->loc.file);
	if (c == 0)
		c = x->loc.line - y->loc.line;
	return c != 0 ? c : x->loc.col - y->loc.col;
}

/*
 * One relation, one contract: enforcement looks contracts up by relation,
 * so a second model naming the same one (by alias, custom schema or
 * version suffix) would let whoever applies YAML replace the contract
 * that is enforced, e.g. by an unenforced one.  This is the check within
 * one apply; check_relations compares with the stored models.
 */
static void
relation_claimed_twice(const ContractModel *a, const ContractModel *b)
{
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("%s and %s both name relation \"%s.%s\"",
					contract_model_label(a), contract_model_label(b),
					b->relation_schema, b->relation_name),
			 errdetail("The first is declared at %s, the second at %s.",
					   contract_srcloc_string(&a->loc), contract_srcloc_string(&b->loc)),
			 errhint("A relation can have one contract: give one of the models another alias or schema, or remove it.")));
}

static void
check_new_relations(KeyedRow *rows, int n)
{
	ContractModel **byrel = palloc(sizeof(ContractModel *) * Max(1, n));
	int			i;

	for (i = 0; i < n; i++)
		byrel[i] = rows[i].m;
	qsort(byrel, n, sizeof(ContractModel *), relation_cmp);
	for (i = 1; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (strcmp(byrel[i - 1]->relation_schema, byrel[i]->relation_schema) == 0 &&
			strcmp(byrel[i - 1]->relation_name, byrel[i]->relation_name) == 0)
			relation_claimed_twice(byrel[i - 1], byrel[i]);
	}
	pfree(byrel);
}

/* Sorted new models; two with the same key in one apply is an error. */
static KeyedRow *
sort_new_models(List *models, int *n)
{
	KeyedRow   *rows = palloc0(sizeof(KeyedRow) * Max(1, list_length(models)));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, models)
	{
		ContractModel *m = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		rows[i].model = m->name;
		rows[i].version = m->version;
		rows[i].relation = qualified(m->relation_schema, m->relation_name);
		rows[i].fingerprint = m->fingerprint;
		rows[i].ncolumns = list_length(m->columns);
		rows[i].nconstraints = list_length(m->constraints);
		rows[i].m = m;
		i++;
	}
	qsort(rows, i, sizeof(KeyedRow), keyed_cmp);
	for (*n = 0; *n < i; (*n)++)
	{
		if (*n > 0 && keyed_cmp(&rows[*n - 1], &rows[*n]) == 0)
		{
			ContractModel *a = rows[*n - 1].m;
			ContractModel *b = rows[*n].m;

			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("%s is defined twice", contract_model_label(b)),
					 errdetail("First at %s, again at %s.",
							   contract_srcloc_string(&a->loc), contract_srcloc_string(&b->loc)),
					 errhint("Each model (and version) may be declared once across the files of one apply.")));
		}
	}
	check_new_relations(rows, i);
	return rows;
}

/* Two text values of a row of the apply, for first_offending_row(). */
typedef void (*RowPair) (const KeyedRow *r, const char **a, const char **b);

/*
 * Run sql, a check of the apply's rows against the stored contracts, with
 * $1 the source, $2 the target and $3, $4 two text arrays built from the
 * rows by pair().  The query returns at most one row, whose last column is
 * the ordinal of the first offending apply row: that row, or NULL when
 * none offends (then the check passed).  SPI_tuptable holds the result.
 */
static KeyedRow *
first_offending_row(const char *sql, const char *what, const char *source,
					const char *target, KeyedRow *rows, int n, RowPair pair)
{
	ColArray	as;
	ColArray	bs;
	Datum		args[4];
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID};
	int			i;
	int			rc;
	bool		isnull;
	int64		ord;

	col_init(&as, TEXTOID);
	col_init(&bs, TEXTOID);
	for (i = 0; i < n; i++)
	{
		const char *a;
		const char *b;

		CHECK_FOR_INTERRUPTS();
		pair(&rows[i], &a, &b);
		col_text(&as, a);
		col_text(&bs, b);
	}
	args[0] = CStringGetTextDatum(source);
	args[1] = CStringGetTextDatum(target);
	args[2] = col_array(&as);
	args[3] = col_array(&bs);
	rc = SPI_execute_with_args(sql, 4, types, args, NULL, false, 1);
	spi_check(rc, SPI_OK_SELECT, what);
	if (SPI_processed == 0)
		return NULL;
	ord = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
									  SPI_tuptable->tupdesc->natts, &isnull));
	return &rows[ord - 1];
}

static void
model_and_version(const KeyedRow *r, const char **a, const char **b)
{
	*a = r->model;
	*b = r->version;
}

static void
schema_and_relation(const KeyedRow *r, const char **a, const char **b)
{
	*a = r->m->relation_schema;
	*b = r->m->relation_name;
}

/* A model of the apply that another source of the target defines. */
static void
check_other_sources(const char *source, const char *target, KeyedRow *rows, int n)
{
	KeyedRow   *r;
	char	   *other;

	r = first_offending_row("SELECT m.source, n.ord "
							"FROM dbt_contract.contract_model m "
							"JOIN unnest($3, $4) WITH ORDINALITY AS n(model, version, ord) "
							"  ON m.target = $2 AND m.model = n.model "
							" AND m.version IS NOT DISTINCT FROM n.version "
							"WHERE m.source <> $1 ORDER BY n.ord LIMIT 1",
							"duplicate check", source, target, rows, n,
							model_and_version);
	if (r == NULL)
		return;
	other = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("%s is already defined by source \"%s\" for target \"%s\"",
					contract_model_label(r->m), dbtc_clip(other), target),
			 errdetail("Declared again at %s.", contract_srcloc_string(&r->m->loc)),
			 errhint("Remove it from one of the two sources; to empty a source, apply an empty document to it: SELECT dbt_contract_apply_yaml('version: 2', %s, %s).",
					 quote_literal_cstr(other), quote_literal_cstr(target))));
}

static char *
model_version_label(const char *model, const char *version)
{
	return version != NULL ?
		psprintf("model \"%s\" version %s", model, version) :
		psprintf("model \"%s\"", model);
}

/*
 * A relation has one contract in the whole database: the event triggers
 * find the contract of a DDL by its relation alone.  A new model whose
 * relation another model already has -- of another target (a custom schema
 * used verbatim by both), or of another source -- is an error.  The rows
 * this apply replaces do not count.
 */
static void
check_relations(const char *source, const char *target, KeyedRow *rows, int n)
{
	KeyedRow   *r;
	HeapTuple	tup;
	TupleDesc	td;

	r = first_offending_row("SELECT m.target, m.model, m.version, m.source, m.defined_at, n.ord "
							"FROM unnest($3, $4) WITH ORDINALITY AS n(sch, rel, ord) "
							"JOIN dbt_contract.contract_model m "
							"  ON m.relation_schema = n.sch AND m.relation_name = n.rel "
							"WHERE m.target <> $2 OR m.source <> $1 "
							"ORDER BY n.ord LIMIT 1",
							"relation check", source, target, rows, n,
							schema_and_relation);
	if (r == NULL)
		return;
	tup = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("%s of target \"%s\" and %s of target \"%s\" are both built as relation \"%s.%s\"",
					contract_model_label(r->m), target,
					model_version_label(SPI_getvalue(tup, td, 2), SPI_getvalue(tup, td, 3)),
					SPI_getvalue(tup, td, 1), r->m->relation_schema,
					r->m->relation_name),
			 errdetail("Declared at %s, and by source \"%s\" at %s. A relation has one contract in a database.",
					   contract_srcloc_string(&r->m->loc), SPI_getvalue(tup, td, 4),
					   SPI_getvalue(tup, td, 5)),
			 errhint("Give each target's model a relation of its own: a custom schema used verbatim by generate_schema_name is shared by every target. Nothing was applied.")));
}

/* The primary message of a refused apply or drop_target. */
static int
errmsg_denied(const char *target, bool dropping)
{
	return dropping ?
		errmsg("permission denied to drop target \"%s\"", target) :
		errmsg("permission denied to apply contracts for target \"%s\"", target);
}

/*
 * The role that applied a target last, as recorded in its sources and
 * history: *found is false for a target nothing was ever applied for, and
 * the result InvalidOid when that role no longer exists.
 */
static Oid
target_last_applier(const char *target, bool *found)
{
	OwnerContext oc;
	Datum		args[1];
	Oid			types[1] = {TEXTOID};
	Oid			role = InvalidOid;
	int			rc;

	dbtc_begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	args[0] = CStringGetTextDatum(target);
	rc = SPI_execute_with_args("SELECT a.applied_by::text FROM ("
							   "  SELECT applied_at, applied_by FROM dbt_contract.contract_source"
							   "   WHERE target = $1"
							   "  UNION ALL"
							   "  SELECT applied_at, applied_by FROM dbt_contract.apply_history"
							   "   WHERE target = $1) a"
							   " ORDER BY a.applied_at DESC LIMIT 1",
							   1, types, args, NULL, true, 1);
	spi_check(rc, SPI_OK_SELECT, "reading who applied the target");
	*found = SPI_processed > 0;
	if (*found)
		role = get_role_oid(SPI_getvalue(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1), true);
	SPI_finish();
	dbtc_end_as_owner(&oc);
	return role;
}

/*
 * A target whose schema is gone (the end of a CI run, a restore, a
 * mistaken drop of production) keeps its contracts and history; being
 * able to create schemas must not be enough to replace or drop them.  Only
 * a role with the privileges of the one that applied the target last may
 * (superusers and the catalog's owner never get here).
 */
static void
check_missing_target_claim(const char *target, Oid caller, bool dropping)
{
	bool		found;
	Oid			applier = target_last_applier(target, &found);

	if (!found || (OidIsValid(applier) && has_privs_of_role(caller, applier)))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg_denied(target, dropping),
			 errdetail("Schema \"%s\" does not exist, and the target's contracts were last applied by %s; only superusers and roles with that role's privileges may change them until the schema exists again.",
					   target,
					   OidIsValid(applier) ?
					   psprintf("role \"%s\"", GetUserNameFromId(applier, false)) :
					   "a role that no longer exists"),
			 OidIsValid(applier) ?
			 errhint("Run it as role \"%s\" (or a member of it) or as a superuser.",
					 GetUserNameFromId(applier, false)) :
			 errhint("Run it as a superuser.")));
}

/*
 * May the caller apply contracts for a target?  Superusers may for any;
 * other roles for a target whose schema is owned by a role whose
 * privileges they have (or, before the schema exists, when they may
 * create schemas in the database), and the same for every other schema
 * the models are built in, so a developer can neither change production's
 * contracts nor put contracts on production's relations.
 */
static void
check_schema_privilege(const char *target, const char *schema, Oid caller,
					   const ContractModel *m, bool dropping)
{
	Oid			nspid = get_namespace_oid(schema, true);
	Oid			owner;
	HeapTuple	tup;

	if (!OidIsValid(nspid))
	{
		if (strcmp(schema, target) == 0)
			check_missing_target_claim(target, caller, dropping);
		if (DBTC_DATABASE_ACLCHECK(MyDatabaseId, caller, ACL_CREATE) == ACLCHECK_OK)
			return;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg_denied(target, dropping),
				 m ? errdetail("%s is built in schema \"%s\", which does not exist, and role \"%s\" may not create schemas in this database.",
							   contract_model_label(m), schema,
							   GetUserNameFromId(caller, false)) :
				 errdetail("Schema \"%s\" does not exist, and role \"%s\" may not create schemas in this database.",
						   schema, GetUserNameFromId(caller, false)),
				 errhint("A DBA lets a developer apply for their own target by creating its schema for them: CREATE SCHEMA %s AUTHORIZATION %s.",
						 quote_identifier(schema),
						 quote_identifier(GetUserNameFromId(caller, false)))));
	}
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for namespace %u", nspid);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	if (has_privs_of_role(caller, owner))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg_denied(target, dropping),
			 m ? errdetail("%s is built in schema \"%s\", owned by role \"%s\"; only superusers and roles with the privileges of a schema's owner may apply contracts for relations in it.",
						   contract_model_label(m), schema,
						   GetUserNameFromId(owner, false)) :
			 errdetail("Schema \"%s\" is owned by role \"%s\"; only superusers and roles with the privileges of a target schema's owner may apply contracts for it.",
					   schema, GetUserNameFromId(owner, false)),
			 superuser_arg(owner) ?
			 errhint("A DBA lets a role apply for a target by giving it the schema: ALTER SCHEMA %s OWNER TO %s.",
					 quote_identifier(schema),
					 quote_identifier(GetUserNameFromId(caller, false))) :
			 errhint("A DBA lets a role apply for a target by giving it the schema (ALTER SCHEMA %s OWNER TO %s) or membership in its owner (GRANT %s TO %s).",
					 quote_identifier(schema),
					 quote_identifier(GetUserNameFromId(caller, false)),
					 quote_identifier(GetUserNameFromId(owner, false)),
					 quote_identifier(GetUserNameFromId(caller, false)))));
}

static void
check_target_privilege(const char *target, KeyedRow *rows, int n, Oid caller)
{
	List	   *seen = NIL;
	int			i;

	if (superuser_arg(caller) || has_privs_of_role(caller, dbtc_catalog_owner()))
		return;
	check_schema_privilege(target, target, caller, NULL, false);
	seen = lappend(seen, (char *) target);
	for (i = 0; i < n; i++)
	{
		const char *schema = rows[i].m->relation_schema;
		ListCell   *lc;
		bool		known = false;

		CHECK_FOR_INTERRUPTS();
		foreach(lc, seen)
			if (strcmp(lfirst(lc), schema) == 0)
				known = true;
		if (known)
			continue;
		check_schema_privilege(target, schema, caller, rows[i].m, false);
		seen = lappend(seen, (char *) schema);
	}
	list_free(seen);
}

/*
 * May the caller change the contracts of a target as a whole (drop it)?
 * The rule of an apply for its base schema: superusers, the catalog's
 * owner, and roles with the privileges of the target schema's owner (or,
 * once the schema is gone, those who could create it again).
 */
void
contract_check_target_privilege(const char *target, Oid caller)
{
	if (superuser_arg(caller) || has_privs_of_role(caller, dbtc_catalog_owner()))
		return;
	check_schema_privilege(target, target, caller, NULL, true);
}

/* Old rows of this source and target, sorted like the new ones. */
static KeyedRow *
load_old_models(const char *source, const char *target, int *n)
{
	Datum		args[2];
	Oid			types[2] = {TEXTOID, TEXTOID};
	KeyedRow   *rows;
	uint64		i;
	int			rc;

	args[0] = CStringGetTextDatum(source);
	args[1] = CStringGetTextDatum(target);
	rc = SPI_execute_with_args(
							   "SELECT model, version, relation_schema, relation_name, "
							   "       fingerprint, column_count, constraint_count, model_id, "
							   "       defined_at, is_latest "
							   "FROM dbt_contract.contract_model "
							   "WHERE target = $2 AND source = $1",
							   2, types, args, NULL, false, 0);
	spi_check(rc, SPI_OK_SELECT, "loading the previous contracts");
	rows = palloc0(sizeof(KeyedRow) * Max(1, SPI_processed));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;

		rows[i].model = SPI_getvalue(tup, td, 1);
		rows[i].version = SPI_getvalue(tup, td, 2);
		rows[i].relation_schema = SPI_getvalue(tup, td, 3);
		rows[i].relation_name = SPI_getvalue(tup, td, 4);
		rows[i].relation = qualified(rows[i].relation_schema, rows[i].relation_name);
		rows[i].fingerprint = SPI_getvalue(tup, td, 5);
		rows[i].ncolumns = DatumGetInt32(SPI_getbinval(tup, td, 6, &isnull));
		rows[i].nconstraints = DatumGetInt32(SPI_getbinval(tup, td, 7, &isnull));
		rows[i].model_id = DatumGetInt64(SPI_getbinval(tup, td, 8, &isnull));
		rows[i].defined_at = SPI_getvalue(tup, td, 9);
		rows[i].is_latest = DatumGetBool(SPI_getbinval(tup, td, 10, &isnull)) && !isnull;
	}
	*n = (int) SPI_processed;
	qsort(rows, *n, sizeof(KeyedRow), keyed_cmp);
	return rows;
}

/*
 * A stand-in for a stored model a delta apply keeps: what the checks of
 * the new side read (name, version, relation, where it was declared).
 * Its fingerprint is the stored one, so nothing of it is read back,
 * compared or written again.
 */
static ContractModel *
kept_stand_in(const KeyedRow *old)
{
	ContractModel *m = palloc0(sizeof(ContractModel));
	char	   *loc = pstrdup(old->defined_at);
	char	   *colon = strrchr(loc, ':');

	m->name = (char *) old->model;
	m->version = (char *) old->version;
	m->relation_schema = (char *) old->relation_schema;
	m->relation_name = (char *) old->relation_name;
	m->fingerprint = (char *) old->fingerprint;
	m->is_latest = old->is_latest;
	m->loc.file = loc;
	/* defined_at is file:line:col */
	if (colon != NULL)
	{
		m->loc.col = atoi(colon + 1);
		*colon = '\0';
		colon = strrchr(loc, ':');
		if (colon != NULL)
		{
			m->loc.line = atoi(colon + 1);
			*colon = '\0';
		}
	}
	return m;
}

/*
 * A delta apply: the sent models (new, sorted) plus the stored ones the
 * sender keeps, as the new side of a full apply of the whole project.
 * Every check, the breaking-change policy and the history then see what
 * a full apply of the same project would; a stored model neither sent
 * nor kept is removed.  Returns the merged rows, sorted.
 */
static KeyedRow *
add_kept_models(KeyedRow *old, int nold, KeyedRow *new, int *nnew,
				List *keep, const char *target, Oid caller)
{
	int			nkeep = list_length(keep);
	KeyedRow   *rows = palloc0(sizeof(KeyedRow) * Max(1, *nnew + nkeep));
	KeyedRow   *kept = rows + *nnew;
	ListCell   *lc;
	int			n = *nnew;
	int			i;

	memcpy(rows, new, sizeof(KeyedRow) * *nnew);
	foreach(lc, keep)
	{
		ContractKey *k = lfirst(lc);
		KeyedRow	key = {0};
		KeyedRow   *found;

		CHECK_FOR_INTERRUPTS();
		key.model = k->model;
		key.version = k->version;
		found = bsearch(&key, old, nold, sizeof(KeyedRow), keyed_cmp);
		if (found == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s is kept by a delta apply but has no stored contract for target \"%s\"",
							model_version_label(k->model, k->version), target),
					 errhint("Send the model's contract, or apply the whole manifest.")));
		rows[n] = *found;
		rows[n].model_id = 0;
		rows[n].m = kept_stand_in(found);
		n++;
	}
	/* whoever applies now must be allowed the kept models' schemas too */
	check_target_privilege(target, kept, nkeep, caller);
	qsort(rows, n, sizeof(KeyedRow), keyed_cmp);
	for (i = 1; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (keyed_cmp(&rows[i - 1], &rows[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("%s is listed twice in a delta apply",
							model_version_label(rows[i].model, rows[i].version)),
					 errhint("A delta apply sends a model's contract or keeps the stored one, not both.")));
	}
	check_new_relations(rows, n);
	*nnew = n;
	return rows;
}

/*
 * Split a source's old and new models (both sorted by key): old rows to
 * delete (removed or changed) and new models to insert (added or
 * changed).  Unchanged models keep their rows, ids and applied_at, so
 * re-applying an unchanged project writes nothing.
 */
static void
plan_writes(KeyedRow *old, int nold, KeyedRow *new, int nnew,
			ColArray *stale, KeyedRow **fresh, int *nfresh)
{
	int			i = 0;
	int			j = 0;

	col_init(stale, INT8OID);
	*fresh = palloc(sizeof(KeyedRow) * Max(1, nnew));
	*nfresh = 0;
	while (i < nold || j < nnew)
	{
		int			c = i >= nold ? 1 : j >= nnew ? -1 : keyed_cmp(&old[i], &new[j]);

		CHECK_FOR_INTERRUPTS();
		if (c < 0)
			col_push(stale, Int64GetDatum(old[i++].model_id), false);
		else if (c > 0)
			(*fresh)[(*nfresh)++] = new[j++];
		else
		{
			if (strcmp(old[i].fingerprint, new[j].fingerprint) != 0)
			{
				col_push(stale, Int64GetDatum(old[i].model_id), false);
				(*fresh)[(*nfresh)++] = new[j];
			}
			i++, j++;
		}
	}
}

static void
delete_models(ColArray *ids)
{
	static const char *const tables[] = {"contract_column", "contract_constraint",
	"contract_test", "contract_semantic", "contract_model"};
	Datum		args[1];
	Oid			types[1] = {INT8ARRAYOID};
	int			i;
	int			rc;

	if (ids->n == 0)
		return;
	args[0] = col_array(ids);
	for (i = 0; i < lengthof(tables); i++)
	{
		char	   *sql = psprintf("DELETE FROM dbt_contract.%s WHERE model_id = ANY ($1)",
								   tables[i]);

		rc = SPI_execute_with_args(sql, 1, types, args, NULL, false, 0);
		spi_check(rc, SPI_OK_DELETE, "removing the previous contracts");
	}
}

/* One block of fresh model ids from the sequence. */
static int64 *
allocate_ids(int n)
{
	Datum		args[1];
	Oid			types[1] = {INT4OID};
	int64	   *ids = palloc(sizeof(int64) * Max(1, n));
	uint64		i;
	int			rc;

	args[0] = Int32GetDatum(n);
	rc = SPI_execute_with_args("SELECT nextval('dbt_contract.model_id_seq') "
							   "FROM generate_series(1, $1)",
							   1, types, args, NULL, false, 0);
	spi_check(rc, SPI_OK_SELECT, "allocating model ids");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
											 SPI_tuptable->tupdesc, 1, &isnull));
	}
	return ids;
}

/* ------------------------------------------------------------------------
 * Batched inserts
 *
 * Rows travel in batches of at most INSERT_BATCH_ROWS, one execution of a
 * prepared INSERT ... SELECT unnest($1), unnest($2), ... per batch.  The
 * unnest() calls sit in the select list, where they advance in step one
 * row at a time; written in FROM, every array would first be copied into
 * a tuplestore of its own, which spills to disk past work_mem (for a
 * 10,000-model project, filling and reading those was about a third of
 * the time spent storing).  Bounded batches keep the values and arrays
 * built for one statement small, and their memory, reset after each
 * batch, is reused instead of growing with the size of the project.
 * ------------------------------------------------------------------------
 */
#define INSERT_BATCH_ROWS 8192

typedef struct RowBatch
{
	const char *sql;
	int			ncols;
	ColArray   *cols;
	SPIPlanPtr	plan;			/* prepared at the first flush */
	StringInfoData buf;			/* scratch space for text values */
	MemoryContext cxt;			/* values of the batch being built */
	MemoryContext oldcxt;
} RowBatch;

/*
 * Start collecting rows for `sql`, whose parameters are arrays of
 * `elemtypes`.  Until batch_end, the current memory context is the
 * batch's own, so whatever the caller allocates while building a row
 * goes away with the batch.
 */
static void
batch_begin(RowBatch *b, const char *sql, const Oid *elemtypes, int ncols)
{
	int			i;

	b->sql = sql;
	b->ncols = ncols;
	b->plan = NULL;
	b->cols = palloc(sizeof(ColArray) * ncols);
	for (i = 0; i < ncols; i++)
		col_init(&b->cols[i], elemtypes[i]);
	initStringInfo(&b->buf);
	b->cxt = AllocSetContextCreate(CurrentMemoryContext,
								   "dbt_contract insert batch",
								   ALLOCSET_DEFAULT_SIZES);
	b->oldcxt = MemoryContextSwitchTo(b->cxt);
}

static void
batch_flush(RowBatch *b)
{
	Datum	   *args;
	int			i;
	int			rc;

	if (b->cols[0].n == 0)
		return;
	if (b->plan == NULL)
	{
		Oid		   *types = palloc(sizeof(Oid) * b->ncols);

		for (i = 0; i < b->ncols; i++)
			types[i] = get_array_type(b->cols[i].elemtype);
		b->plan = SPI_prepare(b->sql, b->ncols, types);
		if (b->plan == NULL)
			elog(ERROR, "dbt_contract: preparing to store contracts failed: %s",
				 SPI_result_code_string(SPI_result));
		/* SPI leaves us in its own context; keep building in ours */
		MemoryContextSwitchTo(b->cxt);
	}
	args = palloc(sizeof(Datum) * b->ncols);
	for (i = 0; i < b->ncols; i++)
		args[i] = col_array(&b->cols[i]);
	rc = SPI_execute_plan(b->plan, args, NULL, false, 0);
	spi_check(rc, SPI_OK_INSERT, "storing contracts");
	MemoryContextSwitchTo(b->cxt);

	for (i = 0; i < b->ncols; i++)
		b->cols[i].n = 0;
	MemoryContextReset(b->cxt);
}

/* Call after each row: sends the batch once it is full. */
static void
batch_row_done(RowBatch *b)
{
	CHECK_FOR_INTERRUPTS();
	if (b->cols[0].n >= INSERT_BATCH_ROWS)
		batch_flush(b);
}

static void
batch_end(RowBatch *b)
{
	batch_flush(b);
	MemoryContextSwitchTo(b->oldcxt);
	MemoryContextDelete(b->cxt);
	if (b->plan != NULL)
		SPI_freeplan(b->plan);
	pfree(b->buf.data);
}

static void
insert_models(const char *source, const char *target, KeyedRow *rows, int n,
			  int64 *ids)
{
	static const Oid types[23] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, BOOLOID, TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, INT4OID, INT4OID, TEXTOID, TEXTOID, BOOLOID, BOOLOID,
	BOOLOID, TEXTOID};
	RowBatch	b;
	ColArray   *c;
	int			i;

	batch_begin(&b,
				"INSERT INTO dbt_contract.contract_model "
				"(model_id, model, version, latest_version, source, defined_at, "
				" relation_schema, relation_name, materialized, enforced, alias_types, "
				" on_schema_change, description, deprecation_date, fingerprint, "
				" column_count, constraint_count, file, target, persist_relation_docs, "
				" persist_column_docs, is_latest, latest_pointer, applied_at) "
				"SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), "
				"       unnest($6), unnest($7), unnest($8), unnest($9), unnest($10), "
				"       unnest($11), unnest($12), unnest($13), unnest($14), "
				"       unnest($15), unnest($16), unnest($17), unnest($18), "
				"       unnest($19), unnest($20), unnest($21), unnest($22), unnest($23), "
				"       statement_timestamp()",
				types, lengthof(types));
	c = b.cols;
	for (i = 0; i < n; i++)
	{
		ContractModel *m = rows[i].m;

		col_push(&c[0], Int64GetDatum(ids[i]), false);
		col_text(&c[1], m->name);
		col_text(&c[2], m->version);
		col_text(&c[3], m->latest_version);
		col_text(&c[4], source);
		col_text(&c[5], contract_srcloc_string(&m->loc));
		col_text(&c[6], m->relation_schema);
		col_text(&c[7], m->relation_name);
		col_text(&c[8], m->materialized);
		col_push(&c[9], BoolGetDatum(m->enforced), false);
		col_push(&c[10], BoolGetDatum(m->alias_types), false);
		col_text(&c[11], m->on_schema_change);
		col_text(&c[12], m->description);
		col_text(&c[13], m->deprecation_date);
		col_text(&c[14], m->fingerprint);
		col_push(&c[15], Int32GetDatum(list_length(m->columns)), false);
		col_push(&c[16], Int32GetDatum(list_length(m->constraints)), false);
		col_text(&c[17], m->loc.file);
		col_text(&c[18], target);
		col_push(&c[19], BoolGetDatum(m->persist_relation_docs), false);
		col_push(&c[20], BoolGetDatum(m->persist_column_docs), false);
		col_push(&c[21], BoolGetDatum(m->is_latest), m->version == NULL);
		col_text(&c[22], m->latest_pointer);
		batch_row_done(&b);
	}
	batch_end(&b);
}

/*
 * A row of a model's child table (columns, constraints, tests, semantic
 * keys): the values after model_id and ordinal, from c[2] on.
 */
typedef void (*ChildRowPusher) (RowBatch *b, ColArray *c, void *item);

/*
 * Insert the child rows of the fresh models, one batch for the table:
 * `items` is the offset of the model's list of them (its columns, ...),
 * numbered from 1 in its order.
 */
static void
insert_children(KeyedRow *rows, int n, int64 *ids, size_t items,
				const char *sql, const Oid *types, int ntypes, ChildRowPusher push)
{
	RowBatch	b;
	int			i;

	batch_begin(&b, sql, types, ntypes);
	for (i = 0; i < n; i++)
	{
		ListCell   *lc;
		int			ord = 0;

		foreach(lc, *(List **) ((char *) rows[i].m + items))
		{
			col_push(&b.cols[0], Int64GetDatum(ids[i]), false);
			col_push(&b.cols[1], Int32GetDatum(++ord), false);
			push(&b, b.cols, lfirst(lc));
			batch_row_done(&b);
		}
	}
	batch_end(&b);
}

/* An array column, or NULL for no list at all. */
static void
col_names_or_null(ColArray *c, RowBatch *b, List *names)
{
	if (names != NIL)
		col_array_literal(c, &b->buf, names);
	else
		col_text(c, NULL);
}

static void
push_column(RowBatch *b, ColArray *c, void *item)
{
	ContractColumn *col = item;

	col_text(&c[2], col->name);
	col_text(&c[3], contract_column_ident(col));
	col_text(&c[4], col->data_type);
	col_push(&c[5], ObjectIdGetDatum(col->type_oid), !OidIsValid(col->type_oid));
	col_push(&c[6], Int32GetDatum(col->typmod), false);
	col_text(&c[7], col->description);
	col_push(&c[8], BoolGetDatum(col->quoted), false);
}

static void
insert_columns(KeyedRow *rows, int n, int64 *ids)
{
	static const Oid types[9] = {INT8OID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
	OIDOID, INT4OID, TEXTOID, BOOLOID};

	insert_children(rows, n, ids, offsetof(ContractModel, columns),
					"INSERT INTO dbt_contract.contract_column "
					"(model_id, ordinal, column_name, attname, data_type, type_oid, typmod, "
					" description, quoted) "
					"SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), "
					"       unnest($6), unnest($7), unnest($8), unnest($9)",
					types, lengthof(types), push_column);
}

static void
push_constraint(RowBatch *b, ColArray *c, void *item)
{
	ContractConstraint *con = item;

	col_text(&c[2], contract_constraint_type_name(con->type));
	col_text(&c[3], con->model_level ? "model" : "column");
	col_array_literal(&c[4], &b->buf, con->columns);
	col_text(&c[5], con->expression);
	col_text(&c[6], con->name);
	col_text(&c[7], con->to_text);
	col_text(&c[8], con->to_model);
	col_text(&c[9], con->to_package);
	col_text(&c[10], con->to_version);
	col_names_or_null(&c[11], b, con->to_columns);
	col_push(&c[12], BoolGetDatum(con->warn_unenforced), false);
	col_push(&c[13], BoolGetDatum(con->warn_unsupported), false);
	col_text(&c[14], contract_srcloc_string(&con->loc));
}

static void
insert_constraints(KeyedRow *rows, int n, int64 *ids)
{
	static const Oid types[15] = {INT8OID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID,
	BOOLOID, TEXTOID};

	insert_children(rows, n, ids, offsetof(ContractModel, constraints),
					"INSERT INTO dbt_contract.contract_constraint "
					"(model_id, ordinal, constraint_type, level, columns, expression, name, "
					" to_text, to_model, to_package, to_version, to_columns, "
					" warn_unenforced, warn_unsupported, defined_at) "
					"SELECT unnest($1), unnest($2), unnest($3), unnest($4), "
					"       unnest($5)::text[], unnest($6), unnest($7), unnest($8), "
					"       unnest($9), unnest($10), unnest($11), unnest($12)::text[], "
					"       unnest($13), unnest($14), unnest($15)",
					types, lengthof(types), push_constraint);
}

static void
push_test(RowBatch *b, ColArray *c, void *item)
{
	ContractTest *t = item;

	col_text(&c[2], t->test_name);
	col_array_literal(&c[3], &b->buf, t->columns);
	col_text(&c[4], t->arguments);
	col_text(&c[5], t->config ? t->config : "{}");
	col_push(&c[6], BoolGetDatum(t->enabled), false);
}

static void
insert_tests(KeyedRow *rows, int n, int64 *ids)
{
	static const Oid types[7] = {INT8OID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, BOOLOID};

	insert_children(rows, n, ids, offsetof(ContractModel, tests),
					"INSERT INTO dbt_contract.contract_test "
					"(model_id, ordinal, test_name, columns, arguments, config, enabled) "
					"SELECT unnest($1), unnest($2), unnest($3), unnest($4)::text[], "
					"       unnest($5)::jsonb, unnest($6)::jsonb, unnest($7)",
					types, lengthof(types), push_test);
}

static void
push_semantic_key(RowBatch *b, ColArray *c, void *item)
{
	SemanticKey *k = item;

	col_text(&c[2], k->derived_from);
	col_text(&c[3], k->key_type);
	col_text(&c[4], k->name);
	col_text(&c[5], k->semantic_model);
	col_array_literal(&c[6], &b->buf, k->columns);
	col_text(&c[7], k->to_model);
	col_names_or_null(&c[8], b, k->to_columns);
	col_text(&c[9], k->relationship);
}

/* The semantic keys (contract_semantic.c) of the fresh models. */
static void
insert_semantic_keys(KeyedRow *rows, int n, int64 *ids)
{
	static const Oid types[10] = {INT8OID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};

	insert_children(rows, n, ids, offsetof(ContractModel, semantic_keys),
					"INSERT INTO dbt_contract.contract_semantic "
					"(model_id, ordinal, derived_from, key_type, name, semantic_model, "
					" columns, to_model, to_columns, relationship) "
					"SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), "
					"       unnest($6), unnest($7)::text[], unnest($8), unnest($9)::text[], "
					"       unnest($10)",
					types, lengthof(types), push_semantic_key);
}

static void
record_source(const char *source, const char *target, const char *checksum,
			  const char *model_checksums, int nmodels, Oid caller)
{
	Datum		args[5];
	Oid			types[5] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int			rc;

	args[0] = CStringGetTextDatum(source);
	args[1] = CStringGetTextDatum(checksum);
	args[2] = CStringGetTextDatum(target);
	/* the role that called the apply, as apply_history records it */
	args[3] = CStringGetTextDatum(GetUserNameFromId(caller, false));
	if (model_checksums != NULL)
		args[4] = CStringGetTextDatum(model_checksums);
	else
		nulls[4] = 'n';
	if (nmodels == 0)
		rc = SPI_execute_with_args("DELETE FROM dbt_contract.contract_source "
								   "WHERE source = $1 AND target = $3",
								   3, types, args, NULL, false, 0);
	else
		rc = SPI_execute_with_args("INSERT INTO dbt_contract.contract_source "
								   "  (source, target, checksum, applied_at, applied_by, model_checksums) "
								   "VALUES ($1, $3, $2, statement_timestamp(), $4, $5::jsonb) "
								   "ON CONFLICT (source, target) DO UPDATE SET checksum = EXCLUDED.checksum, "
								   "  applied_at = EXCLUDED.applied_at, applied_by = EXCLUDED.applied_by, "
								   "  model_checksums = EXCLUDED.model_checksums",
								   5, types, args, nulls, false, 0);
	if (rc != SPI_OK_DELETE && rc != SPI_OK_INSERT)
		spi_check(rc, SPI_OK_INSERT, "recording the source");
}

/* ------------------------------------------------------------------------
 * Breaking changes: the stored contracts of changed models, compared
 * ------------------------------------------------------------------------
 */
static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * The stored contracts of the given models (ids, n of them; sorted here),
 * in model_id order, read in memory context target under the snapshot the
 * apply's own statements use.
 */
static List *
load_stored_models(int64 *ids, int n, MemoryContext target)
{
	MemoryContext old;
	ContractReader *r;
	List	   *res = NIL;
	int			i;

	if (n == 0)
		return NIL;
	qsort(ids, n, sizeof(int64), int64_cmp);
	old = MemoryContextSwitchTo(target);
	CommandCounterIncrement();
	r = contract_reader_begin(GetTransactionSnapshot());
	for (i = 0; i < n; i++)
	{
		ContractModel *m = contract_reader_model(r, ids[i], 0);

		CHECK_FOR_INTERRUPTS();
		if (m != NULL)
			res = lappend(res, m);
	}
	contract_reader_end(r);
	MemoryContextSwitchTo(old);
	return res;
}

/*
 * The changes of one model, worked out in scratch memory (keys, bodies,
 * lookup arrays) and copied into the caller's: an apply that changes
 * every model of a large project otherwise keeps all of that at once.
 */
static List *
diff_one(MemoryContext scratch, const ContractModel *sm, const ContractModel *m)
{
	MemoryContext caller = MemoryContextSwitchTo(scratch);
	List	   *changes = contract_diff_model(sm, m);
	List	   *res = NIL;
	ListCell   *lc;

	MemoryContextSwitchTo(caller);
	foreach(lc, changes)
	{
		ContractChange *c = palloc(sizeof(ContractChange));

		*c = *(ContractChange *) lfirst(lc);
		c->model = pstrdup(c->model);
		c->version = c->version ? pstrdup(c->version) : NULL;
		c->detail = pstrdup(c->detail);
		res = lappend(res, c);
	}
	MemoryContextReset(scratch);
	return res;
}

/* Stored models in the order keyed_cmp gives their KeyedRows. */
static int
stored_key_cmp(const ListCell *a, const ListCell *b)
{
	const ContractModel *x = lfirst(a);
	const ContractModel *y = lfirst(b);
	int			c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return dbtc_version_key_cmp(x->version, y->version);
}

/*
 * Every change between the old and new models of a source (both sorted
 * by key).  Only models whose fingerprint differs are read back.
 */
static List *
diff_source(KeyedRow *old, int nold, KeyedRow *new, int nnew)
{
	MemoryContext target = CurrentMemoryContext;
	MemoryContext stored_cxt;
	MemoryContext scratch;
	int64	   *ids = palloc(sizeof(int64) * Max(1, nold));
	int			nids = 0;
	List	   *stored;
	List	   *changes = NIL;
	ListCell   *sc;
	int			i = 0;
	int			j = 0;

	while (i < nold || j < nnew)
	{
		int			c = i >= nold ? 1 : j >= nnew ? -1 : keyed_cmp(&old[i], &new[j]);

		CHECK_FOR_INTERRUPTS();
		if (c < 0)
			ids[nids++] = old[i++].model_id;
		else if (c > 0)
			j++;
		else
		{
			if (strcmp(old[i].fingerprint, new[j].fingerprint) != 0)
				ids[nids++] = old[i].model_id;
			i++, j++;
		}
	}
	/* the stored contracts are needed only until compared */
	stored_cxt = AllocSetContextCreate(target, "dbt_contract stored contracts",
									   ALLOCSET_DEFAULT_SIZES);
	scratch = AllocSetContextCreate(target, "dbt_contract diff",
									ALLOCSET_DEFAULT_SIZES);
	stored = load_stored_models(ids, nids, stored_cxt);
	/* model_id order is not key order once a re-apply gave a model a new id */
	list_sort(stored, stored_key_cmp);
	MemoryContextSwitchTo(target);

	/* walk again, pairing each stored model with its new version */
	sc = list_head(stored);
	i = j = 0;
	while (i < nold || j < nnew)
	{
		int			c = i >= nold ? 1 : j >= nnew ? -1 : keyed_cmp(&old[i], &new[j]);

		ContractModel *sm = NULL;

		CHECK_FOR_INTERRUPTS();
		if (c <= 0 && sc != NULL)
		{
			sm = lfirst(sc);
			if (strcmp(sm->name, old[i].model) != 0 ||
				dbtc_version_key_cmp(sm->version, old[i].version) != 0)
				sm = NULL;
		}
		if (c < 0)
		{
			if (sm != NULL)
			{
				changes = list_concat(changes, diff_one(scratch, sm, NULL));
				sc = lnext(stored, sc);
			}
			i++;
		}
		else if (c > 0)
			changes = list_concat(changes, diff_one(scratch, NULL, new[j++].m));
		else
		{
			if (sm != NULL)
			{
				changes = list_concat(changes, diff_one(scratch, sm, new[j].m));
				sc = lnext(stored, sc);
			}
			i++, j++;
		}
	}
	MemoryContextDelete(scratch);
	MemoryContextDelete(stored_cxt);
	return changes;
}

/*
 * Which version of a model unversioned refs resolve to is a property of
 * the whole family: a new version 3 makes version 2 no longer the latest,
 * while version 2's own contract (and fingerprint, so its row) stays.
 */
static void
update_latest(const char *source, const char *target, KeyedRow *rows, int n)
{
	ColArray	names;
	ColArray	versions;
	ColArray	latest;
	Datum		args[5];
	Oid			types[5] = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, BOOLARRAYOID};
	int			i;
	int			rc;

	col_init(&names, TEXTOID);
	col_init(&versions, TEXTOID);
	col_init(&latest, BOOLOID);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (rows[i].version == NULL)
			continue;
		col_text(&names, rows[i].model);
		col_text(&versions, rows[i].version);
		col_push(&latest, BoolGetDatum(rows[i].m->is_latest), false);
	}
	if (names.n == 0)
		return;
	args[0] = CStringGetTextDatum(source);
	args[1] = CStringGetTextDatum(target);
	args[2] = col_array(&names);
	args[3] = col_array(&versions);
	args[4] = col_array(&latest);
	rc = SPI_execute_with_args("UPDATE dbt_contract.contract_model m SET is_latest = n.latest "
							   "FROM unnest($3, $4, $5) AS n(model, version, latest) "
							   "WHERE m.target = $2 AND m.source = $1 AND m.model = n.model "
							   "  AND m.version = n.version "
							   "  AND m.is_latest IS DISTINCT FROM n.latest",
							   5, types, args, NULL, false, 0);
	spi_check(rc, SPI_OK_UPDATE, "marking the latest versions");
}

static void
record_history(const char *source, const char *target, const char *checksum,
			   Oid caller, List *results, bool allow_breaking, List *accepted)
{
	Datum		args[10];
	Oid			types[10] = {TEXTOID, TEXTOID, TEXTOID, INT4OID, INT4OID, INT4OID,
	INT4OID, BOOLOID, TEXTARRAYOID, TEXTOID};
	int			counts[4] = {0, 0, 0, 0};
	ColArray	acc;
	ListCell   *lc;
	int			rc;

	foreach(lc, results)
	{
		const char *action = ((ApplyResult *) lfirst(lc))->action;

		counts[strcmp(action, "added") == 0 ? 0 :
			   strcmp(action, "changed") == 0 ? 1 :
			   strcmp(action, "removed") == 0 ? 2 : 3]++;
	}
	col_init(&acc, TEXTOID);
	foreach(lc, accepted)
		col_text(&acc, lfirst(lc));

	args[0] = CStringGetTextDatum(source);
	args[1] = CStringGetTextDatum(checksum);
	args[2] = CStringGetTextDatum(GetUserNameFromId(caller, false));
	args[3] = Int32GetDatum(counts[0]);
	args[4] = Int32GetDatum(counts[1]);
	args[5] = Int32GetDatum(counts[2]);
	args[6] = Int32GetDatum(counts[3]);
	args[7] = BoolGetDatum(allow_breaking);
	args[8] = col_array(&acc);
	args[9] = CStringGetTextDatum(target);
	rc = SPI_execute_with_args("INSERT INTO dbt_contract.apply_history "
							   "  (applied_at, applied_by, source, checksum, added, changed, "
							   "   removed, unchanged, allow_breaking, breaking_accepted, target) "
							   "VALUES (statement_timestamp(), $3, $1, $2, $4, $5, $6, $7, $8, $9, $10)",
							   10, types, args, NULL, false, 0);
	spi_check(rc, SPI_OK_INSERT, "recording the apply");
}

/*
 * Whether an apply changes no model.  A delta apply that changes none is
 * the dbt package storing its fingerprints again after dbt re-parsed the
 * project without changing a contract: it updates the source's
 * checksums, and history records only applies that change something.
 */
static bool
all_unchanged(List *results)
{
	ListCell   *lc;

	foreach(lc, results)
	{
		if (strcmp(((ApplyResult *) lfirst(lc))->action, "unchanged") != 0)
			return false;
	}
	return true;
}

static ApplyResult *
result_row(const KeyedRow *r, const char *action)
{
	ApplyResult *res = palloc(sizeof(ApplyResult));

	res->model = pstrdup(r->model);
	res->version = r->version ? pstrdup(r->version) : NULL;
	res->relation = pstrdup(r->relation);
	res->action = action;
	res->ncolumns = r->ncolumns;
	res->nconstraints = r->nconstraints;
	return res;
}

/* Merge old and new (both sorted) into result rows with actions. */
static List *
compute_actions(KeyedRow *old, int nold, KeyedRow *new, int nnew)
{
	List	   *res = NIL;
	int			i = 0;
	int			j = 0;

	while (i < nold || j < nnew)
	{
		int			c;

		CHECK_FOR_INTERRUPTS();
		if (i >= nold)
			c = 1;
		else if (j >= nnew)
			c = -1;
		else
			c = keyed_cmp(&old[i], &new[j]);

		if (c < 0)
			res = lappend(res, result_row(&old[i++], "removed"));
		else if (c > 0)
			res = lappend(res, result_row(&new[j++], "added"));
		else
		{
			bool		same = strcmp(old[i].fingerprint, new[j].fingerprint) == 0;

			res = lappend(res, result_row(&new[j], same ? "unchanged" : "changed"));
			i++, j++;
		}
	}
	return res;
}

/*
 * Shared by apply and diff: lock, compare with what the source defined
 * before, apply dbt's breaking-change policy, and (unless dry_run) replace
 * the source's rows.  Runs inside the caller's transaction, as the owner
 * of the catalog: an error anywhere leaves the catalog untouched.
 */
static List *
store_or_diff(const char *source, List *models, const ApplyOptions *opts,
			  List **changes_out)
{
	OwnerContext oc;
	KeyedRow   *new;
	KeyedRow   *old;
	int			nnew;
	int			nold;
	int64	   *ids;
	List	   *changes;
	List	   *accepted;
	List	   *res = NIL;
	MemoryContext callercxt = CurrentMemoryContext;
	MemoryContext spicxt;
	int			rc;

	new = sort_new_models(models, &nnew);
	if (!opts->dry_run)
		check_target_privilege(opts->target, new, nnew, opts->caller);

	dbtc_begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	spicxt = CurrentMemoryContext;

	/* applies exclude each other; a dry run only keeps them out meanwhile */
	rc = SPI_execute(opts->dry_run ?
					 "LOCK TABLE dbt_contract.contract_model IN SHARE MODE" :
					 "LOCK TABLE dbt_contract.contract_model IN EXCLUSIVE MODE",
					 false, 0);
	spi_check(rc, SPI_OK_UTILITY, "locking the contract catalog");

	check_other_sources(source, opts->target, new, nnew);
	if (!opts->dry_run)
		check_relations(source, opts->target, new, nnew);
	old = load_old_models(source, opts->target, &nold);
	if (opts->delta)
		new = add_kept_models(old, nold, new, &nnew, opts->keep,
							  opts->target, opts->caller);

	MemoryContextSwitchTo(callercxt);
	changes = diff_source(old, nold, new, nnew);
	MemoryContextSwitchTo(spicxt);

	if (!opts->dry_run)
	{
		ColArray	stale;
		KeyedRow   *fresh;
		int			nfresh;

		accepted = contract_breaking_policy(changes, opts->allow_breaking);
		plan_writes(old, nold, new, nnew, &stale, &fresh, &nfresh);
		delete_models(&stale);
		ids = allocate_ids(nfresh);
		insert_models(source, opts->target, fresh, nfresh, ids);
		insert_columns(fresh, nfresh, ids);
		insert_constraints(fresh, nfresh, ids);
		insert_tests(fresh, nfresh, ids);
		insert_semantic_keys(fresh, nfresh, ids);
		update_latest(source, opts->target, new, nnew);
		record_source(source, opts->target, opts->checksum, opts->model_checksums,
					  nnew, opts->caller);

		/* Result strings must outlive SPI's memory. */
		MemoryContextSwitchTo(callercxt);
		res = compute_actions(old, nold, new, nnew);
		MemoryContextSwitchTo(spicxt);
		if (!(opts->delta && all_unchanged(res)))
			record_history(source, opts->target, opts->checksum, opts->caller, res,
						   opts->allow_breaking, accepted);
	}

	SPI_finish();
	dbtc_end_as_owner(&oc);
	if (changes_out)
		*changes_out = changes;
	return res;
}

/* Replace everything `source` defined for opts->target with `models`. */
List *
contract_store_apply(const char *source, List *models, const ApplyOptions *opts)
{
	ApplyOptions o = *opts;

	o.dry_run = false;
	return store_or_diff(source, models, &o, NULL);
}

/* What contract_store_apply would change, changing nothing. */
List *
contract_store_diff(const char *source, List *models, const ApplyOptions *opts)
{
	ApplyOptions o = *opts;
	List	   *changes;

	o.dry_run = true;
	(void) store_or_diff(source, models, &o, &changes);
	return changes;
}
