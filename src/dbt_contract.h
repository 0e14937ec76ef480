/*-------------------------------------------------------------------------
 * dbt_contract.h
 *	  Shared declarations: settings, the YAML node tree, the in-memory
 *	  contract model, and the entry points of each source file.
 *
 * Data flows one way: yaml_compose.c turns bytes into a YNode tree,
 * contract_parse.c turns the tree into ContractModel structs (validating
 * what dbt validates), contract_types.c resolves types and expressions
 * with PostgreSQL's own parser, catalog_store.c writes the models into
 * the dbt_contract schema, and apply.c holds the SQL-callable functions.
 *-------------------------------------------------------------------------
 */
#ifndef DBT_CONTRACT_H
#define DBT_CONTRACT_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "compat.h"

/* ---------- settings (dbt_contract.c) ---------- */
typedef enum EnforcementMode
{
	ENFORCE_ERROR,
	ENFORCE_WARN,
	ENFORCE_OFF
} EnforcementMode;

typedef enum TypeMatchMode
{
	TYPE_MATCH_DECLARED,
	TYPE_MATCH_EXACT,
	TYPE_MATCH_DBT
} TypeMatchMode;

extern char *dbtc_project_dir;
extern int	dbtc_max_file_size_kb;
extern int	dbtc_enforcement;
extern int	dbtc_type_match;
extern bool dbtc_sync_descriptions;

/* A materialized result set of a set-returning function (dbt_contract.c). */
typedef struct ResultSink
{
	struct Tuplestorestate *store;
	struct TupleDescData *desc;
} ResultSink;

extern ResultSink srf_begin(FunctionCallInfo fcinfo);

/* Hard limits that keep hostile YAML bounded. */
#define DBTC_MAX_YAML_DEPTH			100
#define DBTC_MIN_VISIT_BUDGET		1000000L
#define DBTC_VISITS_PER_NODE		20L

/*
 * Limits on names.  Identifiers (schemas, relations, columns, constraints)
 * follow PostgreSQL's NAMEDATALEN: a longer one would be truncated by the
 * server, so a contract naming it could never be met.  A model's name is
 * the name of its .sql file, which common filesystems cap at 255 bytes;
 * a source is a path or a label, capped like PostgreSQL's own paths.
 */
#define DBTC_MAX_IDENT_LEN			(NAMEDATALEN - 1)
#define DBTC_MAX_MODEL_NAME_LEN		255
#define DBTC_MAX_SOURCE_LEN			(MAXPGPATH - 1)

/* Messages quote at most this many characters of any user text. */
#define DBTC_QUOTE_CHARS			64

extern char *dbtc_clip(const char *text);

/* ---------- YAML node tree (yaml_compose.c) ---------- */
typedef enum YNodeKind
{
	YN_SCALAR,
	YN_SEQUENCE,
	YN_MAPPING
} YNodeKind;

/*
 * The tags PyYAML's SafeLoader constructs (tag:yaml.org,2002:<name>); any
 * other tag makes it refuse the document, and so do we.
 */
typedef enum YTag
{
	YT_NONE,
	YT_NULL,
	YT_BOOL,
	YT_INT,
	YT_FLOAT,
	YT_STR,
	YT_BINARY,
	YT_TIMESTAMP,
	YT_SEQ,
	YT_MAP,
	YT_OMAP,
	YT_PAIRS,
	YT_SET
} YTag;

/* 32 bytes: a 64 MB schema.yml has some five million of them. */
typedef struct YNode
{
	uint8		kind;			/* YNodeKind */
	bool		plain;			/* scalar written without quotes */
	bool		composing;		/* still open while its children load */
	uint8		tag;			/* YTag: the explicit tag, if any */
	int			line;			/* 1-based */
	int			col;			/* 1-based */
	int			nitems;			/* sequence items, or mapping pairs */
	char	   *value;			/* scalar text (server encoding) */
	struct YNode **items;		/* mapping: key,value,key,value,... */
} YNode;

typedef struct YDoc
{
	const char *file;			/* name shown in messages */
	YNode	   *root;			/* NULL for an empty document */
	long		nnodes;			/* nodes composed (excluding aliases) */
	long		budget;			/* node visits left for walkers */
} YDoc;

/* Resolved YAML 1.1 scalar (PyYAML SafeLoader rules). */
typedef enum YScalarType
{
	YS_NULL,
	YS_BOOL,
	YS_INT,
	YS_FLOAT,
	YS_STRING
} YScalarType;

extern YDoc *yaml_compose(const char *data, size_t len, const char *file);
extern YScalarType yaml_scalar_type(const YNode *n);
extern bool yaml_scalar_bool(const YNode *n, bool *result);
extern void yaml_charge(YDoc *doc, const YNode *n);
extern YNode *yaml_map_get(YDoc *doc, const YNode *map, const char *key);
extern List *yaml_map_pairs(YDoc *doc, const YNode *map);
extern void yaml_to_json(YDoc *doc, const YNode *n, StringInfo out, int depth);

/* A mapping entry after merge keys are applied. */
typedef struct YPair
{
	const char *key;
	YNode	   *keynode;
	YNode	   *value;
} YPair;

