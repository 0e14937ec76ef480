/*-------------------------------------------------------------------------
 * compat.h
 *	  Differences between the PostgreSQL majors dbt_contract supports,
 *	  each behind one name, so no other file tests PG_VERSION_NUM.
 *-------------------------------------------------------------------------
 */
#ifndef DBT_CONTRACT_COMPAT_H
#define DBT_CONTRACT_COMPAT_H

#include "catalog/pg_constraint.h"

/*
 * PostgreSQL 18 can declare CHECK and FOREIGN KEY constraints NOT ENFORCED
 * and stores NOT NULL as constraint rows of their own type.
 */
#if PG_VERSION_NUM >= 180000
#define DBTC_CONSTRAINT_ENFORCED(con)	((con)->conenforced)
#define DBTC_CONSTRAINT_NOTNULL			CONSTRAINT_NOTNULL
#else
#define DBTC_CONSTRAINT_ENFORCED(con)	true
#define DBTC_CONSTRAINT_NOTNULL			'\0'	/* no such rows */
#endif

/* The object type of CREATE TABLE AS and ALTER TABLE was "relkind" in 13. */
#if PG_VERSION_NUM >= 140000
#define DBTC_CTAS_OBJTYPE(ctas)			((ctas)->objtype)
#define DBTC_ALTER_TABLE_OBJTYPE(ats)	((ats)->objtype)
#else
#define DBTC_CTAS_OBJTYPE(ctas)			((ctas)->relkind)
#define DBTC_ALTER_TABLE_OBJTYPE(ats)	((ats)->relkind)
#endif

#endif							/* DBT_CONTRACT_COMPAT_H */
