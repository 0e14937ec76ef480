/*-------------------------------------------------------------------------
 * catalog_owner.c
 *	  Run SQL on the dbt_contract catalog as the owner of its schema, with
 *	  a fixed search_path.
 *
 * The user whose DDL is checked, or who was granted EXECUTE on an apply,
 * needs no privileges on the tables and cannot redirect our SQL with
 * objects of their own.  Reads that need no SQL go through the reader
 * (contract_read.c), which needs no privileges at all.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/syscache.h"

#include "dbt_contract.h"

/* The role that owns the dbt_contract schema (and so its tables). */
Oid
dbtc_catalog_owner(void)
{
	Oid			nspid = get_namespace_oid("dbt_contract", false);
	HeapTuple	tup;
	Oid			owner;

	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for namespace %u", nspid);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Queries on our tables run as the catalog's owner with a fixed
 * search_path: the user whose DDL we check needs no privileges on them
 * and cannot redirect our SQL with objects of their own.
 */
void
dbtc_begin_as_owner(OwnerContext *oc)
{
	GetUserIdAndSecContext(&oc->save_userid, &oc->save_sec_context);
	SetUserIdAndSecContext(dbtc_catalog_owner(),
						   oc->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	oc->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);

	/*
	 * An apply's batched statements are big by the planner's estimate, and
	 * compiling them would take longer than running them.
	 */
	(void) set_config_option("jit", "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

void
dbtc_end_as_owner(OwnerContext *oc)
{
	AtEOXact_GUC(true, oc->save_nestlevel);
	SetUserIdAndSecContext(oc->save_userid, oc->save_sec_context);
}
