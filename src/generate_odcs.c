/*-------------------------------------------------------------------------
 * generate_odcs.c
 *	  dbt_contract_generate_odcs(): the contract dbt_contract_generate()
 *	  writes, as an Open Data Contract Standard (ODCS) v3.1.0 document.
 *
 * The relations and the catalog are read by generate.c; this file only
 * renders them.  Each relation is a schema object, each column a property
 * with its exact PostgreSQL type (physicalType) and the ODCS logical type
 * it maps to.  Keys become primaryKey/primaryKeyPosition and unique,
 * foreign keys between relations of the document become relationships,
 * and what ODCS has no field for is stated as a quality rule: a CHECK as
 * the SQL count of the rows violating it, a composite UNIQUE as the
 * duplicateValues metric, any other constraint as text.
 *
 * Objects and properties carry an id (their name, with what an ODCS id
 * cannot hold hex-escaped), and relationships use the fully qualified
 * notation schema/<id>/properties/<id>, which works for every name;
 * the shorthand table.column admits only plain identifiers.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_partitioned_table.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "dbt_contract.h"
#include "generate.h"

PG_FUNCTION_INFO_V1(dbt_contract_generate_odcs);

typedef struct OdcsOptions
{
	char	   *id;				/* NULL: the schema name */
	char	   *version;
	char	   *status;
} OdcsOptions;

/*
 * An ODCS id for a name.  Ids may hold only [A-Za-z0-9_-]: letters, digits
 * and underscores are kept, every other byte of the UTF-8 name becomes
 * '-' and two hex digits ('-' itself too), so distinct names get distinct
 * ids and a plain identifier is its own id.
 */
static char *
odcs_id(Emitter *e, const char *name)
{
	const unsigned char *p;
	StringInfoData s;

	if (e->to_utf8)
		name = pg_server_to_any(name, strlen(name), PG_UTF8);
	initStringInfo(&s);
	for (p = (const unsigned char *) name; *p; p++)
	{
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_')
			appendStringInfoChar(&s, (char) *p);
		else
			appendStringInfo(&s, "-%02x", *p);
	}
	return s.data;
}

/* schema/<object id>/properties/<property id> */
static char *
odcs_ref(Emitter *e, const char *relname, const char *column)
{
	return psprintf("schema/%s/properties/%s", odcs_id(e, relname), odcs_id(e, column));
}

static List *
odcs_refs(Emitter *e, const char *relname, List *columns)
{
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, columns)
		res = lappend(res, odcs_ref(e, relname, lfirst(lc)));
	return res;
}

static void
emit_key_int(Emitter *e, const char *key, int value)
{
	dbtc_emit_key_plain(e, key, psprintf("%d", value));
}

static void
emit_key_bool(Emitter *e, const char *key, bool value)
{
	dbtc_emit_key_plain(e, key, value ? "true" : "false");
}

/* ------------------------------------------------------------------------
 * Logical types
 * ------------------------------------------------------------------------
 */

/* logicalTypeOptions with one option, in flow style */
static void
emit_option(Emitter *e, const char *key, const char *value)
{
	dbtc_emit_plain(e, "logicalTypeOptions");
	emit_map_start(e, true);
	dbtc_emit_key_plain(e, key, value);
	emit_map_end(e);
}

/* The built-in types with a logical type other than string, or options. */
typedef struct OdcsTypeMap
{
	Oid			typid;
	const char *logical;
	const char *option;			/* of logicalTypeOptions, or NULL */
	const char *value;
} OdcsTypeMap;

static const OdcsTypeMap odcs_types[] = {
	{INT2OID, "integer", "format", "i16"},
	{INT4OID, "integer", "format", "i32"},
	{INT8OID, "integer", "format", "i64"},
	{OIDOID, "integer", "format", "u32"},
	{XIDOID, "integer", "format", "u32"},
	{CIDOID, "integer", "format", "u32"},
	{FLOAT4OID, "number", "format", "f32"},
	{FLOAT8OID, "number", "format", "f64"},
	{CASHOID, "number", NULL, NULL},
	{BOOLOID, "boolean", NULL, NULL},
	{DATEOID, "date", NULL, NULL},
	{TIMEOID, "time", "timezone", "false"},
	{TIMETZOID, "time", "timezone", "true"},
	{TIMESTAMPOID, "timestamp", "timezone", "false"},
	{TIMESTAMPTZOID, "timestamp", "timezone", "true"},
	{JSONOID, "object", NULL, NULL},
	{JSONBOID, "object", NULL, NULL},
	{UUIDOID, "string", "format", "uuid"},
	{BYTEAOID, "string", "format", "binary"},
};

static void emit_logical_type(Emitter *e, Oid typid, int32 typmod, int depth);

