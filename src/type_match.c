/*-------------------------------------------------------------------------
 * type_match.c
 *	  Whether a live column's type meets the contract's, at the strictness
 *	  dbt_contract.type_match asks for: the declared type (typmod only when
 *	  the contract gives one), the exact type, or dbt's own coarse names.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "dbt_contract.h"

/*
 * The coarse type name dbt's preflight compares on PostgreSQL: psycopg2's
 * typecaster for the result OID (length, precision and scale invisible,
 * and several distinct types sharing a name).  Unknown OIDs compare by
 * OID, as dbt's "unknown type_code <oid>" does.
 */
static char *
dbt_type_name(Oid typid)
{
	switch (typid)
	{
		case NAMEOID:
		case CHAROID:
		case TEXTOID:
		case BPCHAROID:
		case VARCHAROID:
			return "STRING";
		case BOOLOID:
			return "BOOLEAN";
		case INT8OID:
			return "LONGINTEGER";
		case INT2OID:
		case INT4OID:
			return "INTEGER";
		case FLOAT4OID:
		case FLOAT8OID:
			return "FLOAT";
		case NUMERICOID:
			return "DECIMAL";
		case TIMESTAMPOID:
			return "DATETIME";
		case TIMESTAMPTZOID:
			return "DATETIMETZ";
		case TIMEOID:
		case TIMETZOID:
			return "TIME";
		case DATEOID:
			return "DATE";
		case INTERVALOID:
			return "INTERVAL";
		case BYTEAOID:
			return "BINARY";
		case OIDOID:
			return "ROWID";
		case JSONOID:
			return "JSON";
		case JSONBOID:
			return "JSONB";
		case INT2ARRAYOID:
		case INT4ARRAYOID:
			return "INTEGERARRAY";
		case INT8ARRAYOID:
			return "LONGINTEGERARRAY";
		case TEXTARRAYOID:
		case 1002:				/* char[] */
		case 1003:				/* name[] */
		case 1014:				/* bpchar[] */
		case 1015:				/* varchar[] */
			return "STRINGARRAY";
		case BOOLARRAYOID:
			return "BOOLEANARRAY";
		case FLOAT4ARRAYOID:
		case FLOAT8ARRAYOID:
			return "FLOATARRAY";
		case 1231:				/* numeric[] */
			return "DECIMALARRAY";
		case 1115:				/* timestamp[] */
			return "DATETIMEARRAY";
		case 1185:				/* timestamptz[] */
			return "DATETIMETZARRAY";
		case 1183:				/* time[] */
		case 1270:				/* timetz[] */
			return "TIMEARRAY";
		case 1182:				/* date[] */
			return "DATEARRAY";
		case 1187:				/* interval[] */
			return "INTERVALARRAY";
		default:
			return psprintf("unknown type_code %u", typid);
	}
}

/*
 * The contract stores the type's OID as resolved at apply time; a type
 * dropped since (DROP TYPE ... CASCADE) leaves it dangling.
 */
bool
contract_type_exists(const ContractColumn *c)
{
	return OidIsValid(c->type_oid) &&
		SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(c->type_oid));
}

bool
contract_types_match(Oid live_typid, int32 live_typmod, const ContractColumn *c)
{
	if (!contract_type_exists(c))
		return false;
	switch ((TypeMatchMode) dbtc_type_match)
	{
		case TYPE_MATCH_EXACT:
			return live_typid == c->type_oid && live_typmod == c->typmod;
		case TYPE_MATCH_DBT:
			/* result columns of a domain type arrive as the base type */
			return strcmp(dbt_type_name(getBaseType(live_typid)),
						  dbt_type_name(getBaseType(c->type_oid))) == 0;
		case TYPE_MATCH_DECLARED:
		default:
			return live_typid == c->type_oid &&
				(c->typmod < 0 || live_typmod == c->typmod);
	}
}
