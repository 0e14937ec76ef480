/*-------------------------------------------------------------------------
 * contract_fk_target.c
 *	  One stored form of a foreign key's target, whichever way a contract
 *	  arrives: schema.yml, a compiled manifest.json, or the compact manifest
 *	  the dbt package's on-run-start hook sends.
 *
 * schema.yml and the hook carry `to:` as dbt parsed it (ref('m'),
 * source('s', 't')); a compiled manifest carries the relation dbt compiled
 * it into ("db"."s"."m_v2").  Stored as they come, the same contract would
 * differ by the path it took, and switching paths would be a breaking
 * change.  So every path ends in the form dbt's compilation gives:
 *
 *	- a ref() names a model and the version it resolves to: without v=,
 *	  a versioned model of the same apply resolves to its latest_version
 *	  (without one, its highest version), as dbt resolves it;
 *	- a source() is the relation of the source table (its schema and
 *	  identifier, by default the source and table names), written
 *	  schema.table and quoted where needed;
 *	- a ref() of a seed or snapshot (they have no contracts) is, like a
 *	  source(), the relation it compiles to;
 *	- a compiled relation of a model is that model (contract_manifest.c
 *	  resolves it), any other is the relation without its database.
 *
 * The text of a ref() is then rewritten from what it resolved to
 * (ref('m', v=2)), so that the stored rows are the same too.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "dbt_contract.h"

/* ------------------------------------------------------------------------
 * Relations a compiled `to:` may name
 * ------------------------------------------------------------------------
 */

/*
 * A relation of a seed, a snapshot or a source table, from a manifest's
 * nodes and sources, or from the sources of a schema.yml.
 */
struct FkRelation
{
	char	   *schema;			/* NULL: not known (Jinja in schema.yml) */
	char	   *relname;
	char	   *ref_name;		/* a seed's or snapshot's ref() name */
	char	   *source_name;	/* a source table's source() names */
	char	   *table_name;
};

FkRelation *
contract_fk_relation(const char *schema, const char *relname,
					 const char *ref_name, const char *source_name,
					 const char *table_name)
{
	FkRelation *r = palloc0(sizeof(FkRelation));

	r->schema = schema ? pstrdup(schema) : NULL;
	r->relname = pstrdup(relname);
	r->ref_name = ref_name ? pstrdup(ref_name) : NULL;
	r->source_name = source_name ? pstrdup(source_name) : NULL;
	r->table_name = table_name ? pstrdup(table_name) : NULL;
	return r;
}

/* Text written with Jinja, which only dbt can render. */
static bool
has_jinja(const char *s)
{
	return s != NULL && strstr(s, "{{") != NULL;
}

/*
 * The seeds a schema.yml declares (`seeds:`), each built by default as
 * <target>.<alias or name>, or <target>_<schema> with a custom schema (as
 * dbt's generate_schema_name does for models).
 */
static List *
yaml_seed_relations(YDoc *doc, const char *target_schema, List *rels)
{
	YNode	   *seeds = dbtc_yaml_map_get(doc, doc->root, "seeds");
	int			i;

	if (seeds == NULL || seeds->kind != YN_SEQUENCE || target_schema == NULL)
		return rels;
	for (i = 0; i < seeds->nitems; i++)
	{
		const char *name = dbtc_yaml_map_text(doc, seeds->items[i], "name");
		YNode	   *config = seeds->items[i]->kind == YN_MAPPING ?
			dbtc_yaml_map_get(doc, seeds->items[i], "config") : NULL;
		const char *alias = dbtc_yaml_map_text(doc, config, "alias");
		const char *custom = dbtc_yaml_map_text(doc, config, "schema");
		char	   *schema;

		CHECK_FOR_INTERRUPTS();
		if (name == NULL)
			continue;
		schema = custom != NULL ? psprintf("%s_%s", target_schema, custom) :
			pstrdup(target_schema);
		rels = lappend(rels,
					   contract_fk_relation(has_jinja(schema) || has_jinja(alias) ? NULL : schema,
											alias ? alias : name, name, NULL, NULL));
	}
	return rels;
}

/*
 * The source tables (`sources:` with `tables:`) and seeds a schema.yml
 * declares.  dbt's defaults for a source: the schema is the source's name,
 * the identifier the table's.  What is written with Jinja is not known
 * here.
 */
