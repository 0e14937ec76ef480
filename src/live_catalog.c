/*-------------------------------------------------------------------------
 * live_catalog.c
 *	  The live relations of many contracts at once, for
 *	  dbt_contract_verify: one pass over pg_class, pg_attribute and
 *	  pg_constraint for every relation the contracts name, instead of
 *	  opening each relation (building its relcache entry) and scanning its
 *	  constraints.  The comparison itself is contract_match.c's.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_namespace.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "dbt_contract.h"
#include "contract_match.h"
static void
make_relname_key(RelNameKey *key, const char *schema, const char *relname)
{
	memset(key, 0, sizeof(RelNameKey));
	/* longer identifiers are truncated, as the server does */
	memcpy(key->schema, schema, pg_mbcliplen(schema, strlen(schema), NAMEDATALEN - 1));
	memcpy(key->relname, relname, pg_mbcliplen(relname, strlen(relname), NAMEDATALEN - 1));
}

static int
live_constraint_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((LiveConstraint *) lfirst(a))->name,
				  ((LiveConstraint *) lfirst(b))->name);
}

static LiveRel *
live_catalog_rel(LiveCatalog *cat, Oid relid)
{
	LiveRelEntry *e = hash_search(cat->rels, &relid, HASH_FIND, NULL);

	return e ? e->live : NULL;
}

/* Names of attnums of a relation read into the catalog, else looked up. */
static List *
catalog_attnums_to_names(LiveCatalog *cat, Oid relid, Datum arr)
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	int16	   *nums = (int16 *) ARR_DATA_PTR(a);
	int			n = ARR_DIMS(a)[0];
	LiveRel    *lr = live_catalog_rel(cat, relid);
	List	   *res = NIL;
	int			i;

	for (i = 0; i < n; i++)
	{
		char	   *name = NULL;

		if (lr != NULL && nums[i] > 0 && nums[i] <= lr->maxattnum &&
			lr->byattnum[nums[i]] != NULL)
			name = lr->byattnum[nums[i]]->name;
		else
			name = get_attname(relid, nums[i], true);
		/* a concurrently dropped column: keep the position */
		res = lappend(res, name ? name : psprintf("#%d", nums[i]));
	}
	return res;
}

/*
 * The live relations of the given contracts (ContractModel *), read in one
 * pass over each catalog, in the current memory context.
 */
