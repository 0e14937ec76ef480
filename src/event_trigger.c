/*-------------------------------------------------------------------------
 * event_trigger.c
 *	  Event triggers that check DDL on contracted relations against their
 *	  contracts (ddl_command_end) and report constraints lost to CASCADE
 *	  (sql_drop).
 *
 * The triggers fire for every command; the relations a command created or
 * changed are read from its parse tree, together with the ones it reached
 * indirectly (inheritance children and partitions of an altered parent,
 * tables typed by an altered composite type), so DDL on a relation without
 * a contract costs a name lookup and one hash probe.  dbt's own build flow
 * passes: <model>__dbt_tmp is checked as its model, __dbt_backup
 * relations, temporary relations and objects created by extension scripts
 * are ignored.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "commands/comment.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "catalog/pg_type.h"
#include "utils/tuplestore.h"
#include "utils/fmgroids.h"
#include "utils/array.h"
#include "executor/tuptable.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_ddl_command_end);
PG_FUNCTION_INFO_V1(dbt_contract_sql_drop);

#define DBT_BACKUP_SUFFIX "__dbt_backup"

typedef enum TargetKind
{
	TARGET_CREATED,				/* new relation: check and sync comments */
	TARGET_CHANGED				/* existing relation changed: check */
} TargetKind;

/*
 * How a relation reached by a command is found: by name from the parse
 * tree, or, for relations the command reached through another object,
 * by OID.
 */
typedef enum TargetReach
{
	REACH_DIRECT,				/* the relation the command names */
	REACH_DESCENDANTS,			/* ... and its inheritance children */
	REACH_TYPED_TABLES			/* the tables typed by the named composite */
} TargetReach;

typedef struct Target
{
	RangeVar   *rv;
	TargetKind	kind;
	TargetReach reach;
	bool		renamed;		/* rv is the new name given by a RENAME */
	bool		altered;		/* ALTER TABLE subcommands (not a rename) */
} Target;

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t		ls = strlen(s);
	size_t		lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/*
 * ALTER TABLE subcommands that can make a conforming relation stop
 * conforming.  Adding constraints or NOT NULL cannot, which is also what
 * lets pg_restore add keys after the contracts are back.
 */
static bool
alter_can_break(List *cmds)
{
	ListCell   *lc;

	foreach(lc, cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
			case AT_DropColumn:
			case AT_AlterColumnType:
			case AT_DropNotNull:
			case AT_DropConstraint:
			case AT_ColumnDefault:
			case AT_AlterConstraint:
				return true;
			default:
				break;
		}
	}
	return false;
}

static Target *
make_target(RangeVar *rv, TargetKind kind)
{
	Target	   *t = palloc(sizeof(Target));

	t->rv = rv;
	t->kind = kind;
	t->reach = kind == TARGET_CHANGED ? REACH_DESCENDANTS : REACH_DIRECT;
	t->renamed = false;
	t->altered = false;
	return t;
}

static Target *command_target(Node *parsetree);
static List *command_targets(Node *parsetree);

/*
 * CREATE SCHEMA s CREATE TABLE ... / CREATE VIEW ...: each element is a
 * new relation in s.
 */
static List *
schema_element_targets(CreateSchemaStmt *cs)
{
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, cs->schemaElts)
	{
		List	   *sub = command_targets(lfirst(lc));
		ListCell   *lc2;

		foreach(lc2, sub)
		{
			Target	   *t = lfirst(lc2);

			if (t->rv->schemaname == NULL && cs->schemaname != NULL)
			{
				t->rv = copyObject(t->rv);
				t->rv->schemaname = cs->schemaname;
			}
		}
		res = list_concat(res, sub);
	}
	return res;
}

/*
 * ALTER SCHEMA x RENAME TO s moves every relation of x into s at once, and
 * IMPORT FOREIGN SCHEMA ... INTO s creates many: check each contracted
 * name that now exists in s.
 */
