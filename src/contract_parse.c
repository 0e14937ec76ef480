/*-------------------------------------------------------------------------
 * contract_parse.c
 *	  Read dbt's schema.yml shape (models, config, columns, constraints,
 *	  tests, versions) from a YNode tree into ContractModel structs.
 *
 * Validation follows dbt-core's parser: constraint types, primary keys,
 * data_type on enforced contracts, incremental on_schema_change, version
 * lists.  Keys we do not use are skipped without reading their values, so
 * an alias bomb parked under `meta:` or `sources:` costs nothing.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/heap.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "parser/scansup.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "dbt_contract.h"

/* Where we are, for messages. */
typedef struct ParseCtx
{
	YDoc	   *doc;
	const ParseOptions *opts;
	const char *model;
	const char *version;		/* NULL outside a version */
	const char *column;
	bool		quote_columns;	/* the model's quote_columns: true */
} ParseCtx;

/* Config keys we read; anything unset stays NULL / -1. */
typedef struct ModelConfig
{
	char	   *materialized;
	int			enforced;		/* -1 unset, else bool */
	int			alias_types;
	int			enabled;
	char	   *alias;
	char	   *schema;
	char	   *on_schema_change;
	int			persist_relation_docs;	/* persist_docs: -1 unset, else bool */
	int			persist_column_docs;
	bool		version_is_falsy;	/* v: 0, which dbt's alias leaves off */
	int			pointer_enabled;	/* latest_version_pointer: -1 unset */
	char	   *pointer_alias;
} ModelConfig;

/* One parsed column plus what hangs off it. */
typedef struct ParsedColumn
{
	ContractColumn *col;
	List	   *constraints;
	List	   *tests;
} ParsedColumn;

/*
 * User text as a message may quote it: the first DBTC_QUOTE_CHARS
 * characters and "...", or the text itself when it is that short.  A
 * 60 MB model name must not become a 60 MB message (and a 60 MB line of
 * the server log).
 */
char *
dbtc_clip(const char *text)
{
	size_t		len = strnlen(text, DBTC_QUOTE_CHARS * MAX_MULTIBYTE_CHAR_LEN + 1);
	int			keep = pg_mbcharcliplen(text, (int) len, DBTC_QUOTE_CHARS);

	if ((size_t) keep == len && text[len] == '\0')
		return (char *) text;
	return psprintf("%.*s...", keep, text);
}

/* "column "id" of model "orders" version 2", as far as we know it. */
static char *
subject(ParseCtx *cx)
{
	StringInfoData s;

	initStringInfo(&s);
	if (cx->column)
		appendStringInfo(&s, "column \"%s\" of ", dbtc_clip(cx->column));
	if (cx->model)
		appendStringInfo(&s, "model \"%s\"", dbtc_clip(cx->model));
	else
		appendStringInfoString(&s, "a model entry");
	if (cx->version != NULL)
		appendStringInfo(&s, " version %s", dbtc_clip(cx->version));
	return s.data;
}

static SrcLoc
loc_of(ParseCtx *cx, const YNode *n)
{
	SrcLoc		l;

	l.file = cx->doc->file;
	l.line = n ? n->line : 1;
	l.col = n ? n->col : 1;
	return l;
}

/*
 * Report at a node of the YAML: the location goes into the message's
 * CONTEXT while the report is made, as PostgreSQL attaches the line of a
 * COPY or a function to its messages.
 */
#define parse_report(cx, n, elevel, ...) \
	do { \
		SrcLoc		where_ = loc_of((cx), (n)); \
		dbtc_ereport_at(&where_, (elevel), __VA_ARGS__); \
	} while (0)

static const char *
kind_name(const YNode *n)
{
	if (n->kind == YN_MAPPING)
		return "a mapping";
	if (n->kind == YN_SEQUENCE)
		return "a list";
	switch (dbtc_yaml_scalar_type(n))
	{
		case YS_NULL:
			return "null";
		case YS_BOOL:
			return "a boolean";
		case YS_INT:
		case YS_FLOAT:
			return "a number";
		default:
			return "a string";
	}
}

static void
shape_error(ParseCtx *cx, const YNode *n, const char *key, const char *want)
{
	bool		b;

	/* name: yes, or name: off, surprises everyone once */
	bool		boolean_name = (strcmp(want, "a string") == 0 ||
								strcmp(want, "a type name") == 0 ||
								strcmp(want, "a list of names") == 0) &&
		dbtc_yaml_scalar_bool(n, &b);

	parse_report(cx, n, ERROR,
				 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" must be %s, not %s, in %s",
						dbtc_clip(key), want, kind_name(n), subject(cx)),
				 boolean_name ?
				 errhint("YAML 1.1 reads %s as a boolean; write \"%s\" in quotes to mean the text.",
						 n->value, n->value) : 0);
}

/* ------------------------------------------------------------------------
 * Typed getters.  Each returns NULL/default when the key is absent or null.
 * ------------------------------------------------------------------------
 */
static YNode *
get_node(ParseCtx *cx, const YNode *map, const char *key)
{
	YNode	   *v = dbtc_yaml_map_get(cx->doc, map, key);

	if (v != NULL && v->kind == YN_SCALAR && dbtc_yaml_scalar_type(v) == YS_NULL)
		return NULL;
	return v;
}

/*
 * An identifier the contract asks PostgreSQL to have.  PostgreSQL would
 * truncate a longer one (dbt's DDL gets a NOTICE and a shorter name), so
 * the contract could never be met: refuse it here, naming what it is.
 */
static void
check_ident_length(ParseCtx *cx, const YNode *map, const char *key,
				   const char *what, const char *ident)
{
	size_t		len = strlen(ident);

	/* the key's node is looked up (and paid for) only to report it */
	if (len > DBTC_MAX_IDENT_LEN)
		parse_report(cx, key ? get_node(cx, map, key) : map, ERROR,
					 errcode(ERRCODE_NAME_TOO_LONG),
					 errmsg("%s \"%s\" in %s is too long (%zu bytes)",
							what, dbtc_clip(ident), subject(cx), len),
					 errhint("PostgreSQL keeps at most %d bytes of an identifier, so a relation built from this contract could never match it.",
							 DBTC_MAX_IDENT_LEN));
}

static char *
get_string(ParseCtx *cx, const YNode *map, const char *key)
{
	YNode	   *v = get_node(cx, map, key);

	if (v == NULL)
		return NULL;
	if (v->kind != YN_SCALAR)
		shape_error(cx, v, key, "a string");
	/* Numbers are fine where text is expected (e.g. a description). */
	if (dbtc_yaml_scalar_type(v) == YS_BOOL)
		shape_error(cx, v, key, "a string");
	return v->value;
}

/* A name: a non-empty string (PyYAML would make `yes` a boolean). */
static char *
get_name(ParseCtx *cx, const YNode *map, const char *key)
{
	YNode	   *v = get_node(cx, map, key);

	if (v == NULL)
		return NULL;
	if (v->kind != YN_SCALAR || dbtc_yaml_scalar_type(v) == YS_BOOL)
		shape_error(cx, v, key, "a string");
	if (v->value[0] == '\0')
		parse_report(cx, v, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" must not be empty in %s",
							key, subject(cx)));
	return v->value;
}

static int
get_bool(ParseCtx *cx, const YNode *map, const char *key)
{
	YNode	   *v = get_node(cx, map, key);
	bool		b;

	if (v == NULL)
		return -1;
	if (v->kind != YN_SCALAR || !dbtc_yaml_scalar_bool(v, &b))
		shape_error(cx, v, key, "a boolean (true or false)");
	return b ? 1 : 0;
}

static YNode *
get_list(ParseCtx *cx, const YNode *map, const char *key)
{
	YNode	   *v = get_node(cx, map, key);

	if (v != NULL && v->kind != YN_SEQUENCE)
		shape_error(cx, v, key, "a list");
	return v;
}

static YNode *
get_map(ParseCtx *cx, const YNode *map, const char *key)
{
	YNode	   *v = get_node(cx, map, key);

	if (v != NULL && v->kind != YN_MAPPING)
		shape_error(cx, v, key, "a mapping");
	return v;
}

/*
 * A version as dbt keys it: str() of the number or string (see
 * dbtc_yaml_version_text); *falsy when dbt's alias macro leaves it off.
 */
