/*-------------------------------------------------------------------------
 * contract_read.c
 *	  The one reader of the contract catalog: stored models, their
 *	  columns, constraints and data tests, as ContractModel structs, read
 *	  with heap and index scans.
 *
 * Every path that needs stored contracts reads them here: the event
 * trigger, verify, DDL and repair, the diff of an apply and of two
 * targets.  Scans need no privileges, so the DDL's user reads them as is,
 * and a new backend's first check plans no SQL (dbt opens a connection
 * per model).  The tables' OIDs are looked up once and kept until a
 * relcache invalidation of one of them (or of all relations) drops them,
 * as pg_cron does for its job table; the column numbers below are checked
 * against the tables' descriptors each time the OIDs are looked up.
 *
 * A model's ref() targets are resolved within the model's own target: the
 * version asked for, else the latest (latest_version if declared, else
 * the highest), and to_columns become the target's attribute names.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "dbt_contract.h"

/* dbt_contract.contract_model */
#define Natts_contract_model					24
#define Anum_contract_model_model_id			1
#define Anum_contract_model_model				2
#define Anum_contract_model_version				3
#define Anum_contract_model_latest_version		4
#define Anum_contract_model_source				5
#define Anum_contract_model_file				6
#define Anum_contract_model_defined_at			7
#define Anum_contract_model_relation_schema		8
#define Anum_contract_model_relation_name		9
#define Anum_contract_model_materialized		10
#define Anum_contract_model_enforced			11
#define Anum_contract_model_alias_types			12
#define Anum_contract_model_on_schema_change	13
#define Anum_contract_model_description			14
#define Anum_contract_model_deprecation_date	15
#define Anum_contract_model_fingerprint			16
#define Anum_contract_model_column_count		17
#define Anum_contract_model_constraint_count	18
#define Anum_contract_model_applied_at			19
#define Anum_contract_model_target				20	/* from 0.2.0 */
#define Anum_contract_model_persist_relation_docs	21	/* from 0.2.0 */
#define Anum_contract_model_persist_column_docs	22	/* from 0.2.0 */
#define Anum_contract_model_is_latest			23	/* from 0.2.0 */
#define Anum_contract_model_latest_pointer		24	/* from 0.2.0 */

/* dbt_contract.contract_column */
#define Natts_contract_column					9
#define Anum_contract_column_model_id			1
#define Anum_contract_column_ordinal			2
#define Anum_contract_column_column_name		3
#define Anum_contract_column_attname			4
#define Anum_contract_column_data_type			5
#define Anum_contract_column_type_oid			6
#define Anum_contract_column_typmod				7
#define Anum_contract_column_description		8
#define Anum_contract_column_quoted				9

/* dbt_contract.contract_constraint */
#define Natts_contract_constraint				15
#define Anum_contract_constraint_model_id		1
#define Anum_contract_constraint_ordinal		2
#define Anum_contract_constraint_constraint_type 3
#define Anum_contract_constraint_level			4
#define Anum_contract_constraint_columns		5
#define Anum_contract_constraint_expression		6
#define Anum_contract_constraint_name			7
#define Anum_contract_constraint_to_text		8
#define Anum_contract_constraint_to_model		9
#define Anum_contract_constraint_to_package		10
#define Anum_contract_constraint_to_version		11
#define Anum_contract_constraint_to_columns		12
#define Anum_contract_constraint_warn_unenforced 13
#define Anum_contract_constraint_warn_unsupported 14
#define Anum_contract_constraint_defined_at		15

/* dbt_contract.contract_test */
#define Natts_contract_test						7
#define Anum_contract_test_model_id				1
#define Anum_contract_test_ordinal				2
#define Anum_contract_test_test_name			3
#define Anum_contract_test_columns				4
#define Anum_contract_test_arguments			5
#define Anum_contract_test_config				6
#define Anum_contract_test_enabled				7

/*
 * What each column must be called and typed, to catch a layout drift, and
 * the struct field it is read into (NO_FIELD: none, or read by hand).  A
 * NULL reads as NULL, NIL, -1, InvalidOid or false by the type; a jsonb
 * as its text.
 */