/* ---------- contract model (contract_parse.c) ---------- */
typedef struct SrcLoc
{
	const char *file;
	int			line;
	int			col;
} SrcLoc;

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
	int			to_version;		/* -1: none given */
	List	   *to_columns;
	bool		warn_unenforced;
	bool		warn_unsupported;
	SrcLoc		loc;
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
	char	   *name;
	char	   *data_type;		/* as written, NULL when absent */
	Oid			type_oid;
	int32		typmod;
	char	   *description;
	bool		quoted;
	SrcLoc		loc;
	SrcLoc		type_loc;
} ContractColumn;

typedef struct ContractModel
{
	char	   *name;
	int			version;		/* -1: unversioned */
	int			latest_version; /* -1: not set */
	char	   *relation_schema;
	char	   *relation_name;
	char	   *materialized;	/* NULL: not declared in YAML */
	bool		enforced;
	bool		alias_types;
	char	   *on_schema_change;
	char	   *description;
	char	   *deprecation_date;
	List	   *columns;		/* ContractColumn * */
	List	   *constraints;	/* ContractConstraint *, both levels */
	List	   *tests;			/* ContractTest * */
	SrcLoc		loc;
	char	   *fingerprint;	/* md5 of the canonical form */
} ContractModel;

/* What to parse, and how to name what comes out. */
typedef struct ParseOptions
{
	const char *target_schema;
	bool		relation_targets;	/* `to:` may be a compiled relation name */
} ParseOptions;

extern List *contract_parse_document(YDoc *doc, const ParseOptions *opts,
									 List *models);
extern List *contract_parse_model_entry(YDoc *doc, YNode *model,
										const ParseOptions *opts, List *models);
extern List *contract_parse_entry_copied(YDoc *doc, YNode *entry,
										 const ParseOptions *opts, List *models,
										 MemoryContext scratch);
extern ContractModel *contract_model_copy(const ContractModel *src);

/* ---------- dbt manifests (contract_manifest.c) ---------- */
extern List *contract_parse_manifest(YDoc *doc, List *models);
extern const char *contract_constraint_type_name(ContractConstraintType t);
extern char *contract_model_label(const ContractModel *m);
extern char *contract_written_ident(const char *written);
extern char *contract_column_ident(const ContractColumn *c);
extern char *srcloc_string(const SrcLoc *loc);

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

/* ---------- types and expressions (contract_types.c) ---------- */
typedef struct TypeCache TypeCache;

extern TypeCache *type_cache_create(void);
extern void contract_resolve_types(ContractModel *m, TypeCache *cache);
extern void contract_check_expression(const ContractModel *m,
									  const ContractConstraint *c);

/* ---------- comparing contracts (contract_diff.c) ---------- */

/* One difference between the stored and the applied contract of a model. */
typedef struct ContractChange
{
	char	   *model;
	int			version;
	const char *change;			/* "column removed", "model added", ... */
	char	   *detail;
	bool		breaking;
} ContractChange;

/* The previous contract of a model, as read back from the catalog. */
typedef struct StoredColumn
{
	char	   *attname;
	Oid			type_oid;
	int32		typmod;
	char	   *type_text;		/* format_type of the stored type */
} StoredColumn;

typedef struct StoredConstraint
{
	const char *type;
	bool		model_level;
	List	   *columns;		/* as written */
	char	   *expression;
	char	   *name;
	char	   *to_text;
	char	   *to_model;
	int			to_version;		/* -1: none */
	List	   *to_columns;
} StoredConstraint;

typedef struct StoredModel
{
	char	   *model;
	int			version;
	bool		enforced;
	char	   *materialized;
	char	   *deprecation_date;
	char	   *relation;		/* schema.name, quoted */
	char	   *fingerprint;
	List	   *columns;		/* StoredColumn * */
	List	   *constraints;	/* StoredConstraint * */
} StoredModel;

extern List *contract_diff_model(const StoredModel *old, const ContractModel *new);
extern char *contract_fk_target_key(const char *to_model, int to_version,
									const char *to_text);
extern bool contract_deprecation_passed(const char *deprecation_date);
extern List *contract_diff_targets(const char *base_target, const char *head_target);

/* ---------- catalog (catalog_store.c) ---------- */
typedef struct ApplyResult
{
	char	   *model;
	int			version;
	char	   *relation;
	const char *action;
	int			ncolumns;
	int			nconstraints;
} ApplyResult;

extern void contract_fingerprint(ContractModel *m);
typedef struct ApplyOptions
{
	const char *target;			/* target schema the contracts are for */
	const char *checksum;		/* md5 of the YAML */
	Oid			caller;			/* role that called the apply */
	bool		allow_breaking;
	bool		dry_run;
} ApplyOptions;

extern List *catalog_store_apply(const char *source, List *models,
								 const ApplyOptions *opts);
extern List *catalog_store_diff(const char *source, List *models,
								const ApplyOptions *opts);
extern Oid	catalog_owner(void);
extern List *contract_text_array_list(Datum d);

/* ---------- contract cache (contract_cache.c) ---------- */