static char *
node_version(ParseCtx *cx, const YNode *v, const char *key, bool *falsy)
{
	char	   *text = dbtc_yaml_version_text(v, falsy);

	if (text == NULL)
		shape_error(cx, v, key, "a number or a string");
	if (text[0] == '\0')
		parse_report(cx, v, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" of %s must not be empty", key, subject(cx)),
					 errhint("dbt would key the version as \"\" and build the relation under the model's own name; give it a number or a name."));
	if (strlen(text) > DBTC_MAX_MODEL_NAME_LEN)
		parse_report(cx, v, ERROR,
					 errcode(ERRCODE_NAME_TOO_LONG),
					 errmsg("\"%s\" \"%s\" of %s is too long (%zu bytes)",
							key, dbtc_clip(text), subject(cx), strlen(text)),
					 errhint("A version is part of the relation dbt builds, at most %d bytes.",
							 DBTC_MAX_MODEL_NAME_LEN));
	return text;
}

/* List of names, accepting a single scalar as a one-item list. */
static List *
get_name_list(ParseCtx *cx, const YNode *map, const char *key)
{
	YNode	   *v = get_node(cx, map, key);
	List	   *res = NIL;
	int			i;

	if (v == NULL)
		return NIL;
	/* a name that YAML 1.1 reads as a boolean (on, no, ...) is refused */
	if (v->kind == YN_SCALAR && dbtc_yaml_scalar_type(v) != YS_BOOL)
		return list_make1(v->value);
	if (v->kind != YN_SEQUENCE)
		shape_error(cx, v, key, "a list of names");
	for (i = 0; i < v->nitems; i++)
	{
		YNode	   *it = v->items[i];

		dbtc_yaml_charge(cx->doc, it);
		if (it->kind != YN_SCALAR || dbtc_yaml_scalar_type(it) == YS_NULL ||
			dbtc_yaml_scalar_type(it) == YS_BOOL)
			shape_error(cx, it, key, "a list of names");
		res = lappend(res, it->value);
	}
	return res;
}

static YNode *
require_mapping(ParseCtx *cx, YNode *n, const char *what)
{
	dbtc_yaml_charge(cx->doc, n);
	if (n->kind != YN_MAPPING && cx->model)
		parse_report(cx, n, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("each entry of %s must be a mapping, not %s, in %s",
							what, kind_name(n), subject(cx)));
	if (n->kind != YN_MAPPING)
		parse_report(cx, n, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("each entry of %s must be a mapping, not %s",
							what, kind_name(n)));
	return n;
}

/* ------------------------------------------------------------------------
 * config
 * ------------------------------------------------------------------------
 */
static void
config_init(ModelConfig *c)
{
	memset(c, 0, sizeof(*c));
	c->enforced = c->alias_types = c->enabled = c->pointer_enabled = -1;
	c->persist_relation_docs = c->persist_column_docs = -1;
}

/*
 * dbt 1.12's latest_version_pointer: {enabled: true, alias: name}, or the
 * shorthand true/false for enabled.  Unset, dbt defers to a project flag
 * (latest_version_pointer_enabled_by_default, off by default) that a
 * schema.yml cannot show; a manifest carries the resolved config.
 */
static void
parse_pointer_config(ParseCtx *cx, const YNode *cfg, ModelConfig *into)
{
	YNode	   *p = get_node(cx, cfg, "latest_version_pointer");
	int			b;
	char	   *s;

	if (p == NULL || (p->kind == YN_SCALAR && dbtc_yaml_scalar_type(p) == YS_NULL))
		return;
	if (p->kind == YN_SCALAR)
	{
		if ((b = get_bool(cx, cfg, "latest_version_pointer")) >= 0)
			into->pointer_enabled = b;
		return;
	}
	if (p->kind != YN_MAPPING)
		shape_error(cx, p, "latest_version_pointer",
					"a mapping such as {enabled: true}, or a boolean");
	if ((b = get_bool(cx, p, "enabled")) >= 0)
		into->pointer_enabled = b;
	if ((s = get_string(cx, p, "alias")) != NULL)
	{
		/* dbt strips the alias; an empty one is no alias */
		size_t		len;

		while (*s == ' ')
			s++;
		len = strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
		into->pointer_alias = len > 0 ? pnstrdup(s, len) : NULL;
	}
}

/* Read a `config:` mapping over *into; keys present here win. */
static void
parse_config(ParseCtx *cx, const YNode *map, ModelConfig *into)
{
	YNode	   *cfg = get_map(cx, map, "config");
	YNode	   *contract;
	YNode	   *persist;
	char	   *s;
	int			b;

	if (cfg == NULL)
		return;
	if ((s = get_string(cx, cfg, "materialized")) != NULL)
		into->materialized = s;
	if ((s = get_string(cx, cfg, "alias")) != NULL)
		into->alias = s;
	if ((s = get_string(cx, cfg, "schema")) != NULL)
		into->schema = s;
	if ((s = get_string(cx, cfg, "on_schema_change")) != NULL)
		into->on_schema_change = s;
	if ((b = get_bool(cx, cfg, "enabled")) >= 0)
		into->enabled = b;
	if ((persist = get_node(cx, cfg, "persist_docs")) != NULL)
	{
		if (persist->kind != YN_MAPPING)
			shape_error(cx, persist, "persist_docs", "a mapping such as {relation: true, columns: true}");
		if ((b = get_bool(cx, persist, "relation")) >= 0)
			into->persist_relation_docs = b;
		if ((b = get_bool(cx, persist, "columns")) >= 0)
			into->persist_column_docs = b;
	}
	parse_pointer_config(cx, cfg, into);

	contract = get_node(cx, cfg, "contract");
	if (contract == NULL)
		return;
	if (contract->kind != YN_MAPPING)
		shape_error(cx, contract, "contract", "a mapping such as {enforced: true}");
	if ((b = get_bool(cx, contract, "enforced")) >= 0)
		into->enforced = b;
	if ((b = get_bool(cx, contract, "alias_types")) >= 0)
		into->alias_types = b;
}

/* ------------------------------------------------------------------------
 * ref() / source() in `to:`
 * ------------------------------------------------------------------------
 */

/*
 * Understand `to:` (ref() or source(), contract_target.c); false for
 * anything else, which the caller reports.  A source() stays as text in
 * to_text.
 */
static bool
parse_to(ContractConstraint *c, const char *text)
{
	ContractTargetCall call;

	if (!contract_target_call(text, &call))
		return false;
	if (call.is_ref)
	{
		c->to_package = call.package;
		c->to_model = call.model;
		c->to_version = call.version;
	}
	return true;
}

/* ------------------------------------------------------------------------
 * constraints
 * ------------------------------------------------------------------------
 */