typedef struct ExpectedColumn
{
	const char *name;
	Oid			type;
	int			field;			/* offsetof the struct member, or NO_FIELD */
	Oid			old_type;		/* the type in a 0.1.0 catalog, if another */
} ExpectedColumn;

#define NO_FIELD	(-1)
#define M(f)		offsetof(ContractModel, f)
#define C(f)		offsetof(ContractColumn, f)
#define K(f)		offsetof(ContractConstraint, f)
#define T(f)		offsetof(ContractTest, f)

static const ExpectedColumn model_columns[Natts_contract_model] = {
	{"model_id", INT8OID, M(model_id)}, {"model", TEXTOID, M(name)},
	{"version", TEXTOID, M(version), INT4OID},
	{"latest_version", TEXTOID, M(latest_version), INT4OID},
	{"source", TEXTOID, NO_FIELD}, {"file", TEXTOID, NO_FIELD},
	{"defined_at", TEXTOID, NO_FIELD}, {"relation_schema", TEXTOID, M(relation_schema)},
	{"relation_name", TEXTOID, M(relation_name)}, {"materialized", TEXTOID, M(materialized)},
	{"enforced", BOOLOID, M(enforced)}, {"alias_types", BOOLOID, M(alias_types)},
	{"on_schema_change", TEXTOID, M(on_schema_change)},
	{"description", TEXTOID, M(description)},
	{"deprecation_date", TEXTOID, M(deprecation_date)},
	{"fingerprint", TEXTOID, M(fingerprint)},
	{"column_count", INT4OID, NO_FIELD}, {"constraint_count", INT4OID, NO_FIELD},
	{"applied_at", TIMESTAMPTZOID, NO_FIELD},
	/* NULL, as read past the last column, in a catalog before 0.2.0 */
	{"target", TEXTOID, M(target)},
	{"persist_relation_docs", BOOLOID, M(persist_relation_docs)},
	{"persist_column_docs", BOOLOID, M(persist_column_docs)},
	{"is_latest", BOOLOID, M(is_latest)},
	{"latest_pointer", TEXTOID, M(latest_pointer)}
};

static const ExpectedColumn column_columns[Natts_contract_column] = {
	{"model_id", INT8OID, NO_FIELD}, {"ordinal", INT4OID, NO_FIELD},
	{"column_name", TEXTOID, C(name)}, {"attname", TEXTOID, C(attname)},
	{"data_type", TEXTOID, C(data_type)}, {"type_oid", OIDOID, C(type_oid)},
	{"typmod", INT4OID, C(typmod)}, {"description", TEXTOID, C(description)},
	{"quoted", BOOLOID, C(quoted)}
};

static const ExpectedColumn constraint_columns[Natts_contract_constraint] = {
	{"model_id", INT8OID, NO_FIELD}, {"ordinal", INT4OID, NO_FIELD},
	{"constraint_type", TEXTOID, NO_FIELD}, {"level", TEXTOID, NO_FIELD},
	{"columns", TEXTARRAYOID, K(columns)}, {"expression", TEXTOID, K(expression)},
	{"name", TEXTOID, K(name)}, {"to_text", TEXTOID, K(to_text)},
	{"to_model", TEXTOID, K(to_model)}, {"to_package", TEXTOID, K(to_package)},
	{"to_version", TEXTOID, K(to_version), INT4OID},
	{"to_columns", TEXTARRAYOID, K(to_columns)},
	{"warn_unenforced", BOOLOID, K(warn_unenforced)},
	{"warn_unsupported", BOOLOID, K(warn_unsupported)},
	{"defined_at", TEXTOID, NO_FIELD}
};

static const ExpectedColumn test_columns[Natts_contract_test] = {
	{"model_id", INT8OID, NO_FIELD}, {"ordinal", INT4OID, NO_FIELD},
	{"test_name", TEXTOID, T(test_name)}, {"columns", TEXTARRAYOID, T(columns)},
	{"arguments", JSONBOID, T(arguments)}, {"config", JSONBOID, T(config)},
	/* NULL (a catalog before 0.2.0): enabled */
	{"enabled", BOOLOID, NO_FIELD}
};

