/*-------------------------------------------------------------------------
 * contract_manifest.c
 *	  Read contracts from a dbt manifest.json (or the compact object the
 *	  dbt package sends from on-run-start): model nodes, their columns,
 *	  constraints and attached test nodes.
 *
 * The manifest, being JSON, is read with the same YAML reader, and each
 * model node is rewritten into the shape of a schema.yml model entry so
 * that one parser validates both.  Relations are taken as dbt compiled
 * them (node schema and alias), never re-derived.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "dbt_contract.h"

/* ------------------------------------------------------------------------
 * Building YAML-shaped nodes
 * ------------------------------------------------------------------------
 */
static YNode *
synth_scalar(const char *value, const YNode *like)
{
	YNode	   *n = palloc0(sizeof(YNode));

	n->kind = YN_SCALAR;
	n->value = pstrdup(value);
	n->plain = false;			/* a string, whatever it looks like */
	n->line = like ? like->line : 1;
	n->col = like ? like->col : 1;
	return n;
}

static YNode *
synth_collection(YNodeKind kind, const YNode *like, int capacity)
{
	YNode	   *n = palloc0(sizeof(YNode));

	n->kind = kind;
	n->items = palloc0(sizeof(YNode *) * Max(1, capacity) * (kind == YN_MAPPING ? 2 : 1));
	n->line = like ? like->line : 1;
	n->col = like ? like->col : 1;
	return n;
}

static void
synth_put(YNode *map, const char *key, YNode *value)
{
	if (value == NULL)
		return;
	map->items[2 * map->nitems] = synth_scalar(key, value);
	map->items[2 * map->nitems + 1] = value;
	map->nitems++;
}

static void
synth_append(YNode *seq, YNode *item)
{
	seq->items[seq->nitems++] = item;
}

/* ------------------------------------------------------------------------
 * Tests attached to models
 * ------------------------------------------------------------------------
 */
typedef struct AttachedTest
{
	const char *model_id;		/* unique_id of the model */
	const char *column;			/* column_name, unquoted, or NULL */
	bool		quoted;			/* column_name was quoted */
	YNode	   *entry;			/* {test_name: {kwargs}} */
	int			seq;			/* position among the tests it is sorted with */
} AttachedTest;

/*
 * Tests are looked up by model and by column through sorted arrays, not
 * by scanning every test for every model or column: a manifest of 10,000
 * models has some 100,000 tests.
 */
static int
test_by_model(const void *a, const void *b)
{
	const AttachedTest *x = *(AttachedTest *const *) a;
	const AttachedTest *y = *(AttachedTest *const *) b;
	int			c = strcmp(x->model_id, y->model_id);

	return c != 0 ? c : x->seq - y->seq;
}

static int
test_by_column(const void *a, const void *b)
{
	const AttachedTest *x = *(AttachedTest *const *) a;
	const AttachedTest *y = *(AttachedTest *const *) b;
	int			c = strcmp(x->column, y->column);

	return c != 0 ? c : x->seq - y->seq;
}

/*
 * First index in tests[0..n) (sorted by cmp) whose key is not below
 * `key`'s, comparing only the key: key->seq is -1, below every position.
 */
