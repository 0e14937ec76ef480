/*-------------------------------------------------------------------------
 * contract_types.c
 *	  Resolve contract data_types and check expressions with PostgreSQL's
 *	  own parser, so the catalog holds what the server will compare.
 *
 * Types go through parseTypeString (aliases such as int, varchar(100) and
 * timestamptz resolve as in DDL); a per-apply cache keeps large projects,
 * which repeat a handful of type spellings, from reparsing each column.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "dbt_contract.h"

#define TYPE_KEY_LEN 256

typedef struct TypeCacheEntry
{
	char		key[TYPE_KEY_LEN];
	Oid			type_oid;
	int32		typmod;
} TypeCacheEntry;

struct TypeCache
{
	HTAB	   *h;
};

TypeCache *
contract_type_cache_create(void)
{
	TypeCache  *tc = palloc(sizeof(TypeCache));
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = TYPE_KEY_LEN;
	ctl.entrysize = sizeof(TypeCacheEntry);
	ctl.hcxt = CurrentMemoryContext;
	tc->h = hash_create("dbt_contract type cache", 64, &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	return tc;
}

typedef struct TypeParse
{
	const char *spelling;
	Oid			type_oid;
	int32		typmod;
} TypeParse;

static void
type_parse_step(void *arg)
{
	TypeParse  *tp = arg;

	DBTC_PARSE_TYPE_STRING(tp->spelling, &tp->type_oid, &tp->typmod);
}

/*
 * parseTypeString for a model without an enforced contract, where a type
 * that does not resolve is no error: trapped in a subtransaction, since
 * the parser may fail holding a pg_type syscache entry.
 */
static bool
parse_type_quietly(const char *spelling, Oid *type_oid, int32 *typmod)
{
	TypeParse	tp = {spelling, InvalidOid, -1};
	ErrorData  *edata = dbtc_trap_error(type_parse_step, &tp);

	if (edata != NULL)
	{
		FreeErrorData(edata);
		return false;
	}
	*type_oid = tp.type_oid;
	*typmod = tp.typmod;
	return true;
}

/*
 * Run parseTypeString; on failure report the column, model and place, or,
 * when `lenient`, return false.
 */
static bool
parse_type_or_report(const ContractModel *m, const ContractColumn *c,
					 const char *spelling, Oid *type_oid, int32 *typmod,
					 bool lenient)
{
	MemoryContext oldcxt = CurrentMemoryContext;

	if (lenient)
		return parse_type_quietly(spelling, type_oid, typmod);

	/* an error ends the transaction, which releases what the parser held */
	PG_TRY();
	{
		DBTC_PARSE_TYPE_STRING(spelling, type_oid, typmod);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		bool		is_serial;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		/* Only the parser's verdict is ours to rephrase; not a cancel. */
		if (!dbtc_error_is_verdict(edata))
			PG_RE_THROW();
		FlushErrorState();

		is_serial = pg_strcasecmp(spelling, "serial") == 0 ||
			pg_strcasecmp(spelling, "bigserial") == 0 ||
			pg_strcasecmp(spelling, "smallserial") == 0 ||
			pg_strcasecmp(spelling, "serial4") == 0 ||
			pg_strcasecmp(spelling, "serial8") == 0 ||
			pg_strcasecmp(spelling, "serial2") == 0;
		/* keep the parser's code: 42601 syntax, 42704 no such type, 22023 bad typmod */
		dbtc_ereport_at(&c->type_loc, ERROR,
						(errcode(edata->sqlerrcode),
						 errmsg("data_type \"%s\" of column \"%s\" of %s is not a valid PostgreSQL type",
								dbtc_clip(c->data_type), dbtc_clip(c->name),
								contract_model_label(m)),
						 errdetail("The type parser says: %s.", dbtc_clip(edata->message)),
						 is_serial ?
						 errhint("serial is a column shorthand, not a type; declare the column as integer (or bigint) in the contract.") :
						 !m->alias_types && pg_strcasecmp(spelling, "string") == 0 ?
						 errhint("dbt turns \"string\" into text only when the contract has alias_types: true (the default).") :
						 errhint("Use a type name PostgreSQL accepts in CREATE TABLE, e.g. integer, text, numeric(10,2), timestamptz.")));
	}
	PG_END_TRY();
	return true;
}

