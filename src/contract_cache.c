/*-------------------------------------------------------------------------
 * contract_cache.c
 *	  Per-backend map from relation (schema, name) to the contract that
 *	  governs it, loaded on first use and dropped when contracts change.
 *
 * The map holds every contracted relation and the __dbt_tmp name dbt
 * builds it under, so DDL on any other relation costs one hash probe and
 * no query.  A model's full contract (columns and constraints) is loaded
 * the first time a relation of that model is checked, with one query, so
 * it is one consistent version even while another session re-applies.
 * Applies send a relcache invalidation for contract_model at commit; the
 * callback registered here drops the whole map (pg_cron does the same).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "dbt_contract.h"

#define DBT_TMP_SUFFIX "__dbt_tmp"
#define DBT_TMP_PREFIX_CHARS 54	/* dbt: <identifier[:54]>__dbt_tmp */

typedef struct RelKey
{
	char		schema[NAMEDATALEN];
	char		relname[NAMEDATALEN];
} RelKey;

typedef struct RelEntry
{
	RelKey		key;
	int64		model_id;
	bool		is_tmp;			/* key is the model's __dbt_tmp name */
	ContractSpec *spec;			/* loaded on first check */
} RelEntry;

static MemoryContext cache_cxt = NULL;	/* holds rel_map and its specs */
static MemoryContext retired_cxt = NULL;	/* parent of caches no longer valid */
static HTAB *rel_map = NULL;
static Oid	catalog_relid = InvalidOid;
static uint64 inval_generation = 0;
static bool callback_registered = false;

/* ------------------------------------------------------------------------
 * Invalidation
 * ------------------------------------------------------------------------
 */
/*
 * Drop the map.  Invalidations arrive whenever a lock is taken, so a
 * caller may still be using a contract from it (while opening the
 * relation it checks): the memory is only moved aside here, and freed at
 * the next lookup, when nothing from the old map is in use any more.
 */
static void
invalidate_cache(void)
{
	inval_generation++;
	rel_map = NULL;
	catalog_relid = InvalidOid;
	if (cache_cxt != NULL)
	{
		MemoryContextSetParent(cache_cxt, retired_cxt);
		cache_cxt = NULL;
	}
}

/* Free maps dropped earlier; called only where none can be in use. */
static void
free_retired(void)
{
	if (retired_cxt != NULL)
		MemoryContextReset(retired_cxt);
}

static void
relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == catalog_relid)
		invalidate_cache();
}

void
contract_cache_init(void)
{
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
		callback_registered = true;
	}
}

PG_FUNCTION_INFO_V1(dbt_contract_cache_invalidate);

/*
 * Statement trigger on contract_model: whatever writes it (an apply, a
 * restore's COPY, a superuser's UPDATE) tells every backend, at commit,
 * to drop its cached contracts.
 */
Datum
dbt_contract_cache_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired as a trigger",
						"dbt_contract_cache_invalidate")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

/* ------------------------------------------------------------------------
 * Running catalog queries as the extension owner
 * ------------------------------------------------------------------------
 */
/*
 * Queries on our tables run as the catalog's owner with a fixed
 * search_path: the user whose DDL we check needs no privileges on them
 * and cannot redirect our SQL with objects of their own.
 */
