/*-------------------------------------------------------------------------
 * contract_read.c
 *	  Read the contracted relations, or one model's contract, straight
 *	  from the catalog tables with heap and index scans.
 *
 * This is the event trigger's path: a new backend's first check would
 * otherwise parse and plan SQL, which costs more than the check itself
 * (dbt opens a connection per model).  Scans need no privileges, so the
 * DDL's user reads them as is.  Bulk reads (verify) keep using SQL.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "parser/parse_relation.h"
#include "parser/scansup.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "dbt_contract.h"

/* The catalog's relations and indexes, looked up per read. */
typedef struct CatalogIds
{
	Oid			model;
	Oid			model_pkey;
	Oid			model_key;		/* (target, model, coalesce(version, -1)) */
	Oid			column;
	Oid			column_pkey;
	Oid			constraint;
	Oid			constraint_pkey;
} CatalogIds;

static bool
catalog_ids(CatalogIds *ids)
{
	Oid			nsp = get_namespace_oid("dbt_contract", true);

	if (!OidIsValid(nsp))
		return false;
	ids->model = get_relname_relid("contract_model", nsp);
	ids->model_pkey = get_relname_relid("contract_model_pkey", nsp);
	ids->model_key = get_relname_relid("contract_model_key", nsp);
	ids->column = get_relname_relid("contract_column", nsp);
	ids->column_pkey = get_relname_relid("contract_column_pkey", nsp);
	ids->constraint = get_relname_relid("contract_constraint", nsp);
	ids->constraint_pkey = get_relname_relid("contract_constraint_pkey", nsp);
	return OidIsValid(ids->model) && OidIsValid(ids->model_pkey) &&
		OidIsValid(ids->model_key) && OidIsValid(ids->column) &&
		OidIsValid(ids->column_pkey) && OidIsValid(ids->constraint) &&
		OidIsValid(ids->constraint_pkey);
}

/* A tuple's attribute by column name. */
static Datum
attr(HeapTuple tup, Relation rel, const char *name, bool *isnull)
{
	AttrNumber	attno = attnameAttNum(rel, name, false);

	if (attno == InvalidAttrNumber)
		elog(ERROR, "dbt_contract: column \"%s\" missing from %s", name,
			 RelationGetRelationName(rel));
	return heap_getattr(tup, attno, RelationGetDescr(rel), isnull);
}