/*
 * Resolve a column's data_type.  A model without an enforced contract
 * needs no type PostgreSQL knows (its project may be written for another
 * warehouse: number, timestamp_ntz), so there a type that does not
 * resolve is left unresolved and false returned; an enforced contract
 * must resolve every type.
 */
static bool
resolve_column(const ContractModel *m, ContractColumn *c, TypeCache *cache)
{
	bool		lenient = !m->enforced;
	const char *spelling = c->data_type;
	TypeCacheEntry *e = NULL;
	bool		found = false;
	char		key[TYPE_KEY_LEN];
	Oid			typoid;
	int32		typmod;

	/* dbt-postgres translates only this one alias, when alias_types is on */
	if (m->alias_types && pg_strcasecmp(spelling, "string") == 0)
		spelling = "text";

	if (strlen(spelling) < TYPE_KEY_LEN)
	{
		memset(key, 0, sizeof(key));
		strlcpy(key, spelling, sizeof(key));
		e = hash_search(cache->h, key, HASH_FIND, &found);
	}
	c->type_oid = InvalidOid;
	c->typmod = -1;
	if (e != NULL && OidIsValid(e->type_oid))
	{
		c->type_oid = e->type_oid;
		c->typmod = e->typmod;
		return true;
	}
	/* known not to resolve; an enforced contract parses again to report */
	if (e != NULL && lenient)
		return false;

	if (!parse_type_or_report(m, c, spelling, &typoid, &typmod, lenient) ||
		(lenient && (get_typtype(typoid) == TYPTYPE_PSEUDO ||
					 !get_typisdefined(typoid))))
	{
		if (strlen(spelling) < TYPE_KEY_LEN)
		{
			e = hash_search(cache->h, key, HASH_ENTER, &found);
			e->type_oid = InvalidOid;
			e->typmod = -1;
		}
		return false;
	}
	if (get_typtype(typoid) == TYPTYPE_PSEUDO)
		dbtc_ereport_at(&c->type_loc, ERROR,
						(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
						 errmsg("data_type \"%s\" of column \"%s\" of %s is a pseudo-type",
								dbtc_clip(c->data_type), dbtc_clip(c->name),
								contract_model_label(m)),
						 errdetail("Columns cannot have type %s.", format_type_be(typoid))));
	if (!get_typisdefined(typoid))
		dbtc_ereport_at(&c->type_loc, ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("data_type \"%s\" of column \"%s\" of %s is only a shell type",
								dbtc_clip(c->data_type), dbtc_clip(c->name),
								contract_model_label(m))));

	c->type_oid = typoid;
	c->typmod = typmod;
	if (strlen(spelling) < TYPE_KEY_LEN)
	{
		e = hash_search(cache->h, key, HASH_ENTER, &found);
		e->type_oid = typoid;
		e->typmod = typmod;
	}
	return true;
}

/* Resolve every declared data_type and parse every check expression. */
void
contract_resolve_types(ContractModel *m, TypeCache *cache)
{
	MemoryContext check_cxt = NULL;
	ListCell   *lc;
	StringInfoData unresolved;
	int			nunresolved = 0;

	initStringInfo(&unresolved);
	foreach(lc, m->columns)
	{
		ContractColumn *c = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (c->data_type != NULL && c->data_type[0] != '\0')
		{
			if (!resolve_column(m, c, cache) && ++nunresolved <= 5)
				appendStringInfo(&unresolved, "%scolumn \"%s\" (%s)",
								 nunresolved > 1 ? ", " : "",
								 dbtc_clip(c->name), dbtc_clip(c->data_type));
		}
		else
		{
			c->type_oid = InvalidOid;
			c->typmod = -1;
		}
	}
	if (nunresolved > 0)
		ereport(WARNING,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg_plural("%d data_type of %s is not a PostgreSQL type and is stored unresolved",
							   "%d data_types of %s are not PostgreSQL types and are stored unresolved",
							   nunresolved, nunresolved, contract_model_label(m)),
				 errdetail("%s%s.", unresolved.data,
						   nunresolved > 5 ? psprintf(" and %d more", nunresolved - 5) : ""),
				 errhint("The contract is not enforced, so its types are not checked; dbt_contract.columns shows type_resolved = false for them.")));
	pfree(unresolved.data);
	foreach(lc, m->constraints)
	{
		ContractConstraint *c = lfirst(lc);
		MemoryContext oldcxt;

		CHECK_FOR_INTERRUPTS();
		if (c->type != CC_CHECK)
			continue;
		/* parse trees and scanner buffers are only needed for the verdict */
		if (check_cxt == NULL)
			check_cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "dbt_contract check expression",
											  ALLOCSET_SMALL_SIZES);
		oldcxt = MemoryContextSwitchTo(check_cxt);
		contract_check_expression(m, c);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(check_cxt);
	}
	if (check_cxt != NULL)
		MemoryContextDelete(check_cxt);
}