List *
contract_fk_relations_yaml(YDoc *doc, const char *target_schema, List *rels)
{
	YNode	   *sources;
	int			i;

	if (doc->root == NULL || doc->root->kind != YN_MAPPING)
		return rels;
	rels = yaml_seed_relations(doc, target_schema, rels);
	sources = dbtc_yaml_map_get(doc, doc->root, "sources");
	if (sources == NULL || sources->kind != YN_SEQUENCE)
		return rels;
	for (i = 0; i < sources->nitems; i++)
	{
		YNode	   *src = sources->items[i];
		const char *name = dbtc_yaml_map_text(doc, src, "name");
		const char *schema = dbtc_yaml_map_text(doc, src, "schema");
		YNode	   *tables;
		int			j;

		CHECK_FOR_INTERRUPTS();
		if (name == NULL)
			continue;
		if (schema == NULL)
			schema = name;
		tables = dbtc_yaml_map_get(doc, src, "tables");
		if (tables == NULL || tables->kind != YN_SEQUENCE)
			continue;
		for (j = 0; j < tables->nitems; j++)
		{
			const char *table = dbtc_yaml_map_text(doc, tables->items[j], "name");
			const char *ident = dbtc_yaml_map_text(doc, tables->items[j], "identifier");

			if (table == NULL)
				continue;
			if (ident == NULL)
				ident = table;
			rels = lappend(rels,
						   contract_fk_relation(has_jinja(schema) || has_jinja(ident) ?
												NULL : schema,
												ident, NULL, name, table));
		}
	}
	return rels;
}

/* ------------------------------------------------------------------------
 * The canonical pass
 * ------------------------------------------------------------------------
 */

/* A versioned model's name and the version an unversioned ref() gets. */
typedef struct LatestEntry
{
	const char *name;
	char	   *latest;
} LatestEntry;

static int
latest_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const LatestEntry *) a)->name, ((const LatestEntry *) b)->name);
}

/*
 * Per versioned model of the apply, the version dbt resolves ref('m') to:
 * the one the loaders marked latest (latest_version when set, else dbt's
 * max() of the versions).
 */
static LatestEntry *
latest_versions(List *models, int *count)
{
	LatestEntry *entries = palloc(sizeof(LatestEntry) * Max(1, list_length(models)));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, models)
	{
		ContractModel *m = lfirst(lc);

		if (m->version == NULL || !m->is_latest)
			continue;
		entries[n].name = m->name;
		entries[n].latest = m->version;
		n++;
	}
	qsort(entries, n, sizeof(LatestEntry), latest_entry_cmp);
	*count = n;
	return entries;
}

static int
cstring_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The model names of the apply, sorted, for bsearch. */
static const char **
model_names(List *models)
{
	const char **names = palloc(sizeof(char *) * Max(1, list_length(models)));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, models)
		names[n++] = ((ContractModel *) lfirst(lc))->name;
	qsort(names, n, sizeof(char *), cstring_cmp);
	return names;
}

/* The relation (schema and name) a compiled `to:` names, or false. */
static bool
split_relation(const char *text, char **schema, char **relname)
{
	List	   *names;
	RangeVar   *rv;

	/* a compiled relation is "db"."schema"."name"; anything else is not one */
	if (strchr(text, '(') != NULL)
		return false;
	names = DBTC_QUALIFIED_NAME_LIST(text);
	if (list_length(names) < 2)
		return false;
	rv = makeRangeVarFromNameList(names);
	*schema = rv->schemaname;
	*relname = rv->relname;
	return true;
}

/* Orders of FkRelations: by source() names, and by ref() name. */
static int
by_source_cmp(const void *a, const void *b)
{
	const FkRelation *x = *(FkRelation *const *) a;
	const FkRelation *y = *(FkRelation *const *) b;
	int			c = strcmp(x->source_name ? x->source_name : "",
						   y->source_name ? y->source_name : "");

	return c != 0 ? c : strcmp(x->table_name ? x->table_name : "",
							   y->table_name ? y->table_name : "");
}

static int
by_ref_cmp(const void *a, const void *b)
{
	const FkRelation *x = *(FkRelation *const *) a;
	const FkRelation *y = *(FkRelation *const *) b;

	return strcmp(x->ref_name ? x->ref_name : "", y->ref_name ? y->ref_name : "");
}