static ContractConstraint *
parse_constraint(ParseCtx *cx, YNode *n, bool model_level)
{
	ContractConstraint *c = palloc0(sizeof(ContractConstraint));
	YNode	   *typenode;
	char	   *type;
	int			b;

	require_mapping(cx, n, "constraints");
	c->model_level = model_level;
	c->loc = loc_of(cx, n);

	typenode = get_node(cx, n, "type");
	if (typenode == NULL)
		parse_report(cx, n, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("constraint without \"type\" in %s", subject(cx)),
					 errhint("Every constraint needs a type: not_null, unique, primary_key, foreign_key, check or custom."));
	type = get_name(cx, n, "type");
	if (!contract_constraint_type_from_name(type, &c->type))
		parse_report(cx, typenode, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown constraint type \"%s\" in %s",
							dbtc_clip(type), subject(cx)),
					 errhint("Valid constraint types are not_null, unique, primary_key, foreign_key, check and custom."));
	c->loc = loc_of(cx, typenode);

	c->name = get_string(cx, n, "name");
	c->expression = get_string(cx, n, "expression");
	c->to_text = get_string(cx, n, "to");
	c->to_columns = get_name_list(cx, n, "to_columns");
	b = get_bool(cx, n, "warn_unenforced");
	c->warn_unenforced = (b != 0);
	b = get_bool(cx, n, "warn_unsupported");
	c->warn_unsupported = (b != 0);

	if (model_level)
		c->columns = get_name_list(cx, n, "columns");
	else
		c->columns = list_make1((char *) cx->column);
	if (c->name != NULL)
		check_ident_length(cx, n, "name", "constraint name", c->name);
	if (model_level)
	{
		ListCell   *lc;

		foreach(lc, c->columns)
			check_ident_length(cx, n, "columns", "constraint column",
							   contract_written_ident(lfirst(lc)));
	}
	{
		ListCell   *lc;

		foreach(lc, c->to_columns)
			check_ident_length(cx, n, "to_columns", "to_columns entry",
							   contract_written_ident(lfirst(lc)));
	}

	if (model_level && c->columns == NIL &&
		c->type != CC_CHECK && c->type != CC_CUSTOM)
		parse_report(cx, typenode, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model-level %s constraint without \"columns\" in %s",
							type, subject(cx)),
					 errhint("List the columns the constraint covers, e.g. columns: [id]."));

	switch (c->type)
	{
		case CC_CHECK:
		case CC_CUSTOM:

			/*
			 * dbt renders a check or custom constraint without an
			 * expression as nothing at all, so the relation it builds has
			 * no such constraint: say so, and require none.
			 */
			if (c->expression == NULL || c->expression[0] == '\0')
			{
				SrcLoc		l = loc_of(cx, typenode);

				dbtc_ereport_at(&l, WARNING,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("%s constraint%s%s%s in %s has no \"expression\" and is ignored",
										type, c->name ? " \"" : "",
										c->name ? dbtc_clip(c->name) : "",
										c->name ? "\"" : "", subject(cx)),
								 errhint("dbt builds the relation without it; write expression: \"...\" to have it enforced.")));
				return NULL;
			}
			break;
		case CC_FOREIGN_KEY:
			if (c->to_text == NULL && (c->expression == NULL || c->expression[0] == '\0'))
				parse_report(cx, typenode, ERROR,
							 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("foreign_key constraint without \"to\" or \"expression\" in %s",
									subject(cx)),
							 errhint("Write to: ref('other_model') with to_columns: [...], or the legacy expression: \"schema.table (column)\"."));
			/* a manifest may carry the compiled relation instead of ref() */
			if (c->to_text != NULL && !parse_to(c, c->to_text) &&
				!cx->opts->relation_targets)
				parse_report(cx, get_node(cx, n, "to"), ERROR,
							 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("cannot understand foreign_key target \"%s\" in %s",
									dbtc_clip(c->to_text), subject(cx)),
							 errhint("Use ref('model'), ref('package', 'model'), ref('model', v=2) or source('source', 'table')."));
			if (c->to_columns != NIL &&
				list_length(c->to_columns) != list_length(c->columns))
				parse_report(cx, get_node(cx, n, "to_columns"), ERROR,
							 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("foreign_key constraint in %s has %d column(s) but %d to_columns",
									subject(cx), list_length(c->columns), list_length(c->to_columns)));
			break;
		default:
			break;
	}
	return c;
}

static List *
parse_constraint_list(ParseCtx *cx, const YNode *list, bool model_level)
{
	List	   *res = NIL;
	int			i;

	if (list == NULL)
		return NIL;
	for (i = 0; i < list->nitems; i++)
	{
		ContractConstraint *c = parse_constraint(cx, list->items[i], model_level);

		if (c != NULL)
			res = lappend(res, c);
	}
	return res;
}

/* ------------------------------------------------------------------------
 * data tests
 * ------------------------------------------------------------------------
 */
static bool
is_test_meta_key(const char *k)
{
	return strcmp(k, "config") == 0 || strcmp(k, "name") == 0 ||
		strcmp(k, "description") == 0 || strcmp(k, "test_name") == 0 ||
		strcmp(k, "arguments") == 0;
}

/*
 * The keys of a test entry that dbt reads as config wherever they are
 * written (dbt-core's TestBuilder.CONFIG_ARGS): at the top level, under
 * arguments: or under config:, they configure the test and are never
 * passed to it as arguments.
 */