static const char *
constraint_subject(const ContractConstraint *c)
{
	if (c->name)
		return psprintf("check constraint \"%s\"", dbtc_clip(c->name));
	if (!c->model_level && c->columns != NIL)
		return psprintf("check constraint on column \"%s\"",
						dbtc_clip(linitial(c->columns)));
	return "model-level check constraint";
}

static void
not_one_expression(const ContractModel *m, const ContractConstraint *c,
				   const char *why)
{
	dbtc_ereport_at(&c->loc, ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("expression of %s of %s is not a single SQL expression",
							constraint_subject(c), contract_model_label(m)),
					 errdetail("%s.", why),
					 errhint("A check expression is what goes inside CHECK ( ... ), e.g. \"amount >= 0\".")));
}

/*
 * Raw-parse sql; a syntax error becomes not_one_expression() with the
 * parser's message after why_prefix.  Other errors (out of memory, a
 * cancel) propagate unchanged.
 */
static List *
parse_or_refuse(const ContractModel *m, const ContractConstraint *c,
				const char *sql, const char *why_prefix)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	List	   *raw = NIL;

	PG_TRY();
	{
		raw = DBTC_RAW_PARSE(sql);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (!dbtc_error_is_verdict(edata))
			PG_RE_THROW();
		FlushErrorState();
		not_one_expression(m, c, psprintf("%s%s", why_prefix,
										  dbtc_clip(edata->message)));
	}
	PG_END_TRY();
	return raw;
}

/*
 * A check expression must parse as exactly one expression: we parse
 * "SELECT <expr>" and insist on one statement with one unnamed target and
 * no other clause, which rules out "); drop table ..." and friends.
 */
void
contract_check_expression(const ContractModel *m, const ContractConstraint *c)
{
	List	   *raw;
	SelectStmt *sel;
	ResTarget  *rt;

	raw = parse_or_refuse(m, c, psprintf("SELECT %s", c->expression),
						  "The SQL parser says: ");
	if (list_length(raw) != 1)
		not_one_expression(m, c, "It contains more than one statement");
	sel = (SelectStmt *) ((RawStmt *) linitial(raw))->stmt;
	if (!IsA(sel, SelectStmt) || sel->op != SETOP_NONE ||
		sel->fromClause != NIL || sel->whereClause != NULL ||
		sel->groupClause != NIL || sel->havingClause != NULL ||
		sel->windowClause != NIL || sel->sortClause != NIL ||
		sel->limitCount != NULL || sel->limitOffset != NULL ||
		sel->lockingClause != NIL || sel->withClause != NULL ||
		sel->intoClause != NULL || sel->distinctClause != NIL ||
		sel->valuesLists != NIL)
		not_one_expression(m, c, "It continues past the expression with a clause such as FROM, WHERE or ORDER BY");
	if (list_length(sel->targetList) != 1)
		not_one_expression(m, c, "It is a list of expressions");
	rt = linitial(sel->targetList);
	if (rt->name != NULL)
		not_one_expression(m, c, "It carries an alias");
	if (IsA(rt->val, ColumnRef) &&
		IsA(llast(((ColumnRef *) rt->val)->fields), A_Star))
		not_one_expression(m, c, "It is a star");

	/*
	 * dbt pastes the text into "check (<expression>)" on one line, so a
	 * trailing "-- comment" would swallow the closing parenthesis and a
	 * trailing ";" would end the statement.  Parse it as dbt will use it.
	 */
	(void) parse_or_refuse(m, c, psprintf("SELECT (%s)", c->expression),
						   "It does not fit inside CHECK ( ... ), where dbt puts it; the SQL parser says: ");
}
