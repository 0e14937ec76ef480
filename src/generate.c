/*-------------------------------------------------------------------------
 * generate.c
 *	  Contracts from the live catalog: dbt_contract_generate() writes the
 *	  dbt schema.yml of a set of tables and views of one schema.
 *
 * The catalog is read with index scans, so a relation is opened only when
 * PostgreSQL's deparser prints one of its CHECK or exclusion constraints
 * (it takes AccessShareLock on that relation alone; ten thousand plain
 * tables need no lock slots).  The YAML is written
 * with libyaml's emitter, which does the quoting; we only decide where a
 * plain scalar would read back as something other than the string (YAML
 * 1.1 booleans, nulls, numbers, dates).  Types, check expressions and
 * other definitions are printed with search_path = pg_catalog, so every
 * name outside pg_catalog comes out schema-qualified: the document means
 * the same whatever the search_path of whoever applies it, and checks
 * read the way the enforcement trigger cooks them.
 *
 * The reading and the emitter are shared with generate_odcs.c (see
 * generate.h).  Nothing here executes what it generates.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_description.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/nodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "dbt_contract.h"
#include "generate.h"

PG_FUNCTION_INFO_V1(dbt_contract_generate);

typedef struct GenOptions
{
	bool		data_types;
	bool		constraints;
	bool		tests;
	bool		descriptions;
} GenOptions;

/* ------------------------------------------------------------------------
 * YAML output
 * ------------------------------------------------------------------------
 */
static int
emit_write(void *data, unsigned char *buffer, size_t size)
{
	appendBinaryStringInfo((StringInfo) data, (const char *) buffer, size);
	return 1;
}

static void
emit_event(Emitter *e, yaml_event_t *ev, int ok)
{
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not build a YAML event")));
	if (!yaml_emitter_emit(&e->em, ev))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write YAML: %s",
						e->em.problem ? e->em.problem : "unknown emitter error")));
}

/*
 * May the string be written without quotes?  Only when a YAML 1.1 reader
 * (PyYAML, which dbt uses) and a YAML 1.2 one both read it back as this
 * string: it starts with a letter or underscore, and it is none of the
 * words that resolve to booleans or nulls.  libyaml still refuses plain
 * style for whatever its syntax does not allow (": ", " #", ...).
 */
static bool
plain_is_string(const char *v)
{
	YNode		n;
	unsigned char c = (unsigned char) v[0];

	if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		  c >= 0x80))
		return false;
	if (v[1] == '\0' && strchr("yYnN", c) != NULL)
		return false;
	memset(&n, 0, sizeof(n));
	n.kind = YN_SCALAR;
	n.plain = true;
	n.value = (char *) v;
	return dbtc_yaml_scalar_type(&n) == YS_STRING;
}

/*
 * The style to ask libyaml for.  A carriage return or a Unicode line
 * separator would be normalized to a newline by a block or a single-quoted
 * scalar, so those go double-quoted (escaped); other multi-line text is
 * written as a literal block, which keeps it readable in review.
 */
static yaml_scalar_style_t
string_style(const char *v)
{
	if (strchr(v, '\r') != NULL || strstr(v, "\xc2\x85") != NULL ||
		strstr(v, "\xe2\x80\xa8") != NULL || strstr(v, "\xe2\x80\xa9") != NULL)
		return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (strchr(v, '\n') != NULL)
		return YAML_LITERAL_SCALAR_STYLE;
	if (!plain_is_string(v))
		return YAML_SINGLE_QUOTED_SCALAR_STYLE;
	return YAML_ANY_SCALAR_STYLE;
}

static void
emit_raw(Emitter *e, const char *v, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	emit_event(e, &ev,
			   yaml_scalar_event_initialize(&ev, NULL, NULL,
											(yaml_char_t *) v, strlen(v),
											1, 1, style));
}

/* A string value (names, types, descriptions, expressions). */
void
dbtc_emit_string(Emitter *e, const char *v)
{
	char	   *utf8 = e->to_utf8 ? pg_server_to_any(v, strlen(v), PG_UTF8) : (char *) v;

	emit_raw(e, utf8, string_style(utf8));
}

/* A key, or a value we know to be plain (true, 2, table). */
void
dbtc_emit_plain(Emitter *e, const char *v)
{
	emit_raw(e, v, YAML_PLAIN_SCALAR_STYLE);
}

void
dbtc_emit_key_string(Emitter *e, const char *key, const char *value)
{
	dbtc_emit_plain(e, key);
	dbtc_emit_string(e, value);
}

void
dbtc_emit_key_plain(Emitter *e, const char *key, const char *value)
{
	dbtc_emit_plain(e, key);
	dbtc_emit_plain(e, value);
}

