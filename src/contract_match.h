/*-------------------------------------------------------------------------
 * contract_match.h
 *	  A live relation as matching sees it, shared by contract_match.c
 *	  (comparing one relation with its contract) and live_catalog.c
 *	  (reading many relations at once for dbt_contract_verify).
 *-------------------------------------------------------------------------
 */
#ifndef CONTRACT_MATCH_H
#define CONTRACT_MATCH_H

#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "nodes/nodes.h"
#include "utils/hsearch.h"
#include "utils/relcache.h"

/* One live constraint of the relation. */
typedef struct LiveConstraint
{
	Oid			oid;
	char		contype;
	char	   *name;
	List	   *cols;			/* attribute names, in key order */
	Oid			confrelid;
	List	   *fcols;			/* referenced attribute names */
	Node	   *check_expr;		/* CHECK: stored expression */
	bool		in_force;		/* validated and enforced */
} LiveConstraint;

/* One live column. */
typedef struct LiveAttr
{
	char	   *name;
	AttrNumber	attnum;
	Oid			typid;
	int32		typmod;
	Oid			collation;
	bool		notnull;
	bool		hasdef;
} LiveAttr;

/*
 * What matching needs of a live relation: read from an open relation (one
 * DDL command's check), or from the catalog for many relations at once
 * (dbt_contract_verify), in which case the relation itself is opened only
 * when something needs it (cooking a check no earlier relation had).
 */
typedef struct LiveRel
{
	Oid			relid;
	Oid			nsp;
	char		relkind;
	char	   *schema;
	char	   *relname;
	AttrNumber	maxattnum;
	LiveAttr  **byattnum;		/* [1..maxattnum]; NULL: dropped */
	List	   *attrs;			/* LiveAttr *, by attnum */
	LiveAttr  **byname;			/* the same, sorted by name */
	int			nattrs;
	List	   *constraints;	/* LiveConstraint * */
	HTAB	   *conindex;		/* LiveConKey: constraints by type and columns */
	Relation	rel;			/* open relation, or NULL */
	bool		opened;			/* rel was opened here, close it */
} LiveRel;

/* A check expression as cooked against one relation, for the others. */
typedef struct CookedCheck
{
	char	   *expression;
	Oid			nsp;			/* schema it was cooked for (search_path) */
	int			ncols;			/* columns it refers to: */
	char	  **names;
	AttrNumber *attnos;			/* ... as numbered in expr */
	Oid		   *typids;
	int32	   *typmods;
	Oid		   *collations;
	Node	   *expr;
} CookedCheck;

typedef struct CookedBucket
{
	uint32		hash;			/* of the expression text */
	List	   *entries;		/* CookedCheck * */
} CookedBucket;

typedef struct RelNameKey
{
	char		schema[NAMEDATALEN];
	char		relname[NAMEDATALEN];
} RelNameKey;

typedef struct RelNameEntry
{
	RelNameKey	key;
	Oid			relid;
	char		relkind;
} RelNameEntry;

typedef struct LiveRelEntry
{
	Oid			relid;
	LiveRel    *live;
} LiveRelEntry;

struct LiveCatalog
{
	MemoryContext cxt;
	HTAB	   *names;			/* RelNameEntry: the relations of the contracts */
	HTAB	   *rels;			/* LiveRelEntry: those that exist */
	HTAB	   *cooked;			/* CookedBucket */
};

extern bool contract_constraint_in_force(Form_pg_constraint con);
extern void contract_live_note_invalid_not_null(LiveRel *lr, LiveConstraint *l);
extern LiveAttr *contract_live_attr_make(Form_pg_attribute att);
extern void contract_live_rel_index_attrs(LiveRel *lr);
extern MatchReport *contract_match_live_rel(LiveCatalog *cat, LiveRel *lr,
											const ContractModel *spec,
											bool check_constraints);

#endif							/* CONTRACT_MATCH_H */
