/*-------------------------------------------------------------------------
 * contract_model.h
 *	  The one in-memory shape of a contract: a model, its columns,
 *	  constraints and data tests, and the vocabulary every layer shares
 *	  (type names, labels, identifier folding, the fingerprint).
 *
 * The loaders (contract_parse.c, contract_manifest.c) fill what the YAML
 * declares; the catalog reader (contract_read.c) fills the same structs
 * from the stored rows, plus what only the catalog knows: the model's id
 * and target, each column's attribute name, and ref() targets resolved to
 * relations.  The store, the diff, the event trigger and the reports all
 * take these structs.
 *-------------------------------------------------------------------------
 */
#ifndef CONTRACT_MODEL_H
#define CONTRACT_MODEL_H

#include "postgres.h"

#include "nodes/pg_list.h"

typedef struct SrcLoc
{
	const char *file;
	int			line;
	int			col;
} SrcLoc;

/* A YAML location as the CONTEXT of the messages raised meanwhile. */
typedef struct DbtcLocation
{
	ErrorContextCallback cb;
	const char *file;
	int			line;
	int			col;
} DbtcLocation;

extern void dbtc_location_push_at(DbtcLocation *l, const char *file,
								  int line, int col);
extern void dbtc_location_pop(DbtcLocation *l);

/* ereport with a YAML location (a SrcLoc, or file, line, column) as CONTEXT. */
#define dbtc_ereport_at_pos(file, line, col, elevel, ...) \
	do { \
		DbtcLocation dbtc_context_; \
		dbtc_location_push_at(&dbtc_context_, (file), (line), (col)); \
		ereport((elevel), __VA_ARGS__); \
		dbtc_location_pop(&dbtc_context_); \
	} while (0)
#define dbtc_ereport_at(loc, elevel, ...) \
	dbtc_ereport_at_pos((loc)->file, (loc)->line, (loc)->col, (elevel), __VA_ARGS__)

typedef enum ContractConstraintType
{
	CC_NOT_NULL,
	CC_UNIQUE,
	CC_PRIMARY_KEY,
	CC_FOREIGN_KEY,
	CC_CHECK,
	CC_CUSTOM
} ContractConstraintType;

typedef struct ContractConstraint
{
	ContractConstraintType type;
	bool		model_level;
	List	   *columns;		/* column names as written (char *) */
	char	   *expression;
	char	   *name;
	char	   *to_text;		/* `to:` as written */
	char	   *to_model;		/* model named by ref(), else NULL */
	char	   *to_package;
	char	   *to_version;		/* as dbt keys it (str of v=); NULL: none */
	List	   *to_columns;		/* as written */
	bool		warn_unenforced;
	bool		warn_unsupported;
	SrcLoc		loc;

	/* resolved by the catalog reader, within the model's target */
	char	   *to_relation;	/* ref() target as schema.name, quoted */
	List	   *to_attnames;	/* to_columns as the target's attribute
								 * names; NIL unless to_relation is set */
} ContractConstraint;

typedef struct ContractTest
{
	char	   *test_name;
	List	   *columns;		/* columns the test is about (char *) */
	char	   *arguments;		/* JSON object text */
	char	   *config;			/* JSON object text: severity, where, ... */
	bool		enabled;		/* false: config enabled: false */
	SrcLoc		loc;
} ContractTest;

typedef struct ContractColumn
{
	char	   *name;			/* as written */
	char	   *data_type;		/* as written, NULL when absent */
	Oid			type_oid;
	int32		typmod;
	char	   *description;
	bool		quoted;
	SrcLoc		loc;
	SrcLoc		type_loc;

	/* as stored by the catalog; NULL from a loader (see contract_column_ident) */
	char	   *attname;
} ContractColumn;

/* Lookup arrays over a model's columns (contract_model.c). */
typedef struct ContractColumnIndex ContractColumnIndex;

typedef struct ContractModel
{
	char	   *name;
	char	   *version;		/* as dbt keys it (str of v:); NULL: unversioned */
	char	   *latest_version; /* declared latest_version; NULL: not set */
	bool		is_latest;		/* the version an unversioned ref() resolves to */
	char	   *latest_pointer; /* dbt 1.12's view onto the latest version
								 * (latest_version_pointer); NULL: none */
	char	   *relation_schema;
	char	   *relation_name;
	char	   *materialized;	/* NULL: not declared in YAML */
	bool		enforced;
	bool		alias_types;
	char	   *on_schema_change;
	bool		persist_relation_docs;	/* config persist_docs: {relation: true} */
	bool		persist_column_docs;	/* config persist_docs: {columns: true} */
	char	   *description;
	char	   *deprecation_date;
	List	   *columns;		/* ContractColumn * */
	List	   *constraints;	/* ContractConstraint *, both levels */
	List	   *tests;			/* ContractTest * */
	SrcLoc		loc;
	char	   *fingerprint;	/* md5 of the canonical form */

	/* known once stored: filled by the catalog reader */
	int64		model_id;		/* 0: not read from the catalog */
	char	   *target;			/* target schema it was applied for */

	/* built on first lookup, in the model's memory context */
	ContractColumnIndex *column_index;

	List	   *semantic_keys;	/* SemanticKey *: contract_semantic.c */
} ContractModel;

/*
 * A key or relationship a semantic model, a model's semantic YAML or a BI
 * tool's meta declares (contract_semantic.c); never enforced.
 */
typedef struct SemanticKey
{
	char	   *derived_from;	/* semantic_models, columns, derived_semantics,
								 * meta.primary_key, meta.joins */
	char	   *key_type;		/* primary, unique, natural, foreign, join */
	char	   *name;			/* the entity's name */
	char	   *semantic_model; /* the semantic model it belongs to */
	List	   *columns;		/* column names as written */
	char	   *to_model;		/* meta.joins: the joined model */
	List	   *to_columns;
	char	   *relationship;	/* meta.joins: many_to_one, one_to_one, one_to_many */
} SemanticKey;

/* Vocabulary shared by every layer (contract_model.c). */
extern const char *contract_constraint_type_name(ContractConstraintType t);
extern bool contract_constraint_type_from_name(const char *name,
											   ContractConstraintType *t);
extern char *contract_model_label(const ContractModel *m);
extern char *contract_model_label_full(const ContractModel *m);
extern char *contract_srcloc_string(const SrcLoc *loc);
extern char *contract_written_ident(const char *written);
extern char *contract_column_ident(const ContractColumn *c);
extern char *contract_fk_target_key(const char *to_model, const char *to_version,
									const char *to_text);
extern void contract_fingerprint(ContractModel *m);

/* Versions as dbt has them (contract_model.c). */
extern bool dbtc_version_float(const char *v, double *val);
extern bool dbtc_version_lt(const char *a, const char *b);
extern int	dbtc_version_key_cmp(const char *a, const char *b);
extern char *dbtc_version_literal(const char *lit);
extern char *dbtc_version_ref_arg(const char *version);
extern char *dbtc_version_relation(const char *model, const char *version,
								   bool falsy);

/* A model's columns by attribute name or as written: position, or -1. */
extern int	contract_column_by_attname(const ContractModel *m, const char *attname);
extern int	contract_column_by_name(const ContractModel *m, const char *written);
extern char *contract_constraint_attname(const ContractModel *m,
										 const char *written);

#endif							/* CONTRACT_MODEL_H */
