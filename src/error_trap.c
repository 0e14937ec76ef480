/*-------------------------------------------------------------------------
 * error_trap.c
 *	  Run a step that may fail in a subtransaction and hand its error back,
 *	  for parses whose failure is a contract problem to report, not an abort.
 *
 * The subtransaction matters: a parser can fail while holding a syscache
 * entry, a relation lock or a GUC change, which only an abort releases.
 * Errors that are no verdict on the input (a cancel, out of memory, an
 * internal error) are never trapped: they propagate unchanged.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "dbt_contract.h"

/*
 * Is a caught error the parser or analyzer rejecting its input, rather
 * than a cancel, an out-of-memory or an internal error?
 */
bool
dbtc_error_is_verdict(const ErrorData *edata)
{
	int			category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);

	return edata->elevel == ERROR &&
		category != ERRCODE_TO_CATEGORY(ERRCODE_INSUFFICIENT_RESOURCES) &&
		category != ERRCODE_TO_CATEGORY(ERRCODE_PROGRAM_LIMIT_EXCEEDED) &&
		category != ERRCODE_TO_CATEGORY(ERRCODE_OPERATOR_INTERVENTION) &&
		category != ERRCODE_TO_CATEGORY(ERRCODE_SYSTEM_ERROR) &&
		category != ERRCODE_TO_CATEGORY(ERRCODE_INTERNAL_ERROR);
}

/*
 * Run step(arg) in a subtransaction.  Returns NULL when it succeeded;
 * when it failed with a verdict on its input, the error (allocated in the
 * caller's memory context) after rolling the subtransaction back.
 */
ErrorData *
dbtc_trap_error(void (*step) (void *arg), void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *volatile trapped = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		step(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (!dbtc_error_is_verdict(edata))
			ReThrowError(edata);
		trapped = edata;
	}
	PG_END_TRY();
	return trapped;
}
