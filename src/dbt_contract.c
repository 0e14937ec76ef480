/*-------------------------------------------------------------------------
 * dbt_contract.c
 *	  Module entry point: defines the dbt_contract.* settings; and the
 *	  set-returning-function set-up the SQL functions share.
 *
 * Every setting is PGC_SUSET: each either weakens what the extension
 * enforces (enforcement, type_match), decides which server files it reads
 * or how much input it accepts, or writes comments on users' relations.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "dbt_contract.h"

PG_MODULE_MAGIC;

char	   *dbtc_project_dir = NULL;
int			dbtc_max_file_size_kb = 64 * 1024;
int			dbtc_enforcement = ENFORCE_ERROR;
int			dbtc_type_match = TYPE_MATCH_DECLARED;
int			dbtc_sync_descriptions = SYNC_DESCRIPTIONS_PERSIST_DOCS;

static const struct config_enum_entry enforcement_options[] = {
	{"error", ENFORCE_ERROR, false},
	{"warn", ENFORCE_WARN, false},
	{"warning", ENFORCE_WARN, true},
	{"off", ENFORCE_OFF, false},
	{NULL, 0, false}
};

/* on/off spellings kept from when the setting was a boolean */
static const struct config_enum_entry sync_descriptions_options[] = {
	{"persist_docs", SYNC_DESCRIPTIONS_PERSIST_DOCS, false},
	{"always", SYNC_DESCRIPTIONS_ALL, false},
	{"off", SYNC_DESCRIPTIONS_OFF, false},
	{"on", SYNC_DESCRIPTIONS_ALL, true},
	{"true", SYNC_DESCRIPTIONS_ALL, true},
	{"yes", SYNC_DESCRIPTIONS_ALL, true},
	{"1", SYNC_DESCRIPTIONS_ALL, true},
	{"false", SYNC_DESCRIPTIONS_OFF, true},
	{"no", SYNC_DESCRIPTIONS_OFF, true},
	{"0", SYNC_DESCRIPTIONS_OFF, true},
	{NULL, 0, false}
};

static const struct config_enum_entry type_match_options[] = {
	{"declared", TYPE_MATCH_DECLARED, false},
	{"exact", TYPE_MATCH_EXACT, false},
	{"dbt", TYPE_MATCH_DBT, false},
	{NULL, 0, false}
};

void		_PG_init(void);

void
_PG_init(void)
{
	/* The value is a server path: only those who may read settings see it. */
	DefineCustomStringVariable("dbt_contract.project_dir",
							   "Sets the directory that relative paths given to dbt_contract_apply are read from.",
							   "An empty string means the data directory, as for pg_read_file.",
							   &dbtc_project_dir,
							   "",
							   PGC_SUSET,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	/* An input is read into one palloc'd buffer, so it cannot be larger. */
	DefineCustomIntVariable("dbt_contract.max_file_size",
							"Sets the largest YAML input accepted, per file or inline text.",
							NULL,
							&dbtc_max_file_size_kb,
							64 * 1024,
							1,
							(int) (MaxAllocSize / 1024),
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("dbt_contract.enforcement",
							 "Sets what a DDL command that breaks an enforced contract does.",
							 "error rejects the command, warn reports it and lets it proceed, off does not check.",
							 &dbtc_enforcement,
							 ENFORCE_ERROR,
							 enforcement_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("dbt_contract.type_match",
							 "Sets how strictly column types are compared with a contract.",
							 "declared: same type, and the same length/precision where the contract gives one; "
							 "exact: same type and modifier; dbt: dbt-postgres' coarse type groups.",
							 &dbtc_type_match,
							 TYPE_MATCH_DECLARED,
							 type_match_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("dbt_contract.sync_descriptions",
							 "Copies model and column descriptions to comments on the relations built for a model.",
							 "persist_docs: as the model's persist_docs config says, as dbt does; always: every description; off: none.",
							 &dbtc_sync_descriptions,
							 SYNC_DESCRIPTIONS_PERSIST_DOCS,
							 sync_descriptions_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	contract_cache_init();

	MarkGUCPrefixReserved("dbt_contract");
}

/*
 * Set up materialize mode for a set-returning function: rows go into the
 * returned sink's tuplestore, which lives as long as the query.
 */
ResultSink
dbtc_srf_begin(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ResultSink	sink;
	MemoryContext oldcxt;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	sink.desc = CreateTupleDescCopy(tupdesc);
	sink.store = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = sink.store;
	rsinfo->setDesc = sink.desc;
	MemoryContextSwitchTo(oldcxt);
	return sink;
}