/* rels as an array sorted by cmp, for bsearch */
static FkRelation **
sorted_relations(List *rels, int (*cmp) (const void *, const void *))
{
	FkRelation **arr = palloc(sizeof(FkRelation *) * Max(1, list_length(rels)));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, rels)
		arr[n++] = lfirst(lc);
	qsort(arr, n, sizeof(FkRelation *), cmp);
	return arr;
}

static FkRelation *
find_relation(FkRelation **arr, int n, FkRelation *key,
			  int (*cmp) (const void *, const void *))
{
	FkRelation **hit = bsearch(&key, arr, n, sizeof(FkRelation *), cmp);

	return hit ? *hit : NULL;
}

/*
 * The foreign keys with a `to:` of every model in `models`, in order: what
 * the canonical form and a manifest's compiled targets are about.
 */
List *
contract_fk_constraints(List *models)
{
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, models)
	{
		ContractModel *m = lfirst(lc);
		ListCell   *lk;

		foreach(lk, m->constraints)
		{
			ContractConstraint *k = lfirst(lk);

			if (k->type == CC_FOREIGN_KEY && k->to_text != NULL)
				res = lappend(res, k);
		}
	}
	return res;
}

/* A resolved ref() as text: ref('pkg', 'm', v=2). */
static char *
ref_text(const ContractConstraint *k)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "ref(");
	if (k->to_package != NULL)
		appendStringInfo(&s, "%s, ", quote_literal_cstr(k->to_package));
	appendStringInfoString(&s, quote_literal_cstr(k->to_model));
	if (k->to_version != NULL)
		appendStringInfo(&s, ", v=%s", dbtc_version_ref_arg(k->to_version));
	appendStringInfoChar(&s, ')');
	return s.data;
}

/*
 * Bring every foreign key of `models` (one apply) to the canonical form
 * described at the top of this file.  `rels` are the seeds, snapshots and
 * source tables the apply's inputs declare.
 */
void
contract_fk_canonical(List *models, List *rels)
{
	int			nlatest;
	LatestEntry *latest = latest_versions(models, &nlatest);
	int			nrels = list_length(rels);
	FkRelation **bysource = sorted_relations(rels, by_source_cmp);
	FkRelation **byref = sorted_relations(rels, by_ref_cmp);
	int			nmodels = list_length(models);
	const char **names = model_names(models);
	ListCell   *lc;

	foreach(lc, contract_fk_constraints(models))
	{
		ContractConstraint *k = lfirst(lc);
		char	   *s;
		char	   *t;
		ContractTargetCall call;
		FkRelation key = {0};
		FkRelation *r;

		CHECK_FOR_INTERRUPTS();
		if (k->to_model == NULL && contract_target_call(k->to_text, &call) &&
			!call.is_ref)
		{
			s = call.source_name;
			t = call.table_name;
			key.source_name = s;
			key.table_name = t;
			r = find_relation(bysource, nrels, &key, by_source_cmp);
			if (r == NULL)
				k->to_text = quote_qualified_identifier(s, t);
			else if (r->schema != NULL)
				k->to_text = quote_qualified_identifier(r->schema, r->relname);
			else
				k->to_text = psprintf("source(%s, %s)", quote_literal_cstr(s),
									  quote_literal_cstr(t));
		}
		else if (k->to_model == NULL && split_relation(k->to_text, &s, &t))
		{
			k->to_text = quote_qualified_identifier(s, t);
		}
		else if (k->to_model != NULL &&
				 bsearch(&k->to_model, names, nmodels, sizeof(char *), cstring_cmp) == NULL)
		{
			/* not a model: a seed's or snapshot's relation, when known */
			key.ref_name = k->to_model;
			r = find_relation(byref, nrels, &key, by_ref_cmp);
			if (r != NULL && r->schema != NULL)
			{
				k->to_model = NULL;
				k->to_package = NULL;
				k->to_version = NULL;
				k->to_text = quote_qualified_identifier(r->schema, r->relname);
			}
		}
		if (k->to_model != NULL && k->to_version == NULL)
		{
			LatestEntry key = {k->to_model, NULL};
			LatestEntry *hit = bsearch(&key, latest, nlatest, sizeof(LatestEntry),
									   latest_entry_cmp);

			if (hit != NULL)
				k->to_version = hit->latest;
		}
		if (k->to_model != NULL)
			k->to_text = ref_text(k);
	}
	pfree(latest);
	pfree(bysource);
	pfree(byref);
	pfree(names);
}
