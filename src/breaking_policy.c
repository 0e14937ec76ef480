/*-------------------------------------------------------------------------
 * breaking_policy.c
 *	  dbt's policy on breaking changes to enforced contracts, applied to
 *	  the changes an apply's diff found (contract_diff.c).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "dbt_contract.h"

static char *
change_label(const ContractChange *c)
{
	return c->version != NULL ?
		psprintf("model \"%s\" version %s", dbtc_clip(c->model), dbtc_clip(c->version)) :
		psprintf("model \"%s\"", dbtc_clip(c->model));
}

static void
breaking_warning(const ContractChange *c, const char *detail)
{
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("breaking change to the enforced contract of %s", change_label(c)),
			 errdetail_internal("%s", detail),
			 errhint("Consumers of this model may break. Versioned models turn this into an error; see the README on evolving a contract.")));
}

static bool
same_model(const ContractChange *a, const ContractChange *b)
{
	return dbtc_version_key_cmp(a->version, b->version) == 0 &&
		strcmp(a->model, b->model) == 0;
}

/*
 * dbt's policy: breaking changes to a versioned model are an error (unless
 * a superuser accepts them), to an unversioned model a warning.  Returns
 * the breaking changes that go through, for the history.
 *
 * The changes of each model come together (as the apply's diff lists
 * them), so models are counted and grouped in one pass.
 */
List *
contract_breaking_policy(List *changes, bool allow_breaking)
{
	StringInfoData versioned;
	List	   *accepted = NIL;
	ContractChange *last_versioned = NULL;
	ContractChange *first = NULL;
	StringInfoData detail;
	ListCell   *lc;
	int			nmodels = 0;

	initStringInfo(&versioned);
	foreach(lc, changes)
	{
		ContractChange *c = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (!c->breaking)
			continue;
		accepted = lappend(accepted, psprintf("%s: %s: %s", change_label(c),
											  c->change, c->detail));
		if (c->version != NULL && !allow_breaking)
		{
			appendStringInfo(&versioned, "%s%s: %s: %s", versioned.len ? "\n" : "",
							 change_label(c), c->change, c->detail);
			if (last_versioned == NULL || !same_model(last_versioned, c))
				nmodels++;
			last_versioned = c;
		}
	}
	if (nmodels > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 nmodels == 1 ?
				 errmsg("breaking change to the enforced contract of %s",
						change_label(last_versioned)) :
				 errmsg("breaking changes to the enforced contracts of %d versioned models",
						nmodels),
				 errdetail_internal("%s", versioned.data),
				 errhint("Publish the change as a new version of the model, or accept it deliberately with allow_breaking => true (a superuser or the owner of the target schema). Nothing was applied.")));

	/* unversioned models: one warning per model, listing its changes */
	if (allow_breaking)
		return accepted;
	initStringInfo(&detail);
	foreach(lc, changes)
	{
		ContractChange *c = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (!c->breaking || c->version != NULL)
			continue;
		if (first != NULL && !same_model(first, c))
		{
			breaking_warning(first, detail.data);
			resetStringInfo(&detail);
		}
		if (detail.len == 0)
			first = c;
		appendStringInfo(&detail, "%s%s: %s", detail.len ? "\n" : "",
						 c->change, c->detail);
	}
	if (first != NULL)
		breaking_warning(first, detail.data);
	return accepted;
}
