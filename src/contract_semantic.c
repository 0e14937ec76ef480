/*-------------------------------------------------------------------------
 * contract_semantic.c
 *	  Keys and relationships that dbt's semantic layer and BI tools declare
 *	  in schema.yml, besides constraints and tests:
 *
 *	- semantic models (`semantic_models:`), whose entities of type primary,
 *	  unique, natural or foreign name a column (`expr`, by default the
 *	  entity's name) of the model `model: ref('m')` names;
 *	- dbt 1.12's semantic YAML: a model with `semantic_model:` enabled
 *	  whose columns carry `entity: <type>` or `entity: {type, name}`, and
 *	  `derived_semantics: {entities: [...]}`;
 *	- `meta.primary_key` (Lightdash, one column or a list) and Lightdash's
 *	  `meta.joins` (`join`, `sql_on`, `relationship`), under `meta:` or
 *	  `config: {meta:}` of a model.
 *
 * They are read into SemanticKeys of the models they belong to, stored in
 * dbt_contract.contract_semantic and merged by the views keys and
 * relationships.  None of them is a contract: they are never enforced, and
 * a change to one is no breaking change.  An entity whose expr is a SQL
 * expression rather than a column, and a join whose sql_on is not a
 * conjunction of ${a.x} = ${b.y}, say nothing about columns and are left
 * out.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "dbt_contract.h"

/* A key waiting for the models of the apply: of model `model`. */
typedef struct PendingKey
{
	char	   *model;
	char	   *version;		/* NULL: every version (meta) */
	bool		latest_only;	/* a semantic model: ref('m') is one version */
	SemanticKey *key;
} PendingKey;

static YNode *
node_of(YDoc *doc, const YNode *map, const char *key, YNodeKind kind)
{
	YNode	   *v;

	if (map == NULL || map->kind != YN_MAPPING)
		return NULL;
	v = dbtc_yaml_map_get(doc, map, key);
	return v != NULL && v->kind == kind ? v : NULL;
}

/*
 * The column an entity's expr names: a plain or double-quoted identifier,
 * as written in YAML; NULL for a SQL expression.
 */
static char *
expr_column(const char *expr)
{
	const char *p = expr;
	size_t		len;
	size_t		i;

	while (*p == ' ')
		p++;
	len = strlen(p);
	while (len > 0 && p[len - 1] == ' ')
		len--;
	if (len >= 2 && p[0] == '"' && p[len - 1] == '"' &&
		memchr(p + 1, '"', len - 2) == NULL)
		return pnstrdup(p, len);
	if (len == 0 || !(isalpha((unsigned char) p[0]) || p[0] == '_'))
		return NULL;
	for (i = 0; i < len; i++)
		if (!(isalnum((unsigned char) p[i]) || p[i] == '_' || p[i] == '$'))
			return NULL;
	return pnstrdup(p, len);
}

static SemanticKey *
new_key(const char *derived_from, const char *key_type, const char *name)
{
	SemanticKey *k = palloc0(sizeof(SemanticKey));

	k->derived_from = pstrdup(derived_from);
	k->key_type = pstrdup(key_type);
	k->name = name ? pstrdup(name) : NULL;
	return k;
}

static List *
pend(List *pending, const char *model, char *version, bool latest_only, SemanticKey *k)
{
	PendingKey *p = palloc(sizeof(PendingKey));

	p->model = pstrdup(model);
	p->version = version;
	p->latest_only = latest_only;
	p->key = k;
	return lappend(pending, p);
}

static bool
entity_type_known(const char *type)
{
	return type != NULL && (strcmp(type, "primary") == 0 || strcmp(type, "unique") == 0 ||
							strcmp(type, "natural") == 0 || strcmp(type, "foreign") == 0);
}

/* An entity of a semantic model, when it names a column. */
static List *
pend_entity(List *pending, const char *model, char *version, const char *derived_from,
			const char *semantic_model, const char *name, const char *type,
			const char *column)
{
	SemanticKey *k;
	char	   *col;

	if (!entity_type_known(type) || name == NULL || column == NULL ||
		(col = expr_column(column)) == NULL)
		return pending;
	k = new_key(derived_from, type, name);
	k->semantic_model = pstrdup(semantic_model);
	k->columns = list_make1(col);
	return pend(pending, model, version, true, k);
}

/*
 * One semantic model: a schema.yml entry of `semantic_models:`, or a node
 * of a manifest's semantic_models (dbt 1.12's column entities among them,
 * with expr set where it differs from the entity's name).
 */
