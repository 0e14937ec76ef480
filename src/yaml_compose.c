/*-------------------------------------------------------------------------
 * yaml_compose.c
 *	  Turn YAML text into a tree of YNodes with libyaml's event parser,
 *	  and read that tree the way PyYAML's SafeLoader (and so dbt) does.
 *
 * We compose the tree ourselves instead of using libyaml's document API
 * so that depth is limited while parsing (before memory grows), aliases
 * become shared pointers (never copies), recursive aliases are refused
 * at the point they appear, and every node lives in a PostgreSQL memory
 * context.  Walkers pay for each node they visit from a budget, which
 * bounds the work an alias bomb can cause.
 *
 * Nodes, scalar text and item arrays are carved out of large blocks, in
 * document order, rather than palloc'd one by one.  A 10,000-model
 * schema.yml has some 2.5 million nodes: with a chunk header and
 * power-of-two rounding for each of them, and item arrays doubled as they
 * grew, the tree took 350 MB for 32 MB of YAML.  Packed it takes 200 MB,
 * which is fewer pages for a new backend to fault in and fewer cache
 * misses for the walks that follow, which read each model's nodes in
 * document order.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>
#include <yaml.h>

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "dbt_contract.h"

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"
#define MAX_ANCHOR_LEN 256

typedef struct AnchorEntry
{
	char		name[MAX_ANCHOR_LEN];
	YNode	   *node;
} AnchorEntry;

/* Nodes and text are allocated from blocks of this size. */
#define ARENA_BLOCK_SIZE	(256 * 1024)

/* Parser state kept in palloc'd memory so PG_FINALLY can see it. */
typedef struct ComposeState
{
	yaml_parser_t parser;
	yaml_event_t event;
	bool		event_live;
	YDoc	   *doc;
	HTAB	   *anchors;
	YNode	  **stack;			/* open collections */
	int		   *first;			/* per open collection: its first entry in
								 * pending */
	int			depth;
	int			ndocuments;
	/* items of all open collections, innermost last */
	YNode	  **pending;
	int			npending;
	int			pending_cap;
	/* the arena block being filled */
	char	   *arena_next;
	char	   *arena_end;
	const char *data;
	size_t		len;
} ComposeState;

static void compose_events(ComposeState *st);

/* ------------------------------------------------------------------------
 * Error reporting
 * ------------------------------------------------------------------------
 */

/* Line and column (1-based) of a byte offset, for reader errors. */
static void
offset_position(const char *data, size_t len, size_t offset, int *line, int *col)
{
	size_t		i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset && i < len; i++)
	{
		if (data[i] == '\n')
		{
			(*line)++;
			*col = 1;
		}
		else if (((unsigned char) data[i] & 0xC0) != 0x80)
			(*col)++;
	}
}

static void
report_parser_error(ComposeState *st)
{
	yaml_parser_t *p = &st->parser;
	const char *file = st->doc->file;
	int			line;
	int			col;

	if (p->error == YAML_MEMORY_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while parsing YAML in \"%s\"", file)));

	if (p->error == YAML_READER_ERROR)
	{
		offset_position(st->data, st->len, p->problem_offset, &line, &col);
		dbtc_ereport_at_pos(file, line, col, ERROR,
						(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
						 errmsg("invalid UTF-8 in YAML file \"%s\": %s",
								file, p->problem ? p->problem : "unreadable input"),
						 errdetail("At byte offset %zu.", p->problem_offset),
						 errhint("dbt schema files must be UTF-8 encoded.")));
	}

	line = (int) p->problem_mark.line + 1;
	col = (int) p->problem_mark.column + 1;
	{
		bool		is_tab = p->problem_mark.index < st->len &&
			st->data[p->problem_mark.index] == '\t';
		bool		at_end = p->problem_mark.index >= st->len && p->context &&
			(strstr(p->context, "flow") || strstr(p->context, "quoted"));

		dbtc_ereport_at_pos(file, line, col, ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("could not parse YAML in \"%s\": %s",
								file, p->problem ? p->problem : "syntax error"),
						 p->context ?
						 errdetail("The parser found it %s that starts at line %d, column %d.",
								   p->context,
								   (int) p->context_mark.line + 1,
								   (int) p->context_mark.column + 1) : 0,
						 is_tab ?
						 errhint("YAML does not allow tab characters for indentation; use spaces.") :
						 at_end ?
						 errhint("The text ends before an opening [, { or quote is closed.") :
						 0));
	}
}

static void
compose_error(ComposeState *st, const yaml_mark_t *mark, const char *msg,
			  const char *arg)
{
	dbtc_ereport_at_pos(st->doc->file, (int) mark->line + 1, (int) mark->column + 1, ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg(msg, arg)));
}

/* ------------------------------------------------------------------------
 * Composition
 * ------------------------------------------------------------------------
 */

/*
 * Carve `size` bytes from the current arena block (MAXALIGNed when
 * `align`).  Large requests get a palloc of their own so that a long
 * scalar or list does not waste the rest of a block.  Everything lives
 * until the caller's memory context goes, like the rest of the tree.
 */