static List *
schema_contract_targets(const char *newname, TargetKind kind)
{
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, contract_cache_schema_relations(newname))
		res = lappend(res, make_target(makeRangeVar(pstrdup(newname), lfirst(lc), -1),
									   kind));
	return res;
}

/* The relations a DDL command created or changed, from its parse tree. */
static List *
command_targets(Node *parsetree)
{
	Target	   *t = command_target(parsetree);

	if (t != NULL)
		return list_make1(t);
	if (IsA(parsetree, CreateSchemaStmt))
		return schema_element_targets((CreateSchemaStmt *) parsetree);
	if (IsA(parsetree, RenameStmt) &&
		((RenameStmt *) parsetree)->renameType == OBJECT_SCHEMA)
		return schema_contract_targets(((RenameStmt *) parsetree)->newname,
									   TARGET_CHANGED);
	/* every foreign table it brought in may stand at a contracted name */
	if (IsA(parsetree, ImportForeignSchemaStmt))
		return schema_contract_targets(((ImportForeignSchemaStmt *) parsetree)->local_schema,
									   TARGET_CREATED);
	return NIL;
}

/* Relation kinds a contract can stand on, as object types of a command. */
static bool
relation_object(ObjectType type)
{
	return type == OBJECT_TABLE || type == OBJECT_VIEW ||
		type == OBJECT_MATVIEW || type == OBJECT_FOREIGN_TABLE;
}

/* The relation a single-relation DDL command created or changed. */
static Target *
command_target(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			return make_target(((CreateStmt *) parsetree)->relation, TARGET_CREATED);
		case T_CreateForeignTableStmt:
			return make_target(((CreateForeignTableStmt *) parsetree)->base.relation,
							   TARGET_CREATED);
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *ctas = (CreateTableAsStmt *) parsetree;

				if (!relation_object(DBTC_CTAS_OBJTYPE(ctas)))
					return NULL;
				return make_target(ctas->into->rel, TARGET_CREATED);
			}
		case T_ViewStmt:
			return make_target(((ViewStmt *) parsetree)->view, TARGET_CREATED);
		case T_AlterTableStmt:
			{
				AlterTableStmt *ats = (AlterTableStmt *) parsetree;
				ObjectType	type = DBTC_ALTER_TABLE_OBJTYPE(ats);
				Target	   *t;

				if (!alter_can_break(ats->cmds))
					return NULL;
				t = make_target(ats->relation, TARGET_CHANGED);
				t->altered = true;
				/* ALTER TYPE t ... CASCADE changes the tables OF t */
				if (type == OBJECT_TYPE)
					t->reach = REACH_TYPED_TABLES;
				else if (!relation_object(type))
					return NULL;
				return t;
			}
		case T_RenameStmt:
			{
				RenameStmt *rs = (RenameStmt *) parsetree;
				Target	   *t;

				if (rs->relation == NULL)
					return NULL;
				if (relation_object(rs->renameType))
				{
					t = make_target(makeRangeVar(rs->relation->schemaname,
												 rs->newname, -1),
									TARGET_CHANGED);
					t->renamed = true;
					t->reach = REACH_DIRECT;
					return t;
				}
				if (rs->renameType == OBJECT_COLUMN ||
					rs->renameType == OBJECT_TABCONSTRAINT)
					return make_target(rs->relation, TARGET_CHANGED);
				/* ALTER TYPE t RENAME ATTRIBUTE ... CASCADE */
				if (rs->renameType == OBJECT_ATTRIBUTE)
				{
					t = make_target(rs->relation, TARGET_CHANGED);
					t->reach = REACH_TYPED_TABLES;
					return t;
				}
				return NULL;
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *as = (AlterObjectSchemaStmt *) parsetree;
				Target	   *t;

				if (as->relation == NULL || !relation_object(as->objectType))
					return NULL;
				t = make_target(makeRangeVar(as->newschema, as->relation->relname, -1),
								TARGET_CHANGED);
				t->reach = REACH_DIRECT;
				return t;
			}
		case T_RuleStmt:
			/* CREATE RULE "_RETURN" turns a table into a view (before 16) */
			return make_target(((RuleStmt *) parsetree)->relation, TARGET_CHANGED);
		default:
			return NULL;
	}
}