#undef M
#undef C
#undef K
#undef T

/* The catalog's relations and indexes, valid while ids_valid. */
typedef struct CatalogIds
{
	Oid			model;
	Oid			model_pkey;
	Oid			model_key;		/* (target, model, coalesce(version, -1)) */
	Oid			column;
	Oid			column_pkey;
	Oid			constraint;
	Oid			constraint_pkey;
	Oid			test;
	Oid			test_pkey;
} CatalogIds;

static CatalogIds ids;
static bool ids_valid = false;
static bool layout_checked = false;	/* since ids were looked up */
static bool callback_registered = false;

/*
 * One table being read, and its current row deformed once: heap_getattr
 * of a column after a text column walks the row from its start.
 */
typedef struct ReadTable
{
	Relation	rel;
	Datum	   *values;
	bool	   *nulls;			/* true past the table's last column */
} ReadTable;

/* An open reading of the catalog: its tables and one snapshot. */
struct ContractReader
{
	Snapshot	snap;
	ReadTable	model;
	ReadTable	column;
	ReadTable	constraint;
	ReadTable	test;
	bool		resolve;		/* resolve ref() targets of what is read */
};

static void
reader_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == ids.model || relid == ids.column ||
		relid == ids.constraint || relid == ids.test)
		ids_valid = layout_checked = false;
}

/* Error unless rel has the columns this file reads, where it expects them. */
static void
check_layout(Relation rel, const ExpectedColumn *cols, int ncols, int min_natts)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	if (desc->natts < min_natts)
		goto bad;
	for (i = 0; i < ncols && i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped ||
			(att->atttypid != cols[i].type &&
			 (cols[i].old_type == InvalidOid || att->atttypid != cols[i].old_type)) ||
			strcmp(NameStr(att->attname), cols[i].name) != 0)
			goto bad;
	}
	return;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("table \"dbt_contract.%s\" does not have the columns this version of dbt_contract reads",
					RelationGetRelationName(rel)),
			 errhint("Run ALTER EXTENSION dbt_contract UPDATE.")));
}

/* Look the catalog's relations up, once until an invalidation. */
static bool
catalog_ids(void)
{
	Oid			nsp;
	CatalogIds	found;

	if (ids_valid)
		return true;
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(reader_relcache_callback, (Datum) 0);
		callback_registered = true;
	}
	nsp = get_namespace_oid("dbt_contract", true);
	if (!OidIsValid(nsp))
		return false;
	found.model = get_relname_relid("contract_model", nsp);
	found.model_pkey = get_relname_relid("contract_model_pkey", nsp);
	found.model_key = get_relname_relid("contract_model_key", nsp);
	found.column = get_relname_relid("contract_column", nsp);
	found.column_pkey = get_relname_relid("contract_column_pkey", nsp);
	found.constraint = get_relname_relid("contract_constraint", nsp);
	found.constraint_pkey = get_relname_relid("contract_constraint_pkey", nsp);
	found.test = get_relname_relid("contract_test", nsp);
	found.test_pkey = get_relname_relid("contract_test_pkey", nsp);
	if (!OidIsValid(found.model) || !OidIsValid(found.model_pkey) ||
		!OidIsValid(found.model_key) || !OidIsValid(found.column) ||
		!OidIsValid(found.column_pkey) || !OidIsValid(found.constraint) ||
		!OidIsValid(found.constraint_pkey) || !OidIsValid(found.test) ||
		!OidIsValid(found.test_pkey))
		return false;
	ids = found;
	ids_valid = true;
	return true;
}

/* ------------------------------------------------------------------------
 * Attributes
 * ------------------------------------------------------------------------
 */
static void
deform(ReadTable *t, HeapTuple tup)
{
	heap_deform_tuple(tup, RelationGetDescr(t->rel), t->values, t->nulls);
}

static char *
attr_text(ReadTable *t, AttrNumber attno)
{
	return t->nulls[attno - 1] ? NULL : TextDatumGetCString(t->values[attno - 1]);
}

static int
attr_int(ReadTable *t, AttrNumber attno, int null_value)
{
	return t->nulls[attno - 1] ? null_value : DatumGetInt32(t->values[attno - 1]);
}