static void *
arena_alloc(ComposeState *st, Size size, bool align)
{
	char	   *p = st->arena_next;

	if (align)
		p = (char *) MAXALIGN(p);
	if (p == NULL || size > (Size) (st->arena_end - p))
	{
		if (size > ARENA_BLOCK_SIZE / 8)
			return palloc(size);
		p = palloc(ARENA_BLOCK_SIZE);
		st->arena_end = p + ARENA_BLOCK_SIZE;
	}
	st->arena_next = p + size;
	return p;
}

/*
 * Copy a scalar out of libyaml's buffer into the server encoding.  libyaml
 * has already checked UTF-8; escapes can still produce NUL, which a C
 * string cannot carry.
 */
static char *
scalar_text(ComposeState *st, const yaml_mark_t *mark, const char *val, size_t len)
{
	char	   *res;

	/* same code as PostgreSQL's own refusal of \u0000 in text */
	if (memchr(val, '\0', len) != NULL)
		dbtc_ereport_at_pos(st->doc->file, (int) mark->line + 1, (int) mark->column + 1, ERROR,
						(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
						 errmsg("YAML scalar in \"%s\" contains a NUL character",
								st->doc->file),
						 errhint("PostgreSQL text cannot hold the character written as \\0 or \\x00.")));
	if (GetDatabaseEncoding() == PG_UTF8)
	{
		if (!pg_verifymbstr(val, (int) len, true))
			compose_error(st, mark, "YAML scalar in \"%s\" is not valid UTF-8",
						  st->doc->file);
		res = arena_alloc(st, len + 1, false);
		memcpy(res, val, len);
		res[len] = '\0';
		return res;
	}
	res = pg_any_to_server(val, (int) len, PG_UTF8);
	return res == val ? pnstrdup(val, len) : res;
}

/* The safe tags, by their name after "tag:yaml.org,2002:". */
static const struct
{
	const char *name;
	YTag		tag;
	int			kind;			/* node kind it applies to */
}			safe_tags[] =
{
	{"null", YT_NULL, YN_SCALAR},
	{"bool", YT_BOOL, YN_SCALAR},
	{"int", YT_INT, YN_SCALAR},
	{"float", YT_FLOAT, YN_SCALAR},
	{"str", YT_STR, YN_SCALAR},
	{"binary", YT_BINARY, YN_SCALAR},
	{"timestamp", YT_TIMESTAMP, YN_SCALAR},
	{"seq", YT_SEQ, YN_SEQUENCE},
	{"omap", YT_OMAP, YN_SEQUENCE},
	{"pairs", YT_PAIRS, YN_SEQUENCE},
	{"map", YT_MAP, YN_MAPPING},
	{"set", YT_SET, YN_MAPPING}
};

static const char *const kind_names[] = {"a scalar", "a list", "a mapping"};

/*
 * An explicit tag as PyYAML's SafeLoader (and so dbt) takes it: one of the
 * standard tags on a node of the kind it constructs, or the whole document
 * is refused.  "!!python/name:os.system" and local tags such as "!env" are
 * the usual surprises; dbt fails to parse such a file, and so do we.
 */
static YTag
resolve_tag(ComposeState *st, YNodeKind kind, const yaml_mark_t *mark,
			const char *t)
{
	size_t		plen = strlen(YAML_TAG_PREFIX);
	int			i;

	/* "!" is the non-specific tag: no information */
	if (strcmp(t, "!") == 0)
		return YT_NONE;
	if (strncmp(t, YAML_TAG_PREFIX, plen) == 0)
	{
		for (i = 0; i < lengthof(safe_tags); i++)
		{
			if (strcmp(t + plen, safe_tags[i].name) != 0)
				continue;
			if (safe_tags[i].kind != kind)
				dbtc_ereport_at_pos(st->doc->file, (int) mark->line + 1, (int) mark->column + 1, ERROR,
								(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
								 errmsg("YAML tag \"!!%s\" in \"%s\" needs %s, not %s",
										safe_tags[i].name, st->doc->file,
										kind_names[safe_tags[i].kind], kind_names[kind])));
			return safe_tags[i].tag;
		}
	}
	dbtc_ereport_at_pos(st->doc->file, (int) mark->line + 1, (int) mark->column + 1, ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("YAML tag \"%s%s\" in \"%s\" is not one dbt can read",
							strncmp(t, YAML_TAG_PREFIX, plen) == 0 ? "!!" : "",
							dbtc_clip(strncmp(t, YAML_TAG_PREFIX, plen) == 0 ? t + plen : t),
							st->doc->file),
					 errhint("dbt reads YAML with PyYAML's safe loader, which refuses every tag but the standard ones (!!str, !!int, !!float, !!bool, !!null, !!binary, !!timestamp, !!seq, !!map, !!omap, !!pairs, !!set).")));
	return YT_NONE;				/* keep the compiler quiet */
}

static YNode *
new_node(ComposeState *st, YNodeKind kind, const yaml_mark_t *mark,
		 const yaml_char_t *tag)
{
	YNode	   *n = arena_alloc(st, sizeof(YNode), true);

	memset(n, 0, sizeof(YNode));
	n->kind = kind;
	n->line = (int) mark->line + 1;
	n->col = (int) mark->column + 1;
	if (tag != NULL)
		n->tag = resolve_tag(st, kind, mark, (const char *) tag);
	st->doc->nnodes++;
	return n;
}