/*
 * Model and column descriptions become comments on the new relation: by
 * default where the model's persist_docs asks dbt to write them.
 */
static void
sync_descriptions(Oid relid, const ContractModel *spec)
{
	bool		all = dbtc_sync_descriptions == SYNC_DESCRIPTIONS_ALL;
	ListCell   *lc;

	if ((all || spec->persist_relation_docs) &&
		spec->description != NULL && spec->description[0] != '\0')
		CreateComments(relid, RelationRelationId, 0, spec->description);
	if (!all && !spec->persist_column_docs)
		return;
	foreach(lc, spec->columns)
	{
		const ContractColumn *c = lfirst(lc);
		AttrNumber	attnum;

		CHECK_FOR_INTERRUPTS();
		if (c->description == NULL || c->description[0] == '\0')
			continue;
		attnum = get_attnum(relid, c->attname);
		if (attnum != InvalidAttrNumber)
			CreateComments(relid, RelationRelationId, attnum, c->description);
	}
}

static void
report_violation(const char *relation, const ContractModel *spec,
				 TargetKind kind, MatchReport *report)
{
	int			level = dbtc_enforcement == ENFORCE_ERROR ? ERROR : WARNING;
	bool		pointer = false;

	/* dbt 1.12's latest_version_pointer view, or its __dbt_tmp name */
	if (spec->latest_pointer != NULL)
		pointer = strcmp(relation, quote_qualified_identifier(spec->relation_schema,
															   spec->latest_pointer)) == 0 ||
			strcmp(relation, quote_qualified_identifier(spec->relation_schema,
														contract_dbt_tmp_name(spec->latest_pointer))) == 0;
	if (kind == TARGET_CREATED && pointer)
		ereport(level,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("view %s, the latest_version_pointer of model \"%s\", does not match the enforced contract of %s",
						relation, spec->name, contract_model_label_full(spec)),
				 errdetail_internal("%s", contract_match_report_text(report)),
				 errhint("dbt 1.12 builds this view as SELECT * FROM %s; it must have that version's columns and types.",
						 quote_qualified_identifier(spec->relation_schema,
													spec->relation_name))));
	else if (kind == TARGET_CREATED)
		ereport(level,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("relation %s does not match the enforced contract of %s",
						relation, contract_model_label_full(spec)),
				 errdetail_internal("%s", contract_match_report_text(report)),
				 errhint("Make the model's SQL (or this DDL) produce the contracted columns, types and constraints, or change the contract in its YAML and apply it again.")));
	else
		ereport(level,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("this change to relation %s breaks the enforced contract of %s",
						relation, contract_model_label_full(spec)),
				 errdetail_internal("%s", contract_match_report_text(report)),
				 errhint("Change the contract first (dbt_contract_apply), then the relation; or rebuild the model with dbt.")));
}

/*
 * Was the relation created in this transaction?  dbt builds a model's
 * table and runs its post-hooks in one transaction, so an ALTER that
 * breaks a relation created this way is, in a dbt run, a post-hook (or
 * another statement after the build), not the model's SQL.
 */
static bool
built_in_this_transaction(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	bool		res;

	if (!RelationIsValid(rel))
		return false;
	res = rel->rd_createSubid != InvalidSubTransactionId;
	RelationClose(rel);
	return res;
}

/*
 * An ALTER right after the build broke the contract: say so, and name
 * the columns it added, which belong in the contract and the model's SQL.
 */
