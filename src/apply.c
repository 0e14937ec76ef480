/*-------------------------------------------------------------------------
 * apply.c
 *	  SQL-callable loaders: dbt_contract_apply (a server file or a
 *	  directory of YAML files) and dbt_contract_apply_yaml (inline text).
 *
 * Both read every input, parse and validate every model, resolve every
 * type, and only then touch the catalog, so any error leaves the previous
 * contracts exactly as they were.  All work happens in a private memory
 * context that is deleted before returning.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "common/md5.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_apply);
PG_FUNCTION_INFO_V1(dbt_contract_apply_yaml);
PG_FUNCTION_INFO_V1(dbt_contract_diff);
PG_FUNCTION_INFO_V1(dbt_contract_diff_yaml);
PG_FUNCTION_INFO_V1(dbt_contract_apply_manifest);
PG_FUNCTION_INFO_V1(dbt_contract_diff_targets);

#define MAX_DIRECTORY_DEPTH 32

typedef struct InputText
{
	char	   *display;		/* name used in messages */
	char	   *data;			/* UTF-8 */
	size_t		len;
	bool		owned;			/* data is ours to free once composed */
} InputText;

/* ------------------------------------------------------------------------
 * Arguments
 * ------------------------------------------------------------------------
 */
static char *
text_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* target_schema argument, or the caller's current schema. */
static char *
target_schema_arg(FunctionCallInfo fcinfo, int argno)
{
	List	   *path;
	char	   *schema;

	if (PG_NARGS() > argno && !PG_ARGISNULL(argno))
	{
		schema = text_to_cstring(PG_GETARG_TEXT_PP(argno));
		if (schema[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target_schema must not be empty")));
		return schema;
	}
	path = fetch_search_path(false);
	if (path == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("no schema has been selected to hold the contracted relations"),
				 errhint("Pass target_schema, or set search_path to your dbt target schema.")));
	schema = get_namespace_name(linitial_oid(path));
	list_free(path);
	return schema;
}

static void
check_size(const char *display, int64 size)
{
	int64		limit = (int64) dbtc_max_file_size_kb * 1024;

	if (size > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("YAML input \"%s\" is too large (%lld bytes)",
						dbtc_clip(display), (long long) size),
				 errdetail("dbt_contract.max_file_size is %d kB.", dbtc_max_file_size_kb),
				 errhint("A superuser can raise dbt_contract.max_file_size.")));
}

/*
 * The source names the catalog keys contracts by (a path, or the label
 * given to an inline apply): bounded like PostgreSQL's own paths, so the
 * index on it never meets its row size limit.
 */
static void
check_source(const char *source)
{
	size_t		len = strlen(source);

	if (len > DBTC_MAX_SOURCE_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("source \"%s\" is too long (%zu bytes)", dbtc_clip(source), len),
				 errdetail("A source is at most %d bytes.", DBTC_MAX_SOURCE_LEN)));
}

/* ------------------------------------------------------------------------
 * Server files
 * ------------------------------------------------------------------------
 */

/* Same rule as pg_read_file on arbitrary paths. */
static void
check_read_privilege(void)
{
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read server files"),
				 errdetail("Only roles with privileges of the \"pg_read_server_files\" role may read files on the server."),
				 errhint("Send the YAML text instead with dbt_contract_apply_yaml().")));
}

static char *
absolute_path(const char *path)
{
	char	   *abs;

	if (is_absolute_path(path))
		abs = pstrdup(path);
	else
	{
		const char *base = (dbtc_project_dir && dbtc_project_dir[0]) ?
		dbtc_project_dir : DataDir;

		abs = psprintf("%s/%s", base, path);
	}
	canonicalize_path(abs);
	return abs;
}

static bool
has_yaml_suffix(const char *name)
{
	size_t		len = strlen(name);

	return (len > 4 && pg_strcasecmp(name + len - 4, ".yml") == 0) ||
		(len > 5 && pg_strcasecmp(name + len - 5, ".yaml") == 0);
}

