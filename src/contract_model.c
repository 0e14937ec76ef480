/*-------------------------------------------------------------------------
 * contract_model.c
 *	  The vocabulary of the contract model that every layer shares:
 *	  constraint type names, labels for messages, PostgreSQL's folding of
 *	  the names a contract writes, the fingerprint of a model, and lookups
 *	  of a model's columns.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "common/md5.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "dbt_contract.h"

/* ------------------------------------------------------------------------
 * Names and labels
 * ------------------------------------------------------------------------
 */
static const char *const constraint_type_names[] = {
	"not_null", "unique", "primary_key", "foreign_key", "check", "custom"
};

const char *
contract_constraint_type_name(ContractConstraintType t)
{
	return constraint_type_names[t];
}

/* The type a stored constraint_type names; false if none. */
bool
contract_constraint_type_from_name(const char *name, ContractConstraintType *t)
{
	int			i;

	for (i = CC_NOT_NULL; i <= CC_CUSTOM; i++)
		if (strcmp(name, constraint_type_names[i]) == 0)
		{
			*t = (ContractConstraintType) i;
			return true;
		}
	return false;
}

char *
contract_srcloc_string(const SrcLoc *loc)
{
	return psprintf("%s:%d:%d", loc->file, loc->line, loc->col);
}

static void
location_context(void *arg)
{
	DbtcLocation *l = arg;

	errcontext("YAML at %s:%d:%d", l->file, l->line, l->col);
}

/*
 * While pushed, every message carries the YAML location as its CONTEXT
 * line (PostgreSQL's error context callback).  Pop it after a report that
 * returns; an ERROR unwinds the stack by itself.
 */
void
dbtc_location_push_at(DbtcLocation *l, const char *file, int line, int col)
{
	l->file = file;
	l->line = line;
	l->col = col;
	l->cb.callback = location_context;
	l->cb.arg = l;
	l->cb.previous = error_context_stack;
	error_context_stack = &l->cb;
}

void
dbtc_location_pop(DbtcLocation *l)
{
	Assert(error_context_stack == &l->cb);
	error_context_stack = l->cb.previous;
}

/*
 * The identifier a column name written in YAML stands for: dbt passes
 * constraint columns into SQL as written, so "Name" in double quotes is
 * exactly Name, and anything else folds to lower case.
 */
char *
contract_written_ident(const char *written)
{
	size_t		len = strlen(written);

	if (len >= 2 && written[0] == '"' && written[len - 1] == '"')
	{
		char	   *res = palloc(len);
		char	   *o = res;
		const char *p;

		for (p = written + 1; p < written + len - 1; p++)
		{
			*o++ = *p;
			if (*p == '"' && p[1] == '"')
				p++;			/* "" is one quote inside a quoted name */
		}
		*o = '\0';
		return res;
	}
	return downcase_identifier(written, len, false, false);
}

char *
contract_model_label(const ContractModel *m)
{
	if (m->version != NULL)
		return psprintf("model \"%s\" version %s", dbtc_clip(m->name), dbtc_clip(m->version));
	return psprintf("model \"%s\"", dbtc_clip(m->name));
}

/*
 * The same label with the name in full, for models read from the catalog
 * (whose names the loader bounded).
 */
char *
contract_model_label_full(const ContractModel *m)
{
	if (m->version != NULL)
		return psprintf("model \"%s\" version %s", m->name, m->version);
	return psprintf("model \"%s\"", m->name);
}

/*
 * The identifier PostgreSQL will use for a contract column: the stored
 * attname for a model read from the catalog, else worked out as the store
 * does.
 */
char *
contract_column_ident(const ContractColumn *c)
{
	if (c->attname != NULL)
		return c->attname;
	if (c->quoted)
		return c->name;
	return downcase_identifier(c->name, strlen(c->name), false, false);
}

/*
 * What a foreign key points at, independent of spelling: ref('m'),
 * ref("m") and the relation dbt compiled it to ("db"."s"."m", in a
 * manifest) all name model m.
 */
char *
contract_fk_target_key(const char *to_model, const char *to_version,
					   const char *to_text)
{
	if (to_model != NULL)
		return to_version ? psprintf("model %s version %s", to_model, to_version) :
			psprintf("model %s", to_model);
	return to_text ? pstrdup(to_text) : NULL;
}

PG_FUNCTION_INFO_V1(dbt_contract_written_attname);

/*
 * dbt_contract.written_attname(text): the attribute name a column written in
 * YAML stands for, by PostgreSQL's identifier rules (a quoted name exactly,
 * otherwise ASCII letters folded), so that the views name a column as the
 * checks do.  lower() folds by the database's collation instead, which in
 * a UTF-8 database turns ÄID into äid where PostgreSQL makes it Äid.
 */