static bool
is_test_config_key(const char *k)
{
	static const char *const keys[] = {
		"severity", "tags", "enabled", "where", "limit", "warn_if",
		"error_if", "fail_calc", "store_failures", "store_failures_as",
	"meta", "database", "schema", "alias"};
	int			i;

	for (i = 0; i < lengthof(keys); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* Python's truth value of a YAML value, as dbt tests it. */
static bool
yaml_truthy(const YNode *n)
{
	bool		b;

	if (n->kind != YN_SCALAR)
		return n->nitems > 0;
	switch (dbtc_yaml_scalar_type(n))
	{
		case YS_NULL:
			return false;
		case YS_BOOL:
			return dbtc_yaml_scalar_bool(n, &b) && b;
		case YS_INT:
		case YS_FLOAT:
			return strspn(n->value, "+-0._") != strlen(n->value);
		default:
			return n->value[0] != '\0';
	}
}

/* Set key to value in an ordered list of YPair *, replacing a present key. */
static List *
pairs_put(List *pairs, YPair *p)
{
	ListCell   *lc;

	foreach(lc, pairs)
	{
		YPair	   *q = lfirst(lc);

		if (strcmp(q->key, p->key) == 0)
		{
			lfirst(lc) = p;
			return pairs;
		}
	}
	return lappend(pairs, p);
}

/* A JSON object of the pairs, leaving out null values when asked. */
static char *
pairs_json(ParseCtx *cx, List *pairs, bool skip_nulls)
{
	StringInfoData js;
	bool		first = true;
	ListCell   *lc;
	char	   *res;

	initStringInfo(&js);
	appendStringInfoChar(&js, '{');
	foreach(lc, pairs)
	{
		YPair	   *p = lfirst(lc);

		if (skip_nulls && p->value->kind == YN_SCALAR &&
			dbtc_yaml_scalar_type(p->value) == YS_NULL)
			continue;
		if (!first)
			appendStringInfoString(&js, ", ");
		first = false;
		escape_json(&js, p->key);
		appendStringInfoString(&js, ": ");
		dbtc_yaml_to_json(cx->doc, p->value, &js, 2);
	}
	appendStringInfoChar(&js, '}');
	/* exact size: a project has many tests, each with a small text */
	res = pnstrdup(js.data, js.len);
	pfree(js.data);
	return res;
}

/*
 * Split a test's body into arguments and config as dbt's TestBuilder
 * does: the entries of arguments: are merged over the top-level ones,
 * config keys among them become config, and a config: mapping is merged
 * over that (a key both set at the top level and under config: is an
 * error, as in dbt).
 */
static void
split_test_body(ParseCtx *cx, ContractTest *t, const YNode *body,
				const YNode *nested, const YNode *config)
{
	List	   *args = NIL;
	List	   *cfg = NIL;
	List	   *given = NIL;
	ListCell   *lc;

	if (body != NULL)
		given = dbtc_yaml_map_pairs(cx->doc, body);
	if (nested != NULL)
		given = list_concat_copy(given, dbtc_yaml_map_pairs(cx->doc, nested));
	foreach(lc, given)
	{
		YPair	   *p = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (is_test_meta_key(p->key))
			continue;
		if (is_test_config_key(p->key))
		{
			if (config != NULL && yaml_truthy(p->value) &&
				dbtc_yaml_map_get(cx->doc, config, p->key) != NULL)
				parse_report(cx, p->keynode, ERROR,
							 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("data test \"%s\" in %s sets \"%s\" both at the top level and under config",
									dbtc_clip(t->test_name), subject(cx), dbtc_clip(p->key)),
							 errhint("dbt refuses the same key in both places; keep the one under config:."));
			cfg = pairs_put(cfg, p);
		}
		else
			args = pairs_put(args, p);
	}
	if (config != NULL)
	{
		foreach(lc, dbtc_yaml_map_pairs(cx->doc, config))
		{
			YPair	   *p = lfirst(lc);

			/* a null there drops the key, whatever the top level said */
			CHECK_FOR_INTERRUPTS();
			cfg = pairs_put(cfg, p);
		}
	}
	/* dbt passes null arguments on, and drops null config values */
	t->arguments = pairs_json(cx, args, false);
	t->config = pairs_json(cx, cfg, true);

	/*
	 * enabled: false disables the test; a Jinja expression there is
	 * rendered by dbt, which we cannot do, so it leaves the test enabled.
	 */
	t->enabled = true;
	foreach(lc, cfg)
	{
		YPair	   *p = lfirst(lc);
		bool		b;

		if (strcmp(p->key, "enabled") == 0 && p->value->kind == YN_SCALAR &&
			dbtc_yaml_scalar_type(p->value) == YS_BOOL &&
			dbtc_yaml_scalar_bool(p->value, &b) && !b)
			t->enabled = false;
	}
}

/*
 * The column names an argument gives, as dbt's infer_primary_key reads
 * them: only strings count (a null, a number or a boolean names no
 * column), and a list argument such as combination_of_columns must be a
 * list (a plain string there names nothing).
 */
static List *
names_from_arg(ParseCtx *cx, const YNode *args, const char *key, bool list_only)
{
	YNode	   *v = dbtc_yaml_map_get(cx->doc, args, key);
	List	   *res = NIL;
	int			i;

	if (v == NULL)
		return NIL;
	if (v->kind == YN_SCALAR && !list_only && dbtc_yaml_scalar_type(v) == YS_STRING)
		return list_make1(v->value);
	if (v->kind == YN_SEQUENCE)
		for (i = 0; i < v->nitems; i++)
		{
			YNode	   *it = v->items[i];

			CHECK_FOR_INTERRUPTS();
			if (it->kind == YN_SCALAR && dbtc_yaml_scalar_type(it) == YS_STRING)
				res = lappend(res, it->value);
		}
	return res;
}

/* Columns a model-level test is about, from its usual argument names. */
static List *
test_columns(ParseCtx *cx, const YNode *body, const YNode *nested)
{
	static const char *const keys[] = {
		"column_name", "column_names", "combination_of_columns",
		"fk_column_name", "fk_column_names", "pk_column_name",
	"pk_column_names"};
	int			i;

	for (i = 0; i < lengthof(keys); i++)
	{
		List	   *cols = NIL;

		bool		list_only = (strcmp(keys[i], "combination_of_columns") == 0);

		if (nested != NULL)
			cols = names_from_arg(cx, nested, keys[i], list_only);
		if (cols == NIL && body != NULL)
			cols = names_from_arg(cx, body, keys[i], list_only);
		if (cols != NIL)
			return cols;
	}
	return NIL;
}

static ContractTest *
parse_test(ParseCtx *cx, YNode *n, const char *listkey)
{
	ContractTest *t = palloc0(sizeof(ContractTest));
	YNode	   *body = NULL;
	YNode	   *nested = NULL;
	YNode	   *config = NULL;

	dbtc_yaml_charge(cx->doc, n);
	t->loc = loc_of(cx, n);

	if (n->kind == YN_SCALAR)
	{
		if (dbtc_yaml_scalar_type(n) == YS_NULL)
			parse_report(cx, n, ERROR,
						 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("an entry of \"%s\" in %s is empty",
								listkey, subject(cx)),
						 errhint("Each entry is a test name, or a mapping from the test name to its arguments."));
		t->test_name = n->value;
	}
	else if (n->kind == YN_MAPPING)
	{
		char	   *explicit_name = get_string(cx, n, "test_name");

		if (explicit_name != NULL)
		{
			/* - name: my_test / test_name: unique / arguments: ... */
			t->test_name = explicit_name;
			body = n;
		}
		else
		{
			List	   *pairs = dbtc_yaml_map_pairs(cx->doc, n);
			YPair	   *p;

			if (list_length(pairs) != 1)
				parse_report(cx, n, ERROR,
							 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("a data test in %s must be a name or a mapping with one key (the test name), not %d keys",
									subject(cx), list_length(pairs)),
							 errhint("Write e.g. - relationships: {to: ref('customers'), field: id}."));
			p = linitial(pairs);
			t->test_name = (char *) p->key;
			if (p->value->kind == YN_MAPPING)
				body = p->value;
			else if (!(p->value->kind == YN_SCALAR &&
					   dbtc_yaml_scalar_type(p->value) == YS_NULL))
				shape_error(cx, p->value, p->key, "a mapping of test arguments");
		}
	}
	else
		parse_report(cx, n, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("each entry of \"%s\" must be a test name or a mapping, not %s, in %s",
							listkey, kind_name(n), subject(cx)));

	if (body != NULL)
	{
		nested = get_map(cx, body, "arguments");
		config = get_map(cx, body, "config");
	}
	split_test_body(cx, t, body, nested, config);

	if (cx->column != NULL)
		t->columns = list_make1((char *) cx->column);
	else
		t->columns = test_columns(cx, body, nested);
	return t;
}

/* `data_tests:` or `tests:` (not both, as dbt says). */
static List *
parse_tests(ParseCtx *cx, const YNode *map, bool *present)
{
	YNode	   *dt = get_list(cx, map, "data_tests");
	YNode	   *t = get_list(cx, map, "tests");
	YNode	   *list = dt ? dt : t;
	List	   *res = NIL;
	int			i;

	if (dt != NULL && t != NULL)
		parse_report(cx, t, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("both \"tests\" and \"data_tests\" are defined in %s",
							subject(cx)),
					 errhint("Keep one of them; \"data_tests\" is the current name."));
	if (present)
		*present = (list != NULL);
	if (list == NULL)
		return NIL;
	for (i = 0; i < list->nitems; i++)
		res = lappend(res, parse_test(cx, list->items[i],
									  dt ? "data_tests" : "tests"));
	return res;
}

/* ------------------------------------------------------------------------
 * columns
 * ------------------------------------------------------------------------
 */
/*
 * A column PostgreSQL could create: not longer than an identifier, and not
 * the name of a system column (ctid, xmin, ..., tableoid), which CREATE
 * TABLE refuses.  oid has been an ordinary column name since PostgreSQL 12.
 */
static void
check_column_name(ParseCtx *cx, const YNode *n, const ContractColumn *col)
{
	char	   *ident = contract_column_ident(col);
	SrcLoc		l;

	/* the column is in cx->column; name it once, by its model */
	cx->column = NULL;
	check_ident_length(cx, n, "name", "column name", ident);
	if (SystemAttributeByName(ident) != NULL)
	{
		l = loc_of(cx, get_node(cx, n, "name"));
		dbtc_ereport_at(&l, ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column name \"%s\" of %s conflicts with a system column name",
								ident, subject(cx)),
						 errhint("PostgreSQL reserves ctid, xmin, xmax, cmin, cmax and tableoid in every table; rename the column in the model.")));
	}
	cx->column = col->name;
}

static ParsedColumn *
parse_column(ParseCtx *cx, YNode *n)
{
	ParsedColumn *pc = palloc0(sizeof(ParsedColumn));
	ContractColumn *col = palloc0(sizeof(ContractColumn));
	YNode	   *dt;
	int			q;

	require_mapping(cx, n, "columns");
	col->loc = loc_of(cx, n);
	col->name = get_name(cx, n, "name");
	if (col->name == NULL)
		parse_report(cx, n, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column without \"name\" in %s", subject(cx)));
	cx->column = col->name;

	dt = get_node(cx, n, "data_type");
	if (dt != NULL)
	{
		if (dt->kind != YN_SCALAR || dbtc_yaml_scalar_type(dt) == YS_BOOL)
			shape_error(cx, dt, "data_type", "a type name");
		col->data_type = dt->value;
		col->type_loc = loc_of(cx, dt);
	}
	col->typmod = -1;
	col->description = get_string(cx, n, "description");
	q = get_bool(cx, n, "quote");
	col->quoted = (q == 1);
	check_column_name(cx, n, col);

	pc->col = col;
	pc->constraints = parse_constraint_list(cx, get_list(cx, n, "constraints"), false);
	pc->tests = parse_tests(cx, n, NULL);

	/*
	 * dbt hands a column test its column quoted when the column says
	 * quote: true, or says nothing and the model has quote_columns: true;
	 * the quoted name stands for the column exactly, unfolded.
	 */
	if (q == 1 || (q < 0 && cx->quote_columns))
	{
		char	   *quoted = psprintf("\"%s\"", col->name);
		ListCell   *lc;

		foreach(lc, pc->tests)
			((ContractTest *) lfirst(lc))->columns = list_make1(quoted);
	}
	cx->column = NULL;
	return pc;
}

/* A parsed column by name and then position (repeats, version columns). */
typedef struct OwnColumn
{
	const char *name;
	int			pos;
	ParsedColumn *pc;
} OwnColumn;

static int
cmp_own_column(const void *a, const void *b)
{
	const OwnColumn *x = a;
	const OwnColumn *y = b;
	int			c = strcmp(x->name, y->name);

	return c != 0 ? c : x->pos - y->pos;
}