static InputText *
read_file(const char *abs, const char *display)
{
	InputText  *in = palloc0(sizeof(InputText));
	struct stat st;
	int			fd;
	size_t		done = 0;

	if (stat(abs, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", display)));
	check_size(display, (int64) st.st_size);

	fd = OpenTransientFile(abs, O_RDONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", display)));
	in->data = palloc(st.st_size + 1);
	while (done < (size_t) st.st_size)
	{
		ssize_t		n = read(fd, in->data + done, st.st_size - done);

		if (n < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", display)));
		if (n == 0)
			break;
		done += n;
	}
	CloseTransientFile(fd);
	in->data[done] = '\0';
	in->len = done;
	in->owned = true;
	in->display = pstrdup(display);
	return in;
}

static int
cmp_names(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/* YAML files below a directory, in name order, hidden entries skipped. */
static List *
collect_directory(const char *abs, const char *display, int depth, List *out)
{
	DIR		   *dir;
	struct dirent *de;
	List	   *names = NIL;
	ListCell   *lc;

	if (depth > MAX_DIRECTORY_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("directory \"%s\" is nested more than %d levels deep",
						display, MAX_DIRECTORY_DEPTH)));
	dir = AllocateDir(abs);
	while ((de = ReadDir(dir, abs)) != NULL)
	{
		if (de->d_name[0] == '.')
			continue;
		names = lappend(names, pstrdup(de->d_name));
	}
	FreeDir(dir);
	list_sort(names, cmp_names);

	foreach(lc, names)
	{
		char	   *name = lfirst(lc);
		char	   *sub = psprintf("%s/%s", abs, name);
		char	   *subdisp = psprintf("%s/%s", display, name);
		struct stat st;

		CHECK_FOR_INTERRUPTS();
		if (stat(sub, &st) < 0)
			continue;			/* vanished or dangling link */
		if (S_ISDIR(st.st_mode))
			out = collect_directory(sub, subdisp, depth + 1, out);
		else if (S_ISREG(st.st_mode) && has_yaml_suffix(name))
			out = lappend(out, read_file(sub, subdisp));
	}
	return out;
}

static List *
read_path(const char *path, char **source)
{
	char	   *abs = absolute_path(path);
	char	   *display = pstrdup(path);
	struct stat st;
	List	   *inputs;

	canonicalize_path(display);
	*source = abs;
	if (stat(abs, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not access \"%s\": %m", display),
				 is_absolute_path(path) ? 0 :
				 (dbtc_project_dir && dbtc_project_dir[0]) ?
				 errdetail("Relative paths are read from dbt_contract.project_dir, \"%s\".",
						   dbtc_project_dir) :
				 errdetail("Relative paths are read from the data directory."),
				 is_absolute_path(path) ? 0 :
				 errhint("Give an absolute path, or set dbt_contract.project_dir.")));
	if (!S_ISDIR(st.st_mode))
		return list_make1(read_file(abs, display));

	inputs = collect_directory(abs, display, 0, NIL);
	if (inputs == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("directory \"%s\" contains no YAML files", display),
				 errhint("dbt_contract_apply reads every *.yml and *.yaml file below the directory, such as a dbt project's models/.")));
	return inputs;
}

/* ------------------------------------------------------------------------
 * Parse, validate, resolve, store
 * ------------------------------------------------------------------------
 */
static char *
md5_hex(const char *data, size_t len)
{
	char	   *hex = palloc(2 * MD5_DIGEST_LENGTH + 1);

	dbtc_md5_hex(data, len, hex);
	return hex;
}

/*
 * md5 of what was applied: the text itself for one input (so it matches
 * md5() of the same text in SQL), names and contents for several.
 */
static char *
inputs_checksum(List *inputs)
{
	StringInfoData all;
	ListCell   *lc;
	char	   *sum;

	if (list_length(inputs) == 1)
	{
		InputText  *in = linitial(inputs);

		return md5_hex(in->data, in->len);
	}
	initStringInfo(&all);
	foreach(lc, inputs)
	{
		InputText  *in = lfirst(lc);

		appendStringInfo(&all, "%s%c", in->display, '\0');
		appendBinaryStringInfo(&all, in->data, (int) in->len);
	}
	sum = md5_hex(all.data, all.len);
	pfree(all.data);
	return sum;
}

/* What the caller asked for: apply (possibly accepting breaks) or diff. */
typedef struct ApplyRequest
{
	const char *source;
	const char *target_schema;
	bool		allow_breaking;
	bool		dry_run;
	bool		manifest;		/* inputs are a dbt manifest (JSON) */
	const char *checksum;		/* the sender's own, or NULL: md5 of inputs */
	bool		delta;			/* a delta apply: keep is the rest */
	List	   *keep;			/* ContractKey */
	const char *model_checksums;	/* JSON object text, or NULL */
} ApplyRequest;

static List *apply_inputs_guarded(const ApplyRequest *req, List *inputs);

/*
 * A statement longer than this is left out of the server log when an
 * apply it runs fails or warns: it carries the YAML as a literal, and a
 * 60 MB file would otherwise be logged again with every message.
 */
#define MAX_LOGGED_STATEMENT	(64 * 1024)

/* Error context callback: keep an inline YAML out of the log. */
static void
hide_long_statement(void *arg)
{
	if (debug_query_string != NULL &&
		strnlen(debug_query_string, MAX_LOGGED_STATEMENT + 1) > MAX_LOGGED_STATEMENT)
		errhidestmt(true);
}

/*
 * Parse, validate and resolve every input, then store (or only compare).
 * Returns ApplyResults, or ContractChanges for a dry run.
 */
static List *
apply_inputs(const ApplyRequest *req, List *inputs)
{
	ErrorContextCallback errcb;
	List	   *res;

	errcb.callback = hide_long_statement;
	errcb.arg = NULL;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	res = apply_inputs_guarded(req, inputs);
	error_context_stack = errcb.previous;
	return res;
}

static List *
apply_inputs_guarded(const ApplyRequest *req, List *inputs)
{
	ParseOptions opts;
	ApplyOptions store;
	List	   *models = NIL;
	List	   *fk_relations = NIL;
	List	   *semantic = NIL;
	TypeCache  *types = contract_type_cache_create();
	ListCell   *lc;

	check_source(req->source);
	/* before the texts go, each as soon as its tree is built */
	store.checksum = req->checksum ? req->checksum : inputs_checksum(inputs);
	opts.target_schema = req->target_schema;
	opts.relation_targets = false;
	foreach(lc, inputs)
	{
		InputText  *in = lfirst(lc);
		MemoryContext tree_cxt;
		MemoryContext oldcxt;
		YDoc	   *doc;

		/*
		 * The tree takes several times the size of the YAML; the models
		 * parsed from it are copies, so it goes as soon as they are read.
		 */
		tree_cxt = AllocSetContextCreate(CurrentMemoryContext,
										 "dbt_contract YAML tree",
										 ALLOCSET_DEFAULT_SIZES);
		oldcxt = MemoryContextSwitchTo(tree_cxt);
		doc = dbtc_yaml_compose(in->data, in->len, in->display);
		MemoryContextSwitchTo(oldcxt);
		if (in->owned)
		{
			pfree(in->data);
			in->data = NULL;
		}
		if (req->manifest)
		{
			models = contract_parse_manifest(doc, models);
			fk_relations = contract_manifest_fk_relations(doc, fk_relations);
			semantic = contract_semantic_read_manifest(doc, semantic);
		}
		else
		{
			models = contract_parse_document(doc, &opts, models);
			fk_relations = contract_fk_relations_yaml(doc, opts.target_schema,
														  fk_relations);
			semantic = contract_semantic_read_yaml(doc, semantic);
		}
		MemoryContextDelete(tree_cxt);
	}
	/* every path stores a foreign key's target alike */
	contract_fk_canonical(models, fk_relations);
	contract_semantic_attach(models, semantic);
	foreach(lc, models)
	{
		ContractModel *m = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		contract_resolve_types(m, types);
		contract_fingerprint(m);
		contract_semantic_fingerprint(m);
	}
	store.target = req->target_schema;
	store.caller = GetUserId();
	store.allow_breaking = req->allow_breaking;
	store.dry_run = req->dry_run;
	store.delta = req->delta;
	store.keep = req->keep;
	store.model_checksums = req->model_checksums;
	if (req->dry_run)
		return contract_store_diff(req->source, models, &store);
	return contract_store_apply(req->source, models, &store);
}

/* Materialize apply results (model, version, relation, action, counts). */
static void
return_results(FunctionCallInfo fcinfo, List *results)
{
	ResultSink	sink = dbtc_srf_begin(fcinfo);
	ListCell   *lc;

	foreach(lc, results)
	{
		ApplyResult *r = lfirst(lc);
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(r->model);
		values[1] = r->version ? CStringGetTextDatum(r->version) : (Datum) 0;
		nulls[1] = r->version == NULL;
		values[2] = CStringGetTextDatum(r->relation);
		values[3] = CStringGetTextDatum(r->action);
		values[4] = Int32GetDatum(r->ncolumns);
		values[5] = Int32GetDatum(r->nconstraints);
		tuplestore_putvalues(sink.store, sink.desc, values, nulls);
	}
}

/* Materialize diff rows (model, version, change, detail, breaking). */
static void
return_changes(FunctionCallInfo fcinfo, List *changes)
{
	ResultSink	sink = dbtc_srf_begin(fcinfo);
	ListCell   *lc;

	foreach(lc, changes)
	{
		ContractChange *c = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(c->model);
		values[1] = c->version ? CStringGetTextDatum(c->version) : (Datum) 0;
		nulls[1] = c->version == NULL;
		values[2] = CStringGetTextDatum(c->change);
		values[3] = CStringGetTextDatum(c->detail);
		values[4] = BoolGetDatum(c->breaking);
		tuplestore_putvalues(sink.store, sink.desc, values, nulls);
	}
}

static MemoryContext
begin_work(void)
{
	return AllocSetContextCreate(CurrentMemoryContext, "dbt_contract apply",
								 ALLOCSET_DEFAULT_SIZES);
}

/*
 * allow_breaking: accepting a breaking change deliberately is for whoever
 * answers for the target, a superuser or a role with the privileges of
 * the target schema's owner (the role that may apply for it at all), so
 * production's owner needs no superuser to publish a change.
 */
static bool
allow_breaking_arg(FunctionCallInfo fcinfo, int argno, const char *target)
{
	Oid			nspid;
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno) || !PG_GETARG_BOOL(argno))
		return false;
	if (superuser())
		return true;
	nspid = get_namespace_oid(target, true);
	if (OidIsValid(nspid))
	{
		tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for namespace %u", nspid);
		owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
		ReleaseSysCache(tup);
		if (has_privs_of_role(GetUserId(), owner))
			return true;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to accept breaking contract changes for target \"%s\"",
					target),
			 OidIsValid(owner) ?
			 errdetail("Only superusers and roles with the privileges of role \"%s\", the owner of schema \"%s\", may accept them.",
					   GetUserNameFromId(owner, false), target) :
			 errdetail("Schema \"%s\" does not exist; only superusers may accept breaking changes for it.",
					   target),
			 errhint("Publish the change as a new model version instead.")));
	return false;				/* keep compiler quiet */
}