/*
 * numeric(p, s) with s <= 0 holds integers of at most p - s digits: an
 * integer of the smallest Rust-style width that holds them all, up to
 * i128.  NULL for any other numeric.
 */
static const char *
numeric_integer_format(int32 typmod)
{
	int			precision;
	int			scale;
	int			digits;

	if (typmod < (int32) VARHDRSZ)
		return NULL;
	precision = ((typmod - VARHDRSZ) >> 16) & 0xffff;
	/* the scale is an 11-bit signed field (negative from PostgreSQL 15) */
	scale = (((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024;
	if (scale > 0)
		return NULL;
	digits = precision - scale;
	if (digits <= 9)
		return "i32";
	if (digits <= 18)
		return "i64";
	if (digits <= 38)
		return "i128";
	return NULL;
}

/* The properties of a composite type: name, physicalType, logical type. */
static void
emit_composite_properties(Emitter *e, Oid typrelid, int depth)
{
	int			natts;
	GenColumn  *cols = dbtc_gen_read_columns(typrelid, &natts, false);
	int			i;

	dbtc_emit_plain(e, "properties");
	emit_seq_start(e, false);
	for (i = 1; i <= natts; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (cols[i].name == NULL)
			continue;
		emit_map_start(e, false);
		dbtc_emit_key_string(e, "name", cols[i].name);
		dbtc_emit_key_string(e, "physicalType", cols[i].type);
		emit_logical_type(e, cols[i].typid, cols[i].typmod, depth + 1);
		emit_map_end(e);
	}
	emit_seq_end(e);
}

/*
 * logicalType (with its options, array items, composite properties) of a
 * PostgreSQL type.  Domains are mapped by their base type.  Types without
 * an ODCS counterpart (intervals, ranges, network and geometric types,
 * enums, text search, ...) are strings: their text form is what a reader
 * of the data sees.  json and jsonb are objects, as ODCS tools read them.
 */
static void
emit_logical_type(Emitter *e, Oid typid, int32 typmod, int depth)
{
	int32		basemod = typmod;
	Oid			base = getBaseTypeAndTypmod(typid, &basemod);
	Oid			elem = get_element_type(base);
	const char *fmt;

	check_stack_depth();
	if (OidIsValid(elem))
	{
		/* an array's typmod is that of its elements */
		dbtc_emit_key_plain(e, "logicalType", "array");
		dbtc_emit_plain(e, "items");
		emit_map_start(e, false);
		dbtc_emit_key_string(e, "physicalType", format_type_with_typemod(elem, basemod));
		emit_logical_type(e, elem, basemod, depth + 1);
		emit_map_end(e);
		return;
	}
	if (base == NUMERICOID && (fmt = numeric_integer_format(basemod)) != NULL)
	{
		dbtc_emit_key_plain(e, "logicalType", "integer");
		emit_option(e, "format", fmt);
		return;
	}
	if (base == NUMERICOID)
	{
		dbtc_emit_key_plain(e, "logicalType", "number");
		return;
	}
	if (base == BPCHAROID || base == VARCHAROID)
	{
		dbtc_emit_key_plain(e, "logicalType", "string");
		if (basemod >= (int32) VARHDRSZ)
			emit_option(e, "maxLength", psprintf("%d", basemod - (int32) VARHDRSZ));
		return;
	}
	for (int i = 0; i < lengthof(odcs_types); i++)
	{
		if (odcs_types[i].typid != base)
			continue;
		dbtc_emit_key_plain(e, "logicalType", odcs_types[i].logical);
		if (odcs_types[i].option != NULL)
			emit_option(e, odcs_types[i].option, odcs_types[i].value);
		return;
	}
	if (get_typtype(base) == TYPTYPE_COMPOSITE)
	{
		dbtc_emit_key_plain(e, "logicalType", "object");
		emit_composite_properties(e, get_typ_typrelid(base), depth);
		return;
	}
	dbtc_emit_key_plain(e, "logicalType", "string");
}

/* ------------------------------------------------------------------------
 * Schema objects
 * ------------------------------------------------------------------------
 */

/* 1-based position of a column in a list of names, 0 when absent. */
static int
name_position(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), name) == 0)
			return foreach_current_index(lc) + 1;
	return 0;
}

/* The partition key columns of a partitioned table (0 for expressions). */
static List *
partition_key(const GenRel *r, GenColumn *cols, int natts)
{
	HeapTuple	tup;
	Form_pg_partitioned_table part;
	List	   *res = NIL;
	int			i;

	if (r->relkind != RELKIND_PARTITIONED_TABLE)
		return NIL;
	tup = SearchSysCache1(PARTRELID, ObjectIdGetDatum(r->relid));
	if (!HeapTupleIsValid(tup))
		return NIL;
	part = (Form_pg_partitioned_table) GETSTRUCT(tup);
	for (i = 0; i < part->partnatts; i++)
	{
		AttrNumber	n = part->partattrs.values[i];

		/* an expression holds its position with a name no column has */
		res = lappend(res, n > 0 && n <= natts && cols[n].name ? cols[n].name : "");
	}
	ReleaseSysCache(tup);
	return res;
}