static void
register_anchor(ComposeState *st, const yaml_char_t *anchor, YNode *n,
				const yaml_mark_t *mark)
{
	AnchorEntry *e;
	char		key[MAX_ANCHOR_LEN];

	if (anchor == NULL)
		return;
	if (strlen((const char *) anchor) >= MAX_ANCHOR_LEN)
		compose_error(st, mark, "YAML anchor name in \"%s\" is too long",
					  st->doc->file);
	memset(key, 0, sizeof(key));
	strlcpy(key, (const char *) anchor, sizeof(key));
	/* A later anchor of the same name replaces the earlier one. */
	e = hash_search(st->anchors, key, HASH_ENTER, NULL);
	e->node = n;
}

static YNode *
lookup_alias(ComposeState *st, const yaml_char_t *anchor, const yaml_mark_t *mark)
{
	AnchorEntry *e;
	char		key[MAX_ANCHOR_LEN];

	memset(key, 0, sizeof(key));
	strlcpy(key, (const char *) anchor, sizeof(key));
	e = strlen((const char *) anchor) < MAX_ANCHOR_LEN ?
		hash_search(st->anchors, key, HASH_FIND, NULL) : NULL;
	if (e == NULL)
		compose_error(st, mark, "YAML alias \"*%s\" refers to an undefined anchor",
					  dbtc_clip((const char *) anchor));
	if (e->node->composing)
		dbtc_ereport_at_pos(st->doc->file, (int) mark->line + 1, (int) mark->column + 1, ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("YAML alias \"*%s\" refers to a node that contains it",
								(const char *) anchor),
						 errdetail("Recursive structures cannot describe a contract.")));
	return e->node;
}

/*
 * PyYAML resolves the plain scalar = to the tag !!value and << to !!merge,
 * and its safe loader constructs neither: << works only as a mapping key
 * (a merge key), and = nowhere.  dbt fails on such a document, so we do.
 */
static void
check_plain_special(ComposeState *st, const YNode *n, const yaml_mark_t *mark,
					bool is_key)
{
	const char *tag;

	if (strcmp(n->value, "=") == 0)
		tag = "value";
	else if (strcmp(n->value, "<<") == 0 && !is_key)
		tag = "merge";
	else
		return;
	dbtc_ereport_at_pos(st->doc->file, (int) mark->line + 1, (int) mark->column + 1, ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("YAML scalar %s in \"%s\" is not one dbt can read",
							n->value, st->doc->file),
					 errhint("PyYAML's safe loader reads a plain %s as the tag !!%s, which it cannot construct; write '%s' in quotes to mean the text.",
							 n->value, tag, n->value)));
}

/*
 * Attach a finished (or aliased) node to the open collection, or as root.
 * A list or mapping cannot be a mapping key: PyYAML's SafeLoader (and so
 * dbt) rejects such a document as a whole, whichever key it sits under.
 *
 * Items wait on the pending stack until their collection ends, when they
 * are copied into an array of the exact size; nitems counts them so far.
 */
static void
attach(ComposeState *st, YNode *n, const yaml_mark_t *mark)
{
	YNode	   *parent = st->depth > 0 ? st->stack[st->depth - 1] : NULL;

	if (n->kind == YN_SCALAR && n->plain && n->tag == YT_NONE)
		check_plain_special(st, n, mark,
							parent != NULL && parent->kind == YN_MAPPING &&
							parent->nitems % 2 == 0);
	if (st->depth == 0)
	{
		st->doc->root = n;
		return;
	}
	if (parent->kind == YN_MAPPING && parent->nitems % 2 == 0 &&
		n->kind != YN_SCALAR)
		dbtc_ereport_at_pos(st->doc->file, (int) mark->line + 1, (int) mark->column + 1, ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("YAML mapping keys in \"%s\" must be scalars, not %s",
								st->doc->file,
								n->kind == YN_MAPPING ? "mappings" : "lists"),
						 errhint("dbt reads YAML with PyYAML's safe loader, which cannot use a list or mapping as a key.")));
	if (st->npending >= st->pending_cap)
	{
		st->pending_cap *= 2;
		st->pending = repalloc_huge(st->pending,
									sizeof(YNode *) * st->pending_cap);
	}
	st->pending[st->npending++] = n;
	parent->nitems++;
}

static void
push_collection(ComposeState *st, YNode *n, const yaml_mark_t *mark)
{
	if (st->depth >= DBTC_MAX_YAML_DEPTH)
		dbtc_ereport_at_pos(st->doc->file, (int) mark->line + 1, (int) mark->column + 1, ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("YAML in \"%s\" is nested more than %d levels deep",
								st->doc->file, DBTC_MAX_YAML_DEPTH)));
	n->composing = true;
	attach(st, n, mark);
	st->stack[st->depth] = n;
	st->first[st->depth] = st->npending;
	st->depth++;
}

static void
pop_collection(ComposeState *st)
{
	YNode	   *n = st->stack[--st->depth];
	int			first = st->first[st->depth];

	Assert(st->npending - first == n->nitems);
	if (n->nitems > 0)
	{
		n->items = arena_alloc(st, sizeof(YNode *) * n->nitems, true);
		memcpy(n->items, st->pending + first, sizeof(YNode *) * n->nitems);
	}
	st->npending = first;
	n->composing = false;
	/* Mapping items are stored as pairs; pairs count keys. */
	if (n->kind == YN_MAPPING)
		n->nitems /= 2;
}

