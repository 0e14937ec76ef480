/*-------------------------------------------------------------------------
 * contract_diff.c
 *	  Compare the contract a source defined before with the one an apply
 *	  brings, the way dbt's same_contract does with --state: what changed,
 *	  and which changes break consumers of an enforced contract.
 *
 * Breaking: enforcement removed; a column removed (a rename is a removal
 * and an addition); a column's type changed (resolved OID and typmod, so
 * int -> integer is no change); a constraint removed or changed; the
 * materialization changed away from table/incremental while constraints
 * exist; the model removed, unless its deprecation_date has passed or its
 * relation was never built.
 * Additions never break anything.
 *
 * The same rules compare two targets' stored contracts (a pull request's
 * target against production's): dbt_contract_diff_targets.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/timestamp.h"

#include "dbt_contract.h"

static void
add_change(List **changes, const char *model, const char *version, const char *change,
		   char *detail, bool breaking)
{
	ContractChange *c = palloc(sizeof(ContractChange));

	c->model = pstrdup(model);
	c->version = version ? pstrdup(version) : NULL;
	c->change = change;
	c->detail = detail;
	c->breaking = breaking;
	*changes = lappend(*changes, c);
}

static bool
table_like(const char *materialized)
{
	return materialized != NULL &&
		(strcmp(materialized, "table") == 0 || strcmp(materialized, "incremental") == 0);
}

static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * Has the deprecation date passed?  dbt accepts a date or a timestamp;
 * text that is neither was refused when it was applied.
 */
bool
contract_deprecation_passed(const char *deprecation_date)
{
	Datum		ts;

	if (deprecation_date == NULL || deprecation_date[0] == '\0')
		return false;
	ts = DirectFunctionCall3(timestamptz_in, CStringGetDatum(deprecation_date),
							 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	return DatumGetTimestampTz(ts) <= GetCurrentTransactionStartTimestamp();
}

/* Constraints keyed by what identifies them: type, level and columns. */
static char *
constraint_key(const char *type, bool model_level, List *columns)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	appendStringInfo(&s, "%s-level %s (", model_level ? "model" : "column", type);
	foreach(lc, columns)
		appendStringInfo(&s, "%s%s", lc == list_head(columns) ? "" : ", ",
						 quote_identifier(lfirst(lc)));
	appendStringInfoChar(&s, ')');
	return s.data;
}

/*
 * Everything else a constraint declares, to see whether it changed; for
 * display (display = true), user text is clipped as in any message.
 */
static char *
constraint_body(const char *name, const char *expression, const char *to,
				List *to_columns, bool display)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	if (name)
		appendStringInfo(&s, " name %s", quote_identifier(name));
	if (expression)
		appendStringInfo(&s, " expression %s",
						 quote_literal_cstr(display ? dbtc_clip(expression) : expression));
	if (to)
		appendStringInfo(&s, " to %s", display ? dbtc_clip(to) : to);
	if (to_columns != NIL)
	{
		appendStringInfoString(&s, " to_columns (");
		foreach(lc, to_columns)
			appendStringInfo(&s, "%s%s", lc == list_head(to_columns) ? "" : ", ",
							 quote_identifier(lfirst(lc)));
		appendStringInfoChar(&s, ')');
	}
	/* without the leading blank; "" when the constraint has no options */
	return s.len > 0 ? s.data + 1 : s.data;
}

/*
 * Names (or keys) with their position, sorted for lookups: models can
 * have thousands of columns and constraints, and comparing every old one
 * with every new one was quadratic.
 */
typedef struct KeyPos
{
	const char *key;
	const char *body;			/* constraints: what else they declare */
	int			pos;
} KeyPos;

static int
keypos_cmp(const void *a, const void *b)
{
	const KeyPos *x = a;
	const KeyPos *y = b;
	int			c = strcmp(x->key, y->key);

	if (c == 0 && x->body != NULL && y->body != NULL)
		c = strcmp(x->body, y->body);
	return c != 0 ? c : x->pos - y->pos;
}