static void
emit_property(Emitter *e, const GenSet *set, const GenColumn *c, List *cons,
			  List *partkey)
{
	ListCell   *lc;
	bool		unique = false;
	int			pkpos = 0;
	int			partpos = name_position(partkey, c->name);
	List	   *fks = NIL;

	foreach(lc, cons)
	{
		GenConstraint *k = lfirst(lc);

		if (k->contype == CONSTRAINT_PRIMARY)
			pkpos = name_position(k->cols, c->name);
		if (list_length(k->cols) != 1 || strcmp(linitial(k->cols), c->name) != 0)
			continue;
		if (k->contype == CONSTRAINT_PRIMARY || k->contype == CONSTRAINT_UNIQUE ||
			k->nulls_not_distinct)
			unique = true;
		else if (k->contype == CONSTRAINT_FOREIGN && dbtc_gen_find(set, k->confrelid))
			fks = lappend(fks, k);
	}

	emit_map_start(e, false);
	dbtc_emit_key_string(e, "id", odcs_id(e, c->name));
	dbtc_emit_key_string(e, "name", c->name);
	dbtc_emit_key_string(e, "physicalType", c->type);
	emit_logical_type(e, c->typid, c->typmod, 0);
	if (c->description != NULL)
		dbtc_emit_key_string(e, "description", c->description);
	emit_key_bool(e, "required", c->notnull);
	emit_key_bool(e, "unique", unique);
	if (pkpos > 0)
	{
		emit_key_bool(e, "primaryKey", true);
		emit_key_int(e, "primaryKeyPosition", pkpos);
	}
	if (partpos > 0)
	{
		emit_key_bool(e, "partitioned", true);
		emit_key_int(e, "partitionKeyPosition", partpos);
	}
	if (fks != NIL)
	{
		dbtc_emit_plain(e, "relationships");
		emit_seq_start(e, false);
		foreach(lc, fks)
		{
			GenConstraint *k = lfirst(lc);

			emit_map_start(e, false);
			dbtc_emit_key_plain(e, "type", "foreignKey");
			dbtc_emit_key_string(e, "to",
								 odcs_ref(e, dbtc_gen_find(set, k->confrelid)->relname,
										  linitial(k->fcols)));
			emit_map_end(e);
		}
		emit_seq_end(e);
	}
	emit_map_end(e);
	list_free(fks);
}

/* Starts the sequence under key before its first item. */
static void
open_list(Emitter *e, const char *key, bool *open)
{
	if (*open)
		return;
	dbtc_emit_plain(e, key);
	emit_seq_start(e, false);
	*open = true;
}

/* Composite foreign keys to relations of the document. */
static void
emit_relationships(Emitter *e, const GenSet *set, const GenRel *r, List *cons)
{
	ListCell   *lc;
	bool		open = false;

	foreach(lc, cons)
	{
		GenConstraint *k = lfirst(lc);
		GenRel	   *target;

		if (k->contype != CONSTRAINT_FOREIGN || list_length(k->cols) < 2 ||
			(target = dbtc_gen_find(set, k->confrelid)) == NULL)
			continue;
		open_list(e, "relationships", &open);
		emit_map_start(e, false);
		dbtc_emit_key_plain(e, "type", "foreignKey");
		dbtc_emit_name_list(e, "from", odcs_refs(e, r->relname, k->cols));
		dbtc_emit_name_list(e, "to", odcs_refs(e, target->relname, k->fcols));
		emit_map_end(e);
	}
	if (open)
		emit_seq_end(e);
}

/*
 * What the keys and foreign keys do not say: CHECK constraints as the SQL
 * count of violating rows (NOT of the expression: a check that is NULL
 * passes, as in PostgreSQL), composite UNIQUE as duplicateValues over its
 * columns, exclusion constraints as their definition.
 */