/* Open a mapping or a sequence, block or flow style. */
void
dbtc_emit_open(Emitter *e, bool sequence, bool flow)
{
	yaml_event_t ev;
	int			ok;

	if (sequence)
		ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
												  flow ? YAML_FLOW_SEQUENCE_STYLE :
												  YAML_BLOCK_SEQUENCE_STYLE);
	else
		ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
												 flow ? YAML_FLOW_MAPPING_STYLE :
												 YAML_BLOCK_MAPPING_STYLE);
	emit_event(e, &ev, ok);
}

void
dbtc_emit_close(Emitter *e, bool sequence)
{
	yaml_event_t ev;

	emit_event(e, &ev, sequence ? yaml_sequence_end_event_initialize(&ev) :
			   yaml_mapping_end_event_initialize(&ev));
}

void
dbtc_emit_name_list(Emitter *e, const char *key, List *names)
{
	ListCell   *lc;

	dbtc_emit_plain(e, key);
	emit_seq_start(e, true);
	foreach(lc, names)
		dbtc_emit_string(e, lfirst(lc));
	emit_seq_end(e);
}

/* ------------------------------------------------------------------------
 * The set of relations
 * ------------------------------------------------------------------------
 */
static int
genrel_oid_cmp(const void *a, const void *b)
{
	Oid			x = (*(GenRel *const *) a)->relid;
	Oid			y = (*(GenRel *const *) b)->relid;

	return x < y ? -1 : x > y ? 1 : 0;
}

static int
genrel_name_cmp(const void *a, const void *b)
{
	return strcmp(((const GenRel *) a)->relname, ((const GenRel *) b)->relname);
}

static int
genrel_model_cmp(const void *a, const void *b)
{
	const GenRel *x = a;
	const GenRel *y = b;
	int			c = strcmp(x->model, y->model);

	return c != 0 ? c : x->version - y->version;
}

static int
oid_cmp_plain(const void *a, const void *b)
{
	Oid			x = *(const Oid *) a;
	Oid			y = *(const Oid *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

GenRel *
dbtc_gen_find(const GenSet *set, Oid relid)
{
	GenRel		key;
	GenRel	   *kp = &key;
	GenRel	  **hit;

	key.relid = relid;
	hit = bsearch(&kp, set->by_oid, set->n, sizeof(GenRel *), genrel_oid_cmp);
	return hit ? *hit : NULL;
}

/* A relation of a kind that cannot be a dbt model is an error. */
static void
check_relkind(Form_pg_class cls, const char *qualified)
{
	switch (cls->relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
		case RELKIND_VIEW:
		case RELKIND_MATVIEW:
			break;
		case RELKIND_FOREIGN_TABLE:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("cannot generate a contract for foreign table %s", qualified),
					 errdetail("dbt does not build foreign tables; it describes them as sources, which have no contracts.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("cannot generate a contract for %s: it is not a table, view or materialized view",
							qualified)));
	}
}

/* The relations named in the array: each must exist and be of one schema. */
static List *
relations_from_array(ArrayType *arr, Oid *nspid)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	Oid		   *oids;
	List	   *res = NIL;
	int			i;

	deconstruct_array(arr, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT,
					  &elems, &nulls, &nelems);
	if (nelems == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relations is empty"),
				 errhint("Name at least one table or view, or pass schema instead.")));
	oids = palloc(sizeof(Oid) * nelems);
	for (i = 0; i < nelems; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("relations must not contain NULL")));
		oids[i] = DatumGetObjectId(elems[i]);
	}
	/* a relation named twice is generated once */
	qsort(oids, nelems, sizeof(Oid), oid_cmp_plain);
	*nspid = InvalidOid;
	for (i = 0; i < nelems; i++)
	{
		HeapTuple	tup;
		Form_pg_class cls;
		char	   *qualified;

		CHECK_FOR_INTERRUPTS();
		if (i > 0 && oids[i] == oids[i - 1])
			continue;
		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(oids[i]));
		if (!HeapTupleIsValid(tup))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation with OID %u does not exist", oids[i])));
		cls = (Form_pg_class) GETSTRUCT(tup);
		/* named without its pg_temp_N schema, which differs by session */
		if (cls->relpersistence == RELPERSISTENCE_TEMP)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("cannot generate a contract for temporary relation %s",
							quote_identifier(NameStr(cls->relname))),
					 errdetail("A dbt model is a relation of a permanent schema.")));
		qualified = quote_qualified_identifier(get_namespace_name(cls->relnamespace),
											   NameStr(cls->relname));
		check_relkind(cls, qualified);
		if (*nspid != InvalidOid && cls->relnamespace != *nspid)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("relations are in more than one schema: %s and %s",
							quote_identifier(get_namespace_name(*nspid)),
							quote_identifier(get_namespace_name(cls->relnamespace))),
					 errdetail("A generated document is applied to one target schema, and a dbt project has one model per name."),
					 errhint("Generate one document per schema.")));
		*nspid = cls->relnamespace;
		res = lappend_oid(res, oids[i]);
		ReleaseSysCache(tup);
	}
	return res;
}