/* A file or directory apply (or diff). */
static Datum
apply_path(FunctionCallInfo fcinfo, bool dry_run)
{
	MemoryContext work = begin_work();
	MemoryContext oldcxt = MemoryContextSwitchTo(work);
	char	   *path = text_arg(fcinfo, 0, "path");
	ApplyRequest req = {0};
	char	   *source;
	List	   *inputs;
	List	   *results;

	PreventCommandDuringRecovery(dry_run ? "dbt_contract_diff()" : "dbt_contract_apply()");
	req.target_schema = target_schema_arg(fcinfo, 1);
	req.allow_breaking = !dry_run && allow_breaking_arg(fcinfo, 2, req.target_schema);
	req.dry_run = dry_run;
	check_read_privilege();
	inputs = read_path(path, &source);
	req.source = source;
	results = apply_inputs(&req, inputs);

	MemoryContextSwitchTo(oldcxt);
	if (dry_run)
		return_changes(fcinfo, results);
	else
		return_results(fcinfo, results);
	MemoryContextDelete(work);
	return (Datum) 0;
}

/* An inline-text apply (or diff). */
static Datum
apply_text(FunctionCallInfo fcinfo, bool dry_run)
{
	MemoryContext work = begin_work();
	MemoryContext oldcxt = MemoryContextSwitchTo(work);
	ApplyRequest req = {0};
	text	   *yaml;
	char	   *source;
	InputText  *in = palloc0(sizeof(InputText));
	List	   *results;

	PreventCommandDuringRecovery(dry_run ? "dbt_contract_diff_yaml()" :
								 "dbt_contract_apply_yaml()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("yaml must not be null")));
	yaml = PG_GETARG_TEXT_PP(0);
	source = text_arg(fcinfo, 1, "source");
	if (source[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source must not be empty")));
	req.source = source;
	req.target_schema = target_schema_arg(fcinfo, 2);
	req.allow_breaking = !dry_run && allow_breaking_arg(fcinfo, 3, req.target_schema);
	req.dry_run = dry_run;

	check_source(source);
	check_size(source, VARSIZE_ANY_EXHDR(yaml));
	in->display = source;
	in->len = VARSIZE_ANY_EXHDR(yaml);

	/*
	 * The reader takes a length, so the argument is read in place; only a
	 * database not in UTF-8 needs a converted copy.
	 */
	in->data = pg_server_to_any(VARDATA_ANY(yaml), (int) in->len, PG_UTF8);
	if (in->data != VARDATA_ANY(yaml))
	{
		in->len = strlen(in->data);
		in->owned = true;
	}

	results = apply_inputs(&req, list_make1(in));

	MemoryContextSwitchTo(oldcxt);
	if (dry_run)
		return_changes(fcinfo, results);
	else
		return_results(fcinfo, results);
	MemoryContextDelete(work);
	return (Datum) 0;
}

/*
 * dbt_contract_apply(path text, target_schema text DEFAULT NULL,
 *					  allow_breaking boolean DEFAULT false)
 */
Datum
dbt_contract_apply(PG_FUNCTION_ARGS)
{
	return apply_path(fcinfo, false);
}

/*
 * dbt_contract_apply_yaml(yaml text, source text DEFAULT 'inline',
 *						   target_schema text DEFAULT NULL,
 *						   allow_breaking boolean DEFAULT false)
 */
Datum
dbt_contract_apply_yaml(PG_FUNCTION_ARGS)
{
	return apply_text(fcinfo, false);
}

/* dbt_contract_diff(path text, target_schema text DEFAULT NULL) */
Datum
dbt_contract_diff(PG_FUNCTION_ARGS)
{
	return apply_path(fcinfo, true);
}

/*
 * dbt_contract_diff_yaml(yaml text, source text DEFAULT 'inline',
 *						  target_schema text DEFAULT NULL)
 */
Datum
dbt_contract_diff_yaml(PG_FUNCTION_ARGS)
{
	return apply_text(fcinfo, true);
}

/* metadata.<key> of a manifest, or NULL */
static JsonbValue *
manifest_metadata(Jsonb *manifest, const char *key)
{
	JsonbValue *meta;

	if (!JB_ROOT_IS_OBJECT(manifest))
		return NULL;
	meta = getKeyJsonValueFromContainer(&manifest->root, "metadata",
										strlen("metadata"), NULL);
	if (meta == NULL || meta->type != jbvBinary)
		return NULL;
	return getKeyJsonValueFromContainer(meta->val.binary.data, key,
										strlen(key), NULL);
}

/*
 * The checksum a sender put in metadata.dbt_contract_checksum, or NULL.
 * The dbt package sends the md5 of its own payload text there and finds
 * it again in dbt_contract.sources, so a run whose contracts did not
 * change sends nothing (the md5 of the jsonb's text is not one a client
 * can work out).
 */
#define MAX_CLIENT_CHECKSUM 64

static char *
manifest_checksum(Jsonb *manifest)
{
	JsonbValue *sum = manifest_metadata(manifest, "dbt_contract_checksum");
	char	   *res;
	int			i;

	if (sum == NULL)
		return NULL;
	if (sum->type != jbvString || sum->val.string.len == 0 ||
		sum->val.string.len > MAX_CLIENT_CHECKSUM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metadata.dbt_contract_checksum must be a string of 1 to %d characters",
						MAX_CLIENT_CHECKSUM)));
	res = pnstrdup(sum->val.string.val, sum->val.string.len);
	for (i = 0; res[i]; i++)
		if (!isalnum((unsigned char) res[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("metadata.dbt_contract_checksum must consist of letters and digits")));
	return res;
}

static void
bad_keep_entry(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("metadata.dbt_contract_keep must be an array of [model, version] pairs"),
			 errdetail("The version is a number or a string as dbt keys it, or null for an unversioned model.")));
}