/* A version column: text, or int in a catalog not yet updated from 0.1.0. */
static char *
attr_version(ReadTable *t, AttrNumber attno)
{
	if (t->nulls[attno - 1])
		return NULL;
	if (TupleDescAttr(RelationGetDescr(t->rel), attno - 1)->atttypid == INT4OID)
		return psprintf("%d", DatumGetInt32(t->values[attno - 1]));
	return TextDatumGetCString(t->values[attno - 1]);
}

static bool
attr_bool(ReadTable *t, AttrNumber attno)
{
	return !t->nulls[attno - 1] && DatumGetBool(t->values[attno - 1]);
}

static int64
attr_int64(ReadTable *t, AttrNumber attno)
{
	return DatumGetInt64(t->values[attno - 1]);
}

/* A text[] as a List of C strings, NULL elements left out. */
List *
contract_text_array_list(Datum d)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *res = NIL;

	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			res = lappend(res, TextDatumGetCString(elems[i]));
	return res;
}

static List *
attr_names(ReadTable *t, AttrNumber attno)
{
	return t->nulls[attno - 1] ? NIL : contract_text_array_list(t->values[attno - 1]);
}

/*
 * A struct of `size` bytes with the deformed row's columns in the fields
 * `cols` names, each converted by its column's type.
 */
static void *
fields_from_row(ReadTable *t, const ExpectedColumn *cols, int ncols, Size size)
{
	char	   *row = palloc0(size);
	int			i;

	for (i = 0; i < ncols; i++)
	{
		AttrNumber	attno = i + 1;
		void	   *f;

		if (cols[i].field == NO_FIELD)
			continue;
		f = row + cols[i].field;
		switch (cols[i].type)
		{
			case TEXTOID:
				/* a version: text from 0.2.0 on, an integer before */
				*(char **) f = cols[i].old_type == INT4OID ?
					attr_version(t, attno) : attr_text(t, attno);
				break;
			case TEXTARRAYOID:
				*(List **) f = attr_names(t, attno);
				break;
			case INT4OID:
				*(int *) f = attr_int(t, attno, -1);
				break;
			case INT8OID:
				*(int64 *) f = attr_int64(t, attno);
				break;
			case BOOLOID:
				*(bool *) f = attr_bool(t, attno);
				break;
			case OIDOID:
				*(Oid *) f = t->nulls[i] ? InvalidOid : DatumGetObjectId(t->values[i]);
				break;
			case JSONBOID:
				*(char **) f = t->nulls[i] ? NULL :
					DatumGetCString(DirectFunctionCall1(jsonb_out, t->values[i]));
				break;
			default:
				elog(ERROR, "no field of type %u is read", cols[i].type);
		}
	}
	return row;
}

/* ------------------------------------------------------------------------
 * Opening and closing
 * ------------------------------------------------------------------------
 */
static void
open_table(ReadTable *t, Oid relid, int expected_natts)
{
	int			n;

	t->rel = table_open(relid, AccessShareLock);
	n = Max(RelationGetDescr(t->rel)->natts, expected_natts);
	t->values = palloc0(sizeof(Datum) * n);
	t->nulls = palloc(sizeof(bool) * n);
	memset(t->nulls, true, sizeof(bool) * n);
}

static void
free_row_buffers(ReadTable *t)
{
	pfree(t->values);
	pfree(t->nulls);
}

/*
 * Start reading the catalog under snapshot snap (NULL: the latest one, so
 * that a check sees every committed apply).  NULL when the extension's
 * catalog is not (yet) there.
 */