static void
report_changed_after_build(const char *relation, const ContractModel *spec,
						   MatchReport *report)
{
	int			level = dbtc_enforcement == ENFORCE_ERROR ? ERROR : WARNING;
	const char *app = GetConfigOption("application_name", true, false);
	bool		by_dbt = app != NULL && strncmp(app, "dbt", 3) == 0;
	StringInfoData extra;
	ListCell   *lc;

	initStringInfo(&extra);
	foreach(lc, report->problems)
	{
		const MatchProblem *p = lfirst(lc);

		if (strcmp(p->problem, "column extra") != 0)
			continue;
		appendStringInfo(&extra, "\n    - name: %s\n      data_type: %s",
						 p->object, p->have ? p->have : "");
	}
	ereport(level,
			(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
			 errmsg("a statement after the build of relation %s breaks the enforced contract of %s",
					relation, contract_model_label_full(spec)),
			 by_dbt ?
			 errdetail_internal("dbt built %s in this transaction, and a later statement of the run changed it: a post-hook altered the table dbt had just built.\n%s",
								relation, contract_match_report_text(report)) :
			 errdetail_internal("%s was created earlier in this transaction, and this later statement changed it (in a dbt run: a post-hook).\n%s",
								relation, contract_match_report_text(report)),
			 extra.len ?
			 errhint("Declare the column in the model's contract and select it in the model's SQL instead of adding it in a post-hook:\n  columns:%s",
					 extra.data) :
			 errhint("Make the model's SQL produce the relation as its contract declares instead of changing it after the build (in a post-hook), or change the contract first (dbt_contract_apply).")));
}

/*
 * The relation a RENAME without a schema name renamed.  The new name
 * looked up through search_path could find a same-named relation in an
 * earlier schema, so ask the command itself which object it changed.
 */
static Oid
renamed_relation(void)
{
	Oid			relid = InvalidOid;
	int			rc;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	rc = SPI_execute("SELECT objid FROM pg_catalog.pg_event_trigger_ddl_commands() "
					 "WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					 "AND objsubid OPERATOR(pg_catalog.=) 0", true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dbt_contract: reading the renamed relation failed: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
									  1, &isnull);

		if (!isnull)
			relid = DatumGetObjectId(d);
	}
	SPI_finish();
	return relid;
}

/*
 * The relation a command created or changed.  Names without a schema are
 * resolved the way the command resolved them: a new relation is in the
 * creation schema (a lookup through search_path would find a temporary
 * relation of the same name first, and skip the check).
 */
static Oid
target_relid(Target *t)
{
	if (t->rv->schemaname != NULL)
		return RangeVarGetRelidExtended(t->rv, NoLock, RVR_MISSING_OK, NULL, NULL);
	if (t->renamed)
		return renamed_relation();
	if (t->kind == TARGET_CREATED)
	{
		if (t->rv->relpersistence == RELPERSISTENCE_TEMP)
			return InvalidOid;
		return get_relname_relid(t->rv->relname,
								 RangeVarGetCreationNamespace(t->rv));
	}
	return RangeVarGetRelidExtended(t->rv, NoLock, RVR_MISSING_OK, NULL, NULL);
}

/*
 * Was the relation created by the current transaction?  CREATE TABLE IF
 * NOT EXISTS on an existing table is a CreateStmt too, and whoever runs it
 * must not overwrite the owner's comments with the contract's.
 */
static bool
created_here(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	bool		res;

	if (!HeapTupleIsValid(tup))
		return false;
	res = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetRawXmin(tup->t_data));
	ReleaseSysCache(tup);
	return res;
}