Datum
dbt_contract_written_attname(PG_FUNCTION_ARGS)
{
	char	   *written = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_TEXT_P(cstring_to_text(contract_written_ident(written)));
}


/* ------------------------------------------------------------------------
 * Finding a model's columns
 * ------------------------------------------------------------------------
 */
/*
 * Columns of a model sorted by attribute name and by written name, so
 * that matching a wide model costs n log n rather than n squared.  Built on
 * first use, in the memory context that holds the model itself, so the
 * index lives exactly as long as the model it describes.
 */
typedef struct ColumnKey
{
	const char *key;
	int			pos;			/* in the model's columns */
} ColumnKey;

struct ContractColumnIndex
{
	int			n;
	ColumnKey  *by_attname;
	ColumnKey  *by_name;
};

static int
column_key_cmp(const void *a, const void *b)
{
	return strcmp(((const ColumnKey *) a)->key, ((const ColumnKey *) b)->key);
}

static ContractColumnIndex *
column_index(const ContractModel *m)
{
	ContractModel *mm = unconstify(ContractModel *, m);
	ContractColumnIndex *ix = mm->column_index;
	MemoryContext cxt;
	ListCell   *lc;
	int			i = 0;

	if (ix != NULL)
		return ix;
	cxt = MemoryContextSwitchTo(GetMemoryChunkContext(mm));
	ix = palloc(sizeof(ContractColumnIndex));
	ix->n = list_length(m->columns);
	ix->by_attname = palloc(sizeof(ColumnKey) * Max(1, ix->n));
	ix->by_name = palloc(sizeof(ColumnKey) * Max(1, ix->n));
	foreach(lc, m->columns)
	{
		ContractColumn *c = lfirst(lc);

		ix->by_attname[i].key = contract_column_ident(c);
		ix->by_attname[i].pos = i;
		ix->by_name[i].key = c->name;
		ix->by_name[i].pos = i;
		i++;
	}
	qsort(ix->by_attname, ix->n, sizeof(ColumnKey), column_key_cmp);
	qsort(ix->by_name, ix->n, sizeof(ColumnKey), column_key_cmp);
	MemoryContextSwitchTo(cxt);
	mm->column_index = ix;
	return ix;
}

static int
column_find(const ColumnKey *keys, int n, const char *key)
{
	ColumnKey	probe = {key, -1};
	ColumnKey  *hit;

	if (n == 0)
		return -1;
	hit = bsearch(&probe, keys, n, sizeof(ColumnKey), column_key_cmp);
	return hit ? hit->pos : -1;
}

/* The position of the column PostgreSQL names attname, or -1. */
int
contract_column_by_attname(const ContractModel *m, const char *attname)
{
	ContractColumnIndex *ix = column_index(m);

	return column_find(ix->by_attname, ix->n, attname);
}

/* The position of the column written exactly so, or -1. */
int
contract_column_by_name(const ContractModel *m, const char *written)
{
	ContractColumnIndex *ix = column_index(m);

	return column_find(ix->by_name, ix->n, written);
}

/*
 * The attribute name a constraint's column (as written) refers to: that
 * of the column written the same way, else the name folded as SQL would.
 */
char *
contract_constraint_attname(const ContractModel *m, const char *written)
{
	int			pos = contract_column_by_name(m, written);

	if (pos >= 0)
		return contract_column_ident(list_nth(m->columns, pos));
	return contract_written_ident(written);
}

/* ------------------------------------------------------------------------
 * Fingerprint: a canonical rendering of everything stored for a model.
 * ------------------------------------------------------------------------
 */
/*
 * The pieces are written straight into the buffer, one reservation each,
 * without format strings: a 10,000-model project renders some 4 million
 * of them, and going through snprintf for each was half the time its
 * fingerprints took.  The output is byte for byte what "%s=%zu:%s;" and
 * "%s=%d;" gave, so fingerprints stay comparable with those stored by
 * earlier versions, and the MD5 is taken of the buffer directly, without
 * two copies through text.
 */
/*
 * Make room for a piece of at most `room` bytes after "label=", write the
 * label, and return where the rest goes; canon_done closes the piece.
 */
static char *
canon_begin(StringInfo s, const char *label, size_t room)
{
	size_t		llen = strlen(label);
	char	   *p;

	/* label, '=', the piece, ';' and the terminating NUL */
	enlargeStringInfo(s, (int) (llen + room + 3));
	p = s->data + s->len;
	memcpy(p, label, llen);
	p += llen;
	*p++ = '=';
	return p;
}

static void
canon_done(StringInfo s, char *p)
{
	*p++ = ';';
	*p = '\0';
	s->len = p - s->data;
}