ContractReader *
contract_reader_begin(Snapshot snap)
{
	ContractReader *r;

	if (!catalog_ids())
		return NULL;
	r = palloc0(sizeof(ContractReader));
	r->snap = RegisterSnapshot(snap ? snap : GetLatestSnapshot());
	open_table(&r->model, ids.model, Natts_contract_model);
	open_table(&r->column, ids.column, Natts_contract_column);
	open_table(&r->constraint, ids.constraint, Natts_contract_constraint);
	open_table(&r->test, ids.test, Natts_contract_test);

	if (!layout_checked)
	{
		/*
		 * A catalog ALTER EXTENSION has not updated yet has no targets and
		 * no persist_docs: its columns read as NULL, i.e. false.
		 */
		check_layout(r->model.rel, model_columns, Natts_contract_model,
					 Anum_contract_model_applied_at);
		check_layout(r->column.rel, column_columns, Natts_contract_column,
					 Natts_contract_column);
		check_layout(r->constraint.rel, constraint_columns, Natts_contract_constraint,
					 Natts_contract_constraint);
		/* config and enabled came with 0.2.0; without them tests run */
		check_layout(r->test.rel, test_columns, Natts_contract_test,
					 Anum_contract_test_arguments);
		layout_checked = true;
	}
	return r;
}

/*
 * The snapshot an SQL query of the calling statement would read with (for
 * functions that used to read the catalog with SQL), else NULL.
 */
Snapshot
contract_statement_snapshot(void)
{
	return ActiveSnapshotSet() ? GetActiveSnapshot() : NULL;
}

void
contract_reader_end(ContractReader *r)
{
	table_close(r->test.rel, AccessShareLock);
	table_close(r->constraint.rel, AccessShareLock);
	table_close(r->column.rel, AccessShareLock);
	table_close(r->model.rel, AccessShareLock);
	UnregisterSnapshot(r->snap);
	free_row_buffers(&r->test);
	free_row_buffers(&r->constraint);
	free_row_buffers(&r->column);
	free_row_buffers(&r->model);
	pfree(r);
}

/* Index scan of a table on its first key column being the model id. */
static SysScanDesc
scan_by_model_id(ContractReader *r, ReadTable *t, Oid index, int64 id)
{
	ScanKeyData key;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
	return systable_beginscan(t->rel, index, true, r->snap, 1, &key);
}

/* ------------------------------------------------------------------------
 * Rows into structs
 * ------------------------------------------------------------------------
 */
/* A contract_model row as a model without columns, constraints or tests. */
static ContractModel *
model_from_row(ContractReader *r, HeapTuple tup)
{
	deform(&r->model, tup);
	return fields_from_row(&r->model, model_columns, Natts_contract_model,
						   sizeof(ContractModel));
}

/* A deformed row of a model's columns, constraints or tests as a struct. */
typedef void *(*RowReader) (ContractReader *r, const ContractModel *m);

/* The rows of one model in a table keyed (model_id, ordinal), in order. */
static List *
read_rows(ContractReader *r, ReadTable *t, Oid index, const ContractModel *m,
		  RowReader read_row)
{
	SysScanDesc scan = scan_by_model_id(r, t, index, m->model_id);
	HeapTuple	tup;
	List	   *res = NIL;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		CHECK_FOR_INTERRUPTS();
		deform(t, tup);
		res = lappend(res, read_row(r, m));
	}
	systable_endscan(scan);
	return res;
}

static void *
column_from_row(ContractReader *r, const ContractModel *m)
{
	return fields_from_row(&r->column, column_columns, Natts_contract_column,
						   sizeof(ContractColumn));
}

/*
 * The model a ref() names, in the target of the model that makes it: the
 * version asked for, else the latest one (is_latest, which the loaders
 * set as dbt resolves it; a catalog not yet updated from 0.1.0 has only
 * integer versions, whose latest is latest_version or the highest).
 * Returns its model id (0: none) and its relation in *relation.
 */