/*
 * Every table, partitioned table, view and materialized view of a schema.
 * Partitions are left out (their partitioned table carries the contract),
 * and so are kinds dbt does not build (sequences, foreign tables, ...).
 */
static List *
relations_of_schema(Oid nspid)
{
	Relation	rel = table_open(RelationRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *res = NIL;

	/* pg_class has no index on relnamespace alone */
	ScanKeyInit(&key, Anum_pg_class_relnamespace, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(nspid));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		CHECK_FOR_INTERRUPTS();
		if (cls->relispartition || cls->relpersistence == RELPERSISTENCE_TEMP)
			continue;
		if (cls->relkind == RELKIND_RELATION || cls->relkind == RELKIND_PARTITIONED_TABLE ||
			cls->relkind == RELKIND_VIEW || cls->relkind == RELKIND_MATVIEW)
			res = lappend_oid(res, cls->oid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return res;
}

/*
 * "<name>_v<N>": the relation dbt builds for version N of model <name>.
 * N is a positive integer as dbt writes it (no sign, no leading zero).
 */
static bool
version_suffix(const char *relname, char **base, int *version)
{
	const char *p = strrchr(relname, '_');
	const char *d;
	long		v = 0;

	if (p == NULL || p == relname || p[1] != 'v' || p[2] < '1' || p[2] > '9')
		return false;
	for (d = p + 2; *d; d++)
	{
		if (*d < '0' || *d > '9')
			return false;
		v = v * 10 + (*d - '0');
		if (v > PG_INT32_MAX)
			return false;
	}
	*base = pnstrdup(relname, p - relname);
	*version = (int) v;
	return true;
}

/*
 * dbt refuses model names with spaces; such a relation becomes a model
 * with underscores for its whitespace and the relation name as alias.
 */
static char *
model_name(const char *relname)
{
	char	   *res = pstrdup(relname);
	char	   *p;

	for (p = res; *p; p++)
		if (isspace((unsigned char) *p))
			*p = '_';
	return res;
}

/* The relation name dbt derives for a model (version). */
static char *
derived_relname(const GenRel *r)
{
	if (r->version >= 0)
		return psprintf("%s_v%d", r->model, r->version);
	return r->model;
}

/*
 * Models for the relations.  Two or more relations <name>_v<N> become the
 * versions of one model <name>, unless a relation <name> is in the set too
 * (then the name is taken and each stays a model of its own).
 */
static void
assign_models(GenSet *set)
{
	int			i;

	for (i = 0; i < set->n; i++)
	{
		GenRel	   *r = &set->rels[i];
		char	   *base;
		int			v;
		GenRel		key;

		CHECK_FOR_INTERRUPTS();
		r->model = model_name(r->relname);
		r->version = -1;
		if (!version_suffix(r->relname, &base, &v))
			continue;
		key.relname = base;
		if (bsearch(&key, set->rels, set->n, sizeof(GenRel), genrel_name_cmp) != NULL)
			continue;
		/* tentatively: a family of one stays unversioned below */
		r->model = model_name(base);
		r->version = v;
	}
	qsort(set->rels, set->n, sizeof(GenRel), genrel_model_cmp);

	/* families of one are not versioned; the latest is the highest */
	for (i = 0; i < set->n;)
	{
		int			j = i;
		int			latest;

		CHECK_FOR_INTERRUPTS();
		while (j < set->n && strcmp(set->rels[j].model, set->rels[i].model) == 0)
			j++;
		latest = set->rels[j - 1].version;
		if (j - i == 1 && set->rels[i].version >= 0)
		{
			set->rels[i].model = model_name(set->rels[i].relname);
			set->rels[i].version = -1;
		}
		for (; i < j; i++)
			set->rels[i].latest = latest;
	}
	/* the demoted ones may have moved in the order */
	qsort(set->rels, set->n, sizeof(GenRel), genrel_model_cmp);
	for (i = 1; i < set->n; i++)
		if (genrel_model_cmp(&set->rels[i - 1], &set->rels[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("relations %s and %s would both be model \"%s\"",
							quote_identifier(set->rels[i - 1].relname),
							quote_identifier(set->rels[i].relname),
							set->rels[i].model),
					 errdetail("dbt model names cannot contain spaces, so whitespace in a relation name becomes an underscore."),
					 errhint("Generate the two relations in separate documents.")));
}

/*
 * The set in relation-name order, or with dbt_models in model order with
 * the version families grouped.
 */
static GenSet *
build_set(List *oids, Oid nspid, bool dbt_models)
{
	GenSet	   *set = palloc0(sizeof(GenSet));
	ListCell   *lc;
	int			i = 0;

	set->schema = get_namespace_name(nspid);
	set->n = list_length(oids);
	set->rels = palloc0(sizeof(GenRel) * Max(1, set->n));
	foreach(lc, oids)
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_class cls;

		CHECK_FOR_INTERRUPTS();
		if (!HeapTupleIsValid(tup))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation with OID %u was dropped while its contract was generated",
							lfirst_oid(lc))));
		cls = (Form_pg_class) GETSTRUCT(tup);
		set->rels[i].relid = cls->oid;
		set->rels[i].relname = pstrdup(NameStr(cls->relname));
		set->rels[i].relkind = cls->relkind;
		ReleaseSysCache(tup);
		i++;
	}
	qsort(set->rels, set->n, sizeof(GenRel), genrel_name_cmp);
	for (i = 0; i < set->n; i++)
	{
		set->rels[i].model = set->rels[i].relname;
		set->rels[i].version = -1;
	}
	if (dbt_models)
		assign_models(set);

	set->by_oid = palloc(sizeof(GenRel *) * Max(1, set->n));
	for (i = 0; i < set->n; i++)
		set->by_oid[i] = &set->rels[i];
	qsort(set->by_oid, set->n, sizeof(GenRel *), genrel_oid_cmp);
	return set;
}