/*
 * A column listed twice under one name: dbt keeps its columns in a
 * dictionary keyed by the name as written, so the later entry (its
 * data_type, constraints, description) replaces the earlier one in the
 * earlier one's place, while the data tests of every entry are kept.  We
 * do the same, with a WARNING, and sort to find repeats (a model may
 * have thousands of columns).  Names that differ only in case are two
 * columns to dbt; validate_model refuses them when PostgreSQL would fold
 * them into one.
 */
static List *
merge_repeated_columns(ParseCtx *cx, List *pcs)
{
	int			n = list_length(pcs);
	OwnColumn  *at;
	bool	   *dropped;
	List	   *res = NIL;
	ListCell   *lc;
	int			i;
	int			j;

	if (n < 2)
		return pcs;
	at = palloc(sizeof(OwnColumn) * n);
	dropped = palloc0(sizeof(bool) * n);
	i = 0;
	foreach(lc, pcs)
	{
		at[i].pc = lfirst(lc);
		at[i].name = at[i].pc->col->name;
		at[i].pos = i;
		i++;
	}
	qsort(at, n, sizeof(OwnColumn), cmp_own_column);
	for (i = 0; i < n; i = j)
	{
		ParsedColumn *first;
		ParsedColumn *last;
		List	   *tests = NIL;

		CHECK_FOR_INTERRUPTS();
		for (j = i + 1; j < n && strcmp(at[j].name, at[i].name) == 0; j++)
			;
		if (j - i == 1)
			continue;
		first = at[i].pc;
		last = at[j - 1].pc;
		ereport(WARNING,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" is listed %d times in %s; the last entry is used",
						dbtc_clip(at[i].name), j - i, subject(cx)),
				 errdetail("First at %s, used entry at %s; the data tests of every entry are kept.",
						   contract_srcloc_string(&first->col->loc),
						   contract_srcloc_string(&last->col->loc)),
				 errhint("dbt keeps the last entry of a column name; remove the others.")));
		for (int k = i; k < j; k++)
		{
			tests = list_concat(tests, at[k].pc->tests);
			if (k > i)
				dropped[at[k].pos] = true;
		}
		/* the earlier entry's place, the later entry's content */
		first->col = last->col;
		first->constraints = last->constraints;
		first->tests = tests;
	}
	i = 0;
	foreach(lc, pcs)
	{
		if (!dropped[i++])
			res = lappend(res, lfirst(lc));
	}
	pfree(at);
	pfree(dropped);
	return res;
}

static List *
parse_columns(ParseCtx *cx, const YNode *list)
{
	List	   *res = NIL;
	int			i;

	if (list == NULL)
		return NIL;
	for (i = 0; i < list->nitems; i++)
		res = lappend(res, parse_column(cx, list->items[i]));
	return merge_repeated_columns(cx, res);
}

/* ------------------------------------------------------------------------
 * versions
 * ------------------------------------------------------------------------
 */
typedef struct IncludeExclude
{
	bool		include_all;
	List	   *include;
	List	   *exclude;
} IncludeExclude;

/*
 * A sorted array of names for membership tests.  Include/exclude lists and
 * column lists can be long (aliases repeat them cheaply), so lookups must
 * not be linear scans inside loops over columns.
 */
typedef struct NameSet
{
	const char **names;
	int			n;
} NameSet;

static int
cmp_cstring_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void
nameset_init(NameSet *set, List *names)
{
	ListCell   *lc;

	set->n = 0;
	set->names = palloc(sizeof(char *) * Max(1, list_length(names)));
	foreach(lc, names)
		set->names[set->n++] = lfirst(lc);
	qsort(set->names, set->n, sizeof(char *), cmp_cstring_ptr);
}

static bool
nameset_has(const NameSet *set, const char *name)
{
	return set->n > 0 &&
		bsearch(&name, set->names, set->n, sizeof(char *),
				cmp_cstring_ptr) != NULL;
}

/*
 * A version's `columns:` holds at most one include/exclude element and
 * any number of version-specific columns.
 */
static List *
parse_version_columns(ParseCtx *cx, const YNode *list, IncludeExclude *ie)
{
	List	   *own = NIL;
	bool		seen_ie = false;
	int			i;

	ie->include_all = true;
	if (list == NULL)
		return NIL;
	for (i = 0; i < list->nitems; i++)
	{
		YNode	   *it = require_mapping(cx, list->items[i], "columns");
		YNode	   *inc = get_node(cx, it, "include");
		YNode	   *exc = get_node(cx, it, "exclude");

		if (inc == NULL && exc == NULL)
		{
			own = lappend(own, parse_column(cx, it));
			continue;
		}
		if (seen_ie)
			parse_report(cx, it, ERROR,
						 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s has more than one include/exclude element",
								subject(cx)));
		seen_ie = true;
		if (inc != NULL && inc->kind == YN_SCALAR &&
			(strcmp(inc->value, "all") == 0 || strcmp(inc->value, "*") == 0))
			ie->include_all = true;
		else if (inc != NULL)
		{
			ie->include_all = false;
			ie->include = get_name_list(cx, it, "include");
		}
		ie->exclude = get_name_list(cx, it, "exclude");
		if (!ie->include_all && ie->exclude != NIL)
			parse_report(cx, exc, ERROR,
						 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("\"exclude\" needs \"include: all\" in %s",
								subject(cx)));
	}
	return merge_repeated_columns(cx, own);
}


/*
 * Columns of a version: the model's columns that pass include/exclude, in
 * their order, then the version's own; a version column with the name of
 * a model column takes that column's place (as dbt does).  Two own
 * columns of one name are both kept, so validate_model reports them.
 */