/* The first entry whose key (and body, when given) is `key`, or -1. */
static int
keypos_find(const KeyPos *sorted, int n, const char *key, const char *body)
{
	KeyPos		probe;
	int			lo = 0;
	int			hi = n;

	probe.key = key;
	probe.body = body;
	probe.pos = -1;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (keypos_cmp(&sorted[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && strcmp(sorted[lo].key, key) == 0 &&
		(body == NULL || strcmp(sorted[lo].body, body) == 0))
		return lo;
	return -1;
}

static KeyPos *
keypos_sorted(KeyPos *a, int n)
{
	qsort(a, n, sizeof(KeyPos), keypos_cmp);
	return a;
}

/* A stored column's (valid) type as format_type() shows it. */
static char *
stored_type_text(const ContractColumn *c)
{
	return format_type_extended(c->type_oid, c->typmod,
								FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_ALLOW_INVALID);
}

static void
diff_columns(List **changes, const ContractModel *old, const ContractModel *new,
			 bool enforced)
{
	int			nnew = list_length(new->columns);
	int			nold = list_length(old->columns);
	KeyPos	   *newk = palloc(sizeof(KeyPos) * Max(1, nnew));
	KeyPos	   *oldk = palloc(sizeof(KeyPos) * Max(1, nold));
	ContractColumn **newcols = palloc(sizeof(ContractColumn *) * Max(1, nnew));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, new->columns)
	{
		newcols[i] = lfirst(lc);
		newk[i].key = contract_column_ident(newcols[i]);
		newk[i].body = NULL;
		newk[i].pos = i;
		i++;
	}
	keypos_sorted(newk, nnew);
	i = 0;
	foreach(lc, old->columns)
	{
		oldk[i].key = contract_column_ident(lfirst(lc));
		oldk[i].body = NULL;
		oldk[i].pos = i;
		i++;
	}
	keypos_sorted(oldk, nold);

	foreach(lc, old->columns)
	{
		ContractColumn *oc = lfirst(lc);
		char	   *attname = contract_column_ident(oc);
		int			hit = keypos_find(newk, nnew, attname, NULL);
		ContractColumn *match = hit >= 0 ? newcols[newk[hit].pos] : NULL;

		CHECK_FOR_INTERRUPTS();
		if (match == NULL)
			add_change(changes, new->name, new->version, "column removed",
					   psprintf("column %s (%s)", quote_identifier(attname),
								OidIsValid(oc->type_oid) ? stored_type_text(oc) :
								"no data_type"),
					   enforced);
		else if (OidIsValid(oc->type_oid) &&
				 (oc->type_oid != match->type_oid || oc->typmod != match->typmod))
			add_change(changes, new->name, new->version, "column type changed",
					   psprintf("column %s: %s -> %s", quote_identifier(attname),
								stored_type_text(oc),
								OidIsValid(match->type_oid) ?
								format_type_with_typemod(match->type_oid, match->typmod) :
								"no data_type"),
					   enforced);
	}
	for (i = 0; i < nnew; i++)
	{
		ContractColumn *nc = newcols[i];
		char	   *ident = contract_column_ident(nc);

		CHECK_FOR_INTERRUPTS();
		if (keypos_find(oldk, nold, ident, NULL) < 0)
			add_change(changes, new->name, new->version, "column added",
					   psprintf("column %s (%s)", quote_identifier(ident),
								OidIsValid(nc->type_oid) ?
								format_type_with_typemod(nc->type_oid, nc->typmod) :
								"no data_type"),
					   false);
	}
}

static char *
constraint_body_of(const ContractConstraint *k, bool display)
{
	return constraint_body(k->name, k->expression,
						   contract_fk_target_key(k->to_model, k->to_version, k->to_text),
						   k->to_columns, display);
}

static void
diff_constraints(List **changes, const ContractModel *old, const ContractModel *new,
				 bool enforced)
{
	int			nnew = list_length(new->constraints);
	int			nold = list_length(old->constraints);
	KeyPos	   *bybody = palloc(sizeof(KeyPos) * Max(1, nnew));
	KeyPos	   *lastbykey = palloc(sizeof(KeyPos) * Max(1, nnew));
	KeyPos	   *oldk = palloc(sizeof(KeyPos) * Max(1, nold));
	ContractConstraint **newcons = palloc(sizeof(ContractConstraint *) * Max(1, nnew));
	int			nkeys = 0;
	ListCell   *lc;
	int			i = 0;

	/* new constraints by (key, body), and per key the last one declared */
	foreach(lc, new->constraints)
	{
		ContractConstraint *k = lfirst(lc);

		newcons[i] = k;
		bybody[i].key = constraint_key(contract_constraint_type_name(k->type),
									   k->model_level, k->columns);
		bybody[i].body = constraint_body_of(k, false);
		bybody[i].pos = i;
		i++;
	}
	keypos_sorted(bybody, nnew);
	for (i = 0; i < nnew; i++)
	{
		if (nkeys > 0 && strcmp(lastbykey[nkeys - 1].key, bybody[i].key) == 0)
		{
			if (bybody[i].pos > lastbykey[nkeys - 1].pos)
				lastbykey[nkeys - 1] = bybody[i];
		}
		else
			lastbykey[nkeys++] = bybody[i];
	}
	for (i = 0; i < nkeys; i++)
		lastbykey[i].body = NULL;	/* looked up by key alone */

	i = 0;
	foreach(lc, old->constraints)
	{
		ContractConstraint *k = lfirst(lc);
		char	   *key = constraint_key(contract_constraint_type_name(k->type),
										 k->model_level, k->columns);
		int			other;

		CHECK_FOR_INTERRUPTS();
		oldk[i].key = key;
		oldk[i].body = NULL;
		oldk[i].pos = i;
		i++;
		if (keypos_find(bybody, nnew, key, constraint_body_of(k, false)) >= 0)
			continue;			/* the same constraint */
		other = keypos_find(lastbykey, nkeys, key, NULL);
		if (other >= 0)
		{
			char	   *body = constraint_body_of(k, true);
			char	   *other_body = constraint_body_of(newcons[lastbykey[other].pos], true);

			add_change(changes, new->name, new->version, "constraint changed",
					   psprintf("%s: %s -> %s", key, body[0] ? body : "(plain)",
								other_body[0] ? other_body : "(plain)"),
					   enforced);
		}
		else
		{
			char	   *body = constraint_body_of(k, true);

			add_change(changes, new->name, new->version, "constraint removed",
					   body[0] ? psprintf("%s %s", key, body) : key, enforced);
		}
	}
	keypos_sorted(oldk, nold);
	for (i = 0; i < nnew; i++)
	{
		ContractConstraint *k = newcons[i];
		char	   *key = constraint_key(contract_constraint_type_name(k->type),
										 k->model_level, k->columns);

		CHECK_FOR_INTERRUPTS();
		if (keypos_find(oldk, nold, key, NULL) < 0)
		{
			char	   *body = constraint_body_of(k, true);

			add_change(changes, new->name, new->version, "constraint added",
					   body[0] ? psprintf("%s %s", key, body) : key, false);
		}
	}
}

/*
 * Whether the relation a stored contract names (schema.name, quoted) is
 * there.  A contract whose relation was never built (a branch added the
 * model, then ran only other models) has no consumers to break, so its
 * removal does not block.
 */
static bool
relation_exists(const char *relation)
{
	List	   *names = DBTC_QUALIFIED_NAME_LIST(relation);

	return OidIsValid(RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true));
}