/* ------------------------------------------------------------------------
 * Reading one relation
 * ------------------------------------------------------------------------
 */

/* Columns by attnum (index 0 unused), with their comments. */
GenColumn *
dbtc_gen_read_columns(Oid relid, int *natts, bool descriptions)
{
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	GenColumn  *cols;
	int			max = 0;
	HeapTuple	ctup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));

	if (!HeapTupleIsValid(ctup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u was dropped while its contract was generated",
						relid)));
	max = ((Form_pg_class) GETSTRUCT(ctup))->relnatts;
	ReleaseSysCache(ctup);
	cols = palloc0(sizeof(GenColumn) * (max + 1));

	rel = table_open(AttributeRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_attribute_attrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[1], Anum_pg_attribute_attnum, BTGreaterStrategyNumber,
				F_INT2GT, Int16GetDatum(0));
	scan = systable_beginscan(rel, AttributeRelidNumIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tup);

		CHECK_FOR_INTERRUPTS();
		if (att->attisdropped || att->attnum > max)
			continue;
		cols[att->attnum].name = pstrdup(NameStr(att->attname));
		cols[att->attnum].type = format_type_with_typemod(att->atttypid, att->atttypmod);
		cols[att->attnum].typid = att->atttypid;
		cols[att->attnum].typmod = att->atttypmod;
		cols[att->attnum].notnull = att->attnotnull;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	*natts = max;

	/* the comments of the relation (subid 0) and of its columns, in one scan */
	if (descriptions)
	{
		rel = table_open(DescriptionRelationId, AccessShareLock);
		ScanKeyInit(&key[0], Anum_pg_description_objoid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(relid));
		ScanKeyInit(&key[1], Anum_pg_description_classoid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
		scan = systable_beginscan(rel, DescriptionObjIndexId, true, NULL, 2, key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_description d = (Form_pg_description) GETSTRUCT(tup);
			bool		isnull;
			Datum		txt;

			CHECK_FOR_INTERRUPTS();
			if (d->objsubid < 0 || d->objsubid > max)
				continue;
			txt = heap_getattr(tup, Anum_pg_description_description,
							   RelationGetDescr(rel), &isnull);
			if (!isnull)
				cols[d->objsubid].description = TextDatumGetCString(txt);
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	return cols;
}

static List *
attnums_to_names(Datum arr, Oid relid, GenColumn *cols, int natts)
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	int16	   *nums = (int16 *) ARR_DATA_PTR(a);
	int			n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	List	   *res = NIL;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (cols != NULL && nums[i] > 0 && nums[i] <= natts && cols[nums[i]].name)
			res = lappend(res, cols[nums[i]].name);
		else
			res = lappend(res, get_attname(relid, nums[i], false));
	}
	return res;
}

/* UNIQUE NULLS NOT DISTINCT, which dbt's unique constraint cannot say. */
static bool
nulls_not_distinct(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	bool		res = false;

	if (HeapTupleIsValid(tup))
	{
		res = DBTC_INDEX_NULLS_NOT_DISTINCT((Form_pg_index) GETSTRUCT(tup));
		ReleaseSysCache(tup);
	}
	return res;
}

static int
contype_rank(char contype)
{
	switch (contype)
	{
		case CONSTRAINT_PRIMARY:
			return 0;
		case CONSTRAINT_UNIQUE:
			return 1;
		case CONSTRAINT_FOREIGN:
			return 2;
		case CONSTRAINT_CHECK:
			return 3;
		default:
			return 4;
	}
}

