/*-------------------------------------------------------------------------
 * contract_cache.c
 *	  Per-backend map from relation (schema, name) to the contract that
 *	  governs it, loaded on first use and dropped when contracts change.
 *
 * The map holds every contracted relation and the __dbt_tmp name dbt
 * builds it under, so DDL on any other relation costs one hash probe and
 * no query.  A model's full contract (columns and constraints) is read
 * (contract_read.c) the first time a relation of that model is checked,
 * under one snapshot, so it is one consistent version even while another
 * session re-applies.
 * Applies send a relcache invalidation for contract_model at commit; the
 * callback registered here drops the whole map (pg_cron does the same).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
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
	ContractModel *spec;			/* loaded on first check */
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
char *
contract_dbt_tmp_name(const char *relname)
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
	add_entry(map, schema, contract_dbt_tmp_name(relname), model_id, true);
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

static ContractModel *
load_spec(int64 model_id)
{
	return contract_read_model(model_id, cache_cxt);
}

static bool
keep_enforced(void *arg, const ContractModel *m)
{
	return m->enforced;
}

/* Every enforced contract, loaded afresh into the current memory context. */
List *
contract_load_enforced(void)
{
	ContractReader *r = contract_reader_begin(contract_statement_snapshot());
	List	   *res;

	if (r == NULL)
		return NIL;
	res = contract_reader_models(r, NULL, keep_enforced, NULL,
								 CONTRACT_READ_RESOLVE);
	contract_reader_end(r);
	return res;
}

typedef struct ModelKey
{
	const char *version;		/* NULL: unversioned */
	const char *target;			/* NULL: any */
} ModelKey;

static bool
keep_version(void *arg, const ContractModel *m)
{
	ModelKey   *key = arg;

	return dbtc_version_key_cmp(m->version, key->version) == 0 &&
		(key->target == NULL ||
		 (m->target != NULL && strcmp(m->target, key->target) == 0));
}

static int
target_cmp(const ListCell *a, const ListCell *b)
{
	const char *x = ((ContractModel *) lfirst(a))->target;
	const char *y = ((ContractModel *) lfirst(b))->target;

	return strcmp(x ? x : "", y ? y : "");
}

/*
 * One model's contract by name and version (NULL: unversioned) in a target,
 * or NULL.  Without a target (NULL), the model's only one; a model loaded
 * for several targets then is an error naming them.
 */
ContractModel *
contract_load_model(const char *model, const char *version, const char *target)
{
	ContractReader *r = contract_reader_begin(contract_statement_snapshot());
	ModelKey	key = {version, target};
	ContractModel *res = NULL;
	List	   *found;
	int			nfound;

	if (r == NULL)
		return NULL;
	found = contract_reader_models(r, model, keep_version, &key,
								   CONTRACT_READ_HEADER);
	nfound = list_length(found);
	if (nfound == 1)
		res = contract_reader_model(r, ((ContractModel *) linitial(found))->model_id,
									CONTRACT_READ_RESOLVE);
	contract_reader_end(r);
	if (nfound > 1)
	{
		StringInfoData targets;
		ListCell   *lc;

		list_sort(found, target_cmp);
		initStringInfo(&targets);
		foreach(lc, found)
			appendStringInfo(&targets, "%s%s", targets.len ? ", " : "",
							 ((ContractModel *) lfirst(lc))->target);
		ereport(ERROR,
				(errcode(ERRCODE_AMBIGUOUS_PARAMETER),
				 version != NULL ?
				 errmsg("model \"%s\" version %s has contracts in %d targets",
						model, version, nfound) :
				 errmsg("model \"%s\" has contracts in %d targets", model, nfound),
				 errdetail("The targets are %s.", targets.data),
				 errhint("Name the target, as in dbt_contract_ddl(%s, %s, %s).",
						 quote_literal_cstr(model),
						 version != NULL ? quote_literal_cstr(version) : "NULL",
						 quote_literal_cstr(((ContractModel *) linitial(found))->target))));
	}
	return res;
}

/* ------------------------------------------------------------------------
 * Contracts of relations, for the reports
 * ------------------------------------------------------------------------
 */
/* The relation a contract names, or InvalidOid when there is none. */
Oid
contract_model_relid(const ContractModel *m)
{
	Oid			nsp = get_namespace_oid(m->relation_schema, true);

	return OidIsValid(nsp) ? get_relname_relid(m->relation_name, nsp) : InvalidOid;
}

/* Contracts that say something about a live relation. */
bool
contract_model_verified(const ContractModel *m)
{
	/* an ephemeral model is never built */
	return m->enforced &&
		!(m->materialized && strcmp(m->materialized, "ephemeral") == 0);
}

/*
 * The contract a relation is governed by (as its own relation or as dbt's
 * __dbt_tmp of it), or an error saying there is none.  The result is a
 * private copy: the backend's cached one goes away when contracts change,
 * which any catalog access may notice.
 */
ContractModel *
contract_for_relation(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *schema;
	bool		is_tmp;
	ContractModel *cached;
	ContractModel *spec = NULL;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	schema = get_namespace_name(get_rel_namespace(relid));
	cached = contract_cache_lookup(schema, relname, &is_tmp);
	if (cached != NULL)
	{
		char	   *model = pstrdup(cached->name);
		char	   *target = pstrdup(cached->target);
		char	   *version = cached->version ? pstrdup(cached->version) : NULL;

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
 * The contract governing schema.relname, or NULL.  *is_tmp says whether
 * the name is the model's __dbt_tmp relation.
 */
ContractModel *
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
		ContractModel *spec;

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
