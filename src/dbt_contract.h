/*-------------------------------------------------------------------------
 * dbt_contract.h
 *	  Declarations of every layer, each group under the file that defines
 *	  it.  The contract model itself is in contract_model.h.
 *
 * Data flows one way: dbtc_yaml_compose.c turns bytes into a YNode tree,
 * contract_parse.c (or contract_manifest.c) turns the tree into
 * ContractModel structs, validating what dbt validates, contract_types.c
 * resolves types and expressions with PostgreSQL's own parser, and
 * catalog_store.c writes the models into the dbt_contract schema.  From
 * there contract_read.c reads them back as the same structs for the event
 * triggers (through contract_cache.c), the reports (verify.c,
 * contract_ddl.c, repair.c, all comparing through contract_match.c) and
 * the diffs (contract_diff.c).
 *-------------------------------------------------------------------------
 */
#ifndef DBT_CONTRACT_H
#define DBT_CONTRACT_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "compat.h"
#include "contract_model.h"

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

/* dbt_contract.sync_descriptions: which descriptions become comments */
typedef enum SyncDescriptionsMode
{
	SYNC_DESCRIPTIONS_OFF,
	SYNC_DESCRIPTIONS_PERSIST_DOCS, /* as the model's persist_docs says */
	SYNC_DESCRIPTIONS_ALL
} SyncDescriptionsMode;

extern char *dbtc_project_dir;
extern int	dbtc_max_file_size_kb;
extern int	dbtc_enforcement;
extern int	dbtc_type_match;
extern int	dbtc_sync_descriptions;

/* A materialized result set of a set-returning function (dbt_contract.c). */
typedef struct ResultSink
{
	struct Tuplestorestate *store;
	struct TupleDescData *desc;
} ResultSink;

extern ResultSink dbtc_srf_begin(FunctionCallInfo fcinfo);

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

/* ---------- YAML node tree (dbtc_yaml_compose.c) ---------- */
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

extern YDoc *dbtc_yaml_compose(const char *data, size_t len, const char *file);
extern YScalarType dbtc_yaml_scalar_type(const YNode *n);
extern bool dbtc_yaml_scalar_bool(const YNode *n, bool *result);
extern void dbtc_yaml_charge(YDoc *doc, const YNode *n);
extern YNode *dbtc_yaml_map_get(YDoc *doc, const YNode *map, const char *key);
extern YNode *dbtc_yaml_map_value(YDoc *doc, const YNode *map, const char *key);
extern const char *dbtc_yaml_map_text(YDoc *doc, const YNode *map, const char *key);
extern List *dbtc_yaml_map_pairs(YDoc *doc, const YNode *map);
extern void dbtc_yaml_to_json(YDoc *doc, const YNode *n, StringInfo out, int depth);
extern char *dbtc_python_float_text(double val);
extern char *dbtc_yaml_version_text(const YNode *n, bool *falsy);

/* A mapping entry after merge keys are applied. */
typedef struct YPair
{
	const char *key;
	YNode	   *keynode;
	YNode	   *value;
} YPair;

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
extern List *contract_manifest_fk_relations(YDoc *doc, List *rels);

/* ---------- reading a relationship target (contract_target.c) ---------- */
typedef struct ContractTargetCall
{
	bool		is_ref;			/* ref(); else source() */
	char	   *package;		/* ref('pkg', 'm'), else NULL */
	char	   *model;
	char	   *version;		/* ref(..., v=N) as dbt keys it; NULL: none */
	char	   *source_name;	/* source('s', 't') */
	char	   *table_name;
} ContractTargetCall;

extern bool contract_target_call(const char *text, ContractTargetCall *call);
extern struct RangeVar *contract_references_clause(const char *text, const char *what,
											   List **columns, bool soft);

/* ---------- foreign key targets (contract_fk_target.c) ---------- */
typedef struct FkRelation FkRelation;

extern FkRelation *contract_fk_relation(const char *schema, const char *relname,
										const char *ref_name,
										const char *source_name,
										const char *table_name);
extern List *contract_fk_relations_yaml(YDoc *doc, const char *target_schema,
										List *rels);
extern List *contract_fk_constraints(List *models);
extern void contract_fk_canonical(List *models, List *rels);

/* ---------- semantic keys (contract_semantic.c) ---------- */
extern List *contract_semantic_read_yaml(YDoc *doc, List *pending);
extern List *contract_semantic_read_manifest(YDoc *doc, List *pending);
extern void contract_semantic_attach(List *models, List *pending);
extern void contract_semantic_fingerprint(ContractModel *m);

/* ---------- types and expressions (contract_types.c) ---------- */
typedef struct TypeCache TypeCache;

extern TypeCache *contract_type_cache_create(void);
extern void contract_resolve_types(ContractModel *m, TypeCache *cache);
extern void contract_check_expression(const ContractModel *m,
									  const ContractConstraint *c);

/* ---------- comparing contracts (contract_diff.c) ---------- */

/* One difference between the stored and the applied contract of a model. */
typedef struct ContractChange
{
	char	   *model;
	char	   *version;		/* NULL: unversioned */
	const char *change;			/* "column removed", "model added", ... */
	char	   *detail;
	bool		breaking;
} ContractChange;

