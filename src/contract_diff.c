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
 * exist; the model removed, unless its deprecation_date has passed.
 * Additions never break anything.
 *
 * The same rules compare two targets' stored contracts (a pull request's
 * target against production's): dbt_contract_diff_targets.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "dbt_contract.h"

static void
add_change(List **changes, const char *model, int version, const char *change,
		   char *detail, bool breaking)
{
	ContractChange *c = palloc(sizeof(ContractChange));

	c->model = pstrdup(model);
	c->version = version;
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
 * What a foreign key points at, independent of spelling: ref('m'),
 * ref("m") and the relation dbt compiled it to ("db"."s"."m", in a
 * manifest) all name model m.
 */
char *
contract_fk_target_key(const char *to_model, int to_version, const char *to_text)
{
	if (to_model != NULL)
		return to_version >= 0 ? psprintf("model %s version %d", to_model, to_version) :
			psprintf("model %s", to_model);
	return to_text ? pstrdup(to_text) : NULL;
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

static void
diff_columns(List **changes, const StoredModel *old, const ContractModel *new,
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
		oldk[i].key = ((StoredColumn *) lfirst(lc))->attname;
		oldk[i].body = NULL;
		oldk[i].pos = i;
		i++;
	}
	keypos_sorted(oldk, nold);

	foreach(lc, old->columns)
	{
		StoredColumn *oc = lfirst(lc);
		int			hit = keypos_find(newk, nnew, oc->attname, NULL);
		ContractColumn *match = hit >= 0 ? newcols[newk[hit].pos] : NULL;

		CHECK_FOR_INTERRUPTS();
		if (match == NULL)
			add_change(changes, new->name, new->version, "column removed",
					   psprintf("column %s (%s)", quote_identifier(oc->attname),
								oc->type_text ? oc->type_text : "no data_type"),
					   enforced);
		else if (OidIsValid(oc->type_oid) &&
				 (oc->type_oid != match->type_oid || oc->typmod != match->typmod))
			add_change(changes, new->name, new->version, "column type changed",
					   psprintf("column %s: %s -> %s", quote_identifier(oc->attname),
								oc->type_text,
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
new_constraint_body(const ContractConstraint *k, bool display)
{
	return constraint_body(k->name, k->expression,
						   contract_fk_target_key(k->to_model, k->to_version, k->to_text),
						   k->to_columns, display);
}

static char *
old_constraint_body(const StoredConstraint *k, bool display)
{
	return constraint_body(k->name, k->expression,
						   contract_fk_target_key(k->to_model, k->to_version, k->to_text),
						   k->to_columns, display);
}

static void
diff_constraints(List **changes, const StoredModel *old, const ContractModel *new,
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
		bybody[i].body = new_constraint_body(k, false);
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
		StoredConstraint *k = lfirst(lc);
		char	   *key = constraint_key(k->type, k->model_level, k->columns);
		int			other;

		CHECK_FOR_INTERRUPTS();
		oldk[i].key = key;
		oldk[i].body = NULL;
		oldk[i].pos = i;
		i++;
		if (keypos_find(bybody, nnew, key, old_constraint_body(k, false)) >= 0)
			continue;			/* the same constraint */
		other = keypos_find(lastbykey, nkeys, key, NULL);
		if (other >= 0)
		{
			char	   *body = old_constraint_body(k, true);
			char	   *other_body = new_constraint_body(newcons[lastbykey[other].pos], true);

			add_change(changes, new->name, new->version, "constraint changed",
					   psprintf("%s: %s -> %s", key, body[0] ? body : "(plain)",
								other_body[0] ? other_body : "(plain)"),
					   enforced);
		}
		else
		{
			char	   *body = old_constraint_body(k, true);

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
			char	   *body = new_constraint_body(k, true);

			add_change(changes, new->name, new->version, "constraint added",
					   body[0] ? psprintf("%s %s", key, body) : key, false);
		}
	}
}

/*
 * Changes between the stored contract `old` and the applied `new` of the
 * same model; either may be NULL (model added or removed).
 */
List *
contract_diff_model(const StoredModel *old, const ContractModel *new)
{
	List	   *changes = NIL;
	bool		enforced;

	if (old == NULL)
	{
		add_change(&changes, new->name, new->version, "model added",
				   quote_qualified_identifier(new->relation_schema, new->relation_name),
				   false);
		return changes;
	}
	if (new == NULL)
	{
		bool		deprecated = contract_deprecation_passed(old->deprecation_date);

		add_change(&changes, old->model, old->version, "model removed",
				   deprecated ?
				   psprintf("%s (deprecated since %s)", old->relation, old->deprecation_date) :
				   pstrdup(old->relation),
				   old->enforced && !deprecated);
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
	if (strcmp(old->relation,
			   quote_qualified_identifier(new->relation_schema, new->relation_name)) != 0)
		add_change(&changes, new->name, new->version, "relation changed",
				   psprintf("%s -> %s", old->relation,
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
 * Every stored row of both targets: models ('m'), then their columns
 * ('c'), constraints ('k') and data tests ('d'), each in declaration order.
 */
static const char *const target_rows_query =
"SELECT m.model_id, 'm' AS kind, 0 AS ord, m.model AS a, m.relation_schema AS b, "
"       m.relation_name AS c, m.materialized AS d, m.on_schema_change AS e, "
"       m.description AS f, m.deprecation_date AS g, m.target AS h, "
"       coalesce(m.version, -1) AS n1, coalesce(m.latest_version, -1) AS n2, "
"       m.enforced::int AS n3, m.alias_types::int AS n4, NULL::oid AS o, "
"       NULL::text[] AS arr1, NULL::text[] AS arr2 "
"  FROM dbt_contract.contract_model m WHERE m.target IN ($1, $2) "
"UNION ALL "
"SELECT c.model_id, 'c', c.ordinal, c.column_name, c.description, c.data_type, "
"       NULL, NULL, NULL, NULL, NULL, c.typmod, c.quoted::int, 0, 0, c.type_oid, "
"       NULL, NULL "
"  FROM dbt_contract.contract_column c "
"  JOIN dbt_contract.contract_model m USING (model_id) WHERE m.target IN ($1, $2) "
"UNION ALL "
"SELECT k.model_id, 'k', k.ordinal, k.constraint_type, k.expression, k.name, "
"       k.to_text, k.to_model, NULL, NULL, NULL, coalesce(k.to_version, -1), "
"       (k.level = 'model')::int, k.warn_unenforced::int, k.warn_unsupported::int, "
"       NULL, k.columns, k.to_columns "
"  FROM dbt_contract.contract_constraint k "
"  JOIN dbt_contract.contract_model m USING (model_id) WHERE m.target IN ($1, $2) "
"UNION ALL "
"SELECT t.model_id, 'd', t.ordinal, t.test_name, t.arguments::text, t.config::text, "
"       NULL, NULL, NULL, NULL, NULL, 0, t.enabled::int, 0, 0, NULL, t.columns, NULL "
"  FROM dbt_contract.contract_test t "
"  JOIN dbt_contract.contract_model m USING (model_id) WHERE m.target IN ($1, $2) "
"ORDER BY 1, 2 DESC, 3";

static char *
row_text(HeapTuple tup, TupleDesc td, int col)
{
	return SPI_getvalue(tup, td, col);
}

static int
row_int(HeapTuple tup, TupleDesc td, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, td, col, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

static List *
row_names(HeapTuple tup, TupleDesc td, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, td, col, &isnull);

	return isnull ? NIL : contract_text_array_list(d);
}

/*
 * The stored contracts of two targets as the models an apply would bring,
 * in *base and *head.  Rows arrive ordered by model id, each model's own
 * row first.
 */
static void
read_target_models(const char *base_target, const char *head_target,
				   List **base, List **head)
{
	OwnerContext oc;
	MemoryContext callercxt = CurrentMemoryContext;
	Datum		args[2];
	Oid			types[2] = {TEXTOID, TEXTOID};
	ContractModel *cur = NULL;
	int64		cur_id = -1;
	uint64		i;
	int			rc;

	*base = *head = NIL;
	begin_as_owner(&oc);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	args[0] = CStringGetTextDatum(base_target);
	args[1] = CStringGetTextDatum(head_target);
	rc = SPI_execute_with_args(target_rows_query, 2, types, args, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dbt_contract: reading the contracts of targets failed: %s",
			 SPI_result_code_string(rc));

	/* what is built here outlives SPI's memory */
	MemoryContextSwitchTo(callercxt);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		char		kind = row_text(tup, td, 2)[0];

		CHECK_FOR_INTERRUPTS();
		if (kind == 'm')
		{
			char	   *target = row_text(tup, td, 11);

			cur = palloc0(sizeof(ContractModel));
			cur_id = id;
			cur->name = row_text(tup, td, 4);
			cur->relation_schema = row_text(tup, td, 5);
			cur->relation_name = row_text(tup, td, 6);
			cur->materialized = row_text(tup, td, 7);
			cur->on_schema_change = row_text(tup, td, 8);
			cur->description = row_text(tup, td, 9);
			cur->deprecation_date = row_text(tup, td, 10);
			cur->version = row_int(tup, td, 12);
			cur->latest_version = row_int(tup, td, 13);
			cur->enforced = row_int(tup, td, 14) != 0;
			cur->alias_types = row_int(tup, td, 15) != 0;
			/* a model of both targets (base = head) is the base's */
			if (strcmp(target, base_target) == 0)
				*base = lappend(*base, cur);
			else
			{
				/* named as in the base target, so only real changes show */
				cur->relation_schema = translate_schema(cur->relation_schema,
														head_target, base_target);
				*head = lappend(*head, cur);
			}
		}
		else if (cur == NULL || cur_id != id)
			continue;
		else if (kind == 'c')
		{
			ContractColumn *c = palloc0(sizeof(ContractColumn));
			Datum		d = SPI_getbinval(tup, td, 16, &isnull);

			c->name = row_text(tup, td, 4);
			c->description = row_text(tup, td, 5);
			c->data_type = row_text(tup, td, 6);
			c->typmod = row_int(tup, td, 12);
			c->quoted = row_int(tup, td, 13) != 0;
			c->type_oid = isnull ? InvalidOid : DatumGetObjectId(d);
			cur->columns = lappend(cur->columns, c);
		}
		else if (kind == 'k')
		{
			ContractConstraint *k = palloc0(sizeof(ContractConstraint));
			char	   *type = row_text(tup, td, 4);
			int			t;

			for (t = CC_NOT_NULL; t <= CC_CUSTOM; t++)
				if (strcmp(type, contract_constraint_type_name(t)) == 0)
					k->type = t;
			k->expression = row_text(tup, td, 5);
			k->name = row_text(tup, td, 6);
			k->to_text = row_text(tup, td, 7);
			k->to_model = row_text(tup, td, 8);
			k->to_version = row_int(tup, td, 12);
			k->model_level = row_int(tup, td, 13) != 0;
			k->warn_unenforced = row_int(tup, td, 14) != 0;
			k->warn_unsupported = row_int(tup, td, 15) != 0;
			k->columns = row_names(tup, td, 17);
			k->to_columns = row_names(tup, td, 18);
			cur->constraints = lappend(cur->constraints, k);
		}
		else
		{
			ContractTest *t = palloc0(sizeof(ContractTest));

			t->test_name = row_text(tup, td, 4);
			t->arguments = row_text(tup, td, 5);
			t->config = row_text(tup, td, 6);
			t->enabled = row_int(tup, td, 13) != 0;
			t->columns = row_names(tup, td, 17);
			cur->tests = lappend(cur->tests, t);
		}
	}
	SPI_finish();
	end_as_owner(&oc);
}

/* A base model as apply's diff reads a stored one back. */
static StoredModel *
stored_from_model(const ContractModel *m)
{
	StoredModel *s = palloc0(sizeof(StoredModel));
	ListCell   *lc;

	s->model = m->name;
	s->version = m->version;
	s->enforced = m->enforced;
	s->materialized = m->materialized;
	s->deprecation_date = m->deprecation_date;
	s->relation = quote_qualified_identifier(m->relation_schema, m->relation_name);
	s->fingerprint = m->fingerprint;
	foreach(lc, m->columns)
	{
		ContractColumn *c = lfirst(lc);
		StoredColumn *sc = palloc0(sizeof(StoredColumn));

		sc->attname = contract_column_ident(c);
		sc->type_oid = c->type_oid;
		sc->typmod = c->typmod;
		sc->type_text = OidIsValid(c->type_oid) ?
			format_type_with_typemod(c->type_oid, c->typmod) : NULL;
		s->columns = lappend(s->columns, sc);
	}
	foreach(lc, m->constraints)
	{
		ContractConstraint *k = lfirst(lc);
		StoredConstraint *sk = palloc0(sizeof(StoredConstraint));

		sk->type = contract_constraint_type_name(k->type);
		sk->model_level = k->model_level;
		sk->columns = k->columns;
		sk->expression = k->expression;
		sk->name = k->name;
		sk->to_text = k->to_text;
		sk->to_model = k->to_model;
		sk->to_version = k->to_version;
		sk->to_columns = k->to_columns;
		s->constraints = lappend(s->constraints, sk);
	}
	return s;
}

static int
model_key_cmp(const ListCell *a, const ListCell *b)
{
	const ContractModel *x = lfirst(a);
	const ContractModel *y = lfirst(b);
	int			c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->version > y->version) - (x->version < y->version);
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
			changes = list_concat(changes, contract_diff_model(stored_from_model(b), NULL));
			bc = lnext(base, bc);
		}
		else if (c > 0)
		{
			changes = list_concat(changes, contract_diff_model(NULL, h));
			hc = lnext(head, hc);
		}
		else
		{
			changes = list_concat(changes, contract_diff_model(stored_from_model(b), h));
			bc = lnext(base, bc);
			hc = lnext(head, hc);
		}
	}
	return changes;
}