static void
compose_events(ComposeState *st)
{
	yaml_event_t *ev = &st->event;
	bool		done = false;

	while (!done)
	{
		YNode	   *n;

		CHECK_FOR_INTERRUPTS();
		if (!yaml_parser_parse(&st->parser, ev))
			report_parser_error(st);
		st->event_live = true;

		switch (ev->type)
		{
			case YAML_STREAM_END_EVENT:
				done = true;
				break;
			case YAML_DOCUMENT_START_EVENT:
				if (++st->ndocuments > 1)
					compose_error(st, &ev->start_mark,
								  "\"%s\" holds more than one YAML document",
								  st->doc->file);
				break;
			case YAML_ALIAS_EVENT:
				attach(st, lookup_alias(st, ev->data.alias.anchor, &ev->start_mark),
					   &ev->start_mark);
				break;
			case YAML_SCALAR_EVENT:
				n = new_node(st, YN_SCALAR, &ev->start_mark, ev->data.scalar.tag);
				n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
				n->value = scalar_text(st, &ev->start_mark,
									   (const char *) ev->data.scalar.value,
									   ev->data.scalar.length);
				register_anchor(st, ev->data.scalar.anchor, n, &ev->start_mark);
				attach(st, n, &ev->start_mark);
				break;
			case YAML_SEQUENCE_START_EVENT:
				n = new_node(st, YN_SEQUENCE, &ev->start_mark,
							 ev->data.sequence_start.tag);
				register_anchor(st, ev->data.sequence_start.anchor, n,
								&ev->start_mark);
				push_collection(st, n, &ev->start_mark);
				break;
			case YAML_MAPPING_START_EVENT:
				n = new_node(st, YN_MAPPING, &ev->start_mark,
							 ev->data.mapping_start.tag);
				register_anchor(st, ev->data.mapping_start.anchor, n,
								&ev->start_mark);
				push_collection(st, n, &ev->start_mark);
				break;
			case YAML_SEQUENCE_END_EVENT:
			case YAML_MAPPING_END_EVENT:
				pop_collection(st);
				break;
			default:
				break;
		}
		yaml_event_delete(ev);
		st->event_live = false;
	}
}

/*
 * Parse a whole YAML stream (one document) into a YDoc.  All memory is
 * palloc'd in the current context except libyaml's own, which is freed
 * here on every path.
 */
YDoc *
dbtc_yaml_compose(const char *data, size_t len, const char *file)
{
	ComposeState *st = palloc0(sizeof(ComposeState));
	HASHCTL		ctl;

	st->doc = palloc0(sizeof(YDoc));
	st->doc->file = file;
	st->data = data;
	st->len = len;
	st->stack = palloc(sizeof(YNode *) * DBTC_MAX_YAML_DEPTH);
	st->first = palloc(sizeof(int) * DBTC_MAX_YAML_DEPTH);
	st->pending_cap = 1024;
	st->pending = palloc(sizeof(YNode *) * st->pending_cap);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = MAX_ANCHOR_LEN;
	ctl.entrysize = sizeof(AnchorEntry);
	ctl.hcxt = CurrentMemoryContext;
	st->anchors = hash_create("dbt_contract YAML anchors", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	if (!yaml_parser_initialize(&st->parser))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not initialize the YAML parser")));

	PG_TRY();
	{
		yaml_parser_set_input_string(&st->parser, (const unsigned char *) data, len);
		compose_events(st);
	}
	PG_FINALLY();
	{
		if (st->event_live)
			yaml_event_delete(&st->event);
		yaml_parser_delete(&st->parser);
	}
	PG_END_TRY();

	hash_destroy(st->anchors);
	st->doc->budget = Max(DBTC_MIN_VISIT_BUDGET,
						  st->doc->nnodes * DBTC_VISITS_PER_NODE);
	return st->doc;
}

/* ------------------------------------------------------------------------
 * Reading the tree
 * ------------------------------------------------------------------------
 */

/* Pay for one node visit; aliases make a tree cost more than its size. */
void
dbtc_yaml_charge(YDoc *doc, const YNode *n)
{
	if (--doc->budget < 0)
		dbtc_ereport_at_pos(doc->file, n->line, n->col, ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("YAML in \"%s\" expands to too many nodes", doc->file),
						 errdetail("Aliases multiply the document beyond %ld node visits.", Max(DBTC_MIN_VISIT_BUDGET,
									   doc->nnodes * DBTC_VISITS_PER_NODE)),
						 errhint("This is the shape of an alias bomb; check the anchors (&name) and aliases (*name) used here.")));
	if ((doc->budget & 4095) == 0)
		CHECK_FOR_INTERRUPTS();
}

static bool
all_chars_in(const char *s, const char *set)
{
	for (; *s; s++)
		if (strchr(set, *s) == NULL)
			return false;
	return true;
}