/* label=<length>:<text>; or label=~; for NULL */
static void
canon_str(StringInfo s, const char *label, const char *v)
{
	size_t		len = v ? strlen(v) : 0;
	char	   *p = canon_begin(s, label, MAXINT8LEN + 1 + len);

	if (v == NULL)
		*p++ = '~';
	else
	{
		p += pg_ulltoa_n((uint64) len, p);
		*p++ = ':';
		memcpy(p, v, len);
		p += len;
	}
	canon_done(s, p);
}

/* label=<decimal>; */
static void
canon_int(StringInfo s, const char *label, int32 v)
{
	char	   *p = canon_begin(s, label, MAXINT8LEN + 1);

	p += dbtc_ltoa(v, p);
	canon_done(s, p);
}

/*
 * A version: the integer versions of 0.1.0 as they were canonicalized
 * then (label=<decimal>;, -1 for none), so that their fingerprints still
 * match; any other version as text.
 */
static void
canon_version(StringInfo s, const char *label, const char *v)
{
	const char *p;

	if (v == NULL)
	{
		canon_int(s, label, -1);
		return;
	}
	for (p = v; *p >= '0' && *p <= '9'; p++)
		;
	if (*p == '\0' && p > v && p - v <= 9 && (v[0] != '0' || p - v == 1))
		canon_int(s, label, (int32) strtol(v, NULL, 10));
	else
		canon_str(s, label, v);
}

static void
canon_uint(StringInfo s, const char *label, uint32 v)
{
	char	   *p = canon_begin(s, label, MAXINT8LEN + 1);

	p += pg_ultoa_n(v, p);
	canon_done(s, p);
}

static void
canon_list(StringInfo s, const char *label, List *l)
{
	ListCell   *lc;

	appendStringInfoString(s, label);
	appendStringInfoString(s, "=[");
	foreach(lc, l)
		canon_str(s, "", lfirst(lc));
	appendStringInfoString(s, "];");
}

void
contract_fingerprint(ContractModel *m)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	canon_str(&s, "schema", m->relation_schema);
	canon_str(&s, "relation", m->relation_name);
	canon_str(&s, "materialized", m->materialized);
	canon_int(&s, "enforced", m->enforced);
	canon_int(&s, "alias_types", m->alias_types);
	canon_version(&s, "latest", m->latest_version);
	canon_str(&s, "osc", m->on_schema_change);
	/* only when set, so that the fingerprints of 0.1.0 stay as they were */
	if (m->persist_relation_docs)
		canon_int(&s, "persist_relation", 1);
	if (m->persist_column_docs)
		canon_int(&s, "persist_columns", 1);
	canon_str(&s, "description", m->description);
	canon_str(&s, "deprecation", m->deprecation_date);
	/* only when set, so that fingerprints stored before 0.2.0 still match */
	if (m->latest_pointer != NULL)
		canon_str(&s, "pointer", m->latest_pointer);
	foreach(lc, m->columns)
	{
		ContractColumn *c = lfirst(lc);

		canon_str(&s, "col", c->name);
		/* int and integer are the same contract: compare resolved types */
		canon_uint(&s, "oid", c->type_oid);
		canon_int(&s, "mod", c->typmod);
		canon_int(&s, "q", c->quoted);
		canon_str(&s, "cdesc", c->description);
	}
	foreach(lc, m->constraints)
	{
		ContractConstraint *c = lfirst(lc);

		canon_int(&s, "con", (int32) c->type);
		canon_int(&s, "lvl", c->model_level);
		canon_version(&s, "tv", c->to_version);
		canon_int(&s, "wu", c->warn_unenforced);
		canon_int(&s, "ws", c->warn_unsupported);
		canon_list(&s, "cols", c->columns);
		canon_str(&s, "expr", c->expression);
		canon_str(&s, "name", c->name);
		canon_str(&s, "to", contract_fk_target_key(c->to_model, c->to_version, c->to_text));
		canon_list(&s, "tocols", c->to_columns);
	}
	foreach(lc, m->tests)
	{
		ContractTest *t = lfirst(lc);

		canon_str(&s, "test", t->test_name);
		canon_list(&s, "tcols", t->columns);
		canon_str(&s, "args", t->arguments);
		/* only when set, so that fingerprints from before 0.2.0 hold */
		if (t->config != NULL && strcmp(t->config, "{}") != 0)
			canon_str(&s, "tcfg", t->config);
		if (!t->enabled)
			canon_int(&s, "toff", 1);
	}
	m->fingerprint = palloc(2 * MD5_DIGEST_LENGTH + 1);
	dbtc_md5_hex(s.data, s.len, m->fingerprint);
	pfree(s.data);
}

