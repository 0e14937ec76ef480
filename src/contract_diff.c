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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "parser/scansup.h"
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

/* Everything else a constraint declares, to see whether it changed. */
static char *
constraint_body(const char *name, const char *expression, const char *to,
				List *to_columns)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	if (name)
		appendStringInfo(&s, " name %s", quote_identifier(name));
	if (expression)
		appendStringInfo(&s, " expression %s", quote_literal_cstr(expression));
	if (to)
		appendStringInfo(&s, " to %s", to);
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

static void
diff_columns(List **changes, const StoredModel *old, const ContractModel *new,
			 bool enforced)
{
	ListCell   *lc;

	foreach(lc, old->columns)
	{
		StoredColumn *oc = lfirst(lc);
		ListCell   *l2;
		ContractColumn *match = NULL;

		foreach(l2, new->columns)
			if (strcmp(contract_column_ident(lfirst(l2)), oc->attname) == 0)
				match = lfirst(l2);
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
	foreach(lc, new->columns)
	{
		ContractColumn *nc = lfirst(lc);
		ListCell   *l2;
		bool		found = false;

		foreach(l2, old->columns)
			if (strcmp(((StoredColumn *) lfirst(l2))->attname, contract_column_ident(nc)) == 0)
				found = true;
		if (!found)
			add_change(changes, new->name, new->version, "column added",
					   psprintf("column %s (%s)", quote_identifier(contract_column_ident(nc)),
								OidIsValid(nc->type_oid) ?
								format_type_with_typemod(nc->type_oid, nc->typmod) :
								"no data_type"),
					   false);
	}
}

static void
diff_constraints(List **changes, const StoredModel *old, const ContractModel *new,
				 bool enforced)
{
	ListCell   *lc;
	List	   *new_keys = NIL;
	List	   *new_bodies = NIL;

	foreach(lc, new->constraints)
	{
		ContractConstraint *k = lfirst(lc);

		new_keys = lappend(new_keys,
						   constraint_key(contract_constraint_type_name(k->type),
										  k->model_level, k->columns));
		new_bodies = lappend(new_bodies,
							 constraint_body(k->name, k->expression,
											 contract_fk_target_key(k->to_model, k->to_version,
																	k->to_text),
											 k->to_columns));
	}
	foreach(lc, old->constraints)
	{
		StoredConstraint *k = lfirst(lc);
		char	   *key = constraint_key(k->type, k->model_level, k->columns);
		char	   *body = constraint_body(k->name, k->expression,
										   contract_fk_target_key(k->to_model, k->to_version,
																  k->to_text),
										   k->to_columns);
		ListCell   *kl;
		ListCell   *bl;
		char	   *other_body = NULL;
		bool		same = false;

		forboth(kl, new_keys, bl, new_bodies)
		{
			if (strcmp(lfirst(kl), key) != 0)
				continue;
			if (strcmp(lfirst(bl), body) == 0)
				same = true;
			else
				other_body = lfirst(bl);
		}
		if (same)
			continue;
		if (other_body != NULL)
			add_change(changes, new->name, new->version, "constraint changed",
					   psprintf("%s: %s -> %s", key, body[0] ? body : "(plain)",
								other_body[0] ? other_body : "(plain)"),
					   enforced);
		else
			add_change(changes, new->name, new->version, "constraint removed",
					   body[0] ? psprintf("%s %s", key, body) : key, enforced);
	}
	foreach(lc, new->constraints)
	{
		ContractConstraint *k = lfirst(lc);
		char	   *key = constraint_key(contract_constraint_type_name(k->type),
										 k->model_level, k->columns);
		ListCell   *l2;
		bool		found = false;

		foreach(l2, old->constraints)
		{
			StoredConstraint *o = lfirst(l2);

			if (strcmp(constraint_key(o->type, o->model_level, o->columns), key) == 0)
				found = true;
		}
		if (!found)
		{
			char	   *body = constraint_body(k->name, k->expression,
										   contract_fk_target_key(k->to_model, k->to_version,
																  k->to_text),
											   k->to_columns);

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