/* [-+]?  then digits with underscores; base-specific prefixes. */
static bool
looks_like_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (*s == '\0')
		return false;
	if (s[0] == '0' && s[1] == 'b')
		return s[2] != '\0' && all_chars_in(s + 2, "01_");
	if (s[0] == '0' && s[1] == 'x')
		return s[2] != '\0' && all_chars_in(s + 2, "0123456789abcdefABCDEF_");
	if (s[0] == '0')
		return all_chars_in(s + 1, "01234567_");
	if (*s < '1' || *s > '9')
		return false;
	/* decimal, or sexagesimal 190:20:30 */
	if (strchr(s, ':') != NULL)
	{
		const char *p = strchr(s, ':');

		if (!all_chars_in(pnstrdup(s, p - s), "0123456789_"))
			return false;
		while (p != NULL)
		{
			const char *q = strchr(p + 1, ':');
			int			seglen = q ? (int) (q - p - 1) : (int) strlen(p + 1);

			if (seglen < 1 || seglen > 2 || p[1] < '0' || p[1] > '9' ||
				(seglen == 2 && (p[1] > '5' || p[2] < '0' || p[2] > '9')))
				return false;
			p = q;
		}
		return true;
	}
	return all_chars_in(s, "0123456789_");
}

static bool
looks_like_float(const char *s)
{
	const char *dot;
	const char *e;
	const char *mant_end;

	if (*s == '-' || *s == '+')
	{
		if (strcmp(s + 1, ".inf") == 0 || strcmp(s + 1, ".Inf") == 0 ||
			strcmp(s + 1, ".INF") == 0)
			return true;
		s++;
	}
	if (strcmp(s, ".inf") == 0 || strcmp(s, ".Inf") == 0 ||
		strcmp(s, ".INF") == 0 || strcmp(s, ".nan") == 0 ||
		strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0)
		return true;
	dot = strchr(s, '.');
	if (dot == NULL)
		return false;
	e = strpbrk(dot, "eE");
	mant_end = e ? e : dot + strlen(dot);
	/* integer part: empty (then fraction required), or digits/_/: */
	if (dot == s)
	{
		if (mant_end == dot + 1 || dot[1] < '0' || dot[1] > '9')
			return false;
	}
	else if (*s < '0' || *s > '9' ||
			 !all_chars_in(pnstrdup(s, dot - s), "0123456789_:"))
		return false;
	if (!all_chars_in(pnstrdup(dot + 1, mant_end - dot - 1), "0123456789_"))
		return false;
	if (e != NULL)
	{
		if ((e[1] != '-' && e[1] != '+') || e[2] == '\0' ||
			!all_chars_in(e + 2, "0123456789"))
			return false;
	}
	return true;
}

/* Resolve a scalar's type as PyYAML's SafeLoader would. */
YScalarType
dbtc_yaml_scalar_type(const YNode *n)
{
	const char *v = n->value;

	Assert(n->kind == YN_SCALAR);
	switch (n->tag)
	{
		case YT_NONE:
			break;
		case YT_NULL:
			return YS_NULL;
		case YT_BOOL:
			return YS_BOOL;
		case YT_INT:
			return YS_INT;
		case YT_FLOAT:
			return YS_FLOAT;
		default:
			return YS_STRING;
	}
	if (!n->plain)
		return YS_STRING;

	/*
	 * Every null, boolean and number spelling starts with one of these
	 * characters; most plain scalars of a schema.yml (names, types, test
	 * names) do not, and the parser asks about each value it reads.
	 */
	switch (v[0])
	{
		case '\0':
		case '~':
		case 'n':
		case 'N':
		case 'y':
		case 'Y':
		case 't':
		case 'T':
		case 'f':
		case 'F':
		case 'o':
		case 'O':
		case '+':
		case '-':
		case '.':
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
		case '8':
		case '9':
			break;
		default:
			return YS_STRING;
	}
	if (*v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
		strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0)
		return YS_NULL;
	{
		bool		b;

		if (dbtc_yaml_scalar_bool(n, &b))
			return YS_BOOL;
	}
	if (looks_like_int(v))
		return YS_INT;
	if (looks_like_float(v))
		return YS_FLOAT;
	return YS_STRING;
}

/* YAML 1.1 booleans: yes/no/true/false/on/off in three casings. */
bool
dbtc_yaml_scalar_bool(const YNode *n, bool *result)
{
	static const char *const truths[] = {"yes", "Yes", "YES", "true", "True",
	"TRUE", "on", "On", "ON"};
	static const char *const lies[] = {"no", "No", "NO", "false", "False",
	"FALSE", "off", "Off", "OFF"};
	int			i;

	/* `!!str yes` and "yes" are strings; `!!bool "yes"` is a boolean */
	if (n->kind != YN_SCALAR)
		return false;
	if (n->tag != YT_NONE ? n->tag != YT_BOOL : !n->plain)
		return false;
	/* spare the 18 comparisons for values that start like none of them */
	switch (n->value[0])
	{
		case 'y':
		case 'Y':
		case 't':
		case 'T':
		case 'o':
		case 'O':
		case 'n':
		case 'N':
		case 'f':
		case 'F':
			break;
		default:
			return false;
	}
	for (i = 0; i < lengthof(truths); i++)
	{
		if (strcmp(n->value, truths[i]) == 0)
		{
			*result = true;
			return true;
		}
		if (strcmp(n->value, lies[i]) == 0)
		{
			*result = false;
			return true;
		}
	}
	return false;
}

static bool
is_merge_key(const YNode *k)
{
	return k->kind == YN_SCALAR && k->plain &&
		k->value[0] == '<' && k->value[1] == '<' && k->value[2] == '\0';
}