/* ------------------------------------------------------------------------
 * Versions as dbt has them
 * ------------------------------------------------------------------------
 */

/*
 * Whether Python's float() reads the version text, and its value: dbt
 * compares two versions as numbers when both read as floats.  float()
 * takes surrounding blanks, underscores between digits, exponents, inf,
 * infinity and nan in any case, but no hexadecimal (which strtod takes).
 */
bool
dbtc_version_float(const char *v, double *val)
{
	char	   *clean = palloc(strlen(v) + 1);
	char	   *d = clean;
	const char *p = v;
	char	   *end;
	bool		ok;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	for (; *p; p++)
	{
		if (*p == '_')
		{
			/* only between two digits */
			if (d == clean || !isdigit((unsigned char) d[-1]) ||
				!isdigit((unsigned char) p[1]))
			{
				pfree(clean);
				return false;
			}
			continue;
		}
		if (*p == 'x' || *p == 'X' || *p == '(')
		{
			pfree(clean);
			return false;
		}
		*d++ = *p;
	}
	while (d > clean && (d[-1] == ' ' || (d[-1] >= '\t' && d[-1] <= '\r')))
		d--;
	*d = '\0';
	*val = strtod(clean, &end);
	ok = (end != clean && *end == '\0');
	/* strtod's ERANGE on overflow is Python's inf; on underflow, 0 */
	pfree(clean);
	return ok;
}

/*
 * dbt's UnparsedVersion.__lt__: as numbers when both versions read as
 * floats, else as text (Python compares str by code point, which strcmp
 * of UTF-8 matches).  Not a total order when numbers and text mix, so
 * callers fold over a list in its order as Python's max() does.
 */
bool
dbtc_version_lt(const char *a, const char *b)
{
	double		x;
	double		y;

	if (dbtc_version_float(a, &x) && dbtc_version_float(b, &y))
		return x < y;
	return strcmp(a, b) < 0;
}

/* Versions as keys: unversioned (NULL) first, then by text. */
int
dbtc_version_key_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/*
 * An unquoted number in ref('m', v=...), as dbt keys it: Jinja reads it
 * as a Python int or float and the lookup uses str() of it, so v=4.50 is
 * version "4.5" and v=007 version "7".  NULL for anything else.
 */
char *
dbtc_version_literal(const char *lit)
{
	const char *p = lit;
	bool		is_float = false;
	double		val;

	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char) *p))
		return NULL;
	for (; *p; p++)
		if (*p == '.' || *p == 'e' || *p == 'E')
			is_float = true;
	if (!dbtc_version_float(lit, &val))
		return NULL;
	if (is_float)
		return dbtc_python_float_text(val);
	if (fabs(val) >= 1e15)
		return NULL;			/* beyond what a version needs */
	return psprintf("%.0f", val);
}

/*
 * A version as the argument of a ref() that dbt resolves to it: a number
 * as written by Python (v=2, v=4.5), anything else quoted (v='test').
 */
char *
dbtc_version_ref_arg(const char *version)
{
	const char *p = version;
	bool		dot = false;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char) *p))
		return quote_literal_cstr(version);
	for (; *p; p++)
	{
		if (*p == '.' && !dot && isdigit((unsigned char) p[-1]) &&
			isdigit((unsigned char) p[1]))
			dot = true;
		else if (!isdigit((unsigned char) *p))
			return quote_literal_cstr(version);
	}
	/* 07 is no Python literal */
	if (version[0] == '0' && isdigit((unsigned char) version[1]))
		return quote_literal_cstr(version);
	return pstrdup(version);
}

/*
 * The relation dbt builds for a version of a model without an alias:
 * generate_alias_name appends "_v" and the version with each "." turned
 * into "_", unless the version is false in Jinja (the number 0).
 */
char *
dbtc_version_relation(const char *model, const char *version, bool falsy)
{
	char	   *res;
	char	   *p;

	if (version == NULL || falsy)
		return pstrdup(model);
	res = psprintf("%s_v%s", model, version);
	for (p = res + strlen(model) + 2; *p; p++)
		if (*p == '.')
			*p = '_';
	return res;
}

PG_FUNCTION_INFO_V1(dbt_contract_version_number);

/*
 * dbt_contract.version_number(text): the version as a number when dbt
 * compares it as one (Python's float() reads it), else NULL; the views
 * order versions by it, then by text.
 */
Datum
dbt_contract_version_number(PG_FUNCTION_ARGS)
{
	char	   *v = text_to_cstring(PG_GETARG_TEXT_PP(0));
	double		val;

	if (!dbtc_version_float(v, &val))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(val);
}