static List *
version_columns(List *model_cols, List *own, IncludeExclude *ie)
{
	List	   *res = NIL;
	ListCell   *lc;
	NameSet		inc;
	NameSet		exc;
	OwnColumn  *sorted;
	bool	   *used;
	int			nown = 0;
	int			i;

	nameset_init(&inc, ie->include);
	nameset_init(&exc, ie->exclude);
	sorted = palloc(sizeof(OwnColumn) * Max(1, list_length(own)));
	used = palloc0(sizeof(bool) * Max(1, list_length(own)));
	foreach(lc, own)
	{
		ParsedColumn *pc = lfirst(lc);

		sorted[nown].name = pc->col->name;
		sorted[nown].pos = nown;
		sorted[nown].pc = pc;
		nown++;
	}
	qsort(sorted, nown, sizeof(OwnColumn), cmp_own_column);

	foreach(lc, model_cols)
	{
		ParsedColumn *pc = lfirst(lc);
		OwnColumn	key;
		OwnColumn  *hit;

		if (!((ie->include_all || nameset_has(&inc, pc->col->name)) &&
			  !nameset_has(&exc, pc->col->name)))
			continue;
		/* the first own column of this name, if any, replaces it */
		key.name = pc->col->name;
		key.pos = -1;
		hit = NULL;
		if (nown > 0)
		{
			int			lo = 0;
			int			hi = nown;

			while (lo < hi)
			{
				int			mid = lo + (hi - lo) / 2;

				if (cmp_own_column(&sorted[mid], &key) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < nown && strcmp(sorted[lo].name, key.name) == 0)
				hit = &sorted[lo];
		}
		if (hit != NULL && !used[hit->pos])
		{
			used[hit->pos] = true;
			res = lappend(res, hit->pc);
		}
		else
			res = lappend(res, pc);
	}
	i = 0;
	foreach(lc, own)
	{
		if (!used[i++])
			res = lappend(res, lfirst(lc));
	}
	return res;
}

/* ------------------------------------------------------------------------
 * model assembly and dbt's validation
 * ------------------------------------------------------------------------
 */

/* A column's identifier with its position, for duplicate detection. */
typedef struct ColumnKey
{
	const char *ident;
	int			pos;
	ContractColumn *col;
} ColumnKey;

static int
cmp_column_key(const void *a, const void *b)
{
	const ColumnKey *x = a;
	const ColumnKey *y = b;
	int			c = strcmp(x->ident, y->ident);

	return c != 0 ? c : x->pos - y->pos;
}

static void
validate_model(ParseCtx *cx, ContractModel *m, const YNode *mnode)
{
	ListCell   *lc;
	ContractConstraint *col_pk = NULL;
	ContractConstraint *model_pk = NULL;
	SrcLoc		l;
	ColumnKey  *keys;
	List	   *known = NIL;
	NameSet		known_set;
	ColumnKey  *first_dup = NULL;
	int			ncols = 0;
	int			i;

	/*
	 * Duplicate column names make no sense in a table.  Sort by identifier
	 * (n log n: a model may have thousands of columns) and report the pair
	 * whose first column comes earliest in the file.
	 */
	keys = palloc(sizeof(ColumnKey) * Max(1, list_length(m->columns)));
	foreach(lc, m->columns)
	{
		ContractColumn *c = lfirst(lc);

		keys[ncols].ident = contract_column_ident(c);
		keys[ncols].pos = ncols;
		keys[ncols].col = c;
		ncols++;
		/* model-level constraints may name a column either way */
		known = lappend(known, c->name);
		known = lappend(known, (char *) keys[ncols - 1].ident);
	}
	qsort(keys, ncols, sizeof(ColumnKey), cmp_column_key);
	for (i = 1; i < ncols; i++)
	{
		if (strcmp(keys[i - 1].ident, keys[i].ident) == 0 &&
			(i < 2 || strcmp(keys[i - 2].ident, keys[i].ident) != 0) &&
			(first_dup == NULL || keys[i - 1].pos < first_dup->pos))
			first_dup = &keys[i - 1];
	}
	if (first_dup != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" is declared twice in %s",
						dbtc_clip(first_dup[1].col->name), contract_model_label(m)),
				 errdetail("First at %s, again at %s.",
						   contract_srcloc_string(&first_dup[0].col->loc),
						   contract_srcloc_string(&first_dup[1].col->loc))));
	nameset_init(&known_set, known);

	if (m->enforced)
	{
		if (m->columns == NIL)
			parse_report(cx, mnode, ERROR,
						 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s has an enforced contract, and its 'columns' specification is missing",
								contract_model_label(m)),
						 errhint("List every column with its name and data_type."));
		foreach(lc, m->columns)
		{
			ContractColumn *c = lfirst(lc);

			if (c->data_type == NULL || c->data_type[0] == '\0')
				dbtc_ereport_at(&c->loc, ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("column \"%s\" of %s has no data_type, but the contract is enforced",
										dbtc_clip(c->name), contract_model_label(m)),
								 errhint("An enforced contract needs data_type on every column.")));
		}
		if (m->materialized && strcmp(m->materialized, "incremental") == 0 &&
			(m->on_schema_change == NULL ||
			 (strcmp(m->on_schema_change, "fail") != 0 &&
			  strcmp(m->on_schema_change, "append_new_columns") != 0)))
		{
			l = m->loc;
			dbtc_ereport_at(&l, ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("incremental %s has an enforced contract but on_schema_change is %s",
									contract_model_label(m),
									m->on_schema_change ?
									quote_literal_cstr(m->on_schema_change) : "not set (dbt's default is 'ignore')"),
							 errhint("Incremental models with enforced contracts must set on_schema_change to 'append_new_columns' or 'fail'.")));
		}
	}

	foreach(lc, m->constraints)
	{
		ContractConstraint *c = lfirst(lc);
		ListCell   *lc2;

		if (c->type == CC_PRIMARY_KEY)
		{
			ContractConstraint **slot = c->model_level ? &model_pk : &col_pk;

			/*
			 * Column-level: name both columns, since a constraint list
			 * reused through an alias has one location for both.
			 */
			if (*slot != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
						 errmsg("%s has more than one %s primary_key constraint",
								contract_model_label(m),
								c->model_level ? "model-level" : "column-level"),
						 c->model_level ?
						 errdetail("First at %s, again at %s.",
								   contract_srcloc_string(&(*slot)->loc), contract_srcloc_string(&c->loc)) :
						 errdetail("First on column \"%s\" at %s, again on column \"%s\" at %s.",
								   dbtc_clip(linitial((*slot)->columns)),
								   contract_srcloc_string(&(*slot)->loc),
								   dbtc_clip(linitial(c->columns)),
								   contract_srcloc_string(&c->loc)),
						 errhint("Declare a composite primary key once, at the model level: constraints: [{type: primary_key, columns: [a, b]}].")));
			*slot = c;
		}
		/* Model-level constraints must name contract columns. */
		if (c->model_level && m->columns != NIL)
		{
			foreach(lc2, c->columns)
			{
				char	   *cname = lfirst(lc2);

				if (!nameset_has(&known_set, cname) &&
					!nameset_has(&known_set, contract_written_ident(cname)))
					dbtc_ereport_at(&c->loc, ERROR,
									(errcode(ERRCODE_UNDEFINED_COLUMN),
									 errmsg("%s constraint of %s names column \"%s\", which is not in its columns",
											contract_constraint_type_name(c->type),
											contract_model_label(m), dbtc_clip(cname))));
			}
		}
	}
	if (col_pk != NULL && model_pk != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("%s declares a primary key at both the model and the column level",
						contract_model_label(m)),
				 errdetail("Model-level at %s, column-level at %s.",
						   contract_srcloc_string(&model_pk->loc), contract_srcloc_string(&col_pk->loc)),
				 errhint("Keep one of them.")));
}

/* dbt's default generate_schema_name: <target>_<custom> when set. */
static char *
relation_schema(ParseCtx *cx, const ModelConfig *cfg)
{
	if (cfg->schema != NULL && cfg->schema[0] != '\0')
	{
		char	   *custom = pstrdup(cfg->schema);
		char	   *end = custom + strlen(custom);

		/* dbt trims the custom schema name */
		while (*custom == ' ')
			custom++;
		while (end > custom && end[-1] == ' ')
			*--end = '\0';
		return psprintf("%s_%s", cx->opts->target_schema, custom);
	}
	return pstrdup(cx->opts->target_schema);
}

static ContractModel *
build_model(ParseCtx *cx, const YNode *mnode, const char *name,
			const char *version, const ModelConfig *cfg, List *columns,
			List *model_constraints, List *model_tests,
			const char *description, const char *deprecation_date,
			const char *latest_version)
{
	ContractModel *m = palloc0(sizeof(ContractModel));
	ListCell   *lc;

	m->name = pstrdup(name);
	m->version = (char *) version;
	m->latest_version = (char *) latest_version;
	m->loc = loc_of(cx, mnode);
	m->materialized = cfg->materialized;
	m->enforced = (cfg->enforced == 1);
	m->alias_types = (cfg->alias_types != 0);
	m->on_schema_change = cfg->on_schema_change;
	m->persist_relation_docs = (cfg->persist_relation_docs == 1);
	m->persist_column_docs = (cfg->persist_column_docs == 1);
	m->description = (char *) description;
	m->deprecation_date = (char *) deprecation_date;
	m->relation_schema = relation_schema(cx, cfg);
	if (cfg->alias != NULL)
		m->relation_name = pstrdup(cfg->alias);
	else
		m->relation_name = dbtc_version_relation(name, version,
												 cfg->version_is_falsy);
	check_ident_length(cx, mnode, NULL, "schema name", m->relation_schema);
	check_ident_length(cx, mnode, NULL, "relation name", m->relation_name);

	/* Column-level constraints first, in column order, then model-level. */
	foreach(lc, columns)
	{
		ParsedColumn *pc = lfirst(lc);

		m->columns = lappend(m->columns, pc->col);
		m->constraints = list_concat(m->constraints, pc->constraints);
		m->tests = list_concat(m->tests, pc->tests);
	}
	m->constraints = list_concat(m->constraints, model_constraints);
	m->tests = list_concat(m->tests, model_tests);

	validate_model(cx, m, mnode);
	return m;
}

/*
 * deprecation_date: a date or timestamp, as dbt accepts.  Checked here so
 * that deciding later whether it has passed cannot fail.
 */