/*
 * A delta apply: metadata.dbt_contract_keep lists, as [model, version]
 * pairs, the models the sender has but does not send; the stored
 * contracts of those stand for them.  Without the key, a full apply.
 */
static void
manifest_delta(Jsonb *manifest, ApplyRequest *req)
{
	JsonbValue *keep = manifest_metadata(manifest, "dbt_contract_keep");
	JsonbValue *sums = manifest_metadata(manifest, "dbt_contract_model_checksums");
	uint32		n;
	uint32		i;

	if (sums != NULL && sums->type != jbvNull)
	{
		if (sums->type != jbvBinary || !JsonContainerIsObject(sums->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("metadata.dbt_contract_model_checksums must be an object")));
		req->model_checksums = JsonbToCString(NULL, sums->val.binary.data,
											  sums->val.binary.len);
	}
	if (keep == NULL)
		return;
	if (keep->type != jbvBinary || !JsonContainerIsArray(keep->val.binary.data))
		bad_keep_entry();
	req->delta = true;
	n = JsonContainerSize(keep->val.binary.data);
	for (i = 0; i < n; i++)
	{
		JsonbValue *pair = getIthJsonbValueFromContainer(keep->val.binary.data, i);
		JsonbValue *name;
		JsonbValue *version;
		ContractKey *k = palloc(sizeof(ContractKey));

		CHECK_FOR_INTERRUPTS();
		if (pair->type != jbvBinary || !JsonContainerIsArray(pair->val.binary.data) ||
			JsonContainerSize(pair->val.binary.data) != 2)
			bad_keep_entry();
		name = getIthJsonbValueFromContainer(pair->val.binary.data, 0);
		version = getIthJsonbValueFromContainer(pair->val.binary.data, 1);
		if (name->type != jbvString)
			bad_keep_entry();
		k->model = pnstrdup(name->val.string.val, name->val.string.len);
		if (version->type == jbvNull)
			k->version = NULL;
		else if (version->type == jbvNumeric)
			k->version = DatumGetCString(DirectFunctionCall1(numeric_out,
															 NumericGetDatum(version->val.numeric)));
		else if (version->type == jbvString && version->val.string.len > 0)
			k->version = pnstrdup(version->val.string.val, version->val.string.len);
		else
			bad_keep_entry();
		req->keep = lappend(req->keep, k);
	}
}