static int
lower_bound(AttachedTest **tests, int n, AttachedTest *key,
			int (*cmp) (const void *, const void *))
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (cmp(&tests[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static char *
strip_quotes(const char *s)
{
	size_t		len = strlen(s);

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
		return pnstrdup(s + 1, len - 2);
	return pstrdup(s);
}

/*
 * Is `alias` the short name dbt gives a test whose full name is long, and
 * puts in its config itself: a prefix of the full name, "_" and an md5?
 */
static bool
dbt_short_test_name(const char *alias, const char *name)
{
	size_t		len = strlen(alias);
	size_t		prefix;

	if (name == NULL || len < 33 || alias[len - 33] != '_' ||
		strspn(alias + len - 32, "0123456789abcdef") != 32)
		return false;
	prefix = len - 33;
	return strncmp(alias, name, prefix) == 0;
}

/*
 * A test node's config as a data_tests entry would have written it: the
 * manifest holds every config key with dbt's default filled in, so keys
 * at their default (null, empty, severity ERROR, ...) are left out.
 */
static YNode *
test_config_entry(YDoc *doc, YNode *node)
{
	static const struct
	{
		const char *key;
		const char *dflt;		/* NULL: only null or empty is default */
	}			keys[] = {
		{"severity", "ERROR"}, {"tags", NULL}, {"enabled", "true"},
		{"where", NULL}, {"limit", NULL}, {"warn_if", "!= 0"},
		{"error_if", "!= 0"}, {"fail_calc", "count(*)"},
		{"store_failures", NULL}, {"store_failures_as", NULL},
		{"meta", NULL}, {"database", NULL}, {"schema", "dbt_test__audit"},
		{"alias", NULL}
	};
	YNode	   *config = dbtc_yaml_map_value(doc, node, "config");
	const char *name = dbtc_yaml_map_text(doc, node, "name");
	YNode	   *res;
	int			i;

	if (config == NULL || config->kind != YN_MAPPING)
		return NULL;
	res = synth_collection(YN_MAPPING, config, lengthof(keys));
	for (i = 0; i < lengthof(keys); i++)
	{
		YNode	   *v = dbtc_yaml_map_value(doc, config, keys[i].key);

		if (v == NULL || (v->kind != YN_SCALAR && v->nitems == 0))
			continue;
		if (v->kind == YN_SCALAR && keys[i].dflt != NULL &&
			pg_strcasecmp(v->value, keys[i].dflt) == 0)
			continue;
		if (strcmp(keys[i].key, "alias") == 0 && v->kind == YN_SCALAR &&
			dbt_short_test_name(v->value, name))
			continue;
		synth_put(res, keys[i].key, v);
	}
	return res->nitems > 0 ? res : NULL;
}

/* A test node as a data_tests entry: {name: {kwargs but model/column}}. */
static AttachedTest *
attached_test(YDoc *doc, YNode *node)
{
	YNode	   *meta = dbtc_yaml_map_value(doc, node, "test_metadata");
	YNode	   *kwargs = dbtc_yaml_map_value(doc, meta, "kwargs");
	const char *name = dbtc_yaml_map_text(doc, meta, "name");
	const char *ns = dbtc_yaml_map_text(doc, meta, "namespace");
	const char *attached = dbtc_yaml_map_text(doc, node, "attached_node");
	const char *column = dbtc_yaml_map_text(doc, node, "column_name");
	AttachedTest *t;
	YNode	   *args;
	YNode	   *entry;
	List	   *pairs = NIL;
	ListCell   *lc;

	if (name == NULL || attached == NULL)
		return NULL;			/* a singular (SQL) test: not a declaration */
	if (kwargs != NULL && kwargs->kind == YN_MAPPING)
		pairs = dbtc_yaml_map_pairs(doc, kwargs);
	args = synth_collection(YN_MAPPING, node, list_length(pairs) + 1);
	foreach(lc, pairs)
	{
		YPair	   *p = lfirst(lc);

		if (strcmp(p->key, "model") == 0 ||
			(column != NULL && strcmp(p->key, "column_name") == 0))
			continue;
		synth_put(args, p->key, p->value);
	}
	synth_put(args, "config", test_config_entry(doc, node));
	entry = synth_collection(YN_MAPPING, node, 1);
	synth_put(entry, ns ? psprintf("%s.%s", ns, name) : name, args);

	t = palloc0(sizeof(AttachedTest));
	t->model_id = attached;
	t->column = column ? strip_quotes(column) : NULL;
	t->quoted = column != NULL && strcmp(t->column, column) != 0;
	t->entry = entry;
	return t;
}

/* ------------------------------------------------------------------------
 * Model nodes
 * ------------------------------------------------------------------------
 */

/* Copy the keys a column entry of schema.yml has, plus its tests. */
static YNode *
column_entry(YDoc *doc, YNode *col, List *tests)
{
	static const char *const keys[] = {"name", "data_type", "description",
	"quote", "constraints"};
	YNode	   *entry = synth_collection(YN_MAPPING, col, lengthof(keys) + 1);
	int			i;

	for (i = 0; i < lengthof(keys); i++)
		synth_put(entry, keys[i], dbtc_yaml_map_value(doc, col, keys[i]));
	if (tests != NIL)
	{
		YNode	   *list = synth_collection(YN_SEQUENCE, col, list_length(tests));
		ListCell   *lc;

		foreach(lc, tests)
			synth_append(list, ((AttachedTest *) lfirst(lc))->entry);
		synth_put(entry, "data_tests", list);
	}
	return entry;
}

/*
 * A model node as a schema.yml model entry.  The relation dbt compiled is
 * kept by turning the node's alias into config.alias; a version becomes a
 * one-item versions list.
 */
static YNode *
model_entry(YDoc *doc, const char *uid, YNode *node, List *tests)
{
	YNode	   *entry = synth_collection(YN_MAPPING, node, 10);
	YNode	   *config = dbtc_yaml_map_value(doc, node, "config");
	YNode	   *cfg = synth_collection(YN_MAPPING, node, 7);
	YNode	   *columns = dbtc_yaml_map_value(doc, node, "columns");
	YNode	   *version = dbtc_yaml_map_value(doc, node, "version");
	const char *alias = dbtc_yaml_map_text(doc, node, "alias");
	List	   *model_tests = NIL;
	bool	   *on_column = NULL;
	bool		quote_columns = false;
	ListCell   *lc;

	synth_put(entry, "name", dbtc_yaml_map_value(doc, node, "name"));
	synth_put(entry, "description", dbtc_yaml_map_value(doc, node, "description"));
	synth_put(entry, "deprecation_date", dbtc_yaml_map_value(doc, node, "deprecation_date"));

	synth_put(cfg, "materialized", dbtc_yaml_map_value(doc, config, "materialized"));
	synth_put(cfg, "contract", dbtc_yaml_map_value(doc, config, "contract"));
	synth_put(cfg, "on_schema_change", dbtc_yaml_map_value(doc, config, "on_schema_change"));
	synth_put(cfg, "enabled", dbtc_yaml_map_value(doc, config, "enabled"));
	synth_put(cfg, "persist_docs", dbtc_yaml_map_value(doc, config, "persist_docs"));
	/* dbt 1.12 */
	synth_put(cfg, "latest_version_pointer", dbtc_yaml_map_value(doc, config, "latest_version_pointer"));
	if (alias != NULL)
		synth_put(cfg, "alias", synth_scalar(alias, node));
	synth_put(entry, "config", cfg);

	if (columns != NULL && columns->kind == YN_MAPPING)
	{
		List	   *pairs = dbtc_yaml_map_pairs(doc, columns);
		YNode	   *list = synth_collection(YN_SEQUENCE, columns, list_length(pairs));
		AttachedTest **bycol = palloc(sizeof(AttachedTest *) * Max(1, list_length(tests)));
		int			ncol = 0;
		int			seq = 0;

		/* number the model's tests in order; sort those on a column */
		foreach(lc, tests)
		{
			AttachedTest *t = lfirst(lc);

			t->seq = seq++;
			if (t->column != NULL)
				bycol[ncol++] = t;
		}
		qsort(bycol, ncol, sizeof(AttachedTest *), test_by_column);
		on_column = palloc0(sizeof(bool) * Max(1, seq));

		foreach(lc, pairs)
		{
			YPair	   *p = lfirst(lc);
			const char *colname = dbtc_yaml_map_text(doc, p->value, "name");
			List	   *coltests = NIL;

			CHECK_FOR_INTERRUPTS();
			if (p->value->kind != YN_MAPPING)
				continue;
			if (colname != NULL)
			{
				AttachedTest key = {0};
				int			i;

				key.column = colname;
				key.seq = -1;
				for (i = lower_bound(bycol, ncol, &key, test_by_column);
					 i < ncol && strcmp(bycol[i]->column, colname) == 0; i++)
				{
					coltests = lappend(coltests, bycol[i]);
					on_column[bycol[i]->seq] = true;

					/*
					 * A test column dbt quoted although the column has no
					 * quote: of its own can only come from the model's
					 * quote_columns: true, which the node does not keep.
					 */
					if (bycol[i]->quoted && dbtc_yaml_map_value(doc, p->value, "quote") == NULL)
						quote_columns = true;
				}
			}
			synth_append(list, column_entry(doc, p->value, coltests));
		}
		synth_put(entry, "columns", list);
		if (quote_columns)
		{
			YNode	   *yes = synth_scalar("true", columns);

			yes->plain = true;	/* the boolean, not the text */
			synth_put(entry, "quote_columns", yes);
		}
	}
	synth_put(entry, "constraints", dbtc_yaml_map_value(doc, node, "constraints"));

	/* tests on no declared column are model-level */
	foreach(lc, tests)
	{
		AttachedTest *t = lfirst(lc);

		if (on_column == NULL || !on_column[t->seq])
			model_tests = lappend(model_tests, t);
	}
	if (model_tests != NIL)
	{
		YNode	   *list = synth_collection(YN_SEQUENCE, node, list_length(model_tests));

		foreach(lc, model_tests)
			synth_append(list, ((AttachedTest *) lfirst(lc))->entry);
		synth_put(entry, "data_tests", list);
	}

	if (version != NULL)
	{
		YNode	   *versions = synth_collection(YN_SEQUENCE, version, 1);
		YNode	   *v = synth_collection(YN_MAPPING, version, 1);

		synth_put(v, "v", version);
		synth_append(versions, v);
		synth_put(entry, "versions", versions);
	}
	(void) uid;
	return entry;
}

/* The version dbt resolves an unversioned ref() to, or NULL. */
static char *
latest_version(YDoc *doc, YNode *node)
{
	bool		falsy;

	return dbtc_yaml_version_text(dbtc_yaml_map_value(doc, node, "latest_version"), &falsy);
}

/* A model by its relation, for resolving compiled `to:` names. */
typedef struct RelationEntry
{
	const char *relname;
	const char *schema;
	int			pos;			/* in the manifest's order */
	ContractModel *m;
} RelationEntry;

static int
relation_entry_cmp(const void *a, const void *b)
{
	const RelationEntry *x = a;
	const RelationEntry *y = b;
	int			c = strcmp(x->relname, y->relname);

	if (c == 0)
		c = strcmp(x->schema, y->schema);
	return c != 0 ? c : x->pos - y->pos;
}

/* By relation name only: the first model of each name. */
static int
relname_cmp(const void *a, const void *b)
{
	return strcmp(((const RelationEntry *) a)->relname,
				  ((const RelationEntry *) b)->relname);
}

/*
 * The first of the n sorted entries not before key (by cmp), or NULL: a
 * key with pos -1 comes before every entry of its relation.
 */
static RelationEntry *
lower_entry(RelationEntry *arr, int n, const RelationEntry *key,
			int (*cmp) (const void *, const void *))
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (cmp(&arr[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? &arr[lo] : NULL;
}

/*
 * A `to:` that dbt already compiled into a relation name ("db"."s"."t")
 * names the model whose relation it is, when this manifest has one; a
 * name without a schema, the first model (in manifest order) of that
 * relation name.
 */
static void
resolve_relation_targets(List *models)
{
	int			n = list_length(models);
	RelationEntry *byrel = palloc(sizeof(RelationEntry) * Max(1, n));
	RelationEntry *first = palloc(sizeof(RelationEntry) * Max(1, n));
	int			nfirst = 0;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, models)
	{
		ContractModel *m = lfirst(lc);

		byrel[i].relname = m->relation_name;
		byrel[i].schema = m->relation_schema;
		byrel[i].pos = i;
		byrel[i].m = m;
		i++;
	}
	qsort(byrel, n, sizeof(RelationEntry), relation_entry_cmp);
	/* per relation name, the model that comes first in the manifest */
	for (i = 0; i < n; i++)
	{
		if (nfirst > 0 && strcmp(first[nfirst - 1].relname, byrel[i].relname) == 0)
		{
			if (byrel[i].pos < first[nfirst - 1].pos)
				first[nfirst - 1] = byrel[i];
		}
		else
			first[nfirst++] = byrel[i];
	}

	foreach(lc, contract_fk_constraints(models))
	{
		ContractConstraint *k = lfirst(lc);
		ContractTargetCall call;
		RangeVar   *rv;
		RelationEntry key;
		RelationEntry *hit;

		CHECK_FOR_INTERRUPTS();
		/* a ref() or source() is no compiled relation */
		if (k->to_model != NULL || contract_target_call(k->to_text, &call))
			continue;
		rv = makeRangeVarFromNameList(DBTC_QUALIFIED_NAME_LIST(k->to_text));
		key.relname = rv->relname;
		key.schema = rv->schemaname ? rv->schemaname : "";
		key.pos = -1;
		if (rv->schemaname == NULL)
			hit = lower_entry(first, nfirst, &key, relname_cmp);
		else
			hit = lower_entry(byrel, n, &key, relation_entry_cmp);
		if (hit != NULL && strcmp(hit->relname, key.relname) == 0 &&
			(rv->schemaname == NULL || strcmp(hit->schema, key.schema) == 0))
		{
			k->to_model = hit->m->name;
			k->to_version = hit->m->version;
		}
	}
	pfree(byrel);
	pfree(first);
}

/*
 * Every model node of a manifest with its tests; models are appended to
 * `models` as a schema.yml apply would produce them.
 */
List *
contract_parse_manifest(YDoc *doc, List *models)
{
	YNode	   *nodes = dbtc_yaml_map_value(doc, doc->root, "nodes");
	YNode	   *disabled;
	List	   *pairs;
	List	   *tests = NIL;
	List	   *ours = NIL;
	AttachedTest **bymodel;
	int			ntests = 0;
	MemoryContext scratch;
	ListCell   *lc;

	if (doc->root == NULL || doc->root->kind != YN_MAPPING)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a dbt manifest must be a JSON object")));
	if (nodes == NULL || nodes->kind != YN_MAPPING)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the manifest has no \"nodes\" object"),
				 errhint("Pass dbt's target/manifest.json, or {\"nodes\": {...}} as the dbt_contract package sends it.")));

	pairs = dbtc_yaml_map_pairs(doc, nodes);
	foreach(lc, pairs)
	{
		YPair	   *p = lfirst(lc);
		const char *type = dbtc_yaml_map_text(doc, p->value, "resource_type");

		if (type != NULL && strcmp(type, "test") == 0)
		{
			AttachedTest *t = attached_test(doc, p->value);

			if (t != NULL)
			{
				t->seq = list_length(tests);
				tests = lappend(tests, t);
			}
		}
	}
	/*
	 * Disabled tests are not nodes: manifest.json lists them under
	 * "disabled" (unique_id -> its disabled versions).  Their config says
	 * enabled: false, so they are kept as disabled tests, as a schema.yml
	 * apply keeps them.
	 */
	disabled = dbtc_yaml_map_value(doc, doc->root, "disabled");
	if (disabled != NULL && disabled->kind == YN_MAPPING)
	{
		foreach(lc, dbtc_yaml_map_pairs(doc, disabled))
		{
			YPair	   *p = lfirst(lc);
			int			i;

			CHECK_FOR_INTERRUPTS();
			if (p->value->kind != YN_SEQUENCE)
				continue;
			for (i = 0; i < p->value->nitems; i++)
			{
				YNode	   *node = p->value->items[i];
				const char *type = dbtc_yaml_map_text(doc, node, "resource_type");
				AttachedTest *t;

				if (type == NULL || strcmp(type, "test") != 0 ||
					(t = attached_test(doc, node)) == NULL)
					continue;
				t->seq = list_length(tests);
				tests = lappend(tests, t);
			}
		}
	}
	bymodel = palloc(sizeof(AttachedTest *) * Max(1, list_length(tests)));
	foreach(lc, tests)
		bymodel[ntests++] = lfirst(lc);
	qsort(bymodel, ntests, sizeof(AttachedTest *), test_by_model);

	/* each model is parsed in scratch memory, and kept as a copy */
	scratch = AllocSetContextCreate(CurrentMemoryContext,
									"dbt_contract model parse",
									ALLOCSET_DEFAULT_SIZES);
	foreach(lc, pairs)
	{
		YPair	   *p = lfirst(lc);
		const char *type = dbtc_yaml_map_text(doc, p->value, "resource_type");
		const char *schema;
		ParseOptions opts;
		List	   *mine = NIL;
		AttachedTest key = {0};
		MemoryContext oldcxt;
		YNode	   *entry;
		int			nbefore = list_length(ours);
		int			i;
		ListCell   *lt;

		if (type == NULL || strcmp(type, "model") != 0)
			continue;
		schema = dbtc_yaml_map_text(doc, p->value, "schema");
		if (schema == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model node \"%s\" of the manifest has no schema",
							dbtc_clip(p->key))));
		CHECK_FOR_INTERRUPTS();
		key.model_id = p->key;
		key.seq = -1;
		for (i = lower_bound(bymodel, ntests, &key, test_by_model);
			 i < ntests && strcmp(bymodel[i]->model_id, p->key) == 0; i++)
			mine = lappend(mine, bymodel[i]);
		opts.target_schema = schema;
		opts.relation_targets = true;
		/* the synthesized entry is scratch too */
		oldcxt = MemoryContextSwitchTo(scratch);
		entry = model_entry(doc, p->key, p->value, mine);
		MemoryContextSwitchTo(oldcxt);
		ours = contract_parse_entry_copied(doc, entry, &opts, ours, scratch);
		for_each_from(lt, ours, nbefore)
		{
			ContractModel *m = lfirst(lt);

			/*
			 * A node is one version: the manifest's latest_version (dbt
			 * writes the resolved one) tells whether it is the latest.
			 */
			m->latest_version = latest_version(doc, p->value);
			m->is_latest = m->version != NULL && m->latest_version != NULL &&
				strcmp(m->version, m->latest_version) == 0;
			if (!m->is_latest)
				m->latest_pointer = NULL;
		}
	}
	MemoryContextDelete(scratch);
	resolve_relation_targets(ours);
	return list_concat(models, ours);
}