static int64
resolve_ref(ContractReader *r, const char *in_target, const char *model,
			const char *version, char **relation)
{
	ReadTable  *t = &r->model;
	ScanKeyData key[2];
	int			nkeys = 0;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *best_version = NULL;
	char	   *declared = NULL;
	int64		found = 0;

	/*
	 * The index is on (target, model, ...): equality on both text columns,
	 * in index order.  A catalog not yet updated to 0.2.0 has no targets,
	 * and its index leads with the model.
	 */
	if (in_target != NULL)
		ScanKeyEntryInitialize(&key[nkeys++], 0, Anum_contract_model_target,
							   BTEqualStrategyNumber, InvalidOid,
							   DEFAULT_COLLATION_OID, F_TEXTEQ,
							   CStringGetTextDatum(in_target));
	ScanKeyEntryInitialize(&key[nkeys++], 0, Anum_contract_model_model,
						   BTEqualStrategyNumber, InvalidOid,
						   DEFAULT_COLLATION_OID, F_TEXTEQ,
						   CStringGetTextDatum(model));
	scan = systable_beginscan(t->rel, ids.model_key, true, r->snap, nkeys, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		char	   *v;
		bool		take;
		bool		exact;

		CHECK_FOR_INTERRUPTS();
		deform(t, tup);
		v = attr_version(t, Anum_contract_model_version);

		if (version != NULL)
			take = exact = (v != NULL && strcmp(v, version) == 0);
		else if (v == NULL)
			take = exact = true;	/* the unversioned model */
		else if (RelationGetDescr(t->rel)->natts >= Anum_contract_model_is_latest)
			take = exact = attr_bool(t, Anum_contract_model_is_latest);
		else
		{
			/* 0.1.0: latest_version if declared, else the highest version */
			if (declared == NULL)
				declared = attr_version(t, Anum_contract_model_latest_version);
			exact = (declared != NULL && strcmp(v, declared) == 0);
			take = exact || (declared == NULL &&
							 (best_version == NULL || dbtc_version_lt(best_version, v)));
		}
		if (take)
		{
			best_version = v;
			found = attr_int64(t, Anum_contract_model_model_id);
			*relation = quote_qualified_identifier(attr_text(t, Anum_contract_model_relation_schema),
												   attr_text(t, Anum_contract_model_relation_name));
			if (exact)
				break;
		}
	}
	systable_endscan(scan);
	return found;
}

/*
 * to_columns as the target model's attribute names: that of the target's
 * column written the same way, else the written name by PostgreSQL's
 * identifier rules.
 */
static List *
target_attnames(ContractReader *r, int64 target, List *written)
{
	ContractModel *tm = palloc0(sizeof(ContractModel));
	List	   *res = NIL;
	ListCell   *lc;

	tm->model_id = target;
	tm->columns = read_rows(r, &r->column, ids.column_pkey, tm, column_from_row);
	foreach(lc, written)
	{
		int			pos = contract_column_by_name(tm, lfirst(lc));

		res = lappend(res, pos >= 0 ?
					  ((ContractColumn *) list_nth(tm->columns, pos))->attname :
					  contract_written_ident(lfirst(lc)));
	}
	return res;
}

/* A constraint row; ref() targets resolved when m is to be resolved. */
static void *
constraint_from_row(ContractReader *r, const ContractModel *m)
{
	ReadTable  *t = &r->constraint;
	ContractConstraint *k = fields_from_row(t, constraint_columns,
											Natts_contract_constraint,
											sizeof(ContractConstraint));

	if (!contract_constraint_type_from_name(attr_text(t, Anum_contract_constraint_constraint_type),
											&k->type))
		k->type = CC_NOT_NULL;	/* the table's CHECK allows no other */
	k->model_level = strcmp(attr_text(t, Anum_contract_constraint_level), "model") == 0;
	if (r->resolve && k->to_model != NULL)
	{
		int64		target = resolve_ref(r, m->target, k->to_model,
										 k->to_version, &k->to_relation);

		if (target != 0 && k->to_columns != NIL)
			k->to_attnames = target_attnames(r, target, k->to_columns);
	}
	return k;
}

static void *
test_from_row(ContractReader *r, const ContractModel *m)
{
	ReadTable  *t = &r->test;
	ContractTest *test = fields_from_row(t, test_columns, Natts_contract_test,
										 sizeof(ContractTest));

	/* a catalog before 0.2.0 has no enabled column: every test runs */
	test->enabled = t->nulls[Anum_contract_test_enabled - 1] ||
		DatumGetBool(t->values[Anum_contract_test_enabled - 1]);
	return test;
}