/* Keys first, then foreign keys, checks and custom; by name within each. */
static int
constraint_cmp(const ListCell *a, const ListCell *b)
{
	const GenConstraint *x = lfirst(a);
	const GenConstraint *y = lfirst(b);
	int			c = contype_rank(x->contype) - contype_rank(y->contype);

	return c != 0 ? c : strcmp(x->name, y->name);
}

/*
 * The constraints a contract can state, in a stable order.
 * Left out: constraints not in force (NOT VALID, NOT ENFORCED), which do
 * not satisfy a contract either; a partitioned parent's foreign keys
 * copied onto the partitions they reference (conparentid set); constraint
 * triggers.  NULLS NOT DISTINCT unique and exclusion constraints become
 * `custom` (contype 'c' is check; we mark custom as 'x').
 */
List *
dbtc_gen_read_constraints(const char *relname, Oid relid, GenColumn *cols, int natts)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *res = NIL;

	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		GenConstraint *k;
		bool		isnull;
		Datum		d;

		CHECK_FOR_INTERRUPTS();
		if (!con->convalidated || !DBTC_CONSTRAINT_ENFORCED(con))
		{
			/* from PostgreSQL 18 attnotnull stays set under NOT NULL NOT VALID */
			if (con->contype == DBTC_CONSTRAINT_NOTNULL)
			{
				d = heap_getattr(tup, Anum_pg_constraint_conkey,
								 RelationGetDescr(rel), &isnull);
				if (!isnull)
				{
					ArrayType  *a = DatumGetArrayTypeP(d);
					int16		n = ((int16 *) ARR_DATA_PTR(a))[0];

					if (n > 0 && n <= natts)
						cols[n].notnull = false;
				}
			}
			continue;
		}
		if (con->contype != CONSTRAINT_PRIMARY && con->contype != CONSTRAINT_UNIQUE &&
			con->contype != CONSTRAINT_FOREIGN && con->contype != CONSTRAINT_CHECK &&
			con->contype != CONSTRAINT_EXCLUSION)
			continue;
		if (con->contype == CONSTRAINT_FOREIGN && OidIsValid(con->conparentid))
		{
			HeapTuple	ptup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(con->conparentid));
			bool		same_rel = false;

			/* a clone for a referenced partition sits on the same relation */
			if (HeapTupleIsValid(ptup))
			{
				same_rel = ((Form_pg_constraint) GETSTRUCT(ptup))->conrelid == relid;
				ReleaseSysCache(ptup);
			}
			if (same_rel)
				continue;
		}

		k = palloc0(sizeof(GenConstraint));
		k->contype = con->contype;
		k->name = pstrdup(NameStr(con->conname));
		d = heap_getattr(tup, Anum_pg_constraint_conkey, RelationGetDescr(rel), &isnull);
		if (!isnull)
			k->cols = attnums_to_names(d, relid, cols, natts);
		if (con->contype == CONSTRAINT_FOREIGN)
		{
			k->confrelid = con->confrelid;
			d = heap_getattr(tup, Anum_pg_constraint_confkey, RelationGetDescr(rel), &isnull);
			if (!isnull)
				k->fcols = attnums_to_names(d, con->confrelid, NULL, 0);
		}
		else if (con->contype == CONSTRAINT_CHECK)
		{
			d = heap_getattr(tup, Anum_pg_constraint_conbin, RelationGetDescr(rel), &isnull);
			if (isnull)
				continue;
			k->text = deparse_expression(stringToNode(TextDatumGetCString(d)),
										 deparse_context_for(relname, relid),
										 false, false);
		}
		if (con->contype == CONSTRAINT_EXCLUSION ||
			(con->contype == CONSTRAINT_UNIQUE && nulls_not_distinct(con->conindid)))
		{
			k->nulls_not_distinct = con->contype == CONSTRAINT_UNIQUE;
			k->contype = CONSTRAINT_EXCLUSION;
			k->text = TextDatumGetCString(DirectFunctionCall1(pg_get_constraintdef,
															  ObjectIdGetDatum(con->oid)));
		}
		res = lappend(res, k);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	list_sort(res, constraint_cmp);
	return res;
}

/* ------------------------------------------------------------------------
 * Writing one model
 * ------------------------------------------------------------------------
 */

/*
 * ref('model'), or ref('model', v=N).  A name holding a single quote is
 * written in double quotes; one holding both has no ref() (NULL).
 */
static char *
ref_text(const GenRel *target)
{
	char		q = strchr(target->model, '\'') == NULL ? '\'' : '"';

	if (q == '"' && strchr(target->model, '"') != NULL)
		return NULL;
	if (target->version >= 0)
		return psprintf("ref(%c%s%c, v=%d)", q, target->model, q, target->version);
	return psprintf("ref(%c%s%c)", q, target->model, q);
}