/*
 * Changes between the stored contract `old` and the applied `new` of the
 * same model; either may be NULL (model added or removed).
 */
List *
contract_diff_model(const ContractModel *old, const ContractModel *new)
{
	List	   *changes = NIL;
	bool		enforced;
	char	   *old_relation;

	if (old == NULL)
	{
		add_change(&changes, new->name, new->version, "model added",
				   quote_qualified_identifier(new->relation_schema, new->relation_name),
				   false);
		return changes;
	}
	old_relation = quote_qualified_identifier(old->relation_schema,
											  old->relation_name);
	if (new == NULL)
	{
		bool		deprecated = contract_deprecation_passed(old->deprecation_date);
		bool		built = relation_exists(old_relation);

		add_change(&changes, old->name, old->version, "model removed",
				   deprecated ?
				   psprintf("%s (deprecated since %s)", old_relation, old->deprecation_date) :
				   !built ? psprintf("%s (never built)", old_relation) :
				   pstrdup(old_relation),
				   old->enforced && !deprecated && built);
		return changes;
	}
	if (same_text(old->fingerprint, new->fingerprint))
		return NIL;

	/* Only an enforced contract makes promises that can be broken. */
	enforced = old->enforced;
	if (old->enforced && !new->enforced)
		add_change(&changes, new->name, new->version, "enforcement removed",
				   pstrdup("contract.enforced is no longer true"), true);
	else if (!old->enforced && new->enforced)
		add_change(&changes, new->name, new->version, "enforcement added",
				   pstrdup("contract.enforced is now true"), false);

	diff_columns(&changes, old, new, enforced);
	diff_constraints(&changes, old, new, enforced);

	if (!same_text(old->materialized, new->materialized))
	{
		/* not declared: dbt_project.yml decides, which we cannot see */
		bool		breaking = enforced && table_like(old->materialized) &&
			new->materialized != NULL && !table_like(new->materialized) &&
			(old->constraints != NIL || new->constraints != NIL);

		add_change(&changes, new->name, new->version, "materialization changed",
				   psprintf("%s -> %s",
							old->materialized ? old->materialized : "(not declared)",
							new->materialized ? new->materialized : "(not declared)"),
				   breaking);
	}
	if (strcmp(old_relation,
			   quote_qualified_identifier(new->relation_schema, new->relation_name)) != 0)
		add_change(&changes, new->name, new->version, "relation changed",
				   psprintf("%s -> %s", old_relation,
							quote_qualified_identifier(new->relation_schema,
													   new->relation_name)),
				   false);

	/* Descriptions, tests and the like: changed, never breaking. */
	if (changes == NIL)
		add_change(&changes, new->name, new->version, "details changed",
				   pstrdup("descriptions, data tests or other properties"), false);
	return changes;
}