/* Check one relation a command created or changed against its contract. */
static void
check_relation(Oid relid, TargetKind kind, bool altered)
{
	char		relkind;
	char	   *relname;
	char	   *schema;
	ContractModel *spec;
	MatchReport *report;
	bool		is_tmp;

	if (!OidIsValid(relid) || get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		return;
	relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		return;
	relname = get_rel_name(relid);
	if (has_suffix(relname, DBT_BACKUP_SUFFIX))
		return;
	schema = get_namespace_name(get_rel_namespace(relid));

	spec = contract_cache_lookup(schema, relname, &is_tmp);
	if (spec == NULL)
		return;
	if (kind == TARGET_CREATED && dbtc_sync_descriptions != SYNC_DESCRIPTIONS_OFF &&
		created_here(relid))
		sync_descriptions(relid, spec);
	if (!spec->enforced || dbtc_enforcement == ENFORCE_OFF)
		return;

	report = contract_match_relation(relid, spec, true);
	if (!contract_match_report_empty(report) && altered &&
		built_in_this_transaction(relid))
		report_changed_after_build(quote_qualified_identifier(schema, relname),
								   spec, report);
	else if (!contract_match_report_empty(report))
		report_violation(quote_qualified_identifier(schema, relname), spec,
						 kind, report);
}

/*
 * The tables typed by a composite type (CREATE TABLE ... OF t): each has a
 * normal dependency on the type, found through pg_depend's index.
 */
static List *
typed_tables(Oid typid)
{
	Relation	deprel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *res = NIL;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(typid));
	scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		HeapTuple	reltup;

		CHECK_FOR_INTERRUPTS();
		if (dep->classid != RelationRelationId || dep->objsubid != 0)
			continue;
		reltup = SearchSysCache1(RELOID, ObjectIdGetDatum(dep->objid));
		if (!HeapTupleIsValid(reltup))
			continue;
		if (((Form_pg_class) GETSTRUCT(reltup))->reloftype == typid)
			res = lappend_oid(res, dep->objid);
		ReleaseSysCache(reltup);
	}
	systable_endscan(scan);
	table_close(deprel, AccessShareLock);
	return res;
}

/*
 * The relation and, when it has any, its inheritance children and
 * partitions at every level: ALTER TABLE on a parent recurses into them,
 * so a contracted child changes without being named.
 */
static List *
with_descendants(Oid relid)
{
	if (!has_subclass(relid))
		return list_make1_oid(relid);
	return find_all_inheritors(relid, NoLock, NULL);
}

/* Every relation a target reaches, by OID. */
static List *
target_relations(Target *t)
{
	Oid			relid = target_relid(t);
	List	   *res = NIL;
	ListCell   *lc;

	if (!OidIsValid(relid))
		return NIL;
	switch (t->reach)
	{
		case REACH_DIRECT:
			return list_make1_oid(relid);
		case REACH_DESCENDANTS:
			return with_descendants(relid);
		case REACH_TYPED_TABLES:
			foreach(lc, typed_tables(get_rel_type_id(relid)))
				res = list_concat(res, with_descendants(lfirst_oid(lc)));
			return res;
	}
	return NIL;
}

static void
check_target(Target *t)
{
	ListCell   *lc;

	foreach(lc, target_relations(t))
	{
		CHECK_FOR_INTERRUPTS();
		check_relation(lfirst_oid(lc), t->kind, t->altered);
	}
}

/*
 * The event trigger's data, or an error when the function was called in
 * some other way (e.g. SELECT dbt_contract_ddl_command_end()).
 */
static EventTriggerData *
event_trigger_data(FunctionCallInfo fcinfo, const char *funcname)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired as an event trigger",
						funcname)));
	return (EventTriggerData *) fcinfo->context;
}

/*
 * ddl_command_end: CREATE TABLE [AS], SELECT INTO, CREATE [OR REPLACE]
 * VIEW, ALTER TABLE / ALTER VIEW, CREATE SCHEMA (with elements), ALTER
 * SCHEMA ... RENAME.
 */
Datum
dbt_contract_ddl_command_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	ListCell   *lc;

	trigdata = event_trigger_data(fcinfo, "dbt_contract_ddl_command_end");

	/* Objects an extension script creates are not dbt models. */
	if (creating_extension)
		PG_RETURN_VOID();
	if (dbtc_enforcement == ENFORCE_OFF &&
		dbtc_sync_descriptions == SYNC_DESCRIPTIONS_OFF)
		PG_RETURN_VOID();

	foreach(lc, command_targets(trigdata->parsetree))
		check_target(lfirst(lc));
	PG_RETURN_VOID();
}

