/*-------------------------------------------------------------------------
 * generate.h
 *	  What the generators of contracts share: the set of relations, the
 *	  catalog reading (generate.c) and the YAML emitter.  generate.c
 *	  renders dbt's schema.yml, generate_odcs.c an Open Data Contract
 *	  Standard document, both from the same reading.
 *-------------------------------------------------------------------------
 */
#ifndef DBT_CONTRACT_GENERATE_H
#define DBT_CONTRACT_GENERATE_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include <yaml.h>

/* One relation of the set, and the dbt model (version) it becomes. */
typedef struct GenRel
{
	Oid			relid;
	char	   *relname;
	char		relkind;
	char	   *model;			/* model name */
	int			version;		/* -1: unversioned */
	int			latest;			/* highest version of its family */
} GenRel;

typedef struct GenSet
{
	char	   *schema;
	int			n;
	GenRel	   *rels;			/* output order: model, then version */
	GenRel	  **by_oid;			/* sorted by relid, for foreign keys */
} GenSet;

/* A live column. */
typedef struct GenColumn
{
	char	   *name;			/* NULL: dropped */
	char	   *type;			/* format_type, names outside pg_catalog qualified */
	Oid			typid;
	int32		typmod;
	char	   *description;
	bool		notnull;
} GenColumn;

/* A live constraint, with what a contract needs of it. */
typedef struct GenConstraint
{
	char		contype;		/* CONSTRAINT_EXCLUSION: custom, see text */
	char	   *name;
	List	   *cols;			/* column names */
	Oid			confrelid;
	List	   *fcols;			/* referenced column names */
	char	   *text;			/* check expression, or custom definition */
	bool		nulls_not_distinct; /* a UNIQUE NULLS NOT DISTINCT (custom) */
} GenConstraint;

/* libyaml's emitter writing into a StringInfo. */
typedef struct Emitter
{
	yaml_emitter_t em;
	StringInfo	out;
	bool		to_utf8;		/* server encoding is not UTF-8 */
} Emitter;

/* Writes the top-level mapping of a document for the set. */
typedef void (*GenRenderer) (Emitter *e, const GenSet *set, void *arg);

extern Datum dbtc_gen_document(FunctionCallInfo fcinfo, const char *funcname,
							   bool dbt_models, GenRenderer render, void *arg);
extern GenRel *dbtc_gen_find(const GenSet *set, Oid relid);
extern GenColumn *dbtc_gen_read_columns(Oid relid, int *natts, bool descriptions);
extern List *dbtc_gen_read_constraints(const char *relname, Oid relid,
									   GenColumn *cols, int natts);
extern char *dbtc_gen_quoted_names(List *names);

extern void dbtc_emit_string(Emitter *e, const char *v);
extern void dbtc_emit_plain(Emitter *e, const char *v);
extern void dbtc_emit_key_string(Emitter *e, const char *key, const char *value);
extern void dbtc_emit_key_plain(Emitter *e, const char *key, const char *value);
extern void dbtc_emit_open(Emitter *e, bool sequence, bool flow);
extern void dbtc_emit_close(Emitter *e, bool sequence);
extern void dbtc_emit_name_list(Emitter *e, const char *key, List *names);

#define emit_map_start(e, flow)	dbtc_emit_open((e), false, (flow))
#define emit_map_end(e)			dbtc_emit_close((e), false)
#define emit_seq_start(e, flow)	dbtc_emit_open((e), true, (flow))
#define emit_seq_end(e)			dbtc_emit_close((e), true)

#endif							/* DBT_CONTRACT_GENERATE_H */