static List *
read_semantic_model(YDoc *doc, YNode *sm, List *pending)
{
	const char *name = dbtc_yaml_map_text(doc, sm, "name");
	const char *model = dbtc_yaml_map_text(doc, sm, "model");
	YNode	   *config = node_of(doc, sm, "config", YN_MAPPING);
	YNode	   *enabled = config ? dbtc_yaml_map_get(doc, config, "enabled") : NULL;
	YNode	   *entities = node_of(doc, sm, "entities", YN_SEQUENCE);
	ContractTargetCall call;
	bool		on;
	int			j;

	if (name == NULL || model == NULL || entities == NULL ||
		!contract_target_call(model, &call) || !call.is_ref)
		return pending;
	if (enabled != NULL && dbtc_yaml_scalar_bool(enabled, &on) && !on)
		return pending;
	for (j = 0; j < entities->nitems; j++)
	{
		YNode	   *e = entities->items[j];
		const char *ename = dbtc_yaml_map_text(doc, e, "name");
		const char *expr = dbtc_yaml_map_text(doc, e, "expr");

		CHECK_FOR_INTERRUPTS();
		pending = pend_entity(pending, call.model, call.version, "semantic_models",
							  name, ename, dbtc_yaml_map_text(doc, e, "type"),
							  expr ? expr : ename);
	}
	return pending;
}

/* dbt 1.12: entities on the columns of a model with semantic_model: */
static List *
read_model_entities(YDoc *doc, YNode *m, const char *model, List *pending)
{
	YNode	   *sm = dbtc_yaml_map_get(doc, m, "semantic_model");
	const char *sm_name = model;
	YNode	   *columns = node_of(doc, m, "columns", YN_SEQUENCE);
	YNode	   *derived = node_of(doc, m, "derived_semantics", YN_MAPPING);
	YNode	   *dents = node_of(doc, derived, "entities", YN_SEQUENCE);
	bool		on;
	int			i;

	if (sm == NULL)
		return pending;
	if (sm->kind == YN_SCALAR)
	{
		if (!dbtc_yaml_scalar_bool(sm, &on) || !on)
			return pending;
	}
	else if (sm->kind == YN_MAPPING)
	{
		YNode	   *enabled = dbtc_yaml_map_get(doc, sm, "enabled");

		if (enabled != NULL && dbtc_yaml_scalar_bool(enabled, &on) && !on)
			return pending;
		if (dbtc_yaml_map_text(doc, sm, "name") != NULL)
			sm_name = dbtc_yaml_map_text(doc, sm, "name");
	}
	else
		return pending;

	for (i = 0; columns != NULL && i < columns->nitems; i++)
	{
		YNode	   *col = columns->items[i];
		const char *cname = dbtc_yaml_map_text(doc, col, "name");
		YNode	   *ent = col->kind == YN_MAPPING ? dbtc_yaml_map_get(doc, col, "entity") : NULL;

		CHECK_FOR_INTERRUPTS();
		if (cname == NULL || ent == NULL)
			continue;
		if (ent->kind == YN_SCALAR)
			pending = pend_entity(pending, model, NULL, "columns", sm_name,
								  cname, ent->value, cname);
		else if (ent->kind == YN_MAPPING)
		{
			const char *ename = dbtc_yaml_map_text(doc, ent, "name");

			pending = pend_entity(pending, model, NULL, "columns", sm_name,
								  ename ? ename : cname, dbtc_yaml_map_text(doc, ent, "type"), cname);
		}
	}
	for (i = 0; dents != NULL && i < dents->nitems; i++)
	{
		YNode	   *e = dents->items[i];

		pending = pend_entity(pending, model, NULL, "derived_semantics", sm_name,
							  dbtc_yaml_map_text(doc, e, "name"), dbtc_yaml_map_text(doc, e, "type"),
							  dbtc_yaml_map_text(doc, e, "expr"));
	}
	return pending;
}

/* A list of columns: one scalar, or a list of scalars. */
static List *
column_list(YDoc *doc, YNode *n)
{
	List	   *cols = NIL;
	int			i;

	if (n == NULL)
		return NIL;
	if (n->kind == YN_SCALAR && dbtc_yaml_scalar_type(n) != YS_NULL)
		return list_make1(pstrdup(n->value));
	if (n->kind != YN_SEQUENCE)
		return NIL;
	for (i = 0; i < n->nitems; i++)
	{
		if (n->items[i]->kind != YN_SCALAR || dbtc_yaml_scalar_type(n->items[i]) == YS_NULL)
			return NIL;
		cols = lappend(cols, pstrdup(n->items[i]->value));
	}
	return cols;
}