/*
 * dbt_contract_apply_manifest(manifest jsonb, source text DEFAULT
 *							   'manifest', allow_breaking boolean DEFAULT
 *							   false, target_schema text DEFAULT NULL):
 * contracts from dbt's manifest.json, or from the object the dbt_contract
 * package sends at on-run-start, for the run's target.  The relations are
 * the manifest's; the target only says whose contracts they are.  With
 * metadata.dbt_contract_keep it is a delta apply: the listed models keep
 * their stored contracts, as if sent unchanged (see manifest_delta).
 */
Datum
dbt_contract_apply_manifest(PG_FUNCTION_ARGS)
{
	MemoryContext work = begin_work();
	MemoryContext oldcxt = MemoryContextSwitchTo(work);
	ApplyRequest req = {0};
	InputText  *in = palloc0(sizeof(InputText));
	Jsonb	   *manifest;
	char	   *text;
	List	   *results;

	PreventCommandDuringRecovery("dbt_contract_apply_manifest()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("manifest must not be null")));
	manifest = PG_GETARG_JSONB_P(0);
	req.source = text_arg(fcinfo, 1, "source");
	if (req.source[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source must not be empty")));
	req.target_schema = target_schema_arg(fcinfo, 3);
	req.allow_breaking = allow_breaking_arg(fcinfo, 2, req.target_schema);
	req.checksum = manifest_checksum(manifest);
	manifest_delta(manifest, &req);
	req.manifest = true;

	/* JSON is YAML: the same reader, limits and error reporting apply */
	check_source(req.source);
	text = JsonbToCString(NULL, &manifest->root, VARSIZE(manifest));
	check_size(req.source, strlen(text));
	in->display = (char *) req.source;
	in->data = pg_server_to_any(text, strlen(text), PG_UTF8);
	in->len = strlen(in->data);
	in->owned = true;
	if (in->data != text)
		pfree(text);

	results = apply_inputs(&req, list_make1(in));

	MemoryContextSwitchTo(oldcxt);
	return_results(fcinfo, results);
	MemoryContextDelete(work);
	return (Datum) 0;
}

/*
 * dbt_contract_diff_targets(base_target text, head_target text): what the
 * contracts of head_target change against those of base_target.
 */
Datum
dbt_contract_diff_targets(PG_FUNCTION_ARGS)
{
	MemoryContext work = begin_work();
	MemoryContext oldcxt = MemoryContextSwitchTo(work);
	List	   *changes;

	changes = contract_diff_targets(text_arg(fcinfo, 0, "base_target"),
									text_arg(fcinfo, 1, "head_target"));
	MemoryContextSwitchTo(oldcxt);
	return_changes(fcinfo, changes);
	MemoryContextDelete(work);
	return (Datum) 0;
}