/*
 * The relations a compiled `to:` may name besides models: seeds and
 * snapshots (by their ref() name) and source tables (by their source()
 * names), from the manifest's nodes and sources; the hook's compact
 * manifest sends those its models depend on.
 */
List *
contract_manifest_fk_relations(YDoc *doc, List *rels)
{
	static const char *const sections[] = {"nodes", "sources"};
	int			i;

	if (doc->root == NULL || doc->root->kind != YN_MAPPING)
		return rels;
	for (i = 0; i < lengthof(sections); i++)
	{
		YNode	   *nodes = dbtc_yaml_map_value(doc, doc->root, sections[i]);
		List	   *pairs;
		ListCell   *lc;

		if (nodes == NULL || nodes->kind != YN_MAPPING)
			continue;
		pairs = dbtc_yaml_map_pairs(doc, nodes);
		foreach(lc, pairs)
		{
			YNode	   *node = ((YPair *) lfirst(lc))->value;
			const char *type = dbtc_yaml_map_text(doc, node, "resource_type");
			const char *schema = dbtc_yaml_map_text(doc, node, "schema");
			const char *name = dbtc_yaml_map_text(doc, node, "name");

			CHECK_FOR_INTERRUPTS();
			if (type == NULL || schema == NULL || name == NULL)
				continue;
			if (strcmp(type, "seed") == 0 || strcmp(type, "snapshot") == 0)
			{
				const char *alias = dbtc_yaml_map_text(doc, node, "alias");

				rels = lappend(rels, contract_fk_relation(schema, alias ? alias : name,
														  name, NULL, NULL));
			}
			else if (strcmp(type, "source") == 0)
			{
				const char *ident = dbtc_yaml_map_text(doc, node, "identifier");
				const char *source_name = dbtc_yaml_map_text(doc, node, "source_name");

				if (source_name != NULL)
					rels = lappend(rels, contract_fk_relation(schema, ident ? ident : name,
															  NULL, source_name, name));
			}
		}
	}
	return rels;
}