static char *
get_deprecation_date(ParseCtx *cx, const YNode *map)
{
	char	   *value = get_string(cx, map, "deprecation_date");
	MemoryContext oldcxt = CurrentMemoryContext;

	if (value == NULL)
		return NULL;
	PG_TRY();
	{
		(void) DirectFunctionCall3(timestamptz_in, CStringGetDatum(value),
								   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		parse_report(cx, get_node(cx, map, "deprecation_date"), ERROR,
					 errcode(ERRCODE_INVALID_DATETIME_FORMAT),
					 errmsg("deprecation_date \"%s\" of %s is not a date: %s",
							dbtc_clip(value), subject(cx), dbtc_clip(edata->message)),
					 errhint("Write a date such as 2025-06-30, or a timestamp."));
	}
	PG_END_TRY();
	return value;
}

/* A version text and the entry it is at. */
typedef struct VersionAt
{
	const char *v;
	int			at;
} VersionAt;

static int
cmp_version_at(const void *a, const void *b)
{
	const VersionAt *x = a;
	const VersionAt *y = b;
	int			c = strcmp(x->v, y->v);

	return c != 0 ? c : x->at - y->at;
}

/*
 * The entry that repeats an earlier version (the first such entry in the
 * list), or -1.  dbt compares str(v), so v: 1 and v: "1" are the same
 * version and v: 1.0 another.  Found by sorting, as version lists can be
 * long.
 */
static int
first_duplicate_version(char **texts, int n)
{
	VersionAt  *vs = palloc(sizeof(VersionAt) * Max(1, n));
	int			dup_at = -1;
	int			i;

	for (i = 0; i < n; i++)
	{
		vs[i].v = texts[i];
		vs[i].at = i;
	}
	qsort(vs, n, sizeof(VersionAt), cmp_version_at);
	for (i = 1; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (strcmp(vs[i].v, vs[i - 1].v) == 0 && (dup_at < 0 || vs[i].at < dup_at))
			dup_at = vs[i].at;
	}
	pfree(vs);
	return dup_at;
}

/*
 * Whether latest_version: names version entry v, by Python's ==, which
 * dbt uses: numbers by value (2 is 2.0), strings by text, and never a
 * number and a string (latest_version: "2" is not v: 2).
 */
static bool
latest_is(const YNode *latest, const char *latest_text, const YNode *v,
		  const char *v_text)
{
	YScalarType lt = dbtc_yaml_scalar_type(latest);
	YScalarType vt = dbtc_yaml_scalar_type(v);
	bool		lnum = (lt == YS_INT || lt == YS_FLOAT);
	bool		vnum = (vt == YS_INT || vt == YS_FLOAT);
	double		x;
	double		y;

	if (lnum != vnum)
		return false;
	if (lnum && dbtc_version_float(latest_text, &x) &&
		dbtc_version_float(v_text, &y))
		return x == y;
	return strcmp(latest_text, v_text) == 0;
}

static List *
parse_versions(ParseCtx *cx, const YNode *mnode, const YNode *versions,
			   const char *name, const ModelConfig *model_cfg,
			   List *model_cols, List *model_constraints, List *model_tests,
			   const char *description, const char *deprecation_date,
			   List *out)
{
	YNode	   *latest_node = get_node(cx, mnode, "latest_version");
	char	   *latest_text = NULL;
	const char *latest = NULL;
	char	  **texts = palloc(sizeof(char *) * versions->nitems);
	bool	   *falsy = palloc(sizeof(bool) * versions->nitems);
	YNode	  **vnodes = palloc(sizeof(YNode *) * versions->nitems);
	int			dup_at;
	int			i;

	if (latest_node != NULL)
	{
		bool		ignored;

		latest_text = node_version(cx, latest_node, "latest_version", &ignored);
	}

	/* every entry's v first: the latest version is a property of all */
	for (i = 0; i < versions->nitems; i++)
	{
		YNode	   *vn = require_mapping(cx, versions->items[i], "versions");

		CHECK_FOR_INTERRUPTS();
		vnodes[i] = get_node(cx, vn, "v");
		if (vnodes[i] == NULL)
			parse_report(cx, vn, ERROR,
						 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("version entry without \"v\" in %s",
								subject(cx)));
		texts[i] = node_version(cx, vnodes[i], "v", &falsy[i]);
		if (latest_text != NULL && latest == NULL &&
			latest_is(latest_node, latest_text, vnodes[i], texts[i]))
			latest = texts[i];
	}
	dup_at = first_duplicate_version(texts, versions->nitems);
	if (dup_at >= 0)
		parse_report(cx, vnodes[dup_at], ERROR,
					 errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("found duplicate version %s in versions list of %s",
							dbtc_clip(texts[dup_at]), subject(cx)));
	if (latest_text != NULL && latest == NULL)
		parse_report(cx, latest_node, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("latest_version %s is not one of the versions of %s",
							dbtc_clip(latest_text), subject(cx)));

	/*
	 * Without latest_version, dbt takes max() of the entries, which keeps
	 * the first entry until one compares greater (in the list's order, as
	 * its comparison mixes numbers and text).
	 */
	if (latest == NULL)
	{
		latest = texts[0];
		for (i = 1; i < versions->nitems; i++)
			if (dbtc_version_lt(latest, texts[i]))
				latest = texts[i];
	}

	for (i = 0; i < versions->nitems; i++)
	{
		YNode	   *vn = versions->items[i];
		ModelConfig cfg = *model_cfg;
		IncludeExclude ie = {0};
		List	   *own;
		List	   *cons = model_constraints;
		List	   *tests;
		bool		has_tests;
		YNode	   *clist;
		char	   *vdesc;
		char	   *vdep;
		ContractModel *m;

		CHECK_FOR_INTERRUPTS();
		cx->version = texts[i];
		parse_config(cx, vn, &cfg);

		/*
		 * dbt's generate_alias_name appends _v<version> only when the
		 * version is true in Jinja: the number 0 is not (the text "0" is),
		 * so v: 0 builds the relation under the model's own name.
		 */
		cfg.version_is_falsy = falsy[i];
		own = parse_version_columns(cx, get_list(cx, vn, "columns"), &ie);
		clist = get_list(cx, vn, "constraints");
		if (clist != NULL)
			cons = parse_constraint_list(cx, clist, true);
		tests = parse_tests(cx, vn, &has_tests);
		if (!has_tests)
			tests = model_tests;
		vdesc = get_string(cx, vn, "description");
		vdep = get_deprecation_date(cx, vn);

		if (cfg.enabled != 0)
		{
			m = build_model(cx, vn, name, texts[i], &cfg,
							version_columns(model_cols, own, &ie),
							cons, tests,
							vdesc ? vdesc : description,
							vdep ? vdep : deprecation_date,
							latest_text ? latest : NULL);
			m->is_latest = (texts[i] == latest);

			/*
			 * dbt 1.12 makes a view named after the model (or the
			 * pointer's alias) that selects from the latest version, when
			 * latest_version_pointer is enabled in its config.
			 */
			if (m->is_latest && cfg.pointer_enabled == 1)
				m->latest_pointer = cfg.pointer_alias ? cfg.pointer_alias :
					pstrdup(name);
			out = lappend(out, m);
		}
		cx->version = NULL;
	}
	return out;
}

static List *
parse_model(ParseCtx *cx, YNode *mnode, List *out)
{
	ModelConfig cfg;
	char	   *name;
	List	   *cols;
	List	   *cons;
	List	   *tests;
	YNode	   *versions;
	char	   *description;
	char	   *deprecation_date;
	ListCell   *lc;

	require_mapping(cx, mnode, "models");
	cx->model = NULL;
	cx->version = NULL;
	cx->column = NULL;
	name = get_name(cx, mnode, "name");
	if (name == NULL)
		parse_report(cx, mnode, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model entry without \"name\""),
					 errhint("Every entry under models: needs a name matching its .sql file."));
	if (strlen(name) > DBTC_MAX_MODEL_NAME_LEN)
		parse_report(cx, get_node(cx, mnode, "name"), ERROR,
					 errcode(ERRCODE_NAME_TOO_LONG),
					 errmsg("model name \"%s\" is too long (%zu bytes)",
							dbtc_clip(name), strlen(name)),
					 errhint("A model's name is the name of its .sql file, at most %d bytes.",
							 DBTC_MAX_MODEL_NAME_LEN));
	cx->model = name;
	cx->quote_columns = (get_bool(cx, mnode, "quote_columns") == 1);

	config_init(&cfg);
	parse_config(cx, mnode, &cfg);
	description = get_string(cx, mnode, "description");
	deprecation_date = get_deprecation_date(cx, mnode);
	cols = parse_columns(cx, get_list(cx, mnode, "columns"));
	cons = parse_constraint_list(cx, get_list(cx, mnode, "constraints"), true);
	tests = parse_tests(cx, mnode, NULL);
	versions = get_list(cx, mnode, "versions");

	if (versions != NULL && versions->nitems > 0)
		out = parse_versions(cx, mnode, versions, name, &cfg, cols, cons, tests,
							 description, deprecation_date, out);
	else if (cfg.enabled != 0)
	{
		YNode	   *latest = get_node(cx, mnode, "latest_version");
		bool		ignored;

		if (latest != NULL)
			(void) node_version(cx, latest, "latest_version", &ignored);
		out = lappend(out, build_model(cx, mnode, name, NULL, &cfg, cols, cons,
									   tests, description, deprecation_date,
									   NULL));
	}

	/* Drop the per-column wrappers; the model keeps the parts. */
	foreach(lc, cols)
		pfree(lfirst(lc));
	cx->model = NULL;
	return out;
}

