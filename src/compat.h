/*-------------------------------------------------------------------------
 * compat.h
 *	  Differences between the PostgreSQL majors dbt_contract supports
 *	  (13 to 19), each behind one name, so no other file tests
 *	  PG_VERSION_NUM.
 *
 * The other files use the names below, or the newest server's name where
 * an older major only spells it differently; this header maps them onto
 * the major being compiled against.  A shim goes away once the oldest
 * supported major has the newer API.
 *-------------------------------------------------------------------------
 */
#ifndef DBT_CONTRACT_COMPAT_H
#define DBT_CONTRACT_COMPAT_H

#include "catalog/pg_authid.h"
#include "catalog/pg_constraint.h"
#include "common/md5.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "catalog/pg_index.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"

/* 14 moved the catalog index OIDs into each catalog's generated header. */
#if PG_VERSION_NUM < 140000
#include "catalog/indexing.h"
#endif

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

/* 14 names the predefined roles ROLE_PG_*; 13 called them DEFAULT_ROLE_*. */
#if PG_VERSION_NUM < 140000
#define ROLE_PG_READ_SERVER_FILES DEFAULT_ROLE_READ_SERVER_FILES
#endif

/*
 * dynahash: 14 wants HASH_STRINGS for NUL-terminated keys; 13 treats keys
 * as strings whenever neither HASH_BLOBS nor a hash function is given.
 */
#if PG_VERSION_NUM < 140000
#define HASH_STRINGS 0
#endif

/*
 * 16 gave both parsers a soft-error context; passing none keeps the
 * throwing behaviour every caller expects.
 */
#if PG_VERSION_NUM >= 160000
#define DBTC_QUALIFIED_NAME_LIST(str)	stringToQualifiedNameList((str), NULL)
#define DBTC_PARSE_TYPE_STRING(str, typid, typmod) \
	((void) parseTypeString((str), (typid), (typmod), NULL))
#else
#define DBTC_QUALIFIED_NAME_LIST(str)	stringToQualifiedNameList(str)
#define DBTC_PARSE_TYPE_STRING(str, typid, typmod) \
	parseTypeString((str), (typid), (typmod), false)
#endif

/*
 * Parse-tree fields newer majors added; on older ones the clause cannot be
 * written, so the field reads as absent.  14: GROUP BY DISTINCT, a
 * column's COMPRESSION; 15: UNIQUE NULLS NOT DISTINCT, ON DELETE SET NULL
 * (columns).
 */
#if PG_VERSION_NUM >= 140000
#define DBTC_SELECT_GROUP_DISTINCT(sel)	((sel)->groupDistinct)
#define DBTC_COLUMN_COMPRESSION(cd)		((cd)->compression)
#else
#define DBTC_SELECT_GROUP_DISTINCT(sel)	false
#define DBTC_COLUMN_COMPRESSION(cd)		((char *) NULL)
#endif
#if PG_VERSION_NUM >= 150000
#define DBTC_CONSTRAINT_NULLS_NOT_DISTINCT(con)	((con)->nulls_not_distinct)
#define DBTC_FK_DEL_SET_COLS(con)		((con)->fk_del_set_cols)
#else
#define DBTC_CONSTRAINT_NULLS_NOT_DISTINCT(con)	false
#define DBTC_FK_DEL_SET_COLS(con)		NIL
#endif

/* An index's NULLS NOT DISTINCT (15 on); earlier, NULLs are always distinct. */
#if PG_VERSION_NUM >= 150000
#define DBTC_INDEX_NULLS_NOT_DISTINCT(index)	((index)->indnullsnotdistinct)
#else
#define DBTC_INDEX_NULLS_NOT_DISTINCT(index)	false
#endif

/* 16 replaced the per-catalog ownership checks with one for any object. */
#if PG_VERSION_NUM >= 160000
#define DBTC_RELATION_OWNERCHECK(relid, roleid) \
	object_ownercheck(RelationRelationId, (relid), (roleid))
#else
#define DBTC_RELATION_OWNERCHECK(relid, roleid) \
	pg_class_ownercheck((relid), (roleid))
#endif

/*
 * Placeholder settings under our prefix: 15 reserves the prefix (and
 * removes existing placeholders); earlier majors can only warn.
 */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix)	EmitWarningsOnPlaceholders(prefix)
#endif

/* pg_ltoa: the number of characters written, which 13 does not return. */
static inline int
dbtc_ltoa(int32 value, char *buf)
{
#if PG_VERSION_NUM >= 140000
	return pg_ltoa(value, buf);
#else
	pg_ltoa(value, buf);
	return strlen(buf);
#endif
}

/* 14 named the digest size; 13's common/md5.h only knows the hex form. */
#ifndef MD5_DIGEST_LENGTH
#define MD5_DIGEST_LENGTH 16
#endif

/*
 * The hex MD5 of len bytes at data into hex (2 * MD5_DIGEST_LENGTH + 1
 * bytes).  15 says why hashing failed (OpenSSL may refuse MD5 in FIPS
 * mode); before that there is only the failure.
 */
static inline void
dbtc_md5_hex(const void *data, size_t len, char *hex)
{
#if PG_VERSION_NUM >= 150000
	const char *errstr = NULL;

	if (!pg_md5_hash(data, len, hex, &errstr))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute an MD5 checksum: %s", errstr)));
#else
	if (!pg_md5_hash(data, len, hex))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute an MD5 checksum")));
#endif
}

#endif							/* DBT_CONTRACT_COMPAT_H */
