/*-------------------------------------------------------------------------
 * repair.c
 *	  Add the declared constraints that live tables lack:
 *	  dbt_contract_repair().
 *
 * The statements come from the match report (contract_match.c), are
 * parsed back before they run, and run as each table's owner in the
 * caller's transaction.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "dbt_contract.h"

PG_FUNCTION_INFO_V1(dbt_contract_repair);

typedef struct RepairStep
{
	const ContractModel *spec;
	Oid			relid;
	char	   *schema;			/* the relation's names, as the catalog has them */
	char	   *relname;
	char	   *relation;		/* quoted */
	char	   *object;
	char	   *sql;
	bool		foreign_key;
} RepairStep;

/* What repairing one relation (a table) against its contract takes. */
static List *
repair_steps(List *steps, const ContractModel *spec, Oid relid)
{
	MatchReport *report;
	char		relkind;
	ListCell   *lp;

	if (!OidIsValid(relid) || !contract_model_verified(spec))
		return steps;
	relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return steps;
	report = contract_match_relation(relid, spec, true);
	foreach(lp, report->problems)
	{
		MatchProblem *p = lfirst(lp);
		RepairStep *step;

		if (p->repair == NULL)
			continue;
		step = palloc(sizeof(RepairStep));
		step->spec = spec;
		step->relid = relid;
		step->schema = get_namespace_name(get_rel_namespace(relid));
		step->relname = get_rel_name(relid);
		step->relation = report->relation;
		step->object = p->object;
		step->sql = p->repair;
		step->foreign_key = strcmp(p->problem, "foreign key lost") == 0;
		steps = lappend(steps, step);
	}
	return steps;
}

/* Say which statement of the repair failed, and for which model. */
static void
repair_error_context(void *arg)
{
	RepairStep *step = (RepairStep *) arg;

	errcontext("dbt_contract_repair of %s, %s",
			   step->relation, contract_model_label_full(step->spec));
}

static Oid
relation_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Run one repair statement.  It is parsed back first and must be one ALTER
 * TABLE of the step's relation adding one constraint.  It runs as the
 * table's owner, in a security-restricted operation, as ALTER TABLE runs
 * index expressions: validating a CHECK or a foreign key over existing
 * rows can call functions the owner chose, and those must never run with
 * the privileges of the caller (typically a superuser).  search_path is
 * the one the statement was deparsed under.
 */
static void
run_repair_step(RepairStep *step)
{
	ErrorContextCallback errcallback;
	Oid			save_userid;
	int			save_sec_context;
	int			nest;
	int			rc;

	errcallback.callback = repair_error_context;
	errcallback.arg = step;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	nest = dbtc_push_settings(true);
	dbtc_check_generated(step->sql, T_AlterTableStmt, step->schema, step->relname,
						 0, NULL);
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(relation_owner(step->relid),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	rc = SPI_execute(step->sql, false, 0);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	dbtc_pop_settings(nest);

	error_context_stack = errcallback.previous;
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "dbt_contract: \"%s\" failed: %s", step->sql,
			 SPI_result_code_string(rc));
}

/* The caller must own every table repaired, as ALTER TABLE demands. */
static void
check_repair_owner(const RepairStep *step)
{
	if (!DBTC_RELATION_OWNERCHECK(step->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER,
					   get_relkind_objtype(get_rel_relkind(step->relid)),
					   step->relname);
}

/*
 * dbt_contract_repair(rel regclass DEFAULT NULL) RETURNS TABLE (model,
 * version, relation, object, statement): add the declared constraints
 * that live tables lack -- of every enforced contract, or of rel.  The
 * caller must own the tables; each statement runs as the table's owner
 * (see run_repair_step), in the caller's transaction: every ADD validates
 * the existing rows, and one failure undoes all.  Nothing is dropped or
 * rewritten; a constraint whose declared name is taken by another is left
 * to the user.
 */
Datum
dbt_contract_repair(PG_FUNCTION_ARGS)
{
	ResultSink	sink = dbtc_srf_begin(fcinfo);
	List	   *steps = NIL;
	ListCell   *lc;
	int			pass;
	int			rc;

	if (PG_ARGISNULL(0))
	{
		foreach(lc, contract_load_enforced())
		{
			CHECK_FOR_INTERRUPTS();
			steps = repair_steps(steps, lfirst(lc), contract_model_relid(lfirst(lc)));
		}
	}
	else
	{
		Oid			relid = PG_GETARG_OID(0);

		steps = repair_steps(steps, contract_for_relation(relid), relid);
	}
	foreach(lc, steps)
		check_repair_owner(lfirst(lc));

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	/* keys before the foreign keys that may reference them */
	for (pass = 0; pass < 2; pass++)
	{
		foreach(lc, steps)
		{
			RepairStep *step = lfirst(lc);
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};

			CHECK_FOR_INTERRUPTS();
			if (step->foreign_key != (pass == 1))
				continue;
			run_repair_step(step);
			values[0] = CStringGetTextDatum(step->spec->name);
			values[1] = step->spec->version ?
				CStringGetTextDatum(step->spec->version) : (Datum) 0;
			nulls[1] = step->spec->version == NULL;
			values[2] = CStringGetTextDatum(step->relation);
			values[3] = CStringGetTextDatum(step->object);
			values[4] = CStringGetTextDatum(step->sql);
			tuplestore_putvalues(sink.store, sink.desc, values, nulls);
		}
	}
	SPI_finish();
	return (Datum) 0;
}