/*
 * Copied models are packed into blocks of the target context: they are
 * never freed one by one, and a 20,000-model project has millions of
 * small strings and structs, for which a chunk header and power-of-two
 * rounding each made the copies take half again as much.  The arena
 * follows the current context, and forgets its block when that context
 * is reset or deleted.
 */
#define COPY_BLOCK_SIZE		(64 * 1024)

static struct
{
	MemoryContext cxt;
	char	   *next;
	char	   *end;
}			copy_arena;

static void
copy_arena_forget(void *arg)
{
	if (copy_arena.cxt == (MemoryContext) arg)
	{
		copy_arena.cxt = NULL;
		copy_arena.next = copy_arena.end = NULL;
	}
}

static void *
copy_alloc(Size size)
{
	char	   *p;

	size = MAXALIGN(size);
	if (copy_arena.cxt != CurrentMemoryContext)
	{
		MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));

		cb->func = copy_arena_forget;
		cb->arg = CurrentMemoryContext;
		MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
		copy_arena.cxt = CurrentMemoryContext;
		copy_arena.next = copy_arena.end = NULL;
	}
	if (copy_arena.next == NULL || size > (Size) (copy_arena.end - copy_arena.next))
	{
		if (size > COPY_BLOCK_SIZE / 8)
			return palloc(size);
		copy_arena.next = palloc(COPY_BLOCK_SIZE);
		copy_arena.end = copy_arena.next + COPY_BLOCK_SIZE;
	}
	p = copy_arena.next;
	copy_arena.next += size;
	return p;
}

static char *
copy_text(const char *s)
{
	size_t		len;
	char	   *res;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	res = copy_alloc(len);
	memcpy(res, s, len);
	return res;
}

static List *
copy_text_list(List *l)
{
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, l)
		res = lappend(res, copy_text(lfirst(lc)));
	return res;
}

/*
 * A deep copy of a parsed model in the current memory context.  Parsed
 * models point into the YAML tree and share parts between versions; the
 * copy owns everything, so the tree (several times the size of the YAML)
 * and the parser's scratch memory can go as soon as a model is read.
 */
ContractModel *
contract_model_copy(const ContractModel *src)
{
	ContractModel *m = copy_alloc(sizeof(ContractModel));
	ListCell   *lc;

	*m = *src;
	m->name = copy_text(src->name);
	m->relation_schema = copy_text(src->relation_schema);
	m->relation_name = copy_text(src->relation_name);
	m->materialized = copy_text(src->materialized);
	m->on_schema_change = copy_text(src->on_schema_change);
	m->description = copy_text(src->description);
	m->deprecation_date = copy_text(src->deprecation_date);
	m->version = copy_text(src->version);
	m->latest_version = copy_text(src->latest_version);
	m->latest_pointer = copy_text(src->latest_pointer);
	m->fingerprint = copy_text(src->fingerprint);
	m->columns = NIL;
	m->constraints = NIL;
	m->tests = NIL;
	foreach(lc, src->columns)
	{
		ContractColumn *c = copy_alloc(sizeof(ContractColumn));

		CHECK_FOR_INTERRUPTS();
		*c = *(ContractColumn *) lfirst(lc);
		c->name = copy_text(c->name);
		c->data_type = copy_text(c->data_type);
		c->description = copy_text(c->description);
		m->columns = lappend(m->columns, c);
	}
	foreach(lc, src->constraints)
	{
		ContractConstraint *k = copy_alloc(sizeof(ContractConstraint));

		CHECK_FOR_INTERRUPTS();
		*k = *(ContractConstraint *) lfirst(lc);
		k->columns = copy_text_list(k->columns);
		k->expression = copy_text(k->expression);
		k->name = copy_text(k->name);
		k->to_text = copy_text(k->to_text);
		k->to_model = copy_text(k->to_model);
		k->to_package = copy_text(k->to_package);
		k->to_version = copy_text(k->to_version);
		k->to_columns = copy_text_list(k->to_columns);
		m->constraints = lappend(m->constraints, k);
	}
	foreach(lc, src->tests)
	{
		ContractTest *t = copy_alloc(sizeof(ContractTest));

		CHECK_FOR_INTERRUPTS();
		*t = *(ContractTest *) lfirst(lc);
		t->test_name = copy_text(t->test_name);
		t->columns = copy_text_list(t->columns);
		t->arguments = copy_text(t->arguments);
		t->config = copy_text(t->config);
		m->tests = lappend(m->tests, t);
	}
	return m;
}

/*
 * Parse one model entry in a scratch context, append deep copies of its
 * models to `models` in the caller's context, and drop the scratch.
 */
List *
contract_parse_entry_copied(YDoc *doc, YNode *entry, const ParseOptions *opts,
							List *models, MemoryContext scratch)
{
	MemoryContext caller = MemoryContextSwitchTo(scratch);
	List	   *parsed = contract_parse_model_entry(doc, entry, opts, NIL);
	ListCell   *lc;

	MemoryContextSwitchTo(caller);
	foreach(lc, parsed)
		models = lappend(models, contract_model_copy(lfirst(lc)));
	MemoryContextReset(scratch);
	return models;
}

/*
 * Parse one YAML document (a schema.yml) and append its models to
 * `models`.  Only `version` and `models` are read at the top level.
 */
List *
contract_parse_document(YDoc *doc, const ParseOptions *opts, List *models)
{
	ParseCtx	cx = {0};
	YNode	   *root = doc->root;
	YNode	   *list;
	YNode	   *ver;
	MemoryContext scratch;
	int			i;

	cx.doc = doc;
	cx.opts = opts;
	cx.version = NULL;

	if (root == NULL || (root->kind == YN_SCALAR && dbtc_yaml_scalar_type(root) == YS_NULL))
		return models;			/* an empty file declares nothing */
	if (root->kind != YN_MAPPING)
		parse_report(&cx, root, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the top level of \"%s\" must be a mapping, not %s",
							doc->file, kind_name(root)),
					 errhint("A dbt properties file starts with version: 2 and models:."));

	ver = get_node(&cx, root, "version");
	if (ver != NULL && !(ver->kind == YN_SCALAR && strcmp(ver->value, "2") == 0))
		parse_report(&cx, ver, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unsupported properties file version \"%s\" in \"%s\"",
							ver->kind == YN_SCALAR ? dbtc_clip(ver->value) : "?", doc->file),
					 errhint("dbt properties files use version: 2."));

	list = get_node(&cx, root, "models");
	if (list == NULL)
		return models;
	if (list->kind != YN_SEQUENCE)
		parse_report(&cx, list, ERROR,
					 errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"models\" must be a list, not %s, in \"%s\"",
							kind_name(list), doc->file),
					 errhint("Write each model as a list item starting with \"- name:\"."));
	scratch = AllocSetContextCreate(CurrentMemoryContext,
									"dbt_contract model parse",
									ALLOCSET_DEFAULT_SIZES);
	for (i = 0; i < list->nitems; i++)
		models = contract_parse_entry_copied(doc, list->items[i], opts, models,
											 scratch);
	MemoryContextDelete(scratch);
	return models;
}

/*
 * Parse one model entry (a mapping shaped like an item of `models:`) and
 * append its models; used for model nodes synthesized from a manifest.
 */
List *
contract_parse_model_entry(YDoc *doc, YNode *model, const ParseOptions *opts,
						   List *models)
{
	ParseCtx	cx = {0};

	cx.doc = doc;
	cx.opts = opts;
	cx.version = NULL;
	return parse_model(&cx, model, models);
}