/* Could this command have dropped other tables' constraints? */
static bool
may_cascade(Node *parsetree)
{
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_DropStmt:
			return ((DropStmt *) parsetree)->behavior == DROP_CASCADE;
		case T_DropOwnedStmt:
			return ((DropOwnedStmt *) parsetree)->behavior == DROP_CASCADE;
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
				if (((AlterTableCmd *) lfirst(lc))->behavior == DROP_CASCADE)
				return true;
			return false;
		default:
			return false;
	}
}

typedef struct LostConstraint
{
	char	   *schema;
	char	   *table;
	char	   *names;			/* "constraint x, column y", ... */
} LostConstraint;

/*
 * Constraints and columns of surviving tables that this command dropped
 * (DROP TYPE ... CASCADE takes columns, DROP FUNCTION ... CASCADE checks),
 * per table.
 */
/* The column of a tuple descriptor with this name, or error. */
static AttrNumber
column_number(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return i + 1;
	elog(ERROR, "pg_event_trigger_dropped_objects() has no column \"%s\"", name);
	return InvalidAttrNumber;	/* keep the compiler quiet */
}

static LostConstraint *
lost_entry(List **res, const char *schema, const char *table)
{
	ListCell   *lc;
	LostConstraint *cur;

	foreach(lc, *res)
	{
		cur = lfirst(lc);
		if (strcmp(cur->schema, schema) == 0 && strcmp(cur->table, table) == 0)
			return cur;
	}
	cur = palloc0(sizeof(LostConstraint));
	cur->schema = pstrdup(schema);
	cur->table = pstrdup(table);
	*res = lappend(*res, cur);
	return cur;
}

/*
 * Constraints and columns of surviving tables that this command dropped
 * (DROP TYPE ... CASCADE takes columns, DROP FUNCTION ... CASCADE checks),
 * per table.  pg_event_trigger_dropped_objects() is called directly: dbt
 * drops every __dbt_backup with CASCADE, once per model, and planning SQL
 * for it would cost more than the check.
 */
static List *
lost_constraints(void)
{
	FmgrInfo	flinfo;
	ReturnSetInfo rsinfo;
	ExprContext *econtext = CreateStandaloneExprContext();
	TupleTableSlot *slot;
	AttrNumber	a_type;
	AttrNumber	a_original;
	AttrNumber	a_names;
	List	   *res = NIL;

	LOCAL_FCINFO(fcinfo, 0);

	fmgr_info(F_PG_EVENT_TRIGGER_DROPPED_OBJECTS, &flinfo);
	memset(&rsinfo, 0, sizeof(rsinfo));
	rsinfo.type = T_ReturnSetInfo;
	rsinfo.econtext = econtext;
	rsinfo.allowedModes = SFRM_Materialize;
	InitFunctionCallInfoData(*fcinfo, &flinfo, 0, InvalidOid, NULL, (Node *) &rsinfo);
	(void) FunctionCallInvoke(fcinfo);
	if (rsinfo.setResult == NULL)
	{
		FreeExprContext(econtext, true);
		return NIL;
	}

	a_type = column_number(rsinfo.setDesc, "object_type");
	a_original = column_number(rsinfo.setDesc, "original");
	a_names = column_number(rsinfo.setDesc, "address_names");
	slot = MakeSingleTupleTableSlot(rsinfo.setDesc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(rsinfo.setResult, true, false, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, a_type, &isnull);
		char	   *type;
		Datum	   *names;
		bool	   *nulls;
		int			n;
		LostConstraint *cur;
		char	   *what;

		if (isnull)
			continue;
		type = TextDatumGetCString(d);
		if (strcmp(type, "table constraint") != 0 && strcmp(type, "table column") != 0)
			continue;
		if (DatumGetBool(slot_getattr(slot, a_original, &isnull)))
			continue;			/* the table being dropped itself */
		d = slot_getattr(slot, a_names, &isnull);
		if (isnull)
			continue;
		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &names, &nulls, &n);
		if (n < 3 || nulls[0] || nulls[1] || nulls[2])
			continue;
		cur = lost_entry(&res, TextDatumGetCString(names[0]),
						 TextDatumGetCString(names[1]));
		what = psprintf("%s %s", type + strlen("table "),
						quote_identifier(TextDatumGetCString(names[2])));
		cur->names = cur->names ? psprintf("%s, %s", cur->names, what) : what;
	}
	ExecDropSingleTupleTableSlot(slot);
	FreeExprContext(econtext, true);
	return res;
}