/*
 * The value of a merge key must be a mapping or a list of mappings, as
 * PyYAML insists.  Each merged item is paid for: a long list of (possibly
 * empty) mappings is otherwise free to scan again on every lookup.
 */
static void
check_merge_item(YDoc *doc, const YNode *v, bool in_list)
{
	dbtc_yaml_charge(doc, v);
	if (v->kind != YN_MAPPING && (in_list || v->kind != YN_SEQUENCE))
		dbtc_ereport_at_pos(doc->file, v->line, v->col, ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("YAML merge key in \"%s\" must refer to a mapping or a list of mappings, not %s",
								doc->file,
								v->kind == YN_SEQUENCE ? "a list inside the list" :
								v->kind == YN_MAPPING ? "a mapping" : "a scalar"),
						 errhint("Write <<: *anchor or <<: [*first, *second], where each anchor names a mapping.")));
}

static YNode *
map_get_depth(YDoc *doc, const YNode *map, const char *key, int depth)
{
	int			i;
	bool		has_merge = false;

	check_stack_depth();
	if (depth > DBTC_MAX_YAML_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("YAML merge keys in \"%s\" are chained more than %d levels deep",
						doc->file, DBTC_MAX_YAML_DEPTH)));

	/*
	 * Explicit keys win; among duplicates the last one does (as PyYAML).
	 * Keys are compared on their first byte before strcmp, and the merge
	 * keys noticed on the way, as this runs for every key the parser
	 * looks up.
	 */
	for (i = map->nitems - 1; i >= 0; i--)
	{
		YNode	   *k = map->items[2 * i];

		dbtc_yaml_charge(doc, k);
		if (k->kind != YN_SCALAR)
			continue;
		if (is_merge_key(k))
			has_merge = true;
		else if (k->value[0] == key[0] && strcmp(k->value, key) == 0)
			return map->items[2 * i + 1];
	}
	if (!has_merge)
		return NULL;
	/* Then merged mappings: later `<<` keys, and earlier list items, win. */
	for (i = map->nitems - 1; i >= 0; i--)
	{
		YNode	   *k = map->items[2 * i];
		YNode	   *v = map->items[2 * i + 1];
		YNode	   *found = NULL;

		if (!is_merge_key(k))
			continue;
		check_merge_item(doc, v, false);
		if (v->kind == YN_MAPPING)
			found = map_get_depth(doc, v, key, depth + 1);
		else
		{
			int			j;

			for (j = 0; j < v->nitems && found == NULL; j++)
			{
				check_merge_item(doc, v->items[j], true);
				found = map_get_depth(doc, v->items[j], key, depth + 1);
			}
		}
		if (found != NULL)
			return found;
	}
	return NULL;
}

/* Value for key in a mapping, honouring merge keys; NULL if absent. */
YNode *
dbtc_yaml_map_get(YDoc *doc, const YNode *map, const char *key)
{
	Assert(map->kind == YN_MAPPING);
	return map_get_depth(doc, map, key, 0);
}

/*
 * The value of key when map is a mapping and the value is there and not a
 * YAML (or JSON) null; else NULL.  What "not set" means to dbt.
 */
YNode *
dbtc_yaml_map_value(YDoc *doc, const YNode *map, const char *key)
{
	YNode	   *v;

	if (map == NULL || map->kind != YN_MAPPING)
		return NULL;
	v = dbtc_yaml_map_get(doc, map, key);
	if (v != NULL && v->kind == YN_SCALAR && dbtc_yaml_scalar_type(v) == YS_NULL)
		return NULL;
	return v;
}

/* The text of dbtc_yaml_map_value() when it is a scalar; else NULL. */
const char *
dbtc_yaml_map_text(YDoc *doc, const YNode *map, const char *key)
{
	YNode	   *v = dbtc_yaml_map_value(doc, map, key);

	return v != NULL && v->kind == YN_SCALAR ? v->value : NULL;
}

/* Collected entry with its precedence (lower wins) and position. */
typedef struct PairSlot
{
	YPair		pair;
	int			rank;
	int			seq;
} PairSlot;

typedef struct PairCollector
{
	PairSlot   *slots;
	int			n;
	int			cap;
	int			nextrank;
} PairCollector;

static void
collect_pairs(YDoc *doc, const YNode *map, PairCollector *pc, int depth)
{
	int			i;
	int			explicit_rank;

	check_stack_depth();
	if (depth > DBTC_MAX_YAML_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("YAML merge keys in \"%s\" are chained more than %d levels deep",
						doc->file, DBTC_MAX_YAML_DEPTH)));

	explicit_rank = pc->nextrank++;
	for (i = 0; i < map->nitems; i++)
	{
		YNode	   *k = map->items[2 * i];
		PairSlot   *s;

		dbtc_yaml_charge(doc, k);
		if (is_merge_key(k))
			continue;
		if (k->kind != YN_SCALAR)
			dbtc_ereport_at_pos(doc->file, k->line, k->col, ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("YAML mapping keys in \"%s\" must be scalars", doc->file)));
		if (pc->n >= pc->cap)
		{
			pc->cap = pc->cap == 0 ? 16 : pc->cap * 2;
			pc->slots = pc->slots == NULL ? palloc(sizeof(PairSlot) * pc->cap) :
				repalloc(pc->slots, sizeof(PairSlot) * pc->cap);
		}
		s = &pc->slots[pc->n];
		s->pair.key = k->value;
		s->pair.keynode = k;
		s->pair.value = map->items[2 * i + 1];
		/* later duplicates of an explicit key win: rank them first */
		s->rank = explicit_rank;
		s->seq = pc->n++;
	}
	for (i = map->nitems - 1; i >= 0; i--)
	{
		YNode	   *k = map->items[2 * i];
		YNode	   *v = map->items[2 * i + 1];

		if (!is_merge_key(k))
			continue;
		check_merge_item(doc, v, false);
		if (v->kind == YN_MAPPING)
			collect_pairs(doc, v, pc, depth + 1);
		else
		{
			int			j;

			for (j = 0; j < v->nitems; j++)
			{
				check_merge_item(doc, v->items[j], true);
				collect_pairs(doc, v->items[j], pc, depth + 1);
			}
		}
	}
}