char *
dbtc_gen_quoted_names(List *names)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, names)
	{
		if (s.len > 0)
			appendStringInfoString(&s, ", ");
		appendStringInfoString(&s, quote_identifier(lfirst(lc)));
	}
	return s.data;
}

/* The body of a foreign_key constraint: to/to_columns, or the legacy form. */
static void
emit_fk_target(Emitter *e, const GenSet *set, const GenConstraint *k)
{
	GenRel	   *target = dbtc_gen_find(set, k->confrelid);
	char	   *ref = target ? ref_text(target) : NULL;

	if (ref != NULL)
	{
		dbtc_emit_key_string(e, "to", ref);
		dbtc_emit_name_list(e, "to_columns", k->fcols);
	}
	else
	{
		/* not generated with it: the relation itself, "schema.rel (cols)" */
		char	   *relname = get_rel_name(k->confrelid);
		char	   *nspname = get_namespace_name(get_rel_namespace(k->confrelid));

		dbtc_emit_key_string(e, "expression",
						psprintf("%s (%s)", quote_qualified_identifier(nspname, relname),
								 dbtc_gen_quoted_names(k->fcols)));
	}
}

/* Column-level: the single-column keys of this column. */
static bool
column_level(const GenConstraint *k)
{
	return (k->contype == CONSTRAINT_PRIMARY || k->contype == CONSTRAINT_UNIQUE ||
			k->contype == CONSTRAINT_FOREIGN) && list_length(k->cols) == 1;
}

static void
emit_type(Emitter *e, const char *type)
{
	emit_map_start(e, false);
	dbtc_emit_key_plain(e, "type", type);
}

static void
emit_constraint(Emitter *e, const GenSet *set, const GenConstraint *k, bool model_level)
{
	switch (k->contype)
	{
		case CONSTRAINT_PRIMARY:
			emit_type(e, "primary_key");
			break;
		case CONSTRAINT_UNIQUE:
			emit_type(e, "unique");
			break;
		case CONSTRAINT_FOREIGN:
			emit_type(e, "foreign_key");
			dbtc_emit_key_string(e, "name", k->name);
			break;
		case CONSTRAINT_CHECK:
			emit_type(e, "check");
			dbtc_emit_key_string(e, "name", k->name);
			dbtc_emit_key_string(e, "expression", k->text);
			break;
		default:
			emit_type(e, "custom");
			dbtc_emit_key_string(e, "name", k->name);
			dbtc_emit_key_string(e, "expression", k->text);
			break;
	}
	if (model_level && k->contype != CONSTRAINT_CHECK && k->cols != NIL)
		dbtc_emit_name_list(e, "columns", k->cols);
	if (k->contype == CONSTRAINT_FOREIGN)
		emit_fk_target(e, set, k);
	emit_map_end(e);
}

static void
emit_test_relationships(Emitter *e, const char *ref, const char *field)
{
	emit_map_start(e, false);
	dbtc_emit_plain(e, "relationships");
	emit_map_start(e, false);
	dbtc_emit_plain(e, "arguments");
	emit_map_start(e, false);
	dbtc_emit_key_string(e, "to", ref);
	dbtc_emit_key_string(e, "field", quote_identifier(field));
	emit_map_end(e);
	emit_map_end(e);
	emit_map_end(e);
}

/*
 * Data tests equivalent to a column's constraints: not_null, unique for a
 * single-column key, relationships for a single-column foreign key to a
 * generated model.  Composite keys would need dbt_utils; none is emitted.
 */
static void
emit_column_tests(Emitter *e, const GenSet *set, const GenColumn *c, List *mine)
{
	ListCell   *lc;
	bool		unique = false;
	bool		any = c->notnull;

	foreach(lc, mine)
	{
		GenConstraint *k = lfirst(lc);

		if (k->contype == CONSTRAINT_FOREIGN ? dbtc_gen_find(set, k->confrelid) != NULL :
			k->contype != CONSTRAINT_CHECK)
			any = true;
	}
	if (!any)
		return;
	dbtc_emit_plain(e, "data_tests");
	emit_seq_start(e, false);
	if (c->notnull)
		dbtc_emit_plain(e, "not_null");
	foreach(lc, mine)
	{
		GenConstraint *k = lfirst(lc);

		if ((k->contype == CONSTRAINT_PRIMARY || k->contype == CONSTRAINT_UNIQUE ||
			 k->contype == CONSTRAINT_EXCLUSION) && !unique)
		{
			dbtc_emit_plain(e, "unique");
			unique = true;
		}
	}
	foreach(lc, mine)
	{
		GenConstraint *k = lfirst(lc);
		GenRel	   *target;
		char	   *ref;

		if (k->contype != CONSTRAINT_FOREIGN ||
			(target = dbtc_gen_find(set, k->confrelid)) == NULL ||
			(ref = ref_text(target)) == NULL)
			continue;
		emit_test_relationships(e, ref, linitial(k->fcols));
	}
	emit_seq_end(e);
}