/* One ${table.column} reference; advances *pp past it. */
static bool
field_ref(const char **pp, char **table, char **column)
{
	const char *p = *pp;
	const char *dot;
	const char *end;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (strncmp(p, "${", 2) != 0)
		return false;
	p += 2;
	end = strchr(p, '}');
	dot = end ? memchr(p, '.', end - p) : NULL;
	if (dot == NULL || dot == p || dot + 1 == end)
		return false;
	*table = pnstrdup(p, dot - p);
	*column = pnstrdup(dot + 1, end - dot - 1);
	*pp = end + 1;
	return true;
}

/*
 * A Lightdash sql_on that is a conjunction of ${a.x} = ${b.y} between
 * this model (self) and the joined one (other), as column pairs; false
 * for anything else.
 */
static bool
join_pairs(const char *sql_on, const char *self, const char *other,
		   List **mine, List **theirs)
{
	const char *p = sql_on;

	*mine = *theirs = NIL;
	for (;;)
	{
		char	   *t1,
				   *c1,
				   *t2,
				   *c2;

		if (!field_ref(&p, &t1, &c1))
			return false;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p++ != '=')
			return false;
		if (!field_ref(&p, &t2, &c2))
			return false;
		if (strcmp(t1, self) == 0 && strcmp(t2, other) == 0)
		{
			*mine = lappend(*mine, c1);
			*theirs = lappend(*theirs, c2);
		}
		else if (strcmp(t1, other) == 0 && strcmp(t2, self) == 0)
		{
			*mine = lappend(*mine, c2);
			*theirs = lappend(*theirs, c1);
		}
		else
			return false;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			return true;
		if (pg_strncasecmp(p, "and", 3) != 0 ||
			!(p[3] == ' ' || p[3] == '\t' || p[3] == '\n'))
			return false;
		p += 3;
	}
}

/* meta.primary_key and meta.joins of one model's meta mapping */
static List *
read_meta(YDoc *doc, YNode *meta, const char *model, List *pending)
{
	List	   *pk;
	YNode	   *joins = node_of(doc, meta, "joins", YN_SEQUENCE);
	int			i;

	if (meta == NULL)
		return pending;
	pk = column_list(doc, dbtc_yaml_map_get(doc, meta, "primary_key"));
	if (pk != NIL)
	{
		SemanticKey *k = new_key("meta.primary_key", "primary", NULL);

		k->columns = pk;
		pending = pend(pending, model, NULL, false, k);
	}
	for (i = 0; joins != NULL && i < joins->nitems; i++)
	{
		YNode	   *j = joins->items[i];
		const char *to = dbtc_yaml_map_text(doc, j, "join");
		const char *alias = dbtc_yaml_map_text(doc, j, "alias");
		const char *sql_on = dbtc_yaml_map_text(doc, j, "sql_on");
		const char *rel = dbtc_yaml_map_text(doc, j, "relationship");
		SemanticKey *k;
		List	   *mine;
		List	   *theirs;

		CHECK_FOR_INTERRUPTS();
		if (to == NULL || sql_on == NULL ||
			!join_pairs(sql_on, model, alias ? alias : to, &mine, &theirs))
			continue;
		/* Lightdash's relationship, read as the direction of a key */
		if (rel == NULL || strcmp(rel, "many-to-one") == 0)
			rel = "many_to_one";
		else if (strcmp(rel, "one-to-one") == 0)
			rel = "one_to_one";
		else if (strcmp(rel, "one-to-many") == 0)
			rel = "one_to_many";
		else
			continue;			/* many-to-many: no key on either side */
		k = new_key("meta.joins", "join", NULL);
		k->columns = mine;
		k->to_model = pstrdup(to);
		k->to_columns = theirs;
		k->relationship = pstrdup(rel);
		pending = pend(pending, model, NULL, false, k);
	}
	return pending;
}

/*
 * The semantic keys one schema.yml declares, appended to `pending` (in
 * the caller's memory: the YAML tree goes before the models are matched).
 */
List *
contract_semantic_read_yaml(YDoc *doc, List *pending)
{
	YNode	   *list;
	YNode	   *models;
	int			i;

	if (doc->root == NULL || doc->root->kind != YN_MAPPING)
		return pending;
	list = node_of(doc, doc->root, "semantic_models", YN_SEQUENCE);
	for (i = 0; list != NULL && i < list->nitems; i++)
		pending = read_semantic_model(doc, list->items[i], pending);
	models = node_of(doc, doc->root, "models", YN_SEQUENCE);
	for (i = 0; models != NULL && i < models->nitems; i++)
	{
		YNode	   *m = models->items[i];
		const char *name = dbtc_yaml_map_text(doc, m, "name");
		YNode	   *config = node_of(doc, m, "config", YN_MAPPING);

		CHECK_FOR_INTERRUPTS();
		if (name == NULL)
			continue;
		pending = read_model_entities(doc, m, name, pending);
		pending = read_meta(doc, node_of(doc, m, "meta", YN_MAPPING), name, pending);
		pending = read_meta(doc, node_of(doc, config, "meta", YN_MAPPING), name, pending);
	}
	return pending;
}