/* A loaded contract, as the DDL checks need it. */
typedef struct SpecColumn
{
	char	   *attname;		/* identifier PostgreSQL uses */
	char	   *name;			/* as written */
	char	   *data_type;
	char	   *description;
	Oid			type_oid;
	int32		typmod;
	bool		quoted;
} SpecColumn;

typedef struct SpecConstraint
{
	ContractConstraintType type;
	bool		model_level;
	List	   *columns;		/* as written */
	char	   *expression;
	char	   *name;
	char	   *to_text;
	char	   *to_model;
	char	   *to_relation;	/* ref() target resolved via the catalog */
	int			to_version;
	List	   *to_columns;
} SpecConstraint;

typedef struct ContractSpec
{
	int64		model_id;
	char	   *target;			/* target schema it was applied for */
	char	   *model;
	int			version;		/* -1: unversioned */
	char	   *relation_schema;
	char	   *relation_name;
	char	   *materialized;
	char	   *description;
	bool		enforced;
	int			ncolumns;
	SpecColumn *columns;
	List	   *constraints;	/* SpecConstraint * */
	/* columns sorted by attname and by written name, built on first use */
	SpecColumn **by_attname;
	SpecColumn **by_name;
} ContractSpec;

typedef struct OwnerContext
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} OwnerContext;

/* Reading the catalog without SQL (contract_read.c). */
typedef void (*RelationVisitor) (void *arg, int64 model_id, const char *schema,
								 const char *relname);
extern bool contract_read_relations(RelationVisitor visit, void *arg);
extern ContractSpec *contract_read_spec(int64 model_id, MemoryContext cxt);

extern void contract_cache_init(void);
extern ContractSpec *contract_cache_lookup(const char *schema,
										   const char *relname, bool *is_tmp);
extern List *contract_cache_schema_relations(const char *schema);
extern uint64 contract_cache_generation(void);
extern List *contract_load_enforced(void);
extern ContractSpec *contract_load_model(const char *model, int version,
										 const char *target);
extern void begin_as_owner(OwnerContext *oc);
extern void end_as_owner(OwnerContext *oc);

/* ---------- matching a live relation (contract_match.c) ---------- */
/* One discrepancy, as dbt_contract_verify() reports it. */
typedef struct MatchProblem
{
	char	   *object;			/* column name, or constraint */
	const char *problem;		/* column missing/extra/type, constraint
								 * missing/different, foreign key lost */
	char	   *have;
	char	   *want;
	char	   *repair;			/* ALTER TABLE adding what is missing, or NULL */
} MatchProblem;

typedef struct MatchReport
{
	char	   *relation;		/* schema.name, quoted */
	List	   *column_rows;	/* MismatchRow *, sorted by column name */
	List	   *constraint_lines;	/* char *, one per problem */
	List	   *problems;		/* MatchProblem *, columns then constraints */
	List	   *repair_sql;		/* char *, foreign keys that would restore */
} MatchReport;

extern MatchReport *contract_match_relation(Oid relid, const ContractSpec *spec,
											bool check_constraints);

/* Many relations read from the catalog at once, for dbt_contract_verify. */
typedef struct LiveCatalog LiveCatalog;

extern LiveCatalog *live_catalog_load(List *specs);
extern Oid	live_catalog_relid(LiveCatalog *cat, const char *schema,
							   const char *relname, char *relkind);
extern MatchReport *contract_match_live(LiveCatalog *cat, Oid relid,
										const ContractSpec *spec);
extern bool match_report_empty(const MatchReport *r);
extern char *match_report_text(const MatchReport *r);
extern char *spec_label(const ContractSpec *spec);
extern const char *contract_relkind_name(char relkind);
extern bool dbtc_creating_clone_view;
extern char *constraint_attname(const ContractSpec *spec, const char *written);
extern char *contract_fk_references(const ContractSpec *spec,
									const SpecConstraint *k);

/* ---------- generated SQL (generated_sql.c) ---------- */
typedef struct GenScope GenScope;

extern char *dbtc_text_excerpt(const char *text);
extern int	dbtc_push_settings(bool fix_strings);
extern void dbtc_pop_settings(int nest);
extern Node *dbtc_parse_expression(const char *text, const char *what);
extern List *dbtc_parse_table_elements(const char *elements, const char *text,
									   const char *what);
extern GenScope *dbtc_scope_create(const char *relname);
extern void dbtc_scope_add_column(GenScope *scope, const char *attname,
								  Oid typid, int32 typmod);
extern char *dbtc_render_check(GenScope *scope, const char *expression,
							   const char *what);
extern char *dbtc_deparse_for_relation(Node *expr, const char *relname, Oid relid);
extern void dbtc_render_column_clause(StringInfo s, GenScope *scope, int colidx,
									  const char *prefix, const char *text,
									  const char *what);
extern struct Constraint *dbtc_render_table_clause(StringInfo s, GenScope *scope,
												   const char *prefix,
												   const char *text,
												   const char *what, bool named);
extern void dbtc_check_generated(const char *sql, NodeTag expected,
								 const char *schema, const char *relname,
								 int ncolumns, const char *const *colnames);

#endif							/* DBT_CONTRACT_H */