static void
read_body(ContractReader *r, ContractModel *m, int flags)
{
	r->resolve = (flags & CONTRACT_READ_RESOLVE) != 0;
	m->columns = read_rows(r, &r->column, ids.column_pkey, m, column_from_row);
	m->constraints = read_rows(r, &r->constraint, ids.constraint_pkey, m,
							   constraint_from_row);
	if (flags & CONTRACT_READ_TESTS)
		m->tests = read_rows(r, &r->test, ids.test_pkey, m, test_from_row);
}

/*
 * From this many models on, their columns, constraints and tests are read
 * with one sequential scan of each table rather than an index scan per
 * model and table: dbt_contract_verify reads every enforced contract.
 */
#define BULK_READ_MODELS	100

/* A model being read in bulk, and the rows of the table being scanned. */
typedef struct BulkModel
{
	int64		model_id;		/* hash key */
	ContractModel *m;
	List	   *rows;			/* OrderedRow * */
} BulkModel;

typedef struct OrderedRow
{
	int			ordinal;
	void	   *item;
} OrderedRow;

static int
ordered_row_cmp(const ListCell *a, const ListCell *b)
{
	int			x = ((OrderedRow *) lfirst(a))->ordinal;
	int			y = ((OrderedRow *) lfirst(b))->ordinal;

	return (x > y) - (x < y);
}

/*
 * The rows of every model in the map, from one scan of a table keyed
 * (model_id, ordinal), each model's list in ordinal order.
 */
static void
read_rows_bulk(ContractReader *r, ReadTable *t, HTAB *map, List *models,
			   RowReader read_row, size_t list_offset)
{
	SysScanDesc scan = systable_beginscan(t->rel, InvalidOid, false, r->snap, 0, NULL);
	HeapTuple	tup;
	ListCell   *lc;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		int64		id;
		BulkModel  *b;
		OrderedRow *o;

		CHECK_FOR_INTERRUPTS();
		deform(t, tup);
		id = attr_int64(t, 1);
		b = hash_search(map, &id, HASH_FIND, NULL);
		if (b == NULL)
			continue;
		o = palloc(sizeof(OrderedRow));
		o->ordinal = attr_int(t, 2, 0);
		o->item = read_row(r, b->m);
		b->rows = lappend(b->rows, o);
	}
	systable_endscan(scan);
	foreach(lc, models)
	{
		ContractModel *m = lfirst(lc);
		BulkModel  *b = hash_search(map, &m->model_id, HASH_FIND, NULL);
		List	  **dest = (List **) ((char *) m + list_offset);
		ListCell   *rc;

		list_sort(b->rows, ordered_row_cmp);
		foreach(rc, b->rows)
			*dest = lappend(*dest, ((OrderedRow *) lfirst(rc))->item);
		list_free_deep(b->rows);
		b->rows = NIL;
	}
}