void
begin_as_owner(OwnerContext *oc)
{
	GetUserIdAndSecContext(&oc->save_userid, &oc->save_sec_context);
	SetUserIdAndSecContext(catalog_owner(),
						   oc->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	oc->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);

	/*
	 * Loading every contract is a big query by the planner's estimate, and
	 * compiling it would take longer than running it.
	 */
	(void) set_config_option("jit", "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

void
end_as_owner(OwnerContext *oc)
{
	AtEOXact_GUC(true, oc->save_nestlevel);
	SetUserIdAndSecContext(oc->save_userid, oc->save_sec_context);
}

/* ------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------
 */
static void
make_key(RelKey *key, const char *schema, const char *relname)
{
	memset(key, 0, sizeof(RelKey));
	/* Identifiers longer than NAMEDATALEN are truncated, as the server does. */
	memcpy(key->schema, schema,
		   pg_mbcliplen(schema, strlen(schema), NAMEDATALEN - 1));
	memcpy(key->relname, relname,
		   pg_mbcliplen(relname, strlen(relname), NAMEDATALEN - 1));
}

/*
 * dbt's intermediate name: the identifier cut to 54 characters (dbt counts
 * characters, as Python does), then __dbt_tmp.  With multibyte names that
 * can exceed 63 bytes; make_key() cuts it as the server will.
 */
static char *
dbt_tmp_name(const char *relname)
{
	int			keep = pg_mbcharcliplen(relname, strlen(relname), DBT_TMP_PREFIX_CHARS);

	return psprintf("%.*s%s", keep, relname, DBT_TMP_SUFFIX);
}

static void
add_entry(HTAB *map, const char *schema, const char *relname, int64 model_id,
		  bool is_tmp)
{
	RelKey		key;
	RelEntry   *e;
	bool		found;

	make_key(&key, schema, relname);
	e = hash_search(map, &key, HASH_ENTER, &found);
	/* A real relation name wins over another model's __dbt_tmp name. */
	if (found && !e->is_tmp)
		return;
	e->model_id = model_id;
	e->is_tmp = is_tmp;
	e->spec = NULL;
}

static void
visit_relation(void *arg, int64 model_id, const char *schema, const char *relname)
{
	HTAB	   *map = (HTAB *) arg;

	add_entry(map, schema, relname, model_id, false);
	add_entry(map, schema, dbt_tmp_name(relname), model_id, true);
}

static void
load_map(void)
{
	HASHCTL		ctl;
	Oid			nsp;
	uint64		generation;
	MemoryContext cxt;
	HTAB	   *map;
	Oid			relid;

	contract_cache_init();
	/* where an invalidated map goes until it can be freed */
	if (retired_cxt == NULL)
		retired_cxt = AllocSetContextCreate(CacheMemoryContext,
											"dbt_contract retired caches",
											ALLOCSET_SMALL_SIZES);
	for (;;)
	{
		generation = inval_generation;
		cxt = AllocSetContextCreate(CacheMemoryContext, "dbt_contract cache",
									ALLOCSET_DEFAULT_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(RelKey);
		ctl.entrysize = sizeof(RelEntry);
		ctl.hcxt = cxt;
		map = hash_create("dbt_contract relations", 256, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

		nsp = get_namespace_oid("dbt_contract", true);
		relid = OidIsValid(nsp) ? get_relname_relid("contract_model", nsp) : InvalidOid;
		if (OidIsValid(relid))
			(void) contract_read_relations(visit_relation, map);

		/* an apply committed while we read: read again */
		if (generation == inval_generation)
			break;
		MemoryContextDelete(cxt);
	}
	cache_cxt = cxt;
	rel_map = map;
	catalog_relid = relid;
}

static List *
text_array_list(Datum d)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *res = NIL;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			res = lappend(res, TextDatumGetCString(elems[i]));
	return res;
}

/*
 * One statement returns the model rows, their columns and constraints
 * (with ref() targets resolved to relations, and their to_columns to the
 * target's attribute names, within the model's own target), so all come
 * from the same snapshot.  Model
 * ids are never reused, so a model's rows are immutable.  Two variants:
 * one model ($1), or every enforced contract (joins, no parameter).
 */
#define SPEC_QUERY(MWHERE, CJOIN, CWHERE, KJOIN, KWHERE) \
"SELECT m.model_id AS id, 'm' AS kind, 0 AS ord, m.model AS a, " \
"       m.relation_schema AS b, m.relation_name AS c, m.description AS d, " \
"       m.target AS e, coalesce(m.version, -1) AS n1, m.enforced::int AS n2, " \
"       NULL::oid AS o, NULL::text[] AS arr1, NULL::text[] AS arr2, " \
"       m.materialized AS f, NULL::text[] AS arr3 " \
"  FROM dbt_contract.contract_model m " \
" WHERE " MWHERE " " \
"UNION ALL " \
"SELECT c.model_id, 'c', c.ordinal, c.attname, c.column_name, c.data_type, " \
"       c.description, NULL, c.typmod, c.quoted::int, c.type_oid, NULL, NULL, NULL, NULL " \
"  FROM dbt_contract.contract_column c " CJOIN " " CWHERE " " \
"UNION ALL " \
"SELECT k.model_id, 'k', k.ordinal, k.constraint_type, k.expression, k.name, k.to_text, " \
"       CASE WHEN t.model_id IS NOT NULL " \
"            THEN pg_catalog.quote_ident(t.relation_schema) || '.' || " \
"                 pg_catalog.quote_ident(t.relation_name) END, " \
"       (k.level = 'model')::int, coalesce(k.to_version, -1), NULL, " \
"       k.columns, " \
"       k.to_columns, " \
"       k.to_model, " \
"       CASE WHEN t.model_id IS NOT NULL AND k.to_columns IS NOT NULL " \
"            THEN ARRAY(SELECT tc.attname " \
"                         FROM pg_catalog.unnest(k.to_columns) WITH ORDINALITY AS w(col, ord) " \
"                         LEFT JOIN dbt_contract.contract_column tc " \
"                                ON tc.model_id = t.model_id AND tc.column_name = w.col " \
"                        ORDER BY w.ord) END " \
"  FROM dbt_contract.contract_constraint k " \
"  JOIN dbt_contract.contract_model km ON km.model_id = k.model_id " KJOIN " " \
"  LEFT JOIN dbt_contract.ref_targets t " \
"         ON t.target = km.target AND t.model = k.to_model " \
"        AND t.requested_version IS NOT DISTINCT FROM k.to_version " KWHERE

static const char *const spec_query_one =
SPEC_QUERY("m.model_id = $1", "", "WHERE c.model_id = $1", "", "WHERE k.model_id = $1");

static const char *const spec_query_enforced =
SPEC_QUERY("m.enforced",
		   "JOIN dbt_contract.contract_model cm ON cm.model_id = c.model_id AND cm.enforced", "",
		   "AND km.enforced", "");

/*
 * to_columns as the target model's attribute names: the attname of the
 * target's column written the same way where there is one (matched, an
 * array with NULLs), else the written name by PostgreSQL's identifier
 * rules, as the event trigger's reader does (contract_read.c).
 */
static List *
target_attnames(List *written, Datum matched)
{
	Datum	   *elems = NULL;
	bool	   *nulls = NULL;
	int			n = 0;
	List	   *res = NIL;
	ListCell   *lc;
	int			i = 0;

	if (matched != (Datum) 0)
		deconstruct_array(DatumGetArrayTypeP(matched), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, &nulls, &n);
	foreach(lc, written)
	{
		if (i < n && !nulls[i])
			res = lappend(res, TextDatumGetCString(elems[i]));
		else if (matched != (Datum) 0)
			res = lappend(res, contract_written_ident(lfirst(lc)));
		else
			res = lappend(res, lfirst(lc));
		i++;
	}
	return res;
}

/* A text value as a C string in cxt, or NULL. */
static char *
str_in(Datum d, bool isnull, MemoryContext cxt)
{
	MemoryContext old;
	char	   *res;

	if (isnull)
		return NULL;
	old = MemoryContextSwitchTo(cxt);
	res = TextDatumGetCString(d);
	MemoryContextSwitchTo(old);
	return res;
}

/* A model's rows while they arrive, in no particular order. */
typedef struct SpecBuild
{
	int64		model_id;		/* hash key */
	ContractSpec *spec;			/* NULL until its model row arrives */
	List	   *columns;		/* OrderedItem * */
	List	   *constraints;	/* OrderedItem * */
} SpecBuild;

typedef struct OrderedItem
{
	int			ordinal;
	void	   *item;
} OrderedItem;

static int
ordered_cmp(const ListCell *a, const ListCell *b)
{
	int			x = ((OrderedItem *) lfirst(a))->ordinal;
	int			y = ((OrderedItem *) lfirst(b))->ordinal;

	return (x > y) - (x < y);
}

static int
spec_id_cmp(const ListCell *a, const ListCell *b)
{
	int64		x = ((ContractSpec *) lfirst(a))->model_id;
	int64		y = ((ContractSpec *) lfirst(b))->model_id;

	return (x > y) - (x < y);
}

static void
add_ordered(List **list, int ordinal, void *item)
{
	OrderedItem *o = palloc(sizeof(OrderedItem));

	o->ordinal = ordinal;
	o->item = item;
	*list = lappend(*list, o);
}

/* Columns of the spec queries, 1-based as SPI numbers them. */
#define SQ_NCOLS 15

/* One row of a spec query into the model it belongs to. */
static void
load_spec_row(HTAB *builds, HeapTuple tup, TupleDesc td, MemoryContext cxt)
{
	Datum		v[SQ_NCOLS + 1];
	bool		n[SQ_NCOLS + 1];
	int64		id;
	char		kind;
	int			ord;
	int			n1;
	int			n2;
	SpecBuild  *b;
	bool		found;

	/* deform once: these rows are read by the hundred thousand */
	heap_deform_tuple(tup, td, v + 1, n + 1);
	id = DatumGetInt64(v[1]);
	kind = *VARDATA_ANY(DatumGetTextPP(v[2]));
	ord = DatumGetInt32(v[3]);
	n1 = DatumGetInt32(v[9]);
	n2 = DatumGetInt32(v[10]);

	b = hash_search(builds, &id, HASH_ENTER, &found);
	if (!found)
	{
		b->spec = NULL;
		b->columns = NIL;
		b->constraints = NIL;
	}
	/* what the result keeps goes to cxt; the SpecColumns are copied later */
	if (kind == 'm')
	{
		ContractSpec *spec = MemoryContextAllocZero(cxt, sizeof(ContractSpec));

		spec->model_id = id;
		spec->target = str_in(v[8], n[8], cxt);
		spec->model = str_in(v[4], n[4], cxt);
		spec->relation_schema = str_in(v[5], n[5], cxt);
		spec->relation_name = str_in(v[6], n[6], cxt);
		spec->description = str_in(v[7], n[7], cxt);
		spec->version = n1;
		spec->enforced = (n2 != 0);
		spec->materialized = str_in(v[14], n[14], cxt);
		b->spec = spec;
	}
	else if (kind == 'c')
	{
		SpecColumn *c = palloc0(sizeof(SpecColumn));

		c->attname = str_in(v[4], n[4], cxt);
		c->name = str_in(v[5], n[5], cxt);
		c->data_type = str_in(v[6], n[6], cxt);
		c->description = str_in(v[7], n[7], cxt);
		c->typmod = n1;
		c->quoted = (n2 != 0);
		c->type_oid = n[11] ? InvalidOid : DatumGetObjectId(v[11]);
		add_ordered(&b->columns, ord, c);
	}
	else
	{
		SpecConstraint *k = MemoryContextAllocZero(cxt, sizeof(SpecConstraint));
		char	   *type = str_in(v[4], n[4], cxt);
		MemoryContext old;
		int			t;

		for (t = CC_NOT_NULL; t <= CC_CUSTOM; t++)
			if (strcmp(type, contract_constraint_type_name(t)) == 0)
				k->type = t;
		k->expression = str_in(v[5], n[5], cxt);
		k->name = str_in(v[6], n[6], cxt);
		k->to_text = str_in(v[7], n[7], cxt);
		k->to_relation = str_in(v[8], n[8], cxt);
		k->model_level = (n1 != 0);
		k->to_version = n2;
		old = MemoryContextSwitchTo(cxt);
		k->columns = n[12] ? NIL : text_array_list(v[12]);
		k->to_columns = n[13] ? NIL :
			target_attnames(text_array_list(v[13]), n[15] ? (Datum) 0 : v[15]);
		MemoryContextSwitchTo(old);
		k->to_model = str_in(v[14], n[14], cxt);
		add_ordered(&b->constraints, ord, k);
	}
}

/*
 * Contracts as ContractSpecs in memory context cxt: one model's (model_id
 * > 0) or every enforced one's (model_id = 0), ordered by model id.  One
 * query, read in batches and put together by model id here: for every
 * contract that is a few hundred thousand rows, which the query need not
 * sort nor SPI hold all at once.
 */
static List *
load_specs(int64 model_id, MemoryContext cxt)
{
	OwnerContext oc;
	Datum		args[1];
	Oid			types[1] = {INT8OID};
	char		nulls[1] = {' '};
	List	   *specs = NIL;
	MemoryContext work;
	MemoryContext old;
	HASHCTL		ctl;
	HTAB	   *builds;
	HASH_SEQ_STATUS status;
	SpecBuild  *b;
	Portal		portal;
	int			rc;

	/* scratch space for the assembly, freed at the end */
	work = AllocSetContextCreate(CurrentMemoryContext, "dbt_contract load",
								 ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(SpecBuild);
	ctl.hcxt = work;
	builds = hash_create("dbt_contract load", model_id > 0 ? 4 : 1024, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	args[0] = Int64GetDatum(model_id);
	if (model_id > 0)
		portal = SPI_cursor_open_with_args(NULL, spec_query_one, 1, types, args,
										   nulls, true, 0);
	else
		portal = SPI_cursor_open_with_args(NULL, spec_query_enforced, 0, NULL, NULL,
										   NULL, true, 0);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		old = MemoryContextSwitchTo(work);
		for (i = 0; i < SPI_processed; i++)
			load_spec_row(builds, SPI_tuptable->vals[i], SPI_tuptable->tupdesc, cxt);
		MemoryContextSwitchTo(old);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	end_as_owner(&oc);

	hash_seq_init(&status, builds);
	while ((b = hash_seq_search(&status)) != NULL)
	{
		ContractSpec *spec = b->spec;
		ListCell   *lc;
		int			n = 0;

		if (spec == NULL)
			continue;			/* its model row is gone: a stale map */
		old = MemoryContextSwitchTo(work);
		list_sort(b->columns, ordered_cmp);
		list_sort(b->constraints, ordered_cmp);
		MemoryContextSwitchTo(cxt);
		spec->ncolumns = list_length(b->columns);
		spec->columns = palloc0(sizeof(SpecColumn) * Max(1, spec->ncolumns));
		foreach(lc, b->columns)
			spec->columns[n++] = *(SpecColumn *) ((OrderedItem *) lfirst(lc))->item;
		foreach(lc, b->constraints)
			spec->constraints = lappend(spec->constraints,
										((OrderedItem *) lfirst(lc))->item);
		specs = lappend(specs, spec);
		MemoryContextSwitchTo(old);
	}
	old = MemoryContextSwitchTo(cxt);
	list_sort(specs, spec_id_cmp);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return specs;
}

static ContractSpec *
load_spec(int64 model_id)
{
	return contract_read_spec(model_id, cache_cxt);
}

/* Every enforced contract, loaded afresh into the current memory context. */
List *
contract_load_enforced(void)
{
	return load_specs(0, CurrentMemoryContext);
}

/*
 * One model's contract by name and version (-1: unversioned) in a target,
 * or NULL.  Without a target (NULL), the model's only one; a model loaded
 * for several targets then is an error naming them.
 */
ContractSpec *
contract_load_model(const char *model, int version, const char *target)
{
	OwnerContext oc;
	Datum		args[3];
	Oid			types[3] = {TEXTOID, INT4OID, TEXTOID};
	char		nulls[3] = {' ', version < 0 ? 'n' : ' ', target ? ' ' : 'n'};
	MemoryContext callercxt = CurrentMemoryContext;
	StringInfoData targets;
	char	   *first = NULL;
	int64		id = 0;
	uint64		nfound;
	int			rc;
	List	   *specs;

	/* the list of targets outlives SPI's memory, for the error */
	initStringInfo(&targets);
	begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	args[0] = CStringGetTextDatum(model);
	args[1] = Int32GetDatum(version);
	args[2] = target ? CStringGetTextDatum(target) : (Datum) 0;
	rc = SPI_execute_with_args("SELECT model_id, target FROM dbt_contract.contract_model "
							   "WHERE model = $1 AND version IS NOT DISTINCT FROM $2 "
							   "  AND ($3::text IS NULL OR target = $3) "
							   "ORDER BY target COLLATE \"C\"",
							   3, types, args, nulls, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dbt_contract: looking up a model failed: %s",
			 SPI_result_code_string(rc));
	nfound = SPI_processed;
	if (nfound == 1)
	{
		bool		isnull;

		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	}
	else if (nfound > 1)
	{
		uint64		i;
		MemoryContext spicxt = MemoryContextSwitchTo(callercxt);

		first = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		for (i = 0; i < nfound; i++)
			appendStringInfo(&targets, "%s%s", i ? ", " : "",
							 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	end_as_owner(&oc);
	if (nfound > 1)
		ereport(ERROR,
				(errcode(ERRCODE_AMBIGUOUS_PARAMETER),
				 version >= 0 ?
				 errmsg("model \"%s\" version %d has contracts in %d targets",
						model, version, (int) nfound) :
				 errmsg("model \"%s\" has contracts in %d targets", model, (int) nfound),
				 errdetail("The targets are %s.", targets.data),
				 errhint("Name the target, as in dbt_contract_ddl(%s, %s, %s).",
						 quote_literal_cstr(model),
						 version >= 0 ? psprintf("%d", version) : "NULL",
						 quote_literal_cstr(first))));
	if (id == 0)
		return NULL;
	specs = load_specs(id, CurrentMemoryContext);
	return specs != NIL ? linitial(specs) : NULL;
}

/*
 * The contract governing schema.relname, or NULL.  *is_tmp says whether
 * the name is the model's __dbt_tmp relation.
 */
ContractSpec *
contract_cache_lookup(const char *schema, const char *relname, bool *is_tmp)
{
	RelKey		key;
	RelEntry   *e;

	free_retired();
	make_key(&key, schema, relname);

	/*
	 * An apply that commits while we read replaces the model under a new id
	 * and drops the map; read again until map and contract agree.  Giving
	 * up after a few tries would turn "contract changing" into "no
	 * contract" and let a breaking change through, so only an interrupt
	 * ends the loop early.
	 */
	for (;;)
	{
		ContractSpec *spec;

		CHECK_FOR_INTERRUPTS();
		if (rel_map == NULL)
			load_map();
		e = hash_search(rel_map, &key, HASH_FIND, NULL);
		if (e == NULL)
			return NULL;
		if (e->spec != NULL)
			break;
		spec = load_spec(e->model_id);
		/* an invalidation during the load dropped the map: look again */
		if (rel_map == NULL)
			continue;
		e = hash_search(rel_map, &key, HASH_FIND, NULL);
		if (e == NULL)
			return NULL;
		if (spec == NULL)
		{
			/* the model was replaced after the map was built: reload */
			invalidate_cache();
			continue;
		}
		e->spec = spec;
		break;
	}
	*is_tmp = e->is_tmp;
	return e->spec;
}

/*
 * Names of the contracted relations (and their __dbt_tmp names) in one
 * schema, for commands that move many relations at once (ALTER SCHEMA
 * ... RENAME).
 */
List *
contract_cache_schema_relations(const char *schema)
{
	HASH_SEQ_STATUS status;
	RelEntry   *e;
	RelKey		key;
	List	   *res = NIL;

	if (rel_map == NULL)
		load_map();
	make_key(&key, schema, "");
	hash_seq_init(&status, rel_map);
	while ((e = hash_seq_search(&status)) != NULL)
		if (strcmp(e->key.schema, key.schema) == 0)
			res = lappend(res, pstrdup(e->key.relname));
	return res;
}

/* Changes whenever cached contracts are dropped: an apply committed. */
uint64
contract_cache_generation(void)
{
	return inval_generation;
}