LiveCatalog *
contract_live_catalog_load(List *specs)
{
	LiveCatalog *cat = palloc0(sizeof(LiveCatalog));
	HASHCTL		ctl;
	HTAB	   *nspnames;
	Relation	catrel;
	SysScanDesc scan;
	HeapTuple	tup;
	HASH_SEQ_STATUS status;
	LiveRelEntry *re;
	ListCell   *lc;
	typedef struct NspEntry
	{
		Oid			oid;
		char		name[NAMEDATALEN];
	} NspEntry;

	cat->cxt = CurrentMemoryContext;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(RelNameKey);
	ctl.entrysize = sizeof(RelNameEntry);
	ctl.hcxt = CurrentMemoryContext;
	cat->names = hash_create("dbt_contract relation names", Max(64, list_length(specs)),
							 &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(LiveRelEntry);
	cat->rels = hash_create("dbt_contract live relations", Max(64, list_length(specs)),
							&ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(uint32);
	ctl.entrysize = sizeof(CookedBucket);
	cat->cooked = hash_create("dbt_contract cooked checks", 64,
							  &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(NspEntry);
	nspnames = hash_create("dbt_contract schemas", 64,
						   &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	foreach(lc, specs)
	{
		ContractModel *spec = lfirst(lc);
		RelNameKey	key;
		RelNameEntry *e;
		bool		found;

		make_relname_key(&key, spec->relation_schema, spec->relation_name);
		e = hash_search(cat->names, &key, HASH_ENTER, &found);
		if (!found)
		{
			e->relid = InvalidOid;
			e->relkind = '\0';
		}
	}

	/* schemas by OID */
	catrel = table_open(NamespaceRelationId, AccessShareLock);
	scan = systable_beginscan(catrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_namespace nsp = (Form_pg_namespace) GETSTRUCT(tup);
		NspEntry   *e = hash_search(nspnames, &nsp->oid, HASH_ENTER, NULL);

		strlcpy(e->name, NameStr(nsp->nspname), NAMEDATALEN);
	}
	systable_endscan(scan);
	table_close(catrel, AccessShareLock);

	/* the contracted relations that exist */
	catrel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(catrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);
		NspEntry   *nsp = hash_search(nspnames, &cls->relnamespace, HASH_FIND, NULL);
		RelNameKey	key;
		RelNameEntry *e;

		if (nsp == NULL)
			continue;
		make_relname_key(&key, nsp->name, NameStr(cls->relname));
		e = hash_search(cat->names, &key, HASH_FIND, NULL);
		if (e == NULL)
			continue;
		e->relid = cls->oid;
		e->relkind = cls->relkind;
		if (cls->relkind == RELKIND_RELATION || cls->relkind == RELKIND_PARTITIONED_TABLE ||
			cls->relkind == RELKIND_VIEW || cls->relkind == RELKIND_MATVIEW ||
			cls->relkind == RELKIND_FOREIGN_TABLE)
		{
			LiveRel    *lr = palloc0(sizeof(LiveRel));

			lr->relid = cls->oid;
			lr->nsp = cls->relnamespace;
			lr->relkind = cls->relkind;
			lr->schema = pstrdup(nsp->name);
			lr->relname = pstrdup(NameStr(cls->relname));
			re = hash_search(cat->rels, &lr->relid, HASH_ENTER, NULL);
			re->live = lr;
		}
	}
	systable_endscan(scan);
	table_close(catrel, AccessShareLock);

	/* their columns */
	catrel = table_open(AttributeRelationId, AccessShareLock);
	scan = systable_beginscan(catrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tup);
		LiveRel    *lr;
		LiveAttr   *a;

		if (att->attnum <= 0 || att->attisdropped ||
			(lr = live_catalog_rel(cat, att->attrelid)) == NULL)
			continue;
		a = contract_live_attr_make(att);
		lr->attrs = lappend(lr->attrs, a);
	}
	systable_endscan(scan);
	table_close(catrel, AccessShareLock);
	hash_seq_init(&status, cat->rels);
	while ((re = hash_seq_search(&status)) != NULL)
		contract_live_rel_index_attrs(re->live);

	/* the constraints of the tables among them */
	catrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(catrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		LiveRel    *lr;
		LiveConstraint *l;
		bool		isnull;
		Datum		d;

		if (!OidIsValid(con->conrelid) ||
			(lr = live_catalog_rel(cat, con->conrelid)) == NULL ||
			(lr->relkind != RELKIND_RELATION && lr->relkind != RELKIND_PARTITIONED_TABLE))
			continue;
		l = palloc0(sizeof(LiveConstraint));
		l->oid = con->oid;
		l->contype = con->contype;
		l->in_force = contract_constraint_in_force(con);
		l->name = pstrdup(NameStr(con->conname));
		d = heap_getattr(tup, Anum_pg_constraint_conkey, RelationGetDescr(catrel), &isnull);
		if (!isnull)
			l->cols = catalog_attnums_to_names(cat, con->conrelid, d);
		if (con->contype == CONSTRAINT_FOREIGN)
		{
			l->confrelid = con->confrelid;
			d = heap_getattr(tup, Anum_pg_constraint_confkey, RelationGetDescr(catrel), &isnull);
			if (!isnull)
				l->fcols = catalog_attnums_to_names(cat, con->confrelid, d);
		}
		if (con->contype == CONSTRAINT_CHECK)
		{
			d = heap_getattr(tup, Anum_pg_constraint_conbin, RelationGetDescr(catrel), &isnull);
			if (!isnull)
				l->check_expr = stringToNode(TextDatumGetCString(d));
		}
		lr->constraints = lappend(lr->constraints, l);
		contract_live_note_invalid_not_null(lr, l);
	}
	systable_endscan(scan);
	table_close(catrel, AccessShareLock);
	/* in name order, as the per-relation index scan returns them */
	hash_seq_init(&status, cat->rels);
	while ((re = hash_seq_search(&status)) != NULL)
		list_sort(re->live->constraints, live_constraint_cmp);
	return cat;
}

/*
 * The relation a contract names, as the catalog had it: its OID and kind,
 * or InvalidOid.
 */
Oid
contract_live_catalog_relid(LiveCatalog *cat, const char *schema, const char *relname,
				   char *relkind)
{
	RelNameKey	key;
	RelNameEntry *e;

	make_relname_key(&key, schema, relname);
	e = hash_search(cat->names, &key, HASH_FIND, NULL);
	if (e == NULL || !OidIsValid(e->relid))
		return InvalidOid;
	*relkind = e->relkind;
	return e->relid;
}

/* contract_match_relation() of a relation read by contract_live_catalog_load(). */
MatchReport *
contract_match_live(LiveCatalog *cat, Oid relid, const ContractModel *spec)
{
	LiveRel    *lr = live_catalog_rel(cat, relid);
	MatchReport *r;

	if (lr == NULL)
		elog(ERROR, "relation %u was not read by contract_live_catalog_load", relid);
	r = contract_match_live_rel(cat, lr, spec, true);
	if (lr->opened)
		relation_close(lr->rel, AccessShareLock);
	lr->rel = NULL;
	lr->opened = false;
	return r;
}