/*
 * The semantic keys of a manifest, or of the compact manifest the hook
 * sends: its semantic models, and the meta of each model node (dbt merges
 * a model's meta into config.meta; a version's node has its own).
 */
List *
contract_semantic_read_manifest(YDoc *doc, List *pending)
{
	YNode	   *sms;
	YNode	   *nodes;
	ListCell   *lc;

	if (doc->root == NULL || doc->root->kind != YN_MAPPING)
		return pending;
	sms = node_of(doc, doc->root, "semantic_models", YN_MAPPING);
	if (sms != NULL)
		foreach(lc, dbtc_yaml_map_pairs(doc, sms))
			pending = read_semantic_model(doc, ((YPair *) lfirst(lc))->value, pending);
	nodes = node_of(doc, doc->root, "nodes", YN_MAPPING);
	if (nodes == NULL)
		return pending;
	foreach(lc, dbtc_yaml_map_pairs(doc, nodes))
	{
		YNode	   *node = ((YPair *) lfirst(lc))->value;
		const char *type = dbtc_yaml_map_text(doc, node, "resource_type");
		const char *name = dbtc_yaml_map_text(doc, node, "name");
		bool		falsy;
		char	   *version = dbtc_yaml_version_text(node_of(doc, node, "version", YN_SCALAR), &falsy);
		YNode	   *config = node_of(doc, node, "config", YN_MAPPING);
		YNode	   *meta = node_of(doc, config, "meta", YN_MAPPING);
		List	   *mine = NIL;
		ListCell   *lk;

		CHECK_FOR_INTERRUPTS();
		if (type == NULL || strcmp(type, "model") != 0 || name == NULL)
			continue;
		if (meta == NULL)
			meta = node_of(doc, node, "meta", YN_MAPPING);
		mine = read_meta(doc, meta, name, NIL);
		/* the keys of this node are its version's */
		foreach(lk, mine)
		{
			PendingKey *p = lfirst(lk);

			p->version = version;
		}
		pending = list_concat(pending, mine);
	}
	return pending;
}

/*
 * Hand each pending key to the models of the apply it belongs to: meta to
 * every version of its model, an entity to the version its semantic
 * model's ref() resolves to (the one the loaders marked latest).  Keys of
 * models the apply does not have are dropped.
 */
void
contract_semantic_attach(List *models, List *pending)
{
	ListCell   *lp;

	foreach(lp, pending)
	{
		PendingKey *p = lfirst(lp);
		const char *want = p->version;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (p->latest_only && want == NULL)
		{
			/* ref('m') without v=: the latest version, when versioned */
			foreach(lc, models)
			{
				ContractModel *m = lfirst(lc);

				if (strcmp(m->name, p->model) == 0 && m->version != NULL && m->is_latest)
					want = m->version;
			}
		}
		foreach(lc, models)
		{
			ContractModel *m = lfirst(lc);

			if (strcmp(m->name, p->model) != 0 ||
				(want != NULL && (m->version == NULL || strcmp(m->version, want) != 0)))
				continue;
			m->semantic_keys = lappend(m->semantic_keys, p->key);
		}
	}
}

static void
canon_list_into(StringInfo s, List *l)
{
	ListCell   *lc;

	appendStringInfoChar(s, '[');
	foreach(lc, l)
		appendStringInfo(s, "%zu:%s,", strlen(lfirst(lc)), (char *) lfirst(lc));
	appendStringInfoChar(s, ']');
}

/*
 * Mix a model's semantic keys into its fingerprint, so that a change to
 * them alone is stored (as a change of details, never a breaking one).
 */
void
contract_semantic_fingerprint(ContractModel *m)
{
	StringInfoData s;
	ListCell   *lc;

	if (m->semantic_keys == NIL)
		return;
	initStringInfo(&s);
	appendStringInfoString(&s, m->fingerprint);
	foreach(lc, m->semantic_keys)
	{
		SemanticKey *k = lfirst(lc);

		appendStringInfo(&s, "|%s|%s|%s|%s|%s|%s|", k->derived_from, k->key_type,
						 k->name ? k->name : "", k->semantic_model ? k->semantic_model : "",
						 k->to_model ? k->to_model : "",
						 k->relationship ? k->relationship : "");
		canon_list_into(&s, k->columns);
		canon_list_into(&s, k->to_columns);
	}
	dbtc_md5_hex(s.data, s.len, m->fingerprint);
	pfree(s.data);
}