extern List *contract_diff_model(const ContractModel *old, const ContractModel *new);
extern bool contract_deprecation_passed(const char *deprecation_date);
extern List *contract_diff_targets(const char *base_target, const char *head_target);

/* ---------- breaking changes (breaking_policy.c) ---------- */
extern List *contract_breaking_policy(List *changes, bool allow_breaking);

/* ---------- failures to report, not abort on (error_trap.c) ---------- */
extern bool dbtc_error_is_verdict(const ErrorData *edata);
extern ErrorData *dbtc_trap_error(void (*step) (void *arg), void *arg);

/* ---------- the catalog's owner (catalog_owner.c) ---------- */
typedef struct OwnerContext
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} OwnerContext;

extern Oid	dbtc_catalog_owner(void);
extern void dbtc_begin_as_owner(OwnerContext *oc);
extern void dbtc_end_as_owner(OwnerContext *oc);

/* ---------- writing the catalog (catalog_store.c) ---------- */
typedef struct ApplyResult
{
	char	   *model;
	char	   *version;		/* NULL: unversioned */
	char	   *relation;
	const char *action;
	int			ncolumns;
	int			nconstraints;
} ApplyResult;

typedef struct ApplyOptions
{
	const char *target;			/* target schema the contracts are for */
	const char *checksum;		/* md5 of the YAML */
	Oid			caller;			/* role that called the apply */
	bool		allow_breaking;
	bool		dry_run;
	/* a delta apply: the stored models the sender still has, unsent */
	bool		delta;
	List	   *keep;			/* ContractKey, when delta */
	const char *model_checksums;	/* the sender's per-model md5s (a JSON
									 * object), or NULL */
} ApplyOptions;

/* A model (or one version of it) by name, as a delta apply keeps it. */
typedef struct ContractKey
{
	const char *model;
	const char *version;		/* as dbt keys it; NULL: unversioned */
} ContractKey;

extern List *contract_store_apply(const char *source, List *models,
								 const ApplyOptions *opts);
extern List *contract_store_diff(const char *source, List *models,
								const ApplyOptions *opts);
extern void contract_check_target_privilege(const char *target, Oid caller);

/* Target lifecycle (targets.c). */
extern void contract_report_dropped_targets(Node *parsetree);

/* ---------- reading the catalog (contract_read.c) ---------- */
typedef struct ContractReader ContractReader;

/* What contract_reader_model(s) read besides the model row. */
#define CONTRACT_READ_HEADER	0x01	/* the model row only */
#define CONTRACT_READ_RESOLVE	0x02	/* ref() targets: to_relation, to_attnames */
#define CONTRACT_READ_TESTS		0x04	/* the data tests */

typedef bool (*ContractModelFilter) (void *arg, const ContractModel *m);
typedef void (*RelationVisitor) (void *arg, int64 model_id, const char *schema,
								 const char *relname);

extern ContractReader *contract_reader_begin(struct SnapshotData *snap);
extern struct SnapshotData *contract_statement_snapshot(void);
extern void contract_reader_end(ContractReader *r);
extern ContractModel *contract_reader_model(ContractReader *r, int64 model_id,
											int flags);
extern List *contract_reader_models(ContractReader *r, const char *name,
									ContractModelFilter keep, void *arg,
									int flags);
extern bool contract_read_relations(RelationVisitor visit, void *arg);
extern ContractModel *contract_read_model(int64 model_id, MemoryContext cxt);
extern List *contract_text_array_list(Datum d);

/* ---------- contracts by relation (contract_cache.c) ---------- */
extern void contract_cache_init(void);
extern ContractModel *contract_cache_lookup(const char *schema,
											const char *relname, bool *is_tmp);
extern List *contract_cache_schema_relations(const char *schema);
extern uint64 contract_cache_generation(void);
extern List *contract_load_enforced(void);
extern ContractModel *contract_load_model(const char *model, const char *version,
										  const char *target);
extern ContractModel *contract_for_relation(Oid relid);
extern char *contract_dbt_tmp_name(const char *relname);
extern Oid	contract_model_relid(const ContractModel *m);
extern bool contract_model_verified(const ContractModel *m);

/* ---------- type rules (type_match.c) ---------- */
extern bool contract_type_exists(const ContractColumn *c);
extern bool contract_types_match(Oid live_typid, int32 live_typmod,
								 const ContractColumn *c);

/* ---------- matching a live relation (contract_match.c, live_catalog.c) ---------- */
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

extern MatchReport *contract_match_relation(Oid relid, const ContractModel *spec,
											bool check_constraints);

/* Many relations read from the catalog at once, for dbt_contract_verify. */
typedef struct LiveCatalog LiveCatalog;

extern LiveCatalog *contract_live_catalog_load(List *specs);
extern Oid	contract_live_catalog_relid(LiveCatalog *cat, const char *schema,
							   const char *relname, char *relkind);
extern MatchReport *contract_match_live(LiveCatalog *cat, Oid relid,
										const ContractModel *spec);
extern bool contract_match_report_empty(const MatchReport *r);
extern char *contract_match_report_text(const MatchReport *r);
extern const char *contract_relkind_name(char relkind);
extern bool dbtc_creating_clone_view;
extern char *contract_fk_references(const ContractModel *spec,
									const ContractConstraint *k);

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