static int
pair_by_key(const void *a, const void *b)
{
	const PairSlot *x = a;
	const PairSlot *y = b;
	int			c = strcmp(x->pair.key, y->pair.key);

	if (c != 0)
		return c;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return y->seq - x->seq;		/* later duplicate first */
}

static int
pair_by_seq(const void *a, const void *b)
{
	return ((const PairSlot *) a)->seq - ((const PairSlot *) b)->seq;
}

/*
 * All entries of a mapping after merge keys are applied, each key once,
 * in document order (explicit keys first, then merged ones).  Sorting
 * keeps this O(n log n) even for hostile mappings with many keys.
 */
List *
dbtc_yaml_map_pairs(YDoc *doc, const YNode *map)
{
	PairCollector pc = {0};
	List	   *result = NIL;
	int			i;
	int			kept = 0;

	Assert(map->kind == YN_MAPPING);
	collect_pairs(doc, map, &pc, 0);
	if (pc.n == 0)
		return NIL;
	qsort(pc.slots, pc.n, sizeof(PairSlot), pair_by_key);
	for (i = 0; i < pc.n; i++)
	{
		if (kept > 0 && strcmp(pc.slots[kept - 1].pair.key, pc.slots[i].pair.key) == 0)
			continue;
		pc.slots[kept++] = pc.slots[i];
	}
	qsort(pc.slots, kept, sizeof(PairSlot), pair_by_seq);
	for (i = 0; i < kept; i++)
	{
		YPair	   *p = palloc(sizeof(YPair));

		*p = pc.slots[i].pair;
		result = lappend(result, p);
	}
	pfree(pc.slots);
	return result;
}

/* Integer scalar as JSON number text (bases and underscores resolved). */
static void
int_to_json(const char *v, StringInfo out)
{
	const char *s = v;
	bool		neg = false;
	char	   *digits;
	char	   *d;
	int			base = 10;
	unsigned long long acc = 0;
	bool		overflow = false;

	if (*s == '-' || *s == '+')
		neg = (*s++ == '-');
	if (s[0] == '0' && s[1] == 'b')
		base = 2, s += 2;
	else if (s[0] == '0' && s[1] == 'x')
		base = 16, s += 2;
	else if (s[0] == '0' && s[1] != '\0')
		base = 8, s += 1;
	digits = d = palloc(strlen(s) + 1);
	for (; *s; s++)
		if (*s != '_')
			*d++ = *s;
	*d = '\0';

	if (strchr(digits, ':') != NULL)
	{
		/* sexagesimal: 1:30 is 90 */
		char	   *tok = strtok(digits, ":");

		while (tok != NULL)
		{
			acc = acc * 60 + strtoull(tok, NULL, 10);
			tok = strtok(NULL, ":");
		}
	}
	else
	{
		for (d = digits; *d; d++)
		{
			int			dv = isdigit((unsigned char) *d) ? *d - '0' :
				tolower((unsigned char) *d) - 'a' + 10;

			if (acc > (ULLONG_MAX - dv) / base)
				overflow = true;
			acc = acc * base + dv;
		}
	}
	if (overflow && base == 10)
		appendStringInfo(out, "%s%s", neg ? "-" : "", digits);
	else if (overflow)
		escape_json(out, v);
	else
		appendStringInfo(out, "%s%llu", neg ? "-" : "", acc);
}

static void
float_to_json(const char *v, StringInfo out)
{
	char	   *clean = palloc(strlen(v) + 1);
	char	   *d = clean;
	const char *s;
	double		val;

	for (s = v; *s; s++)
		if (*s != '_')
			*d++ = *s;
	*d = '\0';
	if (strchr(clean, ':') != NULL || strstr(clean, "inf") || strstr(clean, "Inf") ||
		strstr(clean, "INF") || strstr(clean, "nan") || strstr(clean, "NaN") ||
		strstr(clean, "NAN"))
	{
		/* sexagesimal floats keep their spelling */
		if (strchr(clean, ':') != NULL)
		{
			escape_json(out, v);
			return;
		}

		/*
		 * JSON has no infinities: Python's json writes float('inf') as
		 * the bare word Infinity, which PostgreSQL refuses, so dbt's
		 * manifest and the dbt_contract package carry these as the
		 * strings "Infinity", "-Infinity" and "NaN" (PostgreSQL's own
		 * spellings), and so do we.
		 */
		if (strstr(clean, "nan") || strstr(clean, "NaN") || strstr(clean, "NAN"))
			escape_json(out, "NaN");
		else
			escape_json(out, clean[0] == '-' ? "-Infinity" : "Infinity");
		return;
	}
	val = strtod(clean, NULL);
	appendStringInfoString(out, float8out_internal(val));
}