/* read_body() of many models at once. */
static void
read_bodies(ContractReader *r, List *models, int flags)
{
	HASHCTL		ctl;
	HTAB	   *map;
	ListCell   *lc;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(BulkModel);
	ctl.hcxt = CurrentMemoryContext;
	map = hash_create("dbt_contract bulk read", list_length(models), &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	foreach(lc, models)
	{
		ContractModel *m = lfirst(lc);
		BulkModel  *b = hash_search(map, &m->model_id, HASH_ENTER, NULL);

		b->m = m;
		b->rows = NIL;
	}
	r->resolve = (flags & CONTRACT_READ_RESOLVE) != 0;
	read_rows_bulk(r, &r->column, map, models, column_from_row,
				   offsetof(ContractModel, columns));
	read_rows_bulk(r, &r->constraint, map, models, constraint_from_row,
				   offsetof(ContractModel, constraints));
	if (flags & CONTRACT_READ_TESTS)
		read_rows_bulk(r, &r->test, map, models, test_from_row,
					   offsetof(ContractModel, tests));
	hash_destroy(map);
}

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------
 */
/*
 * One model's contract in the current memory context, or NULL if the
 * model is gone.  Model ids are never reused, so the rows read under one
 * snapshot are one consistent version of it.
 */
ContractModel *
contract_reader_model(ContractReader *r, int64 model_id, int flags)
{
	SysScanDesc scan = scan_by_model_id(r, &r->model, ids.model_pkey, model_id);
	HeapTuple	tup;
	ContractModel *m = NULL;

	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		m = model_from_row(r, tup);
	systable_endscan(scan);
	if (m != NULL && (flags & CONTRACT_READ_HEADER) == 0)
		read_body(r, m, flags);
	return m;
}

static int
model_id_cmp(const ListCell *a, const ListCell *b)
{
	int64		x = ((ContractModel *) lfirst(a))->model_id;
	int64		y = ((ContractModel *) lfirst(b))->model_id;

	return (x > y) - (x < y);
}

/*
 * The models named `name` (NULL: any) that keep(arg, model) accepts,
 * judged on the model row alone (keep NULL: every one), read whole unless
 * flags ask for the header only; ordered by model id.
 */
List *
contract_reader_models(ContractReader *r, const char *name,
					   ContractModelFilter keep, void *arg, int flags)
{
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *res = NIL;
	ListCell   *lc;

	if (name != NULL)
		ScanKeyEntryInitialize(&key, 0, Anum_contract_model_model,
							   BTEqualStrategyNumber, InvalidOid,
							   DEFAULT_COLLATION_OID, F_TEXTEQ,
							   CStringGetTextDatum(name));
	scan = systable_beginscan(r->model.rel, InvalidOid, false, r->snap,
							  name != NULL ? 1 : 0, &key);

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		ContractModel *m;

		CHECK_FOR_INTERRUPTS();
		m = model_from_row(r, tup);
		if (keep == NULL || keep(arg, m))
			res = lappend(res, m);
		else
			pfree(m);
	}
	systable_endscan(scan);
	list_sort(res, model_id_cmp);
	if ((flags & CONTRACT_READ_HEADER) != 0)
		return res;
	if (list_length(res) < BULK_READ_MODELS)
		foreach(lc, res)
			read_body(r, lfirst(lc), flags);
	else
		read_bodies(r, res, flags);
	return res;
}

/*
 * Visit every contracted relation: (model_id, schema, relation name).
 * Returns false when the extension's catalog is not (yet) there.
 */
bool
contract_read_relations(RelationVisitor visit, void *arg)
{
	ContractReader *r = contract_reader_begin(NULL);
	SysScanDesc scan;
	HeapTuple	tup;

	if (r == NULL)
		return false;
	scan = systable_beginscan(r->model.rel, InvalidOid, false, r->snap, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		ReadTable  *t = &r->model;
		int64		id;
		char	   *schema;
		char	   *relname;

		CHECK_FOR_INTERRUPTS();
		deform(t, tup);
		id = attr_int64(t, Anum_contract_model_model_id);
		schema = attr_text(t, Anum_contract_model_relation_schema);
		relname = attr_text(t, Anum_contract_model_relation_name);
		visit(arg, id, schema, relname);
		pfree(relname);
		/* dbt 1.12's view onto the latest version answers to its contract */
		relname = attr_text(t, Anum_contract_model_latest_pointer);
		if (relname != NULL)
		{
			visit(arg, id, schema, relname);
			pfree(relname);
		}
		pfree(schema);
	}
	systable_endscan(scan);
	contract_reader_end(r);
	return true;
}

/*
 * One model's contract, ref() targets resolved, in memory context cxt
 * under the latest snapshot, or NULL if the model (or the catalog) is
 * gone: the event trigger's read.
 */
ContractModel *
contract_read_model(int64 model_id, MemoryContext cxt)
{
	/*
	 * Read into a context of the model's own under the caller's, so that an
	 * error part-way leaves nothing in a long-lived cxt; it joins cxt once
	 * the model is complete.
	 */
	MemoryContext mcxt = AllocSetContextCreate(CurrentMemoryContext,
											   "dbt_contract model",
											   ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	ContractReader *r = contract_reader_begin(NULL);
	ContractModel *m = NULL;

	if (r != NULL)
	{
		m = contract_reader_model(r, model_id, CONTRACT_READ_RESOLVE);
		contract_reader_end(r);
	}
	MemoryContextSwitchTo(old);
	if (m == NULL)
		MemoryContextDelete(mcxt);
	else
		MemoryContextSetParent(mcxt, cxt);
	return m;
}