static char *
join_lines(List *lines)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, lines)
		appendStringInfo(&s, "%s%s", s.len ? "\n" : "", (char *) lfirst(lc));
	return s.data;
}

/*
 * How loud a cascade's damage to a contracted table is.  dbt itself drops
 * <model>__dbt_backup with CASCADE after every rebuild, which takes the
 * foreign keys other models had on it: that stays a WARNING with the
 * statements that restore them.  Anything else a cascade takes (columns,
 * checks, keys of the table itself) breaks the contract like an ALTER
 * TABLE would, and is refused when enforcement is "error".
 */
static int
cascade_level(const MatchReport *report)
{
	ListCell   *lc;

	if (dbtc_enforcement != ENFORCE_ERROR)
		return WARNING;
	foreach(lc, report->problems)
	{
		const MatchProblem *p = lfirst(lc);

		if (strcmp(p->problem, "foreign key lost") != 0)
			return ERROR;
	}
	return WARNING;
}

/*
 * sql_drop: DROP ... CASCADE (dbt drops __dbt_backup with CASCADE) can
 * take other tables' foreign keys with it; say so for contracted tables,
 * with the statements that put the contract's keys back.
 */
Datum
dbt_contract_sql_drop(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	ListCell   *lc;

	trigdata = event_trigger_data(fcinfo, "dbt_contract_sql_drop");
	/* whatever the enforcement: contracts left without their schema */
	if (!creating_extension)
		contract_report_dropped_targets(trigdata->parsetree);
	if (creating_extension || dbtc_enforcement == ENFORCE_OFF ||
		!may_cascade(trigdata->parsetree))
		PG_RETURN_VOID();
	foreach(lc, lost_constraints())
	{
		LostConstraint *lost = lfirst(lc);
		RangeVar   *rv = makeRangeVar(lost->schema, lost->table, -1);
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);
		ContractModel *spec;
		MatchReport *report;
		bool		is_tmp;
		char	   *relation;
		int			level;

		if (!OidIsValid(relid))
			continue;			/* the table itself was dropped */
		spec = contract_cache_lookup(lost->schema, lost->table, &is_tmp);
		if (spec == NULL || !spec->enforced || is_tmp)
			continue;
		report = contract_match_relation(relid, spec, true);
		relation = quote_qualified_identifier(lost->schema, lost->table);
		level = cascade_level(report);
		ereport(level,
				(errcode(ERRCODE_WARNING),
				 errmsg("CASCADE dropped %s of relation %s, which has the enforced contract of %s",
						lost->names, relation, contract_model_label_full(spec)),
				 contract_match_report_empty(report) ?
				 errdetail("The relation still matches its contract.") :
				 errdetail_internal("%s", contract_match_report_text(report)),
				 level == ERROR ?
				 errhint("Change the model's contract first (dbt_contract_apply), then drop.") :
				 report->repair_sql != NIL ?
				 errhint("Restore the contract's foreign keys with:\n%s",
						 join_lines(report->repair_sql)) :
				 errhint("Rebuild the model with dbt, or restore what was dropped by hand.")));
	}
	PG_RETURN_VOID();
}