/* Is k a constraint on exactly this one column? */
static bool
single_column_of(const GenConstraint *k, const char *name)
{
	return list_length(k->cols) == 1 && strcmp(linitial(k->cols), name) == 0;
}

/* not_null, then the column-level keys, as constraints of the column. */
static void
emit_column_constraints(Emitter *e, const GenSet *set, const GenColumn *c,
						List *mine)
{
	ListCell   *lc;
	bool		any = c->notnull;

	foreach(lc, mine)
		if (column_level(lfirst(lc)))
			any = true;
	if (!any)
		return;
	dbtc_emit_plain(e, "constraints");
	emit_seq_start(e, false);
	if (c->notnull)
	{
		emit_type(e, "not_null");
		emit_map_end(e);
	}
	foreach(lc, mine)
		if (column_level(lfirst(lc)))
			emit_constraint(e, set, lfirst(lc), false);
	emit_seq_end(e);
}

static void
emit_columns(Emitter *e, const GenSet *set, GenColumn *cols, int natts,
			 List *cons, const GenOptions *opts)
{
	int			i;

	dbtc_emit_plain(e, "columns");
	emit_seq_start(e, false);
	for (i = 1; i <= natts; i++)
	{
		GenColumn  *c = &cols[i];
		List	   *mine = NIL;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (c->name == NULL)
			continue;
		foreach(lc, cons)
		{
			GenConstraint *k = lfirst(lc);

			if (single_column_of(k, c->name))
				mine = lappend(mine, k);
		}
		emit_map_start(e, false);
		dbtc_emit_key_string(e, "name", c->name);
		if (opts->data_types)
			dbtc_emit_key_string(e, "data_type", c->type);
		if (strcmp(quote_identifier(c->name), c->name) != 0)
			dbtc_emit_key_plain(e, "quote", "true");
		if (c->description != NULL)
			dbtc_emit_key_string(e, "description", c->description);
		if (opts->constraints)
			emit_column_constraints(e, set, c, mine);
		if (opts->tests)
			emit_column_tests(e, set, c, mine);
		emit_map_end(e);
		list_free(mine);
	}
	emit_seq_end(e);
}

static const char *
materialized_name(char relkind)
{
	switch (relkind)
	{
		case RELKIND_VIEW:
			return "view";
		case RELKIND_MATVIEW:
			return "materialized_view";
		default:
			return "table";
	}
}

/*
 * The body of a model (or of one version): description, config, columns,
 * model-level constraints.  Views and materialized views get a contract
 * without constraints, which is all dbt allows on them.
 */
static void
emit_model_body(Emitter *e, const GenSet *set, const GenRel *r, const GenOptions *opts)
{
	int			natts;
	GenColumn  *cols = dbtc_gen_read_columns(r->relid, &natts, opts->descriptions);
	List	   *cons = NIL;
	bool		is_table = r->relkind == RELKIND_RELATION ||
		r->relkind == RELKIND_PARTITIONED_TABLE;
	ListCell   *lc;
	bool		open = false;

	if (is_table && (opts->constraints || opts->tests))
		cons = dbtc_gen_read_constraints(r->relname, r->relid, cols, natts);
	if (!is_table)
		for (int i = 1; i <= natts; i++)
			cols[i].notnull = false;

	if (cols[0].description != NULL)
		dbtc_emit_key_string(e, "description", cols[0].description);
	dbtc_emit_plain(e, "config");
	emit_map_start(e, false);
	dbtc_emit_key_plain(e, "materialized", materialized_name(r->relkind));
	if (strcmp(derived_relname(r), r->relname) != 0)
		dbtc_emit_key_string(e, "alias", r->relname);
	/* dbt refuses an enforced contract with a column lacking data_type */
	if (opts->data_types)
	{
		dbtc_emit_plain(e, "contract");
		emit_map_start(e, true);
		dbtc_emit_key_plain(e, "enforced", "true");
		emit_map_end(e);
	}
	emit_map_end(e);

	emit_columns(e, set, cols, natts, cons, opts);
	if (!opts->constraints)
		return;
	foreach(lc, cons)
	{
		GenConstraint *k = lfirst(lc);

		if (column_level(k))
			continue;
		if (!open)
		{
			dbtc_emit_plain(e, "constraints");
			emit_seq_start(e, false);
			open = true;
		}
		emit_constraint(e, set, k, true);
	}
	if (open)
		emit_seq_end(e);
}

/* ------------------------------------------------------------------------
 * Entry point
 * ------------------------------------------------------------------------
 */
