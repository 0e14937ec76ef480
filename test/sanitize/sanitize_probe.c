/*-------------------------------------------------------------------------
 * sanitize_probe.c
 *	  A module with one deliberate heap overflow and one deliberate signed
 *	  overflow, built with the same sanitizer flags as dbt_contract.
 *
 * scripts/run-sanitizers.sh calls both before the suites and requires a
 * report for each in the sanitizer logs: that proves the runtimes are
 * preloaded, the compiled-in options (log_path, halt_on_error) are in
 * force and the report scanner sees what it must.  A run in which the
 * probes go unreported counts as failed, whatever the suites did.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "fmgr.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(dbtc_sanitize_probe);

/*
 * dbtc_sanitize_probe(kind text, n int4) returns int4
 *
 * 'heap': writes one byte past an n-byte malloc'd block.
 * 'signed_overflow': adds n to INT32_MAX in plain int arithmetic.
 */
Datum
dbtc_sanitize_probe(PG_FUNCTION_ARGS)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		n = PG_GETARG_INT32(1);

	if (strcmp(kind, "heap") == 0)
	{
		/* volatile, or the compiler drops a store to memory freed next */
		volatile char *block = malloc(n);

		if (block == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		block[n] = 'x';
		free((void *) block);
		PG_RETURN_INT32(n);
	}
	if (strcmp(kind, "signed_overflow") == 0)
	{
		int32		sum = PG_INT32_MAX;

		sum += n;
		PG_RETURN_INT32(sum);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown probe \"%s\"", kind),
			 errhint("Use \"heap\" or \"signed_overflow\".")));
	PG_RETURN_NULL();
}
