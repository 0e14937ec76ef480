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

/* Whether a parsed FOREIGN KEY clause is enforced (NOT ENFORCED is 18's). */
#if PG_VERSION_NUM >= 180000
#define DBTC_HAVE_NOT_ENFORCED_FK		true
#define DBTC_FK_ENFORCED(constr)		((constr)->is_enforced)
#else
#define DBTC_HAVE_NOT_ENFORCED_FK		false
#define DBTC_FK_ENFORCED(constr)		true
#endif

/* raw_parser took a parse mode from 14 on. */
#if PG_VERSION_NUM >= 140000
#define DBTC_RAW_PARSE(sql)				raw_parser((sql), RAW_PARSE_DEFAULT)
#else
#define DBTC_RAW_PARSE(sql)				raw_parser(sql)
#endif

/* PostgreSQL 16 folded the per-kind ACL checks into object_aclcheck. */
#if PG_VERSION_NUM >= 160000
#define DBTC_DATABASE_ACLCHECK(db, role, mode) \
	object_aclcheck(DatabaseRelationId, (db), (role), (mode))
#else
#define DBTC_DATABASE_ACLCHECK(db, role, mode) \
	pg_database_aclcheck((db), (role), (mode))
#endif

#endif							/* DBT_CONTRACT_COMPAT_H */