static char *
attr_text(HeapTuple tup, Relation rel, const char *name)
{
	bool		isnull;
	Datum		d = attr(tup, rel, name, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static int
attr_int(HeapTuple tup, Relation rel, const char *name, int null_value)
{
	bool		isnull;
	Datum		d = attr(tup, rel, name, &isnull);

	return isnull ? null_value : DatumGetInt32(d);
}

static List *
attr_names(HeapTuple tup, Relation rel, const char *name)
{
	bool		isnull;
	Datum		d = attr(tup, rel, name, &isnull);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *res = NIL;

	if (isnull)
		return NIL;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			res = lappend(res, TextDatumGetCString(elems[i]));
	return res;
}

/*
 * Visit every contracted relation: (model_id, schema, relation name).
 * Returns false when the extension's catalog is not (yet) there.
 */
bool
contract_read_relations(RelationVisitor visit, void *arg)
{
	CatalogIds	ids;
	Relation	rel;
	Snapshot	snap;
	SysScanDesc scan;
	HeapTuple	tup;

	if (!catalog_ids(&ids))
		return false;
	rel = table_open(ids.model, AccessShareLock);
	snap = RegisterSnapshot(GetLatestSnapshot());
	scan = systable_beginscan(rel, InvalidOid, false, snap, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		int64		id = DatumGetInt64(attr(tup, rel, "model_id", &isnull));
		char	   *schema = attr_text(tup, rel, "relation_schema");
		char	   *relname = attr_text(tup, rel, "relation_name");

		visit(arg, id, schema, relname);
		pfree(schema);
		pfree(relname);
	}
	systable_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	return true;
}

/* Index scan of a table on its first key column being `id`. */
static SysScanDesc
scan_by_model_id(Relation rel, Oid index, Snapshot snap, int64 id)
{
	ScanKeyData key;

	/* systable scans take heap attribute numbers */
	ScanKeyInit(&key, attnameAttNum(rel, "model_id", false), BTEqualStrategyNumber,
				F_INT8EQ, Int64GetDatum(id));
	return systable_beginscan(rel, index, true, snap, 1, &key);
}

/*
 * The model a ref() names, in the target of the model that makes it: the
 * version asked for, else the latest one.
 */
typedef struct RefTarget
{
	int64		model_id;
	char	   *relation;		/* schema.name, quoted */
} RefTarget;

static bool
resolve_ref(const CatalogIds *ids, Snapshot snap, const char *in_target,
			const char *model, int version, RefTarget *target)
{
	Relation	rel = table_open(ids->model, AccessShareLock);
	ScanKeyData key[2];
	int			nkeys = 0;
	SysScanDesc scan;
	HeapTuple	tup;
	int			best_version = -2;
	int			latest = -1;
	bool		found = false;

	/*
	 * The index is on (target, model, ...): equality on both text columns,
	 * in index order.  A catalog not yet updated to 0.2.0 has no targets,
	 * and its index leads with the model.
	 */
	if (in_target != NULL)
		ScanKeyEntryInitialize(&key[nkeys++], 0, attnameAttNum(rel, "target", false),
							   BTEqualStrategyNumber, InvalidOid,
							   DEFAULT_COLLATION_OID, F_TEXTEQ,
							   CStringGetTextDatum(in_target));
	ScanKeyEntryInitialize(&key[nkeys++], 0, attnameAttNum(rel, "model", false),
						   BTEqualStrategyNumber, InvalidOid,
						   DEFAULT_COLLATION_OID, F_TEXTEQ,
						   CStringGetTextDatum(model));
	scan = systable_beginscan(rel, ids->model_key, true, snap, nkeys, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		int			v = attr_int(tup, rel, "version", -1);
		int			l = attr_int(tup, rel, "latest_version", -1);
		bool		take;

		if (version >= 0)
			take = (v == version);
		else if (v < 0)
			take = true;		/* the unversioned model */
		else
		{
			/* latest_version if declared, else the highest version */
			if (l >= 0)
				latest = l;
			take = (latest >= 0) ? (v == latest) : (v > best_version);
		}
		if (take)
		{
			bool		isnull;

			best_version = v;
			target->model_id = DatumGetInt64(attr(tup, rel, "model_id", &isnull));
			target->relation = quote_qualified_identifier(attr_text(tup, rel, "relation_schema"),
														  attr_text(tup, rel, "relation_name"));
			found = true;
			if (version >= 0 || v < 0)
				break;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/* to_columns as the target model's attribute names. */
static List *
target_attnames(const CatalogIds *ids, Snapshot snap, int64 target, List *written)
{
	Relation	rel = table_open(ids->column, AccessShareLock);
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, written)
	{
		SysScanDesc scan = scan_by_model_id(rel, ids->column_pkey, snap, target);
		HeapTuple	tup;
		char	   *attname = NULL;

		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			char	   *name = attr_text(tup, rel, "column_name");

			if (strcmp(name, lfirst(lc)) == 0)
			{
				attname = attr_text(tup, rel, "attname");
				break;
			}
		}
		systable_endscan(scan);
		res = lappend(res, attname ? attname : contract_written_ident(lfirst(lc)));
	}
	table_close(rel, AccessShareLock);
	return res;
}

static List *
read_constraints(const CatalogIds *ids, Snapshot snap, int64 model_id,
				 const char *in_target)
{
	Relation	rel = table_open(ids->constraint, AccessShareLock);
	SysScanDesc scan = scan_by_model_id(rel, ids->constraint_pkey, snap, model_id);
	HeapTuple	tup;
	List	   *res = NIL;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		SpecConstraint *k = palloc0(sizeof(SpecConstraint));
		char	   *type = attr_text(tup, rel, "constraint_type");
		char	   *level = attr_text(tup, rel, "level");
		int			t;
		RefTarget	target;

		for (t = CC_NOT_NULL; t <= CC_CUSTOM; t++)
			if (strcmp(type, contract_constraint_type_name(t)) == 0)
				k->type = t;
		k->model_level = strcmp(level, "model") == 0;
		k->columns = attr_names(tup, rel, "columns");
		k->expression = attr_text(tup, rel, "expression");
		k->name = attr_text(tup, rel, "name");
		k->to_text = attr_text(tup, rel, "to_text");
		k->to_model = attr_text(tup, rel, "to_model");
		k->to_version = attr_int(tup, rel, "to_version", -1);
		k->to_columns = attr_names(tup, rel, "to_columns");
		if (k->to_model != NULL &&
			resolve_ref(ids, snap, in_target, k->to_model, k->to_version, &target))
		{
			k->to_relation = target.relation;
			if (k->to_columns != NIL)
				k->to_columns = target_attnames(ids, snap, target.model_id, k->to_columns);
		}
		res = lappend(res, k);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return res;
}

/*
 * One model's contract in memory context cxt, or NULL if the model is
 * gone.  Model ids are never reused, so the rows read under one snapshot
 * are one consistent version of it.
 */
ContractSpec *
contract_read_spec(int64 model_id, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CatalogIds	ids;
	Relation	rel;
	Snapshot	snap;
	SysScanDesc scan;
	HeapTuple	tup;
	ContractSpec *spec = NULL;
	int			cap = 16;

	if (!catalog_ids(&ids))
	{
		MemoryContextSwitchTo(old);
		return NULL;
	}
	snap = RegisterSnapshot(GetLatestSnapshot());

	rel = table_open(ids.model, AccessShareLock);
	scan = scan_by_model_id(rel, ids.model_pkey, snap, model_id);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;

		spec = palloc0(sizeof(ContractSpec));
		spec->model_id = model_id;
		/* no target column: a catalog ALTER EXTENSION has not updated yet */
		spec->target = attnameAttNum(rel, "target", false) != InvalidAttrNumber ?
			attr_text(tup, rel, "target") : NULL;
		spec->model = attr_text(tup, rel, "model");
		spec->version = attr_int(tup, rel, "version", -1);
		spec->relation_schema = attr_text(tup, rel, "relation_schema");
		spec->relation_name = attr_text(tup, rel, "relation_name");
		spec->materialized = attr_text(tup, rel, "materialized");
		spec->description = attr_text(tup, rel, "description");
		spec->enforced = DatumGetBool(attr(tup, rel, "enforced", &isnull));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (spec != NULL)
	{
		rel = table_open(ids.column, AccessShareLock);
		scan = scan_by_model_id(rel, ids.column_pkey, snap, model_id);
		spec->columns = palloc0(sizeof(SpecColumn) * cap);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			SpecColumn *c;
			bool		isnull;
			Datum		d;

			if (spec->ncolumns >= cap)
			{
				cap *= 2;
				spec->columns = repalloc(spec->columns, sizeof(SpecColumn) * cap);
			}
			c = &spec->columns[spec->ncolumns++];
			c->attname = attr_text(tup, rel, "attname");
			c->name = attr_text(tup, rel, "column_name");
			c->data_type = attr_text(tup, rel, "data_type");
			c->description = attr_text(tup, rel, "description");
			c->typmod = attr_int(tup, rel, "typmod", -1);
			c->quoted = DatumGetBool(attr(tup, rel, "quoted", &isnull));
			d = attr(tup, rel, "type_oid", &isnull);
			c->type_oid = isnull ? InvalidOid : DatumGetObjectId(d);
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);

		spec->constraints = read_constraints(&ids, snap, model_id, spec->target);
	}

	UnregisterSnapshot(snap);
	MemoryContextSwitchTo(old);
	return spec;
}