/* ------------------------------------------------------------------------
 * Comparing two targets' stored contracts (dbt_contract_diff_targets)
 * ------------------------------------------------------------------------
 */

/*
 * A schema of one target as the other target would name it: the target
 * schema itself, or dbt's <target>_<custom> for a custom schema.  Other
 * schemas (used verbatim) stay as they are.
 */
static char *
translate_schema(const char *schema, const char *from, const char *to)
{
	size_t		len = strlen(from);

	if (strcmp(schema, from) == 0)
		return pstrdup(to);
	if (strncmp(schema, from, len) == 0 && schema[len] == '_')
		return psprintf("%s%s", to, schema + len);
	return pstrdup(schema);
}

/*
 * "schema.rest" with its schema translated as translate_schema does (the
 * schema unquoted, as dbt renders {{ target.schema }}).
 */
static char *
translate_qualified(const char *text, const char *from, const char *to)
{
	const char *dot = strchr(text, '.');

	if (dot == NULL)
		return pstrdup(text);
	return psprintf("%s%s", translate_schema(pnstrdup(text, dot - text), from, to), dot);
}

static bool
keep_targets(void *arg, const ContractModel *m)
{
	const char *const *targets = arg;

	return m->target != NULL &&
		(strcmp(m->target, targets[0]) == 0 || strcmp(m->target, targets[1]) == 0);
}

/*
 * The stored contracts of two targets as the models an apply would bring,
 * in *base and *head, each in model id order.
 */
static void
read_target_models(const char *base_target, const char *head_target,
				   List **base, List **head)
{
	const char *targets[2] = {base_target, head_target};
	ContractReader *r = contract_reader_begin(contract_statement_snapshot());
	List	   *models;
	ListCell   *lc;

	*base = *head = NIL;
	if (r == NULL)
		return;
	models = contract_reader_models(r, NULL, keep_targets, targets,
									CONTRACT_READ_TESTS);
	contract_reader_end(r);
	foreach(lc, models)
	{
		ContractModel *m = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		/* a model of both targets (base = head) is the base's */
		if (strcmp(m->target, base_target) == 0)
			*base = lappend(*base, m);
		else
		{
			ListCell   *kc;

			/* named as in the base target, so only real changes show */
			m->relation_schema = translate_schema(m->relation_schema,
												  head_target, base_target);
			/* a legacy "{{ target.schema }}.t (c)" names the head's own schema */
			foreach(kc, m->constraints)
			{
				ContractConstraint *k = lfirst(kc);

				if (k->type == CC_FOREIGN_KEY && k->expression != NULL)
					k->expression = translate_qualified(k->expression,
														head_target, base_target);
			}
			*head = lappend(*head, m);
		}
	}
}

static int
model_key_cmp(const ListCell *a, const ListCell *b)
{
	const ContractModel *x = lfirst(a);
	const ContractModel *y = lfirst(b);
	int			c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return dbtc_version_key_cmp(x->version, y->version);
}

/*
 * What the contracts of head_target change against those of base_target
 * (a pull request's or a developer's target against production's), with
 * the rules an apply uses: the head's models are compared as if applied
 * over the base's.  Fingerprints are worked out afresh on both sides from
 * the stored rows, so contracts that differ only by their target compare
 * equal.
 */
List *
contract_diff_targets(const char *base_target, const char *head_target)
{
	List	   *base;
	List	   *head;
	List	   *changes = NIL;
	ListCell   *lc;
	ListCell   *bc;
	ListCell   *hc;

	read_target_models(base_target, head_target, &base, &head);
	foreach(lc, base)
		contract_fingerprint(lfirst(lc));
	foreach(lc, head)
		contract_fingerprint(lfirst(lc));
	list_sort(base, model_key_cmp);
	list_sort(head, model_key_cmp);

	bc = list_head(base);
	hc = list_head(head);
	while (bc != NULL || hc != NULL)
	{
		ContractModel *b = bc ? lfirst(bc) : NULL;
		ContractModel *h = hc ? lfirst(hc) : NULL;
		int			c;

		CHECK_FOR_INTERRUPTS();
		if (b == NULL)
			c = 1;
		else if (h == NULL)
			c = -1;
		else
			c = model_key_cmp(bc, hc);
		if (c < 0)
		{
			changes = list_concat(changes, contract_diff_model(b, NULL));
			bc = lnext(base, bc);
		}
		else if (c > 0)
		{
			changes = list_concat(changes, contract_diff_model(NULL, h));
			hc = lnext(head, hc);
		}
		else
		{
			changes = list_concat(changes, contract_diff_model(b, h));
			bc = lnext(base, bc);
			hc = lnext(head, hc);
		}
	}
	return changes;
}