static void
emit_quality(Emitter *e, const GenSet *set, const GenRel *r, List *cons)
{
	ListCell   *lc;
	bool		open = false;
	char	   *qualified = quote_qualified_identifier(set->schema, r->relname);

	foreach(lc, cons)
	{
		GenConstraint *k = lfirst(lc);
		bool		composite_unique = list_length(k->cols) > 1 &&
			(k->contype == CONSTRAINT_UNIQUE || k->nulls_not_distinct);

		if (k->contype != CONSTRAINT_CHECK && k->contype != CONSTRAINT_EXCLUSION &&
			!composite_unique)
			continue;
		/* a single-column NULLS NOT DISTINCT unique is the property's unique */
		if (k->nulls_not_distinct && !composite_unique)
			continue;
		open_list(e, "quality", &open);
		emit_map_start(e, false);
		dbtc_emit_key_string(e, "name", k->name);
		if (k->contype == CONSTRAINT_CHECK)
		{
			dbtc_emit_key_string(e, "description", psprintf("CHECK (%s)", k->text));
			dbtc_emit_key_plain(e, "type", "sql");
			dbtc_emit_key_string(e, "query",
								 psprintf("SELECT count(*) FROM %s WHERE NOT (%s)",
										  qualified, k->text));
			dbtc_emit_key_plain(e, "mustBe", "0");
		}
		else if (composite_unique)
		{
			dbtc_emit_key_string(e, "description",
								 k->text ? k->text : psprintf("UNIQUE (%s)", dbtc_gen_quoted_names(k->cols)));
			dbtc_emit_key_plain(e, "metric", "duplicateValues");
			dbtc_emit_key_plain(e, "mustBe", "0");
			dbtc_emit_plain(e, "arguments");
			emit_map_start(e, false);
			dbtc_emit_name_list(e, "properties", k->cols);
			emit_map_end(e);
		}
		else
		{
			dbtc_emit_key_string(e, "description", k->text);
			dbtc_emit_key_plain(e, "type", "text");
		}
		emit_map_end(e);
	}
	if (open)
		emit_seq_end(e);
}

/* One relation: a schema object.  Views have no constraints to state. */
static void
emit_schema_object(Emitter *e, const GenSet *set, const GenRel *r)
{
	int			natts;
	GenColumn  *cols = dbtc_gen_read_columns(r->relid, &natts, true);
	bool		is_table = r->relkind == RELKIND_RELATION ||
		r->relkind == RELKIND_PARTITIONED_TABLE;
	List	   *cons = NIL;
	List	   *partkey = partition_key(r, cols, natts);
	int			i;

	if (is_table)
		cons = dbtc_gen_read_constraints(r->relname, r->relid, cols, natts);

	emit_map_start(e, false);
	dbtc_emit_key_string(e, "id", odcs_id(e, r->relname));
	dbtc_emit_key_string(e, "name", r->relname);
	dbtc_emit_key_string(e, "physicalName", r->relname);
	dbtc_emit_key_string(e, "physicalType", contract_relkind_name(r->relkind));
	dbtc_emit_key_plain(e, "logicalType", "object");
	if (cols[0].description != NULL)
		dbtc_emit_key_string(e, "description", cols[0].description);
	dbtc_emit_plain(e, "properties");
	emit_seq_start(e, false);
	for (i = 1; i <= natts; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (cols[i].name == NULL)
			continue;
		if (!is_table)
			cols[i].notnull = false;
		emit_property(e, set, &cols[i], cons, partkey);
	}
	emit_seq_end(e);
	emit_relationships(e, set, r, cons);
	emit_quality(e, set, r, cons);
	emit_map_end(e);
}

static void
emit_odcs_document(Emitter *e, const GenSet *set, void *arg)
{
	const OdcsOptions *opts = arg;
	int			i;

	emit_map_start(e, false);
	dbtc_emit_key_plain(e, "apiVersion", "v3.1.0");
	dbtc_emit_key_plain(e, "kind", "DataContract");
	dbtc_emit_key_string(e, "id", opts->id ? opts->id : set->schema);
	dbtc_emit_key_string(e, "name", set->schema);
	dbtc_emit_key_string(e, "version", opts->version);
	dbtc_emit_key_string(e, "status", opts->status);
	dbtc_emit_plain(e, "schema");
	emit_seq_start(e, false);
	for (i = 0; i < set->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		emit_schema_object(e, set, &set->rels[i]);
	}
	emit_seq_end(e);
	emit_map_end(e);
}

/* A text argument: NULL means the default; empty is refused. */
static char *
text_arg(FunctionCallInfo fcinfo, int n, const char *argname, char *dflt)
{
	char	   *v;

	if (PG_ARGISNULL(n))
		return dflt;
	v = text_to_cstring(PG_GETARG_TEXT_PP(n));
	if (v[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", argname)));
	return v;
}

/*
 * dbt_contract_generate_odcs(relations regclass[], schema text, id text,
 *							  version text, status text) -> text
 */
Datum
dbt_contract_generate_odcs(PG_FUNCTION_ARGS)
{
	OdcsOptions opts;

	opts.id = text_arg(fcinfo, 2, "id", NULL);
	opts.version = text_arg(fcinfo, 3, "version", "1.0.0");
	opts.status = text_arg(fcinfo, 4, "status", "draft");
	return dbtc_gen_document(fcinfo, "dbt_contract_generate_odcs", false,
							 emit_odcs_document, &opts);
}