/*
 * A float as Python's str() spells it, which is how dbt turns a float
 * version into text: the shortest digits that read back, with ".0" on a
 * whole number, and exponents from 1e16 up (PostgreSQL's own output
 * switches at 1e15).
 */
char *
dbtc_python_float_text(double val)
{
	char	   *out;

	if (isnan(val))
		return pstrdup("nan");
	if (isinf(val))
		return pstrdup(val < 0 ? "-inf" : "inf");
	if (fabs(val) >= 1e15 && fabs(val) < 1e16)
		return psprintf("%.1f", val);
	out = float8out_internal(val);
	if (strpbrk(out, ".e") == NULL)
		out = psprintf("%s.0", out);
	return out;
}

/*
 * A version scalar as dbt holds it.  dbt reads v: (and latest_version:,
 * and a manifest's version) as a number or a string and keys the version
 * by str() of it: v: 4.50 is "4.5", v: 0x10 is "16", v: "0" stays "0".
 * Returns NULL for null, booleans and collections.  *falsy tells whether
 * Jinja takes the value as false (0, 0.0, ""), for dbt's
 * generate_alias_name then leaves the suffix off the relation name.
 */
char *
dbtc_yaml_version_text(const YNode *n, bool *falsy)
{
	StringInfoData s;
	char	   *res;

	*falsy = false;
	if (n == NULL || n->kind != YN_SCALAR)
		return NULL;
	switch (dbtc_yaml_scalar_type(n))
	{
		case YS_INT:
			initStringInfo(&s);
			int_to_json(n->value, &s);
			/* past 64 bits (rare) the spelling stands */
			res = s.data[0] == '"' ? pstrdup(n->value) : s.data;
			*falsy = strcmp(res, "0") == 0 || strcmp(res, "-0") == 0;
			if (*falsy)
				res = pstrdup("0");
			return res;
		case YS_FLOAT:
			{
				char	   *clean = pstrdup(n->value);
				char	   *d = clean;
				const char *p;
				double		val;

				for (p = n->value; *p; p++)
					if (*p != '_')
						*d++ = *p;
				*d = '\0';
				/* sexagesimal floats keep their spelling */
				if (strchr(clean, ':') != NULL)
					return clean;
				if (strstr(clean, "nan") || strstr(clean, "NaN") || strstr(clean, "NAN"))
					val = get_float8_nan();
				else if (strstr(clean, "inf") || strstr(clean, "Inf") || strstr(clean, "INF"))
					val = clean[0] == '-' ? -get_float8_infinity() : get_float8_infinity();
				else
					val = strtod(clean, NULL);
				*falsy = (val == 0.0);
				return dbtc_python_float_text(val);
			}
		case YS_STRING:
			*falsy = (n->value[0] == '\0');
			return pstrdup(n->value);
		default:
			return NULL;
	}
}

/* Render a node as JSON, expanding aliases (charged to the budget). */
void
dbtc_yaml_to_json(YDoc *doc, const YNode *n, StringInfo out, int depth)
{
	int			i;
	ListCell   *lc;
	bool		first = true;

	check_stack_depth();
	dbtc_yaml_charge(doc, n);
	if (depth > DBTC_MAX_YAML_DEPTH)
		dbtc_ereport_at_pos(doc->file, n->line, n->col, ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("YAML in \"%s\" is nested more than %d levels deep",
								doc->file, DBTC_MAX_YAML_DEPTH)));

	switch (n->kind)
	{
		case YN_SCALAR:
			switch (dbtc_yaml_scalar_type(n))
			{
				case YS_NULL:
					appendStringInfoString(out, "null");
					break;
				case YS_BOOL:
					{
						bool		b = false;

						(void) dbtc_yaml_scalar_bool(n, &b);
						appendStringInfoString(out, b ? "true" : "false");
						break;
					}
				case YS_INT:
					if (n->plain)
						int_to_json(n->value, out);
					else
						escape_json(out, n->value);
					break;
				case YS_FLOAT:
					if (n->plain)
						float_to_json(n->value, out);
					else
						escape_json(out, n->value);
					break;
				case YS_STRING:
					escape_json(out, n->value);
					break;
			}
			break;
		case YN_SEQUENCE:
			appendStringInfoChar(out, '[');
			for (i = 0; i < n->nitems; i++)
			{
				if (i > 0)
					appendStringInfoString(out, ", ");
				dbtc_yaml_to_json(doc, n->items[i], out, depth + 1);
			}
			appendStringInfoChar(out, ']');
			break;
		case YN_MAPPING:
			appendStringInfoChar(out, '{');
			foreach(lc, dbtc_yaml_map_pairs(doc, n))
			{
				YPair	   *p = lfirst(lc);

				if (!first)
					appendStringInfoString(out, ", ");
				first = false;
				escape_json(out, p->key);
				appendStringInfoString(out, ": ");
				dbtc_yaml_to_json(doc, p->value, out, depth + 1);
			}
			appendStringInfoChar(out, '}');
			break;
	}
}