static bool
bool_arg(FunctionCallInfo fcinfo, int n, bool dflt)
{
	return PG_ARGISNULL(n) ? dflt : PG_GETARG_BOOL(n);
}

/* The schema.yml of the set. */
static void
emit_dbt_document(Emitter *e, const GenSet *set, void *arg)
{
	const GenOptions *opts = arg;
	int			i;

	emit_map_start(e, false);
	dbtc_emit_key_plain(e, "version", "2");
	dbtc_emit_plain(e, "models");
	emit_seq_start(e, false);
	for (i = 0; i < set->n; i++)
	{
		const GenRel *r = &set->rels[i];

		CHECK_FOR_INTERRUPTS();
		emit_map_start(e, false);
		dbtc_emit_key_string(e, "name", r->model);
		if (r->version < 0)
			emit_model_body(e, set, r, opts);
		else
		{
			dbtc_emit_key_plain(e, "latest_version", psprintf("%d", r->latest));
			dbtc_emit_plain(e, "versions");
			emit_seq_start(e, false);
			for (; i < set->n && strcmp(set->rels[i].model, r->model) == 0; i++)
			{
				CHECK_FOR_INTERRUPTS();
				emit_map_start(e, false);
				dbtc_emit_key_plain(e, "v", psprintf("%d", set->rels[i].version));
				emit_model_body(e, set, &set->rels[i], opts);
				emit_map_end(e);
			}
			i--;
			emit_seq_end(e);
		}
		emit_map_end(e);
	}
	emit_seq_end(e);
	emit_map_end(e);
}

static void
emit_flush(Emitter *e)
{
	if (!yaml_emitter_flush(&e->em))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write YAML: %s",
						e->em.problem ? e->em.problem : "unknown emitter error")));
}

/*
 * The document of a generator whose first two arguments are (relations
 * regclass[], schema text): the set is read, and render writes the YAML
 * with every name outside pg_catalog qualified.  Returns the text datum.
 */
Datum
dbtc_gen_document(FunctionCallInfo fcinfo, const char *funcname, bool dbt_models,
				  GenRenderer render, void *arg)
{
	List	   *oids;
	Oid			nspid;
	GenSet	   *set;
	Emitter		e;
	StringInfoData out;
	int			nestlevel;
	char	   *result;

	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pass either relations or schema, not both")));
	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pass the relations or the schema to generate contracts for"),
				 errhint("For example: %s(schema => 'analytics').", funcname)));
	if (!PG_ARGISNULL(0))
		oids = relations_from_array(PG_GETARG_ARRAYTYPE_P(0), &nspid);
	else
	{
		char	   *schema = text_to_cstring(PG_GETARG_TEXT_PP(1));

		nspid = get_namespace_oid(schema, false);
		oids = relations_of_schema(nspid);
		if (oids == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("schema %s has no tables, views or materialized views",
							quote_identifier(schema)),
					 errdetail("Partitions, sequences, foreign tables and other relation kinds are not models.")));
	}

	/* print every name outside pg_catalog qualified, whoever calls */
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	set = build_set(oids, nspid, dbt_models);
	initStringInfo(&out);
	memset(&e, 0, sizeof(e));
	e.out = &out;
	e.to_utf8 = GetDatabaseEncoding() != PG_UTF8;
	if (!yaml_emitter_initialize(&e.em))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not initialize the YAML emitter")));
	PG_TRY();
	{
		yaml_event_t ev;

		yaml_emitter_set_output(&e.em, emit_write, &out);
		yaml_emitter_set_unicode(&e.em, 1);
		yaml_emitter_set_indent(&e.em, 2);
		yaml_emitter_set_width(&e.em, -1);
		yaml_emitter_set_break(&e.em, YAML_LN_BREAK);
		emit_event(&e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
		emit_event(&e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
		render(&e, set, arg);
		emit_event(&e, &ev, yaml_document_end_event_initialize(&ev, 1));
		emit_event(&e, &ev, yaml_stream_end_event_initialize(&ev));
		emit_flush(&e);
	}
	PG_FINALLY();
	{
		yaml_emitter_delete(&e.em);
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);

	result = e.to_utf8 ? pg_any_to_server(out.data, out.len, PG_UTF8) : out.data;
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/*
 * dbt_contract_generate(relations regclass[], schema text,
 *						 include_data_types, include_constraints,
 *						 include_tests, include_descriptions) -> text
 */
Datum
dbt_contract_generate(PG_FUNCTION_ARGS)
{
	GenOptions	opts;

	opts.data_types = bool_arg(fcinfo, 2, true);
	opts.constraints = bool_arg(fcinfo, 3, true);
	opts.tests = bool_arg(fcinfo, 4, false);
	opts.descriptions = bool_arg(fcinfo, 5, true);
	return dbtc_gen_document(fcinfo, "dbt_contract_generate", true,
							 emit_dbt_document, &opts);
}
